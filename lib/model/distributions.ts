/**
 * The policy's probability math (A3C step 2, "sample a ~ pi(.|s)" during the rollout): a diagonal Gaussian, optionally
 * squashed by tanh and scaled to the action box. Pure functions on plain numbers and arrays: the
 * rollout's sampler (forward.ts), the loss (lib/a3c/losses.ts) and the KL (kl.ts) use them.
 *
 * Diagonal Gaussian with mean mu and standard deviation sigma = exp(logStd), per dimension i:
 *   log N(u; mu, sigma) = sum_i [ -((u_i - mu_i) / sigma_i)^2 / 2 - logStd_i - log(2 pi) / 2 ]
 *   H                   = sum_i [ 1/2 + log(2 pi) / 2 + logStd_i ]
 *
 * Tanh-squashed Gaussian scaled to [low, high] (SAC, Haarnoja et al. 2018, appendix C):
 *   u ~ N(mu, sigma),  y = tanh(u) in (-1, 1),  a = low + (y + 1) * (high - low) / 2
 * By the change of variables a = f(u), with f' = (1 - tanh(u)^2) * (high - low) / 2:
 *   log p(a) = log N(u; mu, sigma) - sum_i log(1 - tanh(u_i)^2) - sum_i log((high_i - low_i) / 2)
 * 1 - tanh(u)^2 underflows to 0 for |u| > ~9 in float32 (and log(0) = -Infinity), so the
 * correction uses the identity
 *   log(1 - tanh(u)^2) = 2 * (log 2 - u - softplus(-2u)),   softplus(x) = log(1 + e^x),
 * which is finite for every u. (The PyTorch reference adds 1e-6 inside the log instead, which
 * biases the log-prob for large |u|.)
 */

/** log(2 pi) / 2, the normalising constant of a standard normal per dimension. */
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** softplus(x) = log(1 + e^x), without overflow for large x or loss of precision for small. */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** log(1 - tanh(u)^2), stable form 2 * (log 2 - u - softplus(-2u)). */
export function logOneMinusTanhSquared(u: number): number {
  return 2 * (Math.LN2 - u - softplus(-2 * u));
}

export interface GaussianOptions {
  /** The point the density is evaluated at (pre-tanh u for a squashed policy). */
  x: ArrayLike<number>;
  mean: ArrayLike<number>;
  /** log of the standard deviation, per dimension. */
  logStd: ArrayLike<number>;
}

/** log N(x; mean, exp(logStd)) of a diagonal Gaussian, summed over the dimensions. */
export function gaussianLogProb({ x, mean, logStd }: GaussianOptions): number {
  checkSameLength('gaussianLogProb', { x, mean, logStd });
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const z = (x[i] - mean[i]) * Math.exp(-logStd[i]);
    sum += -0.5 * z * z - logStd[i] - HALF_LOG_2PI;
  }
  return checkResult('gaussianLogProb', sum);
}

/** Entropy of a diagonal Gaussian, sum_i (1/2 + log(2 pi)/2 + logStd_i); it does not depend on the mean. */
export function gaussianEntropy(logStd: ArrayLike<number>): number {
  checkSameLength('gaussianEntropy', { logStd });
  let sum = 0;
  for (let i = 0; i < logStd.length; i++) sum += 0.5 + HALF_LOG_2PI + logStd[i];
  return checkResult('gaussianEntropy', sum);
}

/** sum_i log(1 - tanh(u_i)^2): the log |det| of the Jacobian of y = tanh(u). */
export function tanhLogDetJacobian(u: ArrayLike<number>): number {
  checkSameLength('tanhLogDetJacobian', { u });
  let sum = 0;
  for (let i = 0; i < u.length; i++) sum += logOneMinusTanhSquared(u[i]);
  return checkResult('tanhLogDetJacobian', sum);
}

/**
 * KL(old || new) of two diagonal Gaussians, summed over the dimensions:
 *   sum_i [ logStdNew_i - logStdOld_i + (sigmaOld_i^2 + (muOld_i - muNew_i)^2) / (2 sigmaNew_i^2) - 1/2 ]
 * tanh and the affine scale are invertible maps, and KL is unchanged by an invertible map applied
 * to both distributions, so this is also the KL of the squashed policies.
 */
