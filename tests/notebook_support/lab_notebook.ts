/**
 * Drives one notebook in a JupyterLab 4 page the way a learner does: open it (its kernelspec
 * starts the tslab kernel), Run All, wait until every code cell has run, save. It uses
 * JupyterLab's own objects through `window.jupyterapp` (the server runs with
 * `--LabApp.expose_app_in_browser=True`): the command registry for Run All, the notebook panel's
 * cells and session for progress.
 */
import type { Page } from 'playwright-core';
import type { JupyterServer } from './jupyter_server.js';

/*
 * The few members of JupyterLab's objects used below (JupyterFrontEnd, NotebookPanel, its
 * session and cells). The project's tsconfig has no DOM lib and the test does not depend on
 * @jupyterlab/*; these functions run in the page, where the real objects have these members.
 */
interface LabKernel {
  id: string;
  name: string;
  status: string;
}
interface LabPanel {
  id: string;
  context: { ready: Promise<void>; save(): Promise<void>; model: { dirty: boolean } };
  sessionContext: { ready: Promise<void>; session: { kernel: LabKernel | null } | null };
  content: { widgets: readonly { model: { type: string; executionCount?: number | null } }[] };
}
interface LabApp {
  started: Promise<void>;
  restored: Promise<void>;
  commands: { execute(id: string, args?: Record<string, unknown>): Promise<unknown> };
  shell: { activateById(id: string): void; collapseLeft(): void; collapseRight(): void; mode: string };
}
interface LabWindow {
  jupyterapp?: LabApp;
  /** The notebook under test, kept between page.evaluate calls. */
  a3cPanel?: LabPanel;
  /** How Run All's promise settled: "ok", "failed" (a cell failed) or the error; unset while it runs. */
  a3cRunAll?: string;
}
interface ScrollElement {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  querySelectorAll(selector: string): ArrayLike<ScrollElement>;
}

/** Progress of Run All, read from the panel. */
export interface RunState {
  kernel: string;
  codeCells: number;
  /** Code cells without an execution count yet. */
  pending: number;
  /** Index (among all cells) of the first code cell without an execution count, or -1. */
  firstPending: number;
  /** How Run All ended ("ok", "failed", an error), or null while it runs. */
  runAll: string | null;
}

/** Opens JupyterLab and the notebook, and waits until its kernel (tslab) is started and idle. */
export async function openNotebook(
  page: Page,
  server: JupyterServer,
  notebookPath: string,
  timeoutMs: number,
): Promise<void> {
  // `reset` starts from an empty workspace, so no earlier notebook reopens beside this one.
  await page.goto(`${server.baseUrl}/lab?reset&token=${server.token}`, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => (globalThis as unknown as LabWindow).jupyterapp !== undefined, undefined, {
    timeout: timeoutMs,
  });
  const kernel = await page.evaluate(async (file) => {
    const w = globalThis as unknown as LabWindow;
    const app = w.jupyterapp as LabApp;
    await app.started;
    await app.restored;
    // One document filling the main area: the screenshot shows the notebook, not the file browser.
    app.shell.mode = 'single-document';
    const panel = (await app.commands.execute('docmanager:open', { path: file, factory: 'Notebook' })) as LabPanel;
    w.a3cPanel = panel;
    await panel.context.ready;
    await panel.sessionContext.ready;
    app.shell.activateById(panel.id);
    const k = panel.sessionContext.session?.kernel;
    return k ? k.name : null;
  }, notebookPath);
  if (kernel !== 'tslab')
    throw new Error(`${notebookPath} opened with kernel ${JSON.stringify(kernel)}, expected "tslab" (its kernelspec)`);
  await page.waitForFunction(
    () => (globalThis as unknown as LabWindow).a3cPanel?.sessionContext.session?.kernel?.status === 'idle',
    undefined,
    { timeout: timeoutMs, polling: 250 },
  );
}

