/**
 * Runs the tutorial notebooks in JupyterLab 4 in headless Chromium, as a learner would, and says
 * what is wrong with each: one JupyterLab server (tests/notebook_support/jupyter_server.ts) over a
 * copy of notebooks/, one Chromium, and per notebook a fresh browser context that opens it, runs
 * all cells, saves it and checks the page (figures drawn, videos decoded, nothing fetched from
 * outside this machine) and the saved notebook (no error output, the outputs its
 * `metadata.a3c.expect` declares). Used by tests/slow/notebooks.test.ts and
 * scripts/check_notebooks_browser.ts.
 *
 * The copy lives in tests/out/lab/notebooks/ beside links to dist/, assets/ and lib/ (05 reads a
 * source file), so the notebooks' `../dist/index.js` and `../assets/...` resolve as in notebooks/,
 * and `../runs` (training output) stays in tests/out.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { NOTEBOOK_BUDGET_ENV } from '../../lib/notebook/notebook.js';
import { startJupyterServer } from './jupyter_server.js';
import type { JupyterServer } from './jupyter_server.js';
import { openNotebook, runAllCells, saveNotebook, screenshotNotebook } from './lab_notebook.js';
import type { RunState } from './lab_notebook.js';
import { cellOutputText, countOutputs, findErrors, findMissingOutputs, joinText } from './notebook_checks.js';
import type { Notebook, OutputCounts } from './notebook_checks.js';
import { blockRemoteRequests, CHROMIUM_FLAGS, CHROMIUM_PATH, checkPlots, checkVideos } from './page_checks.js';
import type { PlotReport, VideoReport } from './page_checks.js';

export interface LabSessionOptions {
  /** The repository (has dist/, assets/, node_modules/). */
  root: string;
  /** The notebooks to copy (default root/notebooks). */
  notebooksDir?: string;
  /** The `jupyter` of the venv with JupyterLab. */
  jupyter: string;
  /** Where the notebook copies, screenshots and the private kernelspec go (e.g. tests/out). */
  outDir: string;
  chromiumPath?: string;
  /** Seconds Run All may take for one notebook (default 900). */
  runTimeoutSeconds?: number;
}

export interface NotebookRunReport {
  notebook: string;
  /** The executed notebook as JupyterLab saved it. */
  executed: string;
  screenshot: string;
  openSeconds: number;
  runSeconds: number;
  /** Each code cell's execution time as JupyterLab recorded it (`recordTiming`). */
  cells: { index: number; seconds: number }[];
  counts: OutputCounts | null;
  plots: PlotReport[];
  videos: VideoReport[];
  pageErrors: string[];
  blockedRequests: string[];
  /** Everything that makes the notebook fail; empty when it is fine. */
  failures: string[];
}

/** The folder layout of the copy, so `../dist`, `../assets` and `../runs` resolve from the notebooks. */
function prepareCopy(root: string, notebooksDir: string, labDir: string, names: readonly string[]): void {
  rmSync(labDir, { recursive: true, force: true });
  mkdirSync(path.join(labDir, 'notebooks'), { recursive: true });
  mkdirSync(path.join(labDir, 'runs'));
  for (const link of ['dist', 'assets', 'lib']) symlinkSync(path.join(root, link), path.join(labDir, link));
  for (const name of names) cpSync(path.join(notebooksDir, name), path.join(labDir, 'notebooks', name));
}

/**
 * A private kernelspec for this checkout's tslab, found through JUPYTER_PATH before any other,
 * so the test runs this checkout's kernel whichever checkout ran `tslab install` last.
 */
