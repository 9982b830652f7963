/**
 * Display helpers for the tslab notebooks: plotly figures and live training curves (plot.ts),
 * images and videos (media.ts), all offline (no CDN) so an executed notebook and its HTML export
 * open without network, and the notebooks' training budget.
 *
 * This folder never imports tslab: callers pass tslab's display object (`tslab.display` or
 * `tslab.newDisplay()`), so `dist/index.js` still loads in plain Node and in the CLI.
 */
export * from './plot.js';
export * from './media.js';

/** The part of tslab's `Display` these helpers use (tslab's own type satisfies it). */
export interface NotebookDisplay {
  html(s: string): void;
  png(b: Uint8Array): void;
}

/** Environment variable the notebooks read to pick their training budget. */
export const NOTEBOOK_BUDGET_ENV = 'A3C_NOTEBOOK_BUDGET';

/** `ci`: seconds-long runs so every notebook executes in the test suite; `full`: the real thing. */
export type NotebookBudget = 'ci' | 'full';

const NOTEBOOK_BUDGETS: readonly NotebookBudget[] = ['ci', 'full'];

/** Reads `A3C_NOTEBOOK_BUDGET` (unset or empty means `full`). */
export function notebookBudget(env: Record<string, string | undefined> = process.env): NotebookBudget {
  const value = env[NOTEBOOK_BUDGET_ENV];
  if (value === undefined || value === '') return 'full';
  if ((NOTEBOOK_BUDGETS as readonly string[]).includes(value)) return value as NotebookBudget;
  throw new Error(
    `${NOTEBOOK_BUDGET_ENV}=${JSON.stringify(value)} is not a budget; allowed: ${NOTEBOOK_BUDGETS.join(', ')} (unset means full)`,
  );
}

// ---------------------------------------------------------------------------------------------
// Pure helpers: moving average and trace builders.
