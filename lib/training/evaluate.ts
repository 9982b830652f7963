/**
 * Evaluation: run a policy for whole episodes and report per-episode returns and lengths, their
 * mean and standard deviation. Observation statistics are frozen during evaluation (the policy
 * must see inputs scaled exactly as in training, and evaluation must not change them).
 *
 * `deterministic` uses the policy's mean action (squashed and scaled where the model squashes),
 * the usual way continuous-control results are reported; otherwise actions are sampled.
 */
import type { Env } from '../envs/env.js';
import { ActorCritic } from '../model/actor_critic.js';
import { loadCheckpoint } from './checkpoint.js';
import type { Checkpoint } from './checkpoint.js';
import { makeEnv } from '../envs/registry.js';
import { NormalizeObservation } from '../envs/wrappers.js';
import { RunningMeanStd } from '../envs/running_mean_std.js';
import { Rng } from '../common/rng.js';

/** Anything that maps an observation to an env-ready action. */
export interface Policy {
  act(observation: Float64Array, options: { deterministic: boolean }): ArrayLike<number>;
}

export interface EvaluateOptions {
  episodes?: number;
  deterministic?: boolean;
  /** Seed of the first episode; episode i uses seed + i. */
  seed?: number;
  /** Called after each episode. */
  onEpisode?: (episode: { index: number; episodeReturn: number; length: number }) => void;
}

export interface EvaluationResult {
  returns: number[];
  lengths: number[];
  mean: number;
  std: number;
  min: number;
  max: number;
  deterministic: boolean;
}

export function evaluate(policy: Policy, env: Env, options: EvaluateOptions = {}): EvaluationResult {
  const episodes = options.episodes ?? 10;
  const deterministic = options.deterministic ?? true;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(episodes) || episodes < 1)
    throw new Error(`evaluate: episodes must be an integer >= 1, got ${episodes}`);
  const frozen = freezeNormalization(env);
  try {
    const returns: number[] = [];
    const lengths: number[] = [];
    for (let i = 0; i < episodes; i++) {
      let { observation } = env.reset({ seed: seed + i });
      let episodeReturn = 0;
      let length = 0;
      for (;;) {
        const step = env.step(policy.act(observation, { deterministic }));
        episodeReturn += step.reward;
        length += 1;
        observation = step.observation;
        if (step.terminated || step.truncated) break;
      }
      returns.push(episodeReturn);
      lengths.push(length);
      options.onEpisode?.({ index: i, episodeReturn, length });
    }
    return { returns, lengths, ...summarize(returns), deterministic };
  } finally {
    frozen.restore();
  }
}

/** Mean, population std, min and max of a list of returns. */
export function summarize(values: number[]): { mean: number; std: number; min: number; max: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { mean, std, min: Math.min(...values), max: Math.max(...values) };
}

/** Freeze every NormalizeObservation wrapper in the chain for the evaluation, then restore. */
function freezeNormalization(env: Env): { restore(): void } {
  const touched: { wrapper: NormalizeObservation; frozen: boolean }[] = [];
  let current: Env | undefined = env;
  while (current) {
    if (current instanceof NormalizeObservation) {
      touched.push({ wrapper: current, frozen: current.frozen });
      current.frozen = true;
    }
    const inner: Env | undefined = (current as { env?: Env }).env;
    current = inner === current ? undefined : inner;
  }
  return {
    restore: () =>
      touched.forEach(({ wrapper, frozen }) => {
        wrapper.frozen = frozen;
      }),
  };
}

/** A trained actor-critic as a `Policy` (the fast plain-TypeScript forward path). */
export class ModelPolicy implements Policy {
  private readonly rng: Rng;

  constructor(
    readonly model: ActorCritic,
    options: { seed?: number } = {},
  ) {
    this.rng = new Rng(options.seed ?? 0);
  }

  act(observation: Float64Array, { deterministic }: { deterministic: boolean }): Float64Array {
    const out = this.model.act(observation, this.rng, { deterministic });
    return deterministic ? out.mean : out.action;
  }
}

export interface LoadedPolicy {
  checkpoint: Checkpoint;
  policy: ModelPolicy;
  /** The checkpoint's env, wrapped with its frozen observation statistics. */
  env: Env;
}

/**
 * Load a checkpoint as a ready-to-run policy and a matching env (with the saved observation
 * statistics, frozen). Throws a clear error when the checkpoint does not fit the env.
 */
export async function loadPolicy(
  checkpointPath: string,
  options: { seed?: number; maxEpisodeSteps?: number } = {},
): Promise<LoadedPolicy> {
  const checkpoint = loadCheckpoint(checkpointPath);
  const base = await makeEnv(
    checkpoint.config.envId,
    options.maxEpisodeSteps ? { maxEpisodeSteps: options.maxEpisodeSteps } : {},
  );
  if (
    base.observationSpace.size !== checkpoint.modelSpec.observationSize ||
    base.actionSpace.size !== checkpoint.modelSpec.actionSize
  ) {
    base.close();
    throw new Error(
      `Checkpoint ${checkpointPath} expects ${checkpoint.modelSpec.observationSize} observations and ${checkpoint.modelSpec.actionSize} actions; ` +
        `${checkpoint.config.envId} has ${base.observationSpace.size} and ${base.actionSpace.size}`,
    );
  }
  let env: Env = base;
  if (checkpoint.observationStats) {
    const rms = RunningMeanStd.fromJSON(checkpoint.observationStats);
    const clip = Number.isFinite(checkpoint.config.obsClip) ? checkpoint.config.obsClip : undefined;
    env = new NormalizeObservation(base, { rms, clip, frozen: true });
  }
  const model = new ActorCritic(checkpoint.modelSpec, { params: checkpoint.params });
  return { checkpoint, policy: new ModelPolicy(model, { seed: options.seed }), env };
}
