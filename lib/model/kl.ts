/**
 * How far one A3C update moved the policy: step 7 of the worker outline (lib/a3c/worker.ts),
 * which is not in the paper. A3C has no trust region; this measures, after the next sync, the
 * mean over the rollout's states of KL(policy that collected it || policy now), the input of
 * the adaptive learning rate (`targetKl`, lib/a3c/adaptive_lr.ts). Plain TypeScript, the actor only.
 */
import { diagonalGaussianKl } from './distributions.js';
import type { PlainForward } from './forward.js';
import { checkRows } from './batch.js';

export interface PolicyKlInput {
  /** The current network, on one observation at a time. */
  network: PlainForward;
  /** The current log-std. */
  logStd: ArrayLike<number>;
  observationSize: number;
  actionSize: number;
  /** length x observationSize, row-major. */
  observations: Float32Array;
  length: number;
  /** The earlier policy's means on the same observations (length x actionSize, pre-tanh). */
  oldMeans: ArrayLike<number>;
  oldLogStd: ArrayLike<number>;
}

/** (1/length) sum_t KL(N(oldMean_t, oldStd) || N(mean_t, std)), see diagonalGaussianKl. */
export function policyKl(input: PolicyKlInput): number {
  const { network, logStd, observationSize, actionSize, observations, length, oldMeans, oldLogStd } = input;
  checkRows('policyKl', 'observations', observations, length, observationSize);
  if (oldMeans == null || oldMeans.length < length * actionSize)
    throw new Error(`policyKl: oldMeans must hold ${length} x ${actionSize} numbers, got ${oldMeans?.length}`);
  const mean = new Float64Array(actionSize);
  const oldMean = new Float64Array(actionSize);
  let sum = 0;
  for (let t = 0; t < length; t++) {
    network.load('policyKl', observations.subarray(t * observationSize, (t + 1) * observationSize));
    network.mean(mean);
    for (let i = 0; i < actionSize; i++) oldMean[i] = oldMeans[t * actionSize + i];
    sum += diagonalGaussianKl({ mean: oldMean, logStd: oldLogStd }, { mean, logStd });
  }
  return sum / length;
}