function writeKernelSpec(root: string, dataDir: string): void {
  const specDir = path.join(dataDir, 'kernels', 'tslab');
  mkdirSync(specDir, { recursive: true });
  const spec = {
    argv: [path.join(root, 'node_modules', '.bin', 'tslab'), 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript',
    language: 'typescript',
  };
  writeFileSync(path.join(specDir, 'kernel.json'), JSON.stringify(spec));
}

/** Per-cell seconds from the `execution` timestamps JupyterLab writes into cell metadata. */
function cellSeconds(notebook: Notebook): { index: number; seconds: number }[] {
  const result: { index: number; seconds: number }[] = [];
  notebook.cells.forEach((cell, index) => {
    const times = cell.metadata?.execution as Record<string, string> | undefined;
    const start = Date.parse(times?.['iopub.status.busy'] ?? '');
    const end = Date.parse(times?.['shell.execute_reply'] ?? '');
    if (Number.isFinite(start) && Number.isFinite(end)) result.push({ index, seconds: (end - start) / 1000 });
  });
  return result;
}

/** Problems found in the saved notebook: where Run All stopped, error output, missing outputs. */
function notebookFailures(notebook: Notebook, run: { state: RunState; stopped: boolean } | null): string[] {
  const failures: string[] = [];
  if (run?.stopped) {
    // JupyterLab stops at the failing cell: the last code cell that ran before the first one left unrun.
    let failed = run.state.firstPending - 1;
    while (failed >= 0 && notebook.cells[failed].cell_type !== 'code') failed -= 1;
    const cell = notebook.cells[failed];
    failures.push(
      `Run All stopped (${run.state.runAll ?? `kernel ${run.state.kernel}`}) with ${run.state.pending} of ${run.state.codeCells} code cells not run` +
        (cell === undefined
          ? ''
          : `; it stopped at cell ${failed}:\n--- source ---\n${joinText(cell.source)}\n--- output ---\n${cellOutputText(cell)}`),
    );
  }
  failures.push(...findErrors(notebook).map((p) => p.message));
  failures.push(...findMissingOutputs(notebook).map((p) => p.message));
  return failures;
}

export class LabSession {
  private constructor(
    private readonly options: LabSessionOptions,
    private readonly server: JupyterServer,
    private readonly browser: Browser,
    private readonly labDir: string,
  ) {}

  /** Copies the notebooks, starts JupyterLab and Chromium. */
  static async start(options: LabSessionOptions, names: readonly string[]): Promise<LabSession> {
    const labDir = path.join(options.outDir, 'lab');
    prepareCopy(options.root, options.notebooksDir ?? path.join(options.root, 'notebooks'), labDir, names);
    const kernelData = path.join(options.outDir, 'jupyter');
    writeKernelSpec(options.root, kernelData);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      JUPYTER_PATH: kernelData,
      PATH: `${path.join(options.root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
      [NOTEBOOK_BUDGET_ENV]: process.env[NOTEBOOK_BUDGET_ENV] ?? 'ci',
      PYDEVD_DISABLE_FILE_VALIDATION: '1',
    };
    // The kernel is a Node process too; it must not think it is a node:test child.
    delete env.NODE_TEST_CONTEXT;
    const server = await startJupyterServer({ jupyter: options.jupyter, rootDir: path.join(labDir, 'notebooks'), env });
    try {
      const browser = await chromium.launch({
        executablePath: options.chromiumPath ?? CHROMIUM_PATH,
        args: [...CHROMIUM_FLAGS],
      });
      return new LabSession(options, server, browser, labDir);
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  /** Opens, runs, saves and checks one notebook; never throws for a bad notebook, it lists failures. */
  async run(name: string): Promise<NotebookRunReport> {
    const screenshotDir = path.join(this.options.outDir, 'screenshots');
    mkdirSync(screenshotDir, { recursive: true });
    const report: NotebookRunReport = {
      notebook: name,
      executed: path.join(this.labDir, 'notebooks', name),
      screenshot: path.join(screenshotDir, `${path.basename(name, '.ipynb')}.png`),
      openSeconds: 0,
      runSeconds: 0,
      cells: [],
      counts: null,
      plots: [],
      videos: [],
      pageErrors: [],
      blockedRequests: [],
      failures: [],
    };
    const context = await this.browser.newContext({ viewport: { width: 1200, height: 900 } });
    await blockRemoteRequests(context, report.blockedRequests);
    const page = await context.newPage();
    page.on('pageerror', (error) => report.pageErrors.push(error.message));
    let run: { state: RunState; stopped: boolean } | null = null;
    try {
      run = await this.drive(page, name, report);
    } catch (error) {
      report.failures.push(`in JupyterLab: ${(error as Error).message.split('\n').slice(0, 3).join('\n')}`);
      await page.screenshot({ path: report.screenshot }).catch(() => undefined);
    } finally {
      await this.shutdownKernels();
      await context.close();
    }
    this.checkSaved(report, run);
    for (const message of report.pageErrors) report.failures.push(`page script error: ${message}`);
    for (const url of report.blockedRequests) report.failures.push(`request to another host blocked: ${url}`);
    return report;
  }

  private async drive(
    page: Page,
    name: string,
    report: NotebookRunReport,
  ): Promise<{ state: RunState; stopped: boolean }> {
    let started = Date.now();
    await openNotebook(page, this.server, name, 120_000);
    report.openSeconds = (Date.now() - started) / 1000;
    started = Date.now();
    const run = await runAllCells(page, (this.options.runTimeoutSeconds ?? 900) * 1000);
    report.runSeconds = (Date.now() - started) / 1000;
    await saveNotebook(page);
    report.plots = await checkPlots(page, 30_000);
    report.videos = await checkVideos(page, 30_000);
    report.plots.forEach((p, i) => {
      if (p.paths === 0)
        report.failures.push(
          `figure ${i + 1} of ${report.plots.length} did not draw${p.message === '' ? '' : `: "${p.message}"`}`,
        );
    });
    report.videos.forEach((v, i) => {
      if (v.error !== null) report.failures.push(`video ${i + 1}: ${v.error}`);
      else if (!(v.durationSeconds > 0))
        report.failures.push(`video ${i + 1}: duration ${v.durationSeconds}, expected > 0`);
    });
    await screenshotNotebook(page, report.screenshot);
    return run;
  }

  /** Reads the notebook JupyterLab saved and compares it with what the page showed. */
  private checkSaved(report: NotebookRunReport, run: { state: RunState; stopped: boolean } | null): void {
    let notebook: Notebook;
    try {
      notebook = JSON.parse(readFileSync(report.executed, 'utf8')) as Notebook;
    } catch (error) {
      report.failures.push(`cannot read the saved notebook: ${(error as Error).message}`);
      return;
    }
    report.cells = cellSeconds(notebook);
    report.counts = countOutputs(notebook);
    report.failures.unshift(...notebookFailures(notebook, run));
    if (run === null) return;
    if (report.plots.length !== report.counts.plotly)
      report.failures.push(`${report.plots.length} figures on the page, ${report.counts.plotly} in the saved notebook`);
    if (report.videos.length !== report.counts.video)
      report.failures.push(`${report.videos.length} videos on the page, ${report.counts.video} in the saved notebook`);
  }

  /** Shuts every kernel down through the REST API (closing the tab would leave a save dialog waiting). */
  private async shutdownKernels(): Promise<void> {
    const kernels = (await this.server.api('GET', '/api/kernels')) as { id: string }[];
    for (const kernel of kernels) await this.server.api('DELETE', `/api/kernels/${kernel.id}`);
  }

  async close(): Promise<void> {
    try {
      await this.browser.close();
    } finally {
      await this.server.stop();
    }
  }
}

/** One line per notebook and one per problem, for the CLI and for test failure messages. */
export function formatReport(r: NotebookRunReport): string {
  const videos = r.videos
    .map(
      (v) =>
        `${v.durationSeconds.toFixed(2)} s ${v.width}x${v.height} (${v.verifiedBy === 'browser' ? `decoded by Chromium, frame with ${v.frameColors} colours` : 'Chromium cannot decode H.264; MP4 container verified instead'})`,
    )
    .join(', ');
  const lines = [
    `${r.failures.length === 0 ? 'ok  ' : 'FAIL'} ${r.notebook}: opened in ${r.openSeconds.toFixed(1)} s, ran in ${r.runSeconds.toFixed(1)} s; ` +
      `${r.plots.length} figure(s) with ${r.plots.map((p) => p.paths).join('/') || '-'} SVG paths; ${r.videos.length} video(s)${videos === '' ? '' : `: ${videos}`}; ` +
      `screenshot ${r.screenshot}`,
  ];
  for (const failure of r.failures) lines.push(`     - ${failure}`);
  return lines.join('\n');
}
