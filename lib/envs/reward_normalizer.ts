/**
 * Reward normalisation by the scale of the discounted return (Gymnasium's NormalizeReward,
 * SB3's VecNormalize(norm_reward=True)): each reward is divided by the running standard deviation
 * of the discounted return G_t = gamma * G_{t-1} + r_t (G restarts at 0 after an episode ends).
 *
 * Why: HalfCheetah's returns grow from about 0 to several hundred as the policy improves, so the
 * critic's targets, its loss and its gradients change scale by orders of magnitude during training.
 * Dividing by the return's std keeps the value targets near unit scale. The statistics are shared
 * by all workers (a `RunningMeanStd` over shared memory); each worker keeps its own G.
 * Only the learning signal is scaled: reported episode returns stay in the env's units.
 */
import type { RunningMeanStd } from './running_mean_std.js';

export class RewardNormalizer {
  private discountedReturn = 0;
  private readonly sample = new Float64Array(1);
  private recorded: number[] | null = null;

  constructor(
    readonly rms: RunningMeanStd,
    readonly gamma: number,
    readonly epsilon = 1e-8,
  ) {
    if (rms.size !== 1) throw new Error(`RewardNormalizer needs a RunningMeanStd of size 1, got ${rms.size}`);
    if (!(gamma >= 0 && gamma <= 1)) throw new Error(`RewardNormalizer gamma must be in [0, 1], got ${gamma}`);
  }

  /** Also push every discounted return the statistics learn from onto `list` (reproducible mode). */
  recordSamples(list: number[]): void {
    this.recorded = list;
  }

  /** Update the return statistics with `reward` and return it divided by the return's std. */
  normalize(reward: number, episodeEnded: boolean): number {
    this.discountedReturn = this.gamma * this.discountedReturn + reward;
    this.sample[0] = this.discountedReturn;
    this.rms.update(this.sample);
    this.recorded?.push(this.discountedReturn);
    if (episodeEnded) this.discountedReturn = 0;
    return reward / Math.sqrt(this.rms.var[0] + this.epsilon);
  }
}
