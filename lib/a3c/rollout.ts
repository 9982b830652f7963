/**
 * A3C step 2 (the worker outline's "roll out up to nSteps"): run the local policy in the worker's env
 * for at most `nSteps` steps, or until the episode ends, recording what the update needs.
 *
 * A rollout never spans two episodes, so its bootstrap value is simple:
 *   terminated          -> 0        (the task really ended, there is no future reward)
 *   truncated (time up) -> V(s_T)   (the episode was cut, the future was not zero)
 *   cut at nSteps       -> V(s_T)
 *
 * It is also where the env's data is validated before it reaches the learning signal: a step with
 * a non-finite observation or an absurd reward (see `isUsableStep`) ends the episode, which is
 * discarded, and marks the rollout `corrupt`: the worker skips its update and counts it
 * (`charts/skipped_updates`), and the shared reward statistics never see that reward.
 */
import type { Env, Info } from '../envs/env.js';
import type { ActorCritic } from '../model/actor_critic.js';
import type { Rng } from '../common/rng.js';
import type { RewardNormalizer } from '../envs/reward_normalizer.js';

/** Preallocated buffers for one rollout, reused across updates (no allocation per step). */
export class RolloutBuffer {
  readonly observations: Float32Array;
  readonly rawActions: Float32Array;
  readonly rewards: Float64Array;
  readonly values: Float64Array;
  length = 0;
  /** Value of the state after the last step: 0 if terminated, else V(s_T). */
  bootstrapValue = 0;
  /** The env returned unusable data (see `isUsableStep`): the update must be skipped. */
  corrupt = false;

  constructor(
    readonly nSteps: number,
    readonly observationSize: number,
    readonly actionSize: number,
  ) {
    this.observations = new Float32Array(nSteps * observationSize);
    this.rawActions = new Float32Array(nSteps * actionSize);
    this.rewards = new Float64Array(nSteps);
    this.values = new Float64Array(nSteps);
  }
}

/** An episode that ended during a rollout. */
export interface FinishedEpisode {
  episodeReturn: number;
  length: number;
  terminated: boolean;
  infoMeans: Record<string, number>;
}

/** The worker's position in its current episode, carried from one rollout to the next. */
export class EpisodeCursor {
  observation: Float64Array;
  episodeReturn = 0;
  length = 0;
  private infoSums: Record<string, number> = {};

  constructor(observation: Float64Array) {
    this.observation = observation;
  }

  record(reward: number, info: Info): void {
    this.episodeReturn += reward;
    this.length += 1;
    for (const key in info) {
      const value = info[key];
      if (typeof value === 'number') this.infoSums[key] = (this.infoSums[key] ?? 0) + value;
    }
  }

  finish(terminated: boolean, nextObservation: Float64Array): FinishedEpisode {
    const infoMeans: Record<string, number> = {};
    for (const key in this.infoSums) infoMeans[key] = this.infoSums[key] / Math.max(1, this.length);
    const episode = { episodeReturn: this.episodeReturn, length: this.length, terminated, infoMeans };
    this.observation = nextObservation;
    this.episodeReturn = 0;
    this.length = 0;
    this.infoSums = {};
    return episode;
  }
}

export interface CollectOptions {
  env: Env;
  model: ActorCritic;
  rng: Rng;
  cursor: EpisodeCursor;
  buffer: RolloutBuffer;
  /** Rewards are multiplied by this in the buffer (the episode return stays unscaled). */
  rewardScale: number;
  /** Divide rewards by the running std of the discounted return first (see RewardNormalizer). */
  rewardNormalizer?: RewardNormalizer | null;
  /** Called when an episode ends, before the env is reset. */
  onEpisode?: (episode: FinishedEpisode) => void;
}

/**
 * Fill `buffer` with up to `buffer.nSteps` transitions. Returns the number of env steps taken.
 * When an episode ends, the env is reset and the rollout stops there.
 */
export function collectRollout({
  env,
  model,
  rng,
  cursor,
  buffer,
  rewardScale,
  rewardNormalizer,
  onEpisode,
}: CollectOptions): number {
  const { observationSize, actionSize } = buffer;
  buffer.length = 0;
  buffer.bootstrapValue = 0;
  buffer.corrupt = false;
  for (let t = 0; t < buffer.nSteps; t++) {
    const observation = cursor.observation;
    const out = model.act(observation, rng);
    buffer.observations.set(observation, t * observationSize);
    buffer.rawActions.set(out.rawAction, t * actionSize);
    buffer.values[t] = out.value;

    const step = env.step(out.action);
    if (!isUsableStep(step.reward, step.observation)) {
      // The episode is broken: drop it (nothing of it reaches the statistics) and start afresh.
      buffer.corrupt = true;
      buffer.length = t + 1;
      cursor.finish(false, env.reset().observation);
      return buffer.length;
    }
    const ended = step.terminated || step.truncated;
    buffer.rewards[t] = (rewardNormalizer ? rewardNormalizer.normalize(step.reward, ended) : step.reward) * rewardScale;
    buffer.length = t + 1;
    cursor.record(step.reward, step.info);

    if (ended) {
      buffer.bootstrapValue = step.terminated ? 0 : model.value(step.observation);
      const episode = cursor.finish(step.terminated, env.reset().observation);
      onEpisode?.(episode);
      return buffer.length;
    }
    cursor.observation = step.observation;
  }
  buffer.bootstrapValue = model.value(cursor.observation);
  return buffer.length;
}

/**
 * The largest |reward| the learning signal accepts. The Gymnasium MuJoCo tasks give rewards
 * within about +-1,000 per step; a reward beyond a million comes from an exploding simulation or
 * a bug, and once in the shared reward statistics it would set the return's scale for the rest of
 * the run (every later reward normalised to about 0: no signal).
 */
export const MAX_ABS_REWARD = 1e6;

/** A step the update may learn from: a finite reward within MAX_ABS_REWARD and a finite observation. */
export function isUsableStep(reward: number, observation: ArrayLike<number>): boolean {
  if (!(Math.abs(reward) <= MAX_ABS_REWARD)) return false;
  for (let i = 0; i < observation.length; i++) if (!Number.isFinite(observation[i])) return false;
  return true;
}