export async function readRunState(page: Page): Promise<RunState> {
  return page.evaluate(() => {
    const panel = (globalThis as unknown as LabWindow).a3cPanel as LabPanel;
    let codeCells = 0;
    let pending = 0;
    let firstPending = -1;
    panel.content.widgets.forEach((cell, index) => {
      if (cell.model.type !== 'code') return;
      codeCells += 1;
      if (cell.model.executionCount === null || cell.model.executionCount === undefined) {
        pending += 1;
        if (firstPending < 0) firstPending = index;
      }
    });
    const kernel = panel.sessionContext.session?.kernel?.status ?? 'no kernel';
    return { kernel, codeCells, pending, firstPending, runAll: (globalThis as unknown as LabWindow).a3cRunAll ?? null };
  });
}

/**
 * Runs all cells and waits until JupyterLab says Run All is over and the kernel is idle. Run All
 * stops at the first cell that fails and leaves the rest unnumbered; that is returned as
 * `stopped`, not thrown, so the caller can read the failing cell's output from the saved notebook.
 */
export async function runAllCells(page: Page, timeoutMs: number): Promise<{ state: RunState; stopped: boolean }> {
  await page.evaluate(() => {
    const w = globalThis as unknown as LabWindow;
    delete w.a3cRunAll;
    // The command returns NotebookActions.runAll's promise: true once every cell ran, false when
    // one failed. It is not awaited here: progress is polled below, so a hang ends in a timeout
    // that names the cell. (The kernel's idle status is no end signal: tslab compiles a cell
    // before it reports busy, so the kernel can look idle for seconds between two cells.)
    (w.jupyterapp as LabApp).commands.execute('notebook:run-all-cells').then(
      (ok) => {
        w.a3cRunAll = ok === true ? 'ok' : 'failed';
      },
      (error: unknown) => {
        w.a3cRunAll = `error: ${String(error)}`;
      },
    );
  });
  const started = Date.now();
  for (;;) {
    const state = await readRunState(page);
    if (state.kernel === 'dead' || state.kernel === 'no kernel') return { state, stopped: true };
    if (state.runAll !== null && state.kernel === 'idle')
      return { state, stopped: state.runAll !== 'ok' || state.pending > 0 };
    if (Date.now() - started > timeoutMs)
      throw new Error(
        `Run All did not finish within ${timeoutMs / 1000} s: kernel ${state.kernel}, ` +
          `${state.pending} of ${state.codeCells} code cells not run, the first is cell ${state.firstPending}`,
      );
    await page.waitForTimeout(500);
  }
}

/** Saves the notebook through its document context (what File > Save does) and returns its kernel id. */
export async function saveNotebook(page: Page): Promise<string | null> {
  return page.evaluate(async () => {
    const panel = (globalThis as unknown as LabWindow).a3cPanel as LabPanel;
    await panel.context.save();
    if (panel.context.model.dirty) throw new Error('the notebook is still marked unsaved after saving');
    return panel.sessionContext.session?.kernel?.id ?? null;
  });
}

/** Scrolls every scrolled element of the notebook back to its top; returns the most any still hides. */
async function scrollToTop(page: Page): Promise<number> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: ScrollElement }).document;
    let most = 0;
    for (const el of Array.from(doc.querySelectorAll('.jp-NotebookPanel, .jp-NotebookPanel *'))) {
      if (el.scrollTop > 0) el.scrollTop = 0;
      most = Math.max(most, el.scrollHeight - el.clientHeight);
    }
    return most;
  });
}

/**
 * A screenshot of the whole notebook. JupyterLab fills the window and scrolls the notebook
 * inside its own panel, so a full-page screenshot would show one screen of it: the side panels
 * are collapsed and the window is made as tall as the notebook first (capped: very long
 * notebooks are cut).
 */
export async function screenshotNotebook(page: Page, file: string, maxHeight = 30_000): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 1200, height: 900 };
  await page.evaluate(() => {
    const app = (globalThis as unknown as LabWindow).jupyterapp as LabApp;
    app.shell.collapseLeft();
    app.shell.collapseRight();
  });
  const hidden = await scrollToTop(page);
  await page.setViewportSize({ width: viewport.width, height: Math.min(maxHeight, viewport.height + hidden) });
  // Let JupyterLab lay out the taller window (and plotly redraw its responsive figures).
  await page.waitForTimeout(1_000);
  await scrollToTop(page);
  await page.screenshot({ path: file, fullPage: true });
  await page.setViewportSize(viewport);
}
