/**
 * Temporally correlated exploration noise for the Gaussian policy.
 *
 * A Gaussian policy samples u = mu(s) + sigma * eps with eps ~ N(0, I). Drawn afresh every step,
 * eps makes the cheetah's joints jitter: at 20 control steps per second, one step's push is
 * undone by the next before the body can feel it, so exploration rarely tries a different
 * *movement*. Here each dimension of eps follows a stationary AR(1) process,
 *
 *     eps_t = rho * eps_{t-1} + sqrt(1 - rho^2) * xi_t,    xi_t ~ N(0, 1),
 *
 * so that consecutive steps push in similar directions for about 1 / (1 - rho) steps. Every eps_t
 * is still exactly N(0, 1): the action distribution of each step, and the log-probability used by
 * the policy gradient, are those of the ordinary policy. What changes is only that the noise of
 * consecutive steps is correlated (the idea behind Ornstein-Uhlenbeck noise in DDPG and colored
 * noise in Eberhard et al. 2023, "Pink noise is all you need"). On HalfCheetah-v5 it did not
 * change how often a run learns a fast gait (19 runs, README item 13), so it is off by default.
 *
 * rho = 0 is the ordinary independent noise: `next()` then returns exactly the generator's
 * `normal()` stream, so a run with rho = 0 samples the same actions as before this option existed.
 */
import type { Rng } from '../common/rng.js';

export class CorrelatedNoise {
  private readonly state: Float64Array;
  private readonly innovationScale: number;
  private started = false;

  /**
   * @param size number of action dimensions
   * @param rho correlation of consecutive draws of one dimension, in [0, 1)
   * @param rng the worker's generator (the innovations xi are drawn from it)
   */
  constructor(
    readonly size: number,
    readonly rho: number,
    private readonly rng: Rng,
  ) {
    if (!Number.isInteger(size) || size < 1)
      throw new Error(`CorrelatedNoise: size must be a positive integer, got ${size}`);
    if (!(typeof rho === 'number' && rho >= 0 && rho < 1)) {
      throw new Error(
        `CorrelatedNoise: rho must be in [0, 1) (0 = independent noise; 1 would never change), got ${rho}`,
      );
    }
    this.state = new Float64Array(size);
    this.innovationScale = Math.sqrt(1 - rho * rho);
  }

  /**
   * The next noise vector. The returned array is reused by the following call: copy it to keep it.
   * The first call draws the state from N(0, 1) itself, so the process is stationary from the start.
   */
  next(): Float64Array {
    const { state, rho, rng } = this;
    if (!this.started || rho === 0) {
      for (let i = 0; i < state.length; i++) state[i] = rng.normal();
      this.started = true;
      return state;
    }
    for (let i = 0; i < state.length; i++) state[i] = rho * state[i] + this.innovationScale * rng.normal();
    return state;
  }
}
