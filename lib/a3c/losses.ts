/**
 * A3C step 4 ("the loss"), for the outputs of the actor-critic on one rollout of length n:
 * the loss terms and their closed-form gradients with respect to those outputs (the Gaussian
 * means, the log-std vector and the values). lib/model/backward.ts back-propagates these gradients
 * through the networks. Pure function, plain arrays in and out. It does not check that its inputs
 * are finite: a non-finite input gives a non-finite loss, and the worker, the one boundary before
 * the shared parameters, skips that update (lib/common/finite.ts).
 *
 * Loss (minimised), with given advantages A_t and returns R_t (Mnih et al. 2016, Algorithm S3,
 * with means instead of sums so the scale does not depend on the rollout length):
 *   policyLoss = -(1/n) sum_t A_t log pi(u_t | s_t)
 *   valueLoss  =  (1/n) sum_t (R_t - V_t)^2
 *   entropy    =  sum_i (1/2 + log(2 pi)/2 + logStd_i)      (of the base Gaussian, state-independent)
 *   total      =  policyLoss + valueCoef * valueLoss - entropyCoef * entropy
 * with z_ti = (u_ti - mu_ti) / sigma_i, sigma_i = exp(logStd_i),
 *   log pi(u_t) = sum_i [ -z_ti^2 / 2 - logStd_i - log(2 pi)/2 ]   (- sum_i log(1 - tanh(u_ti)^2)
 *                 - sum_i log((high_i - low_i)/2) for a tanh-squashed policy; see distributions.ts)
 *
 * Gradients (the squash correction depends only on the stored sample u, so it adds nothing):
 *   d total / d mu_ti      = -(1/n) A_t z_ti / sigma_i
 *   d total / d logStd_i   = -(1/n) sum_t A_t (z_ti^2 - 1) - entropyCoef
 *   d total / d V_t        =  valueCoef * (2/n) (V_t - R_t)
 */
import { HALF_LOG_2PI, logOneMinusTanhSquared } from '../model/distributions.js';

export interface A3CLossInput {
  /** Gaussian means mu (pre-tanh for a squashed policy), length * actionSize, row-major. */
  mean: ArrayLike<number>;
  /** log sigma, actionSize entries. */
  logStd: ArrayLike<number>;
  /** V(s_t), length entries. */
  value: ArrayLike<number>;
  /** The stored samples u_t, length * actionSize. */
  rawActions: ArrayLike<number>;
  /** n-step returns R_t (at least length entries). */
  returns: ArrayLike<number>;
  /** Advantages A_t (at least length entries), used as given. */
  advantages: ArrayLike<number>;
  /** Number of transitions n >= 1. */
  length: number;
  valueCoef: number;
  entropyCoef: number;
  /** For a tanh-squashed policy, its action box: adds the change-of-variables terms to policyLoss. */
  squashedBounds?: { low: ArrayLike<number>; high: ArrayLike<number> } | null;
}

/** The gradients of the loss with respect to the network's outputs: what the backward pass needs. */
export interface A3CLossGradients {
  /** d total / d mean, length * actionSize (float32: it is uploaded for back-propagation). */
  dMean: Float32Array;
  /** d total / d logStd, actionSize. */
  dLogStd: Float64Array;
  /** d total / d value, length. */
  dValue: Float32Array;
}

export interface A3CLossOutput extends A3CLossGradients {
  totalLoss: number;
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  /** Mean of exp(logStd) over the action dimensions (reported as policy/std). */
  std: number;
}

/** The A3C loss and its gradients with respect to the network outputs (see the file header). */
export function a3cLoss(input: A3CLossInput): A3CLossOutput {
  const {
    mean,
    logStd,
    value,
    rawActions,
    returns,
    advantages,
    length: n,
    valueCoef,
    entropyCoef,
    squashedBounds,
  } = input;
  if (!Number.isInteger(n) || n < 1) throw new Error(`a3cLoss: length must be an integer >= 1, got ${n}`);
  const actionSize = logStd?.length ?? 0;
  if (actionSize < 1) throw new Error('a3cLoss: logStd must have one entry per action dimension');
  checkArray('mean', mean, n * actionSize);
  checkArray('logStd', logStd, actionSize);
  checkArray('value', value, n);
  checkArray('rawActions', rawActions, n * actionSize);
  checkArray('returns', returns, n);
  checkArray('advantages', advantages, n);
  if (!(Number.isFinite(valueCoef) && valueCoef >= 0))
    throw new Error(`a3cLoss: valueCoef must be a finite number >= 0, got ${valueCoef}`);
  if (!(Number.isFinite(entropyCoef) && entropyCoef >= 0))
    throw new Error(`a3cLoss: entropyCoef must be a finite number >= 0, got ${entropyCoef}`);

  let scaleLogDet = 0;
  if (squashedBounds) {
    const { low, high } = squashedBounds;
    if (low?.length !== actionSize || high?.length !== actionSize)
      throw new Error(`a3cLoss: squashedBounds.low and .high must have ${actionSize} entries`);
    for (let i = 0; i < actionSize; i++) {
      if (!(Number.isFinite(low[i]) && Number.isFinite(high[i]) && low[i] < high[i]))
        throw new Error(`a3cLoss: squashedBounds must be finite with low < high, got [${low[i]}, ${high[i]}] at ${i}`);
      scaleLogDet += Math.log((high[i] - low[i]) / 2);
    }
  }

  const invStd = new Float64Array(actionSize);
  let sumLogStd = 0;
  let sumStd = 0;
  for (let i = 0; i < actionSize; i++) {
    invStd[i] = Math.exp(-logStd[i]);
    sumLogStd += logStd[i];
    sumStd += Math.exp(logStd[i]);
  }
  const dMean = new Float32Array(n * actionSize);
  const dLogStd = new Float64Array(actionSize);
  const dValue = new Float32Array(n);
  let policySum = 0;
  let squaredErrorSum = 0;
  for (let t = 0; t < n; t++) {
    const advantage = advantages[t];
    let logProb = -sumLogStd - actionSize * HALF_LOG_2PI;
    for (let i = 0; i < actionSize; i++) {
      const k = t * actionSize + i;
      const z = (rawActions[k] - mean[k]) * invStd[i];
      logProb -= 0.5 * z * z;
      if (squashedBounds) logProb -= logOneMinusTanhSquared(rawActions[k]);
      dMean[k] = (-advantage * z * invStd[i]) / n;
      dLogStd[i] -= (advantage * (z * z - 1)) / n;
    }
    if (squashedBounds) logProb -= scaleLogDet;
    policySum += advantage * logProb;
    const error = value[t] - returns[t];
    squaredErrorSum += error * error;
    dValue[t] = (valueCoef * 2 * error) / n;
  }
  for (let i = 0; i < actionSize; i++) dLogStd[i] -= entropyCoef;

  const policyLoss = -policySum / n;
  const valueLoss = squaredErrorSum / n;
  const entropy = sumLogStd + actionSize * (0.5 + HALF_LOG_2PI);
  const totalLoss = policyLoss + valueCoef * valueLoss - entropyCoef * entropy;
  const std = sumStd / actionSize;
  return { totalLoss, policyLoss, valueLoss, entropy, std, dMean, dLogStd, dValue };
}

function checkArray(name: string, xs: ArrayLike<number>, needed: number): void {
  if (xs == null || typeof xs.length !== 'number') throw new Error(`a3cLoss: ${name} must be an array of numbers`);
  if (xs.length < needed) throw new Error(`a3cLoss: ${name} has ${xs.length} entries, needs ${needed}`);
}
