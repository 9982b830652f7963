/**
 * Reproducible mode's view of the shared normalisation statistics. With Hogwild workers every env
 * step updates the shared observation and reward statistics at once, in whatever order the threads
 * run, so their last bits, and then the whole run, differ from run to run. Here each worker
 * normalises with its own copy, which also learns from the worker's own samples as they come; the
 * samples themselves are recorded, and at the worker's turn (lib/a3c/turn_gate.ts) they are merged
 * into the shared statistics in order and the copy is refreshed from them. Every change to shared
 * memory then happens in a fixed order.
 */
import type { Env, ResetOptions, ResetResult, StepResult } from '../envs/env.js';
import type { RewardNormalizer } from '../envs/reward_normalizer.js';
import { RunningMeanStd } from '../envs/running_mean_std.js';
import { NormalizeObservation, Wrapper } from '../envs/wrappers.js';

/** Records every raw observation (resets and steps) of the env it wraps. */
class RecordObservations extends Wrapper {
  constructor(
    env: Env,
    private readonly record: (observation: Float64Array) => void,
  ) {
    super(env);
  }
  override reset(options?: ResetOptions): ResetResult {
    const result = this.env.reset(options);
    this.record(Float64Array.from(result.observation));
    return result;
  }
  override step(action: ArrayLike<number>): StepResult {
    const result = this.env.step(action);
    this.record(Float64Array.from(result.observation));
    return result;
  }
}

export class StatisticsSnapshot {
  readonly localObservation: RunningMeanStd | null;
  readonly localReward: RunningMeanStd | null;
  private readonly observations: Float64Array[] = [];
  private readonly returns: number[] = [];

  constructor(
    private readonly sharedObservation: RunningMeanStd | null,
    private readonly sharedReward: RunningMeanStd | null,
  ) {
    // The copies start from the prior, not from the shared statistics: another worker may be in
    // its turn already, and what this one would copy then depends on timing.
    this.localObservation = sharedObservation ? new RunningMeanStd(sharedObservation.size) : null;
    this.localReward = sharedReward ? new RunningMeanStd(1) : null;
  }

  /** The env with its observations normalised by the local copy and recorded for the shared statistics. */
  wrapEnv(env: Env, obsClip: number): Env {
    if (!this.localObservation) return env;
    const recorded = new RecordObservations(env, (observation) => this.observations.push(observation));
    return new NormalizeObservation(recorded, {
      rms: this.localObservation,
      clip: Number.isFinite(obsClip) ? obsClip : undefined,
    });
  }

  /** Record the discounted returns the reward normaliser learns from. */
  recordRewardsOf(normalizer: RewardNormalizer): void {
    normalizer.recordSamples(this.returns);
  }

  /** The shared observation statistics as JSON (read during the worker's turn). */
  sharedObservationJSON() {
    return this.sharedObservation?.toJSON() ?? null;
  }

  /** At the worker's turn: merge the recorded samples into the shared statistics, refresh the copies. */
  exchange(): void {
    merge(this.sharedObservation, this.localObservation, this.observations.splice(0));
    merge(
      this.sharedReward,
      this.localReward,
      this.returns.splice(0).map((g) => [g]),
    );
  }
}

function merge(shared: RunningMeanStd | null, local: RunningMeanStd | null, samples: ArrayLike<number>[]): void {
  if (!shared || !local) return;
  // Non-finite observations never reach shared statistics (lib/envs/wrappers.ts does the same check).
  for (const sample of samples) if (Array.prototype.every.call(sample, Number.isFinite)) shared.update(sample);
  local.storage.set(shared.storage);
}
