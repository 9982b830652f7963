/**
 * The metrics a run logs (episodes.jsonl, updates.jsonl, evaluations.jsonl), named once here in
 * CleanRL's namespaced style. docs/metrics.md says what each means and what healthy values
 * look like.
 */
import type { WorkerMessage } from './protocol.js';

export const METRICS = {
  episodicReturn: 'charts/episodic_return',
  episodicLength: 'charts/episodic_length',
  stepsPerSecond: 'charts/steps_per_second',
  learningRate: 'charts/learning_rate',
  updates: 'charts/updates',
  skippedUpdates: 'charts/skipped_updates',
  policyLoss: 'losses/policy_loss',
  valueLoss: 'losses/value_loss',
  entropy: 'losses/entropy',
  gradNorm: 'losses/grad_norm',
  std: 'policy/std',
  kl: 'policy/kl',
  numTensors: 'debug/num_tensors',
  evalMeanReturn: 'eval/mean_return',
  evalStdReturn: 'eval/std_return',
  evalScore: 'eval/score',
  evalEpisodes: 'eval/episodes',
  evalReturns: 'eval/returns',
  /** Prefix of the per-episode means of the env's `info` terms, e.g. `episode/mean_reward_forward`. */
  episodeInfoPrefix: 'episode/mean_',
} as const;

/** Wall-clock seconds with millisecond precision, as logged. */
export function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

/** One line of episodes.jsonl. */
export function episodeRow(
  message: Extract<WorkerMessage, { type: 'episode' }>,
  episode: number,
  wallSeconds: number,
): Record<string, unknown> {
  return {
    global_step: message.globalStep,
    episode,
    worker: message.workerId,
    wall_seconds: roundSeconds(wallSeconds),
    [METRICS.episodicReturn]: message.episodeReturn,
    [METRICS.episodicLength]: message.length,
    ...Object.fromEntries(Object.entries(message.infoMeans).map(([k, v]) => [`${METRICS.episodeInfoPrefix}${k}`, v])),
  };
}

/** One line of updates.jsonl: a worker's means over the updates since its previous report. */
export function updateRow(
  message: Extract<WorkerMessage, { type: 'updates' }>,
  wallSeconds: number,
  stepsPerSecond: number,
): Record<string, unknown> {
  return {
    global_step: message.globalStep,
    worker: message.workerId,
    wall_seconds: roundSeconds(wallSeconds),
    [METRICS.policyLoss]: message.policyLoss,
    [METRICS.valueLoss]: message.valueLoss,
    [METRICS.entropy]: message.entropy,
    [METRICS.std]: message.std,
    [METRICS.kl]: message.kl,
    [METRICS.gradNorm]: message.gradNorm,
    [METRICS.learningRate]: message.learningRate,
    [METRICS.updates]: message.count,
    [METRICS.skippedUpdates]: message.skipped,
    [METRICS.numTensors]: message.numTensors,
    [METRICS.stepsPerSecond]: stepsPerSecond,
  };
}

/** One line of evaluations.jsonl. */
export function evaluationRow(
  globalStep: number,
  wallSeconds: number,
  result: { mean: number; std: number; score: number; returns: number[] },
): Record<string, unknown> {
  return {
    global_step: globalStep,
    wall_seconds: roundSeconds(wallSeconds),
    [METRICS.evalMeanReturn]: result.mean,
    [METRICS.evalStdReturn]: result.std,
    [METRICS.evalScore]: result.score,
    [METRICS.evalEpisodes]: result.returns.length,
    [METRICS.evalReturns]: result.returns,
  };
}
