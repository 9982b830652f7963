/**
 * The tutorial notebooks run in JupyterLab 4, the client learners use: a private JupyterLab server
 * (from the project's .venv, made by scripts/install-jupyter.sh) serves a copy of notebooks/, and
 * headless Chromium opens each notebook, runs all cells with A3C_NOTEBOOK_BUDGET=ci (training cells
 * use their short budget), saves it and checks it (tests/notebook_support/lab_session.ts):
 * - Run All reached the last cell, with no error output (tslab reports compile errors and
 *   exceptions on stderr) and every output its `metadata.a3c.expect` declares;
 * - every plotly figure drew its SVG and every video decoded a frame with a positive duration;
 * - no request left this machine.
 * Screenshots go to tests/out/screenshots/, the executed notebooks to tests/out/lab/notebooks/,
 * timings to tests/out/notebook_timings.json.
 *
 * `A3C_NOTEBOOKS=01,05` runs only the notebooks whose file names contain one of the parts;
 * `A3C_NOTEBOOK_DIR=DIR` runs the notebooks of another folder (to see a broken one fail);
 * `A3C_NOTEBOOK_TIMEOUT=SECONDS` bounds Run All of one notebook (default 900).
 * Without JupyterLab or Chromium the notebook tests are skipped with the install command.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readExpectations } from '../notebook_support/notebook_checks.js';
import type { Notebook } from '../notebook_support/notebook_checks.js';
import { findJupyterLab, INSTALL_HINT } from '../notebook_support/jupyter_server.js';
import { formatReport, LabSession } from '../notebook_support/lab_session.js';
import type { NotebookRunReport } from '../notebook_support/lab_session.js';
import { CHROMIUM_PATH } from '../notebook_support/page_checks.js';
import { assertBuilt } from '../fixtures/built.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NOTEBOOK_DIR = process.env.A3C_NOTEBOOK_DIR ?? path.join(ROOT, 'notebooks');
const OUT_DIR = path.join(ROOT, 'tests', 'out');
const TSLAB_BIN = path.join(ROOT, 'node_modules', '.bin', 'tslab');
/** Seconds Run All may take for one notebook; under the ci budget each needs far less. */
const RUN_TIMEOUT_SECONDS = Number(process.env.A3C_NOTEBOOK_TIMEOUT ?? 900);

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

/** Why the notebooks cannot run in JupyterLab here, or null when they can. */
function labMissing(): string | null {
  const lab = findJupyterLab(ROOT);
  if ('missing' in lab) return lab.missing;
  if (!existsSync(CHROMIUM_PATH)) return `${CHROMIUM_PATH} not found; ${INSTALL_HINT}`;
  if (!existsSync(TSLAB_BIN)) return `${path.relative(ROOT, TSLAB_BIN)} not found; run npm install`;
  return null;
}

test('committed notebooks are stripped of outputs (scripts/strip_notebooks.ts --check)', () => {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'scripts', 'strip_notebooks.ts'), '--check'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});

test('every notebook declares a tslab kernel and its expected outputs', () => {
  assert.ok(notebooks.length > 0, `${NOTEBOOK_DIR} has no .ipynb files`);
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

const missing = labMissing();
let session: LabSession | null = null;
const timings: Record<string, Pick<NotebookRunReport, 'openSeconds' | 'runSeconds' | 'cells'>> = {};

before(async () => {
  if (missing !== null || notebooks.length === 0) return;
  // The notebooks import ../dist/index.js.
  assertBuilt();
  const lab = findJupyterLab(ROOT);
  if ('missing' in lab) return;
  session = await LabSession.start(
    {
      root: ROOT,
      notebooksDir: NOTEBOOK_DIR,
      jupyter: lab.jupyter,
      outDir: OUT_DIR,
      runTimeoutSeconds: RUN_TIMEOUT_SECONDS,
    },
    notebooks,
  );
});

after(async () => {
  await session?.close();
});

for (const name of notebooks) {
  test(`notebook ${name} runs in JupyterLab 4 in Chromium`, { timeout: 30 * 60 * 1000 }, async (t) => {
    // t.skip, not a skip option computed elsewhere: the runner's summary counts it as skipped.
    if (missing !== null) return t.skip(missing);
    assert.ok(session !== null, 'the JupyterLab session did not start (see the before hook)');
    const report = await session.run(name);
    const summary = formatReport(report);
    console.log(summary);
    timings[name] = { openSeconds: report.openSeconds, runSeconds: report.runSeconds, cells: report.cells };
    mkdirSync(OUT_DIR, { recursive: true });
    writeFileSync(path.join(OUT_DIR, 'notebook_timings.json'), JSON.stringify(timings, null, 2));
    assert.deepEqual(report.failures, [], summary);
  });
}
