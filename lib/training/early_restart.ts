/**
 * The early restart: a run whose best evaluation is still low at an early check is started again
 * from a new initialisation (a new seed), at most `maxRestarts` times.
 *
 * Why: on HalfCheetah the runs that end poorly settle on a poor gait early (on the back, tilted,
 * or level but slow) and keep it to the end; more steps do not get them out. Over 30 runs of the
 * defaults and the tuning blocks, every run that ended below 2,500 had a best evaluation mean of
 * at most 1,398 after 700k steps, every other run at least 1,951. On the first block judged with a
 * bar of 1,700, the two runs that still ended below 2,500 had passed it with best scores of 1,729
 * and 1,824; every run there that ended well had at least 2,141. With 2,000 and up to three restarts,
 * all 20 runs of the held-out seeds 371-390 ended at 2,500 or more (docs/tuning.md, "The early
 * restart"). A restart costs the steps already taken (about 50 s at 700k) and gives the run a new
 * draw.
 *
 * The check is per task, from measurements of that task; a task without one never restarts.
 */
import type { A3CConfig } from '../config.js';

export interface EarlyCheck {
  /** The check runs at the first evaluation at or after this many env steps. */
  steps: number;
  /** A best evaluation score (mean - std) below this restarts the run. */
  minScore: number;
}

/** The measured checks (the evidence is in docs/tuning.md). */
export const EARLY_CHECKS: Readonly<Record<string, EarlyCheck>> = {
  'HalfCheetah-v5': { steps: 700_000, minScore: 2_000 },
};

/**
 * The check this attempt of a run must pass, or null: no check for the task, no restart left,
 * no evaluations to judge by, or a budget that ends before the check.
 */
export function earlyCheckFor(
  config: Pick<A3CConfig, 'envId' | 'maxRestarts' | 'totalSteps' | 'evalIntervalSteps'>,
  restarts: number,
  check: EarlyCheck | null = EARLY_CHECKS[config.envId] ?? null,
): EarlyCheck | null {
  if (!check || restarts >= config.maxRestarts || config.evalIntervalSteps <= 0) return null;
  return check.steps < config.totalSteps ? check : null;
}

/** Whether an evaluation at `globalStep`, with `bestScore` the best so far, restarts the run. */
export function failsEarlyCheck(check: EarlyCheck, globalStep: number, bestScore: number | null): boolean {
  return globalStep >= check.steps && (bestScore === null || bestScore < check.minScore);
}

/**
 * The seed of attempt `restarts` (0 for the first): the run's seed, then a new one per restart.
 * Deterministic, so a reproducible run restarts the same way every time.
 */
export function attemptSeed(seed: number, restarts: number): number {
  return (seed + restarts * 1_000_003) % 2 ** 31;
}
