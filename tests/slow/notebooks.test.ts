/**
 * The tutorial notebooks run: every notebooks/*.ipynb is executed top to bottom in the real tslab
 * kernel by Jupyter's own client (nbclient, through tests/notebook_support/execute_notebook.py),
 * with a per-cell timeout and A3C_NOTEBOOK_BUDGET=ci so training cells use their short budget.
 * A notebook fails on any error (tslab reports compile errors and exceptions on stderr) and when
 * an output it declares in `metadata.a3c.expect` is missing. The executed notebooks stay in
 * tests/out/notebooks/ and are then opened in headless Chromium (scripts/check_notebooks_browser.ts).
 *
 * Without Jupyter or Chromium the tests that need them are skipped with the install command.
 * Timing per notebook is written to tests/out/notebook_timings.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cellOutputText,
  countOutputs,
  findErrors,
  findMissingOutputs,
  joinText,
  readExpectations,
} from '../notebook_support/notebook_checks.js';
import type { Notebook } from '../notebook_support/notebook_checks.js';
import { checkNotebooksInBrowser, formatReports, CHROMIUM_PATH } from '../../scripts/check_notebooks_browser.js';
import { NOTEBOOK_BUDGET_ENV } from '../../lib/notebook/notebook.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NOTEBOOK_DIR = path.join(ROOT, 'notebooks');
const OUT_DIR = path.join(ROOT, 'tests', 'out');
const EXECUTED_DIR = path.join(OUT_DIR, 'notebooks');
/** Debian's Python, which has the apt Jupyter packages (the python3 first on PATH may not). */
const PYTHON = process.env.A3C_NOTEBOOK_PYTHON ?? '/usr/bin/python3';
const TSLAB_BIN = path.join(ROOT, 'node_modules', '.bin', 'tslab');
const INSTALL_HINT = 'install with: bash scripts/install-jupyter.sh';
/** Seconds one cell may run; training cells under the ci budget should need far less. */
const CELL_TIMEOUT_SECONDS = Number(process.env.A3C_NOTEBOOK_CELL_TIMEOUT ?? 300);

/** `A3C_NOTEBOOKS=01,05` runs only the notebooks whose file names contain one of the parts. */
const only = (process.env.A3C_NOTEBOOKS ?? '')
  .split(',')
  .map((part) => part.trim())
  .filter((part) => part !== '');
const notebooks = existsSync(NOTEBOOK_DIR)
  ? readdirSync(NOTEBOOK_DIR)
      .filter((f) => f.endsWith('.ipynb') && (only.length === 0 || only.some((part) => f.includes(part))))
      .sort()
  : [];

function readNotebook(file: string): Notebook {
  return JSON.parse(readFileSync(file, 'utf8')) as Notebook;
}