export function diagonalGaussianKl(
  old: { mean: ArrayLike<number>; logStd: ArrayLike<number> },
  next: { mean: ArrayLike<number>; logStd: ArrayLike<number> },
): number {
  checkSameLength('diagonalGaussianKl', {
    oldMean: old.mean,
    oldLogStd: old.logStd,
    newMean: next.mean,
    newLogStd: next.logStd,
  });
  let kl = 0;
  for (let i = 0; i < old.mean.length; i++) {
    const varianceRatio = Math.exp(2 * (old.logStd[i] - next.logStd[i]));
    const shift = (old.mean[i] - next.mean[i]) * Math.exp(-next.logStd[i]);
    kl += next.logStd[i] - old.logStd[i] + 0.5 * (varianceRatio + shift * shift) - 0.5;
  }
  return checkResult('diagonalGaussianKl', kl);
}

export interface ActionBounds {
  low: ArrayLike<number>;
  high: ArrayLike<number>;
}

/** sum_i log((high_i - low_i) / 2): the log |det| of the affine map from (-1, 1) to [low, high]. */
export function scaleLogDetJacobian({ low, high }: ActionBounds): number {
  checkBounds('scaleLogDetJacobian', low, high);
  let sum = 0;
  for (let i = 0; i < low.length; i++) sum += Math.log((high[i] - low[i]) / 2);
  return sum;
}

/** Map y in [-1, 1] to a = low + (y + 1) * (high - low) / 2, per dimension. */
export function scaleAction({ squashed, low, high }: ActionBounds & { squashed: ArrayLike<number> }): Float64Array {
  checkBounds('scaleAction', low, high);
  checkSameLength('scaleAction', { squashed, low });
  const out = new Float64Array(squashed.length);
  for (let i = 0; i < out.length; i++) out[i] = low[i] + (squashed[i] + 1) * 0.5 * (high[i] - low[i]);
  return out;
}

/**
 * log-prob of the action a = scale(tanh(u)) under the tanh-squashed Gaussian scaled to
 * [low, high], evaluated through its pre-tanh sample u (see the file header).
 */
export function squashedGaussianLogProb({
  u,
  mean,
  logStd,
  low,
  high,
}: ActionBounds & { u: ArrayLike<number>; mean: ArrayLike<number>; logStd: ArrayLike<number> }): number {
  checkSameLength('squashedGaussianLogProb', { u, low });
  return gaussianLogProb({ x: u, mean, logStd }) - tanhLogDetJacobian(u) - scaleLogDetJacobian({ low, high });
}

function checkSameLength(fn: string, arrays: Record<string, ArrayLike<number>>): void {
  let expected = -1;
  let first = '';
  for (const [name, xs] of Object.entries(arrays)) {
    if (xs == null || typeof xs.length !== 'number') throw new Error(`${fn}: ${name} must be an array of numbers`);
    for (let i = 0; i < xs.length; i++) {
      if (typeof xs[i] !== 'number' || Number.isNaN(xs[i]))
        throw new Error(`${fn}: ${name}[${i}] must be a number, got ${xs[i]}`);
    }
    if (expected < 0) {
      expected = xs.length;
      first = name;
    } else if (xs.length !== expected) {
      throw new Error(`${fn}: ${name} has length ${xs.length}, ${first} has ${expected}; they must be equal`);
    }
  }
}

function checkBounds(fn: string, low: ArrayLike<number>, high: ArrayLike<number>): void {
  checkSameLength(fn, { low, high });
  for (let i = 0; i < low.length; i++) {
    if (!(Number.isFinite(low[i]) && Number.isFinite(high[i]) && low[i] < high[i])) {
      throw new Error(
        `${fn}: action bounds must be finite with low < high, got low[${i}]=${low[i]}, high[${i}]=${high[i]}`,
      );
    }
  }
}

function checkResult(fn: string, value: number): number {
  if (Number.isNaN(value)) throw new Error(`${fn}: the result is NaN (an input was infinite)`);
  return value;
}
