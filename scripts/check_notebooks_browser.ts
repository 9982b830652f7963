/**
 * Runs tutorial notebooks in JupyterLab 4 in headless Chromium and prints what each showed: the
 * same check as tests/slow/notebooks.test.ts, for a look without the test runner. Screenshots go to
 * tests/out/screenshots/, the executed notebooks to tests/out/lab/notebooks/.
 *
 *   node --import tsx scripts/check_notebooks_browser.ts [01 05 ...]
 * (arguments pick the notebooks whose file names contain them; default all; A3C_NOTEBOOK_DIR
 * runs the notebooks of another folder, e.g. a deliberately broken one)
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findJupyterLab } from '../tests/notebook_support/jupyter_server.js';
import { formatReport, LabSession } from '../tests/notebook_support/lab_session.js';
import { CHROMIUM_PATH } from '../tests/notebook_support/page_checks.js';

// scripts/make_readme_assets.ts launches the same Chromium with the same offline flags.
export { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../tests/notebook_support/page_checks.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(parts: readonly string[]): Promise<number> {
  const lab = findJupyterLab(ROOT);
  if ('missing' in lab || !existsSync(CHROMIUM_PATH)) {
    console.error(`check_notebooks_browser: ${'missing' in lab ? lab.missing : `${CHROMIUM_PATH} not found`}`);
    return 2;
  }
  const notebooksDir = process.env.A3C_NOTEBOOK_DIR ?? path.join(ROOT, 'notebooks');
  const names = readdirSync(notebooksDir)
    .filter((f) => f.endsWith('.ipynb') && (parts.length === 0 || parts.some((p) => f.includes(p))))
    .sort();
  if (names.length === 0) {
    console.error(`check_notebooks_browser: no notebook in notebooks/ matches ${parts.join(', ')}`);
    return 2;
  }
  const session = await LabSession.start(
    { root: ROOT, notebooksDir, jupyter: lab.jupyter, outDir: path.join(ROOT, 'tests', 'out') },
    names,
  );
  let failed = 0;
  try {
    for (const name of names) {
      const report = await session.run(name);
      console.log(formatReport(report));
      if (report.failures.length > 0) failed += 1;
    }
  } finally {
    await session.close();
  }
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`check_notebooks_browser: ${(error as Error).stack ?? error}`);
      process.exitCode = 2;
    },
  );
}
