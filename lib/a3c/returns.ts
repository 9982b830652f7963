/**
 * A3C step 3 ("compute the targets"): n-step discounted returns and GAE(lambda) advantages for
 * one rollout. Pure functions over plain arrays.
 *
 * A rollout never spans two episodes: it ends after nSteps, or when the episode terminated or was
 * truncated. What follows its last step is summarised by one number, the bootstrap value:
 *   terminated          -> 0        (there is no future reward)
 *   truncated or cut    -> V(s_T)   (the future was not zero, only unobserved)
 *
 * n-step returns (Mnih et al. 2016, Algorithm S3):
 *   R_T = bootstrapValue,   R_t = r_t + gamma * R_{t+1}
 * GAE (Schulman et al. 2016, "High-dimensional continuous control using generalized advantage
 * estimation", eq. 16), with V(s_T) = bootstrapValue:
 *   delta_t = r_t + gamma * V(s_{t+1}) - V(s_t)
 *   A_t     = sum_k (gamma * lambda)^k * delta_{t+k}  =  delta_t + gamma * lambda * A_{t+1}
 * lambda = 1 gives A_t = R_t - V(s_t); lambda = 0 gives the one-step TD error delta_t.
 */

export interface DiscountedReturnsOptions {
  /** r_0 .. r_{T-1}. */
  rewards: ArrayLike<number>;
  /** R_T: 0 if the episode terminated, V(s_T) if the rollout was cut or truncated. */
  bootstrapValue: number;
  /** Discount factor, in [0, 1]. */
  gamma: number;
}

export interface GaeOptions extends DiscountedReturnsOptions {
  /** V(s_0) .. V(s_{T-1}), one per reward. */
  values: ArrayLike<number>;
  /** GAE lambda, in [0, 1]. */
  gaeLambda: number;
}

export interface GaeResult {
  /** A_t, the policy-gradient weights. */
  advantages: Float64Array;
  /** The n-step returns R_t: the value-loss target. */
  returns: Float64Array;
}

/** n-step discounted returns R_t = r_t + gamma * R_{t+1}, with R_T = bootstrapValue. */
export function discountedReturns({ rewards, bootstrapValue, gamma }: DiscountedReturnsOptions): Float64Array {
  checkUnitInterval('discountedReturns', 'gamma', gamma);
  checkFiniteArray('discountedReturns', 'rewards', rewards);
  checkFinite('discountedReturns', 'bootstrapValue', bootstrapValue);
  const returns = new Float64Array(rewards.length);
  let next = bootstrapValue;
  for (let t = rewards.length - 1; t >= 0; t--) {
    next = rewards[t] + gamma * next;
    returns[t] = next;
  }
  return returns;
}

/** GAE(lambda) advantages and the n-step returns of one rollout (see the file header). */
export function gae({ rewards, values, bootstrapValue, gamma, gaeLambda }: GaeOptions): GaeResult {
  checkUnitInterval('gae', 'gamma', gamma);
  checkUnitInterval('gae', 'gaeLambda', gaeLambda);
  if (values.length !== rewards.length) {
    throw new Error(
      `gae: values must have one entry per reward, got ${values.length} values for ${rewards.length} rewards`,
    );
  }
  checkFiniteArray('gae', 'rewards', rewards);
  checkFiniteArray('gae', 'values', values);
  checkFinite('gae', 'bootstrapValue', bootstrapValue);

  const n = rewards.length;
  const advantages = new Float64Array(n);
  const returns = new Float64Array(n);
  let nextValue = bootstrapValue;
  let nextAdvantage = 0;
  let nextReturn = bootstrapValue;
  for (let t = n - 1; t >= 0; t--) {
    const delta = rewards[t] + gamma * nextValue - values[t];
    nextAdvantage = delta + gamma * gaeLambda * nextAdvantage;
    nextReturn = rewards[t] + gamma * nextReturn;
    advantages[t] = nextAdvantage;
    returns[t] = nextReturn;
    nextValue = values[t];
  }
  return { advantages, returns };
}

function checkUnitInterval(fn: string, name: string, x: number): void {
  if (typeof x !== 'number' || !(x >= 0 && x <= 1))
    throw new Error(`${fn}: ${name} must be a number in [0, 1], got ${x}`);
}

function checkFinite(fn: string, name: string, x: number): void {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${fn}: ${name} must be a finite number, got ${x}`);
}

function checkFiniteArray(fn: string, name: string, xs: ArrayLike<number>): void {
  if (xs == null || typeof xs.length !== 'number') throw new Error(`${fn}: ${name} must be an array of numbers`);
  for (let i = 0; i < xs.length; i++) {
    if (typeof xs[i] !== 'number' || !Number.isFinite(xs[i]))
      throw new Error(`${fn}: ${name}[${i}] must be a finite number, got ${xs[i]}`);
  }
}
