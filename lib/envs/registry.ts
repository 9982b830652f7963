/**
 * Task registry, in the spirit of Gymnasium's `gym.make`: `makeEnv("HalfCheetah-v5")` builds the
 * task with its Gymnasium defaults and wraps it in the `TimeLimit` of its registration (1000
 * steps for both MuJoCo tasks), so every A3C worker gets the same episodes Gymnasium would give.
 */
import type { Env } from './env.js';
import { AntEnv } from './tasks/ant.js';
import { HalfCheetahEnv } from './tasks/half_cheetah.js';
import { HumanoidEnv } from './tasks/humanoid.js';
import { HumanoidStandupEnv } from './tasks/humanoid_standup.js';
import { InvertedPendulumEnv } from './tasks/inverted_pendulum.js';
import { HopperEnv } from './tasks/hopper.js';
import { Walker2dEnv } from './tasks/walker2d.js';
import { SwimmerEnv } from './tasks/swimmer.js';
import { InvertedDoublePendulumEnv } from './tasks/inverted_double_pendulum.js';
import { ReacherEnv } from './tasks/reacher.js';
import { PusherEnv } from './tasks/pusher.js';
import { TimeLimit } from './wrappers.js';

/** Task keyword arguments (e.g. `{ ctrlCostWeight: 0.2 }`), checked by the task itself. */
export type EnvKwargs = Record<string, unknown>;

export interface EnvSpec {
  /** Build the bare task from its keyword arguments (Gymnasium's entry_point). */
  create: (kwargs: EnvKwargs) => Promise<Env>;
  /** TimeLimit applied by `makeEnv`; leave out for no limit. */
  maxEpisodeSteps?: number;
  /** Return at which the task counts as solved (Gymnasium's reward_threshold), informational. */
  rewardThreshold?: number;
}

export interface MakeEnvOptions {
  /** Override the registered episode step limit (a positive integer). */
  maxEpisodeSteps?: number;
  /** Task keyword arguments, e.g. `{ forwardRewardWeight: 1, ctrlCostWeight: 0.1 }`. */
  kwargs?: EnvKwargs;
}

const registry = new Map<string, EnvSpec>();

/** Add a task under `id` (an Error if the id is taken). */
export function registerEnv(id: string, spec: EnvSpec): void {
  if (typeof id !== 'string' || id.length === 0)
    throw new Error(`Env id must be a non-empty string, got ${String(id)}`);
  if (registry.has(id)) throw new Error(`Env id "${id}" is already registered; known ids: ${envIds().join(', ')}`);
  if (typeof spec?.create !== 'function') throw new Error(`Env spec for "${id}" needs a create(kwargs) function`);
  if (spec.maxEpisodeSteps !== undefined) checkSteps(spec.maxEpisodeSteps, `registered maxEpisodeSteps of ${id}`);
  registry.set(id, { ...spec });
}

/** The registered ids, sorted. */
export function envIds(): string[] {
  return [...registry.keys()].sort();
}

/** The registration of `id` (an Error listing the known ids if there is none). */
export function envSpec(id: string): Readonly<EnvSpec> {
  const spec = registry.get(id);
  if (!spec) throw new Error(`Unknown env id "${id}"; known ids: ${envIds().join(', ')}`);
  return spec;
}

/**
 * Build a registered task: its bare env with `kwargs`, inside `TimeLimit(maxEpisodeSteps)`.
 * The caller owns the env and should `close()` it.
 */
export async function makeEnv(id: string, options: MakeEnvOptions = {}): Promise<Env> {
  const spec = envSpec(id);
  const unknown = Object.keys(options).filter((key) => key !== 'maxEpisodeSteps' && key !== 'kwargs');
  if (unknown.length > 0) {
    throw new Error(
      `makeEnv: unknown option(s) ${unknown.join(', ')}; allowed: maxEpisodeSteps, kwargs (task options go in kwargs)`,
    );
  }
  const maxEpisodeSteps = options.maxEpisodeSteps ?? spec.maxEpisodeSteps;
  if (options.maxEpisodeSteps !== undefined) checkSteps(options.maxEpisodeSteps, 'makeEnv maxEpisodeSteps');
  const env = await spec.create(options.kwargs ?? {});
  return maxEpisodeSteps === undefined ? env : new TimeLimit(env, { maxEpisodeSteps });
}

function checkSteps(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${what} must be a positive integer, got ${value}`);
}

registerEnv('HalfCheetah-v5', {
  create: (kwargs) => HalfCheetahEnv.create(kwargs),
  maxEpisodeSteps: 1000,
  rewardThreshold: 4800,
});

registerEnv('InvertedPendulum-v5', {
  create: (kwargs) => InvertedPendulumEnv.create(kwargs),
  maxEpisodeSteps: 1000,
  rewardThreshold: 950,
});

/**
 * The rest of Gymnasium's MuJoCo v5 suite: id, task, TimeLimit and reward threshold of each
 * registration (gymnasium/envs/__init__.py; Walker2d, Humanoid and HumanoidStandup have no
 * threshold).
 */
const SUITE: [string, EnvSpec['create'], number, number | undefined][] = [
  ['Hopper-v5', (kwargs) => HopperEnv.create(kwargs), 1000, 3800],
  ['Walker2d-v5', (kwargs) => Walker2dEnv.create(kwargs), 1000, undefined],
  ['Swimmer-v5', (kwargs) => SwimmerEnv.create(kwargs), 1000, 360],
  ['InvertedDoublePendulum-v5', (kwargs) => InvertedDoublePendulumEnv.create(kwargs), 1000, 9100],
  ['Reacher-v5', (kwargs) => ReacherEnv.create(kwargs), 50, -3.75],
  ['Pusher-v5', (kwargs) => PusherEnv.create(kwargs), 100, 0],
  ['Ant-v5', (kwargs) => AntEnv.create(kwargs), 1000, 6000],
  ['Humanoid-v5', (kwargs) => HumanoidEnv.create(kwargs), 1000, undefined],
  ['HumanoidStandup-v5', (kwargs) => HumanoidStandupEnv.create(kwargs), 1000, undefined],
];
for (const [id, create, maxEpisodeSteps, rewardThreshold] of SUITE) {
  registerEnv(id, { create, maxEpisodeSteps, rewardThreshold });
}
