/**
 * A3C step 7 (not in the paper): the KL-adaptive learning rate, and the schedule it sits on.
 *
 * A3C has no trust region, and on HalfCheetah updates at a fixed step size now and then move the
 * policy a hundred times further than usual (docs/tuning.md). After each update the worker
 * measures KL(policy that collected the rollout || policy after the update), and one shared
 * level k moves the rate: lr_t = schedule(t) x LR_FACTOR^k (rl_games' adaptive schedule, after
 * PPO's adaptive KL penalty, Schulman et al. 2017).
 */
import type { A3CConfig } from '../config.js';
import { Counter } from '../training/shared_memory.js';

/** Step of the adaptive learning rate: the rate is lr x LR_FACTOR^level. */
export const LR_FACTOR = 1.5;
/** Bounds of the adaptive level: the multiplier stays within [1.5^-12, 1.5^4], about [0.008, 5]. */
export const LR_LEVEL_MIN = -12;
export const LR_LEVEL_MAX = 4;

/**
 * The learning rate at `globalStep` under the configured schedule, times LR_FACTOR^adaptiveLevel
 * (0 without `targetKl`). The linear schedule decays towards 0 but stays positive
 * (lr / totalSteps at the last step): the workers' last rollouts may end past totalSteps, and
 * Adam needs lr > 0.
 */
export function learningRateAt(
  config: Pick<A3CConfig, 'lr' | 'lrSchedule' | 'totalSteps'>,
  globalStep: number,
  adaptiveLevel = 0,
): number {
  const adaptive = LR_FACTOR ** adaptiveLevel;
  if (config.lrSchedule === 'constant') return config.lr * adaptive;
  const step = Math.min(Math.max(globalStep, 0), config.totalSteps - 1);
  return config.lr * adaptive * (1 - step / config.totalSteps);
}

/** The next adaptive level: one notch down if the KL was above 2 x target, up if below target / 2. */
export function nextLrLevel(level: number, kl: number, targetKl: number): number {
  if (kl > 2 * targetKl) return Math.max(LR_LEVEL_MIN, level - 1);
  if (kl < targetKl / 2) return Math.min(LR_LEVEL_MAX, level + 1);
  return level;
}

/** Move the shared level after an update whose policy moved by `kl` (`targetKl` > 0). */
export function adaptLearningRate(counters: Int32Array, kl: number, targetKl: number): void {
  const level = Atomics.load(counters, Counter.LrLevel);
  const next = nextLrLevel(level, kl, targetKl);
  // Atomics.compareExchange: moves the level one notch from what this worker measured against;
  // if another worker moved it meanwhile, this measurement is dropped rather than applied twice.
  if (next !== level) Atomics.compareExchange(counters, Counter.LrLevel, level, next);
}
