/**
 * Env wrappers used around the tasks in A3C, after Gymnasium's wrappers:
 *
 * - `Wrapper`: forwards everything to the inner env (`env`); `unwrapped` is the innermost task.
 * - `TimeLimit`: ends an episode after `maxEpisodeSteps` steps with truncated = true. A truncated
 *   episode did not reach a terminal state, so the n-step return bootstraps from V(s_T) there,
 *   whereas a terminated one bootstraps from 0. When the last allowed step also terminates, only
 *   `terminated` is reported (Gymnasium would report both), so that `truncated` always means
 *   "bootstrap".
 * - `NormalizeObservation`: observations standardised by running statistics,
 *   (obs - mean) / sqrt(var + epsilon), updated with each observation before it is normalised
 *   (Gymnasium's NormalizeObservation; statistics in `RunningMeanStd`, shareable by all workers).
 */
import type { Env, RenderSpec, ResetOptions, ResetResult, StepResult } from './env.js';
import { DEFAULT_NORMALIZE_EPSILON, RunningMeanStd, type RunningMeanStdJSON } from './running_mean_std.js';
import { Box } from './spaces.js';

/** Forwards every call to `env`; subclasses override what they change. */
export class Wrapper implements Env {
  readonly env: Env;

  constructor(env: Env) {
    this.env = env;
  }

  get id(): string {
    return this.env.id;
  }

  get observationSpace(): Box {
    return this.env.observationSpace;
  }

  get actionSpace(): Box {
    return this.env.actionSpace;
  }

  get dt(): number {
    return this.env.dt;
  }

  get metadata(): RenderSpec {
    return this.env.metadata;
  }

  get unwrapped(): Env {
    return this.env.unwrapped;
  }

  reset(options?: ResetOptions): ResetResult {
    return this.env.reset(options);
  }

  step(action: ArrayLike<number>): StepResult {
    return this.env.step(action);
  }

  close(): void {
    this.env.close();
  }
}

/** Truncate episodes after `maxEpisodeSteps` steps (Gymnasium's TimeLimit). */
export class TimeLimit extends Wrapper {
  readonly maxEpisodeSteps: number;
  private steps = 0;
  private phase: 'new' | 'running' | 'ended' = 'new';

  constructor(env: Env, options: { maxEpisodeSteps: number }) {
    super(env);
    const { maxEpisodeSteps } = options;
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
      throw new Error(`TimeLimit maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
    }
    this.maxEpisodeSteps = maxEpisodeSteps;
  }

  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.steps;
  }

  override reset(options?: ResetOptions): ResetResult {
    const result = this.env.reset(options);
    this.steps = 0;
    this.phase = 'running';
    return result;
  }

  override step(action: ArrayLike<number>): StepResult {
    if (this.phase !== 'running') {
      throw new Error(
        this.phase === 'new'
          ? `${this.id}: step() called before reset(); call reset() to start an episode`
          : `${this.id}: step() called after the episode ended (terminated or truncated at ${this.maxEpisodeSteps} steps); call reset() to start a new one`,
      );
    }
    const result = this.env.step(action);
    this.steps += 1;
    const truncated = result.truncated || (!result.terminated && this.steps >= this.maxEpisodeSteps);
    if (result.terminated || truncated) this.phase = 'ended';
    return truncated === result.truncated ? result : { ...result, truncated };
  }
}

export interface NormalizeObservationOptions {
  /** Statistics to use (e.g. over a SharedArrayBuffer, or loaded from a checkpoint); new ones otherwise. */
  rms?: RunningMeanStd;
  /** Added to the variance under the square root; default 1e-8. */
  epsilon?: number;
  /** Clip normalised values to [-clip, clip]; no clipping by default (as Gymnasium). */
  clip?: number;
  /** Start frozen: normalise without updating the statistics (evaluation). */
  frozen?: boolean;
}

/** Standardise observations with running statistics (Gymnasium's NormalizeObservation). */
export class NormalizeObservation extends Wrapper {
  readonly rms: RunningMeanStd;
  readonly epsilon: number;
  readonly clip: number | undefined;
  private readonly normalizedSpace: Box;
  /** When true the statistics are left unchanged (observations are still normalised). */
  frozen: boolean;

  constructor(env: Env, options: NormalizeObservationOptions = {}) {
    super(env);
    const size = env.observationSpace.size;
    const epsilon = options.epsilon ?? DEFAULT_NORMALIZE_EPSILON;
    if (!(epsilon >= 0) || !Number.isFinite(epsilon)) {
      throw new Error(`NormalizeObservation epsilon must be a finite number >= 0, got ${epsilon}`);
    }
    if (options.clip !== undefined && !(options.clip > 0)) {
      throw new Error(
        `NormalizeObservation clip must be a number > 0 (or left out for no clipping), got ${options.clip}`,
      );
    }
    if (options.rms && options.rms.size !== size) {
      throw new Error(
        `NormalizeObservation statistics have ${options.rms.size} values but ${env.id} observations have ${size}`,
      );
    }
    this.rms = options.rms ?? new RunningMeanStd(size);
    this.epsilon = epsilon;
    this.clip = options.clip;
    this.frozen = options.frozen ?? false;
    const bound = this.clip ?? Infinity;
    this.normalizedSpace = new Box(-bound, bound, env.observationSpace.shape, env.observationSpace.dtype);
  }

  /** Unbounded, or [-clip, clip] when clipping. */
  override get observationSpace(): Box {
    return this.normalizedSpace;
  }

  /** Stop updating the statistics (e.g. for evaluation). */
  freeze(): void {
    this.frozen = true;
  }

  /** Resume updating the statistics. */
  unfreeze(): void {
    this.frozen = false;
  }

  override reset(options?: ResetOptions): ResetResult {
    const { observation, info } = this.env.reset(options);
    return { observation: this.observe(observation), info };
  }

  override step(action: ArrayLike<number>): StepResult {
    const result = this.env.step(action);
    return { ...result, observation: this.observe(result.observation) };
  }

  /** The statistics as plain JSON (for a checkpoint). */
  statistics(): RunningMeanStdJSON {
    return this.rms.toJSON();
  }

  /** Replace the statistics with saved ones. */
  loadStatistics(json: RunningMeanStdJSON): void {
    this.rms.load(json);
  }

  private observe(observation: Float64Array): Float64Array {
    // A non-finite observation (an unstable simulation, a buggy env) must not reach the shared
    // statistics: one NaN there would corrupt every worker's inputs for the rest of the run. It is
    // still returned (normalised to NaN), and the rollout discards the episode (lib/a3c/rollout.ts).
    if (!this.frozen && observation.every(Number.isFinite)) this.rms.update(observation);
    return this.rms.normalize(observation, undefined, { epsilon: this.epsilon, clip: this.clip });
  }
}