/** Why the notebooks cannot be executed here, or null when they can. */
function jupyterMissing(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found; ${INSTALL_HINT}`;
  const probe = spawnSync(PYTHON, ['-c', 'import nbclient, nbformat, jupyter_client, ipykernel'], { encoding: 'utf8' });
  if (probe.status !== 0)
    return `Jupyter (nbclient, nbformat, jupyter_client, ipykernel) is not installed for ${PYTHON}; ${INSTALL_HINT}`;
  if (!existsSync(TSLAB_BIN)) return `${path.relative(ROOT, TSLAB_BIN)} not found; run npm install`;
  return null;
}

/** Library sources (lib/, all folders) newer than their build in dist/: the notebooks would run old code. */
function staleBuild(): string[] {
  const libDir = path.join(ROOT, 'lib');
  return (readdirSync(libDir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .filter((file) => {
      const built = path.join(ROOT, 'dist', file.replace(/\.ts$/, '.js'));
      return !existsSync(built) || statSync(built).mtimeMs < statSync(path.join(libDir, file)).mtimeMs;
    })
    .map((file) => `lib/${file}`);
}

/**
 * A private kernelspec for this checkout's tslab, found through JUPYTER_PATH before the system
 * ones, so the test runs this checkout's kernel whichever checkout ran `tslab install` last.
 */
function writeKernelSpec(): string {
  const dataDir = path.join(OUT_DIR, 'jupyter');
  const specDir = path.join(dataDir, 'kernels', 'tslab');
  mkdirSync(specDir, { recursive: true });
  const spec = {
    argv: [TSLAB_BIN, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript',
    language: 'typescript',
  };
  writeFileSync(path.join(specDir, 'kernel.json'), JSON.stringify(spec));
  return dataDir;
}

interface ExecutionResult {
  ok: boolean;
  failedCell: number | null;
  error: string | null;
  kernelStartSeconds: number | null;
  totalSeconds: number;
  cells: { index: number; seconds: number }[];
}

function executeNotebook(input: string, output: string, jupyterPath: string): ExecutionResult {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: jupyterPath,
    PATH: `${path.join(ROOT, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    [NOTEBOOK_BUDGET_ENV]: process.env[NOTEBOOK_BUDGET_ENV] ?? 'ci',
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
  };
  // The kernel is a Node process too; it must not think it is a node:test child.
  delete env.NODE_TEST_CONTEXT;
  const run = spawnSync(
    PYTHON,
    [
      path.join(ROOT, 'tests', 'notebook_support', 'execute_notebook.py'),
      input,
      output,
      '--timeout',
      String(CELL_TIMEOUT_SECONDS),
    ],
    { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 },
  );
  const lastLine = run.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(lastLine) as ExecutionResult;
  } catch {
    throw new Error(`execute_notebook.py gave no result (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
}

const timings: Record<string, Omit<ExecutionResult, 'error' | 'failedCell'> & { outputBytes: number }> = {};

test('committed notebooks are stripped of outputs (scripts/strip_notebooks.ts --check)', () => {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'scripts', 'strip_notebooks.ts'), '--check'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});

test('every notebook declares a tslab kernel and its expected outputs', () => {
  assert.ok(notebooks.length > 0, 'notebooks/ has no .ipynb files');
  for (const name of notebooks) {
    const notebook = readNotebook(path.join(NOTEBOOK_DIR, name));
    const kernel = (notebook.metadata.kernelspec as { name?: string } | undefined)?.name;
    assert.equal(
      kernel,
      'tslab',
      `${name}: metadata.kernelspec.name must be "tslab" (the TypeScript kernel), got ${JSON.stringify(kernel)}`,
    );
    assert.doesNotThrow(() => readExpectations(notebook), `${name}: invalid metadata.a3c.expect`);
  }
});

const missing = jupyterMissing();
for (const name of notebooks) {
  test(`notebook ${name} runs top to bottom in tslab`, { skip: missing ?? false, timeout: 60 * 60 * 1000 }, (t) => {
    assert.ok(
      existsSync(path.join(ROOT, 'dist', 'index.js')),
      'dist/index.js is missing: run npm run build (notebooks import ../dist/)',
    );
    // npm test builds first (pretest); a direct run may not have, so say what is stale.
    const stale = staleBuild();
    if (stale.length > 0)
      t.diagnostic(`dist/ is older than ${stale.join(', ')}: run npm run build to test the current code`);
    mkdirSync(EXECUTED_DIR, { recursive: true });
    const input = path.join(NOTEBOOK_DIR, name);
    const output = path.join(EXECUTED_DIR, name);
    const result = executeNotebook(input, output, writeKernelSpec());
    const executed = readNotebook(output);

    if (!result.ok) {
      const cell = result.failedCell === null ? undefined : executed.cells[result.failedCell];
      // tslab's error replies carry no ename/evalue, so the cell's own output says what went wrong.
      const detail =
        cell === undefined
          ? String(result.error)
          : `cell ${result.failedCell} failed${result.error?.startsWith('cell timed out') ? ` (${result.error})` : ''}:\n` +
            `--- source ---\n${joinText(cell.source)}\n--- output ---\n${cellOutputText(cell)}`;
      assert.fail(`${name}: ${detail}\n(executed notebook: ${path.relative(ROOT, output)})`);
    }
    const errors = findErrors(executed);
    assert.deepEqual(
      errors.map((e) => e.message),
      [],
      `${name} has error output`,
    );
    const missingOutputs = findMissingOutputs(executed);
    assert.deepEqual(
      missingOutputs.map((p) => p.message),
      [],
      `${name} lacks declared outputs`,
    );

    const { error: _error, failedCell: _failedCell, ...timing } = result;
    timings[name] = { ...timing, outputBytes: statSync(output).size };
    writeFileSync(path.join(OUT_DIR, 'notebook_timings.json'), JSON.stringify(timings, null, 2));
    const counts = countOutputs(executed);
    console.log(
      `${name}: kernel start ${result.kernelStartSeconds} s, total ${result.totalSeconds} s, ` +
        `${(statSync(output).size / 1e6).toFixed(2)} MB executed (${counts.plotly} figures, ${counts.video} videos, ${counts.image} images)`,
    );
  });
}

const chromiumMissing = !existsSync(CHROMIUM_PATH) ? `${CHROMIUM_PATH} not found; ${INSTALL_HINT}` : missing;
test('executed notebooks render offline in headless Chromium', {
  skip: chromiumMissing ?? false,
  timeout: 10 * 60 * 1000,
}, async (t) => {
  // Notebooks that failed above are already reported there; open the ones that ran.
  const executed = notebooks.filter((name) => timings[name] !== undefined).map((name) => path.join(EXECUTED_DIR, name));
  if (executed.length === 0) {
    t.skip('no notebook executed successfully, so there is nothing to open');
    return;
  }
  const reports = await checkNotebooksInBrowser({ notebooks: executed });
  const summary = formatReports(reports);
  console.log(summary);
  assert.ok(
    reports.every((r) => r.failures.length === 0),
    summary,
  );
  for (const report of reports) {
    const expected = countOutputs(readNotebook(report.notebook));
    assert.equal(
      report.plots.length,
      expected.plotly,
      `${path.basename(report.html)}: figures on the page vs in the notebook`,
    );
    assert.equal(
      report.videos.length,
      expected.video,
      `${path.basename(report.html)}: videos on the page vs in the notebook`,
    );
  }
});
