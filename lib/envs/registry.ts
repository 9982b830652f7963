/**
 * Task registry, in the spirit of Gymnasium's `gym.make`: `makeEnv("HalfCheetah-v5")` builds the
 * task with its Gymnasium defaults and wraps it in the `TimeLimit` of its registration (1000
 * steps for both MuJoCo tasks), so every A3C worker gets the same episodes Gymnasium would give.
 */
import type { Env } from './env.js';
import { ANT_DEFAULTS, AntEnv } from './tasks/ant.js';
import { HalfCheetahEnv } from './tasks/half_cheetah.js';
import { HUMANOID_DEFAULTS, HumanoidEnv } from './tasks/humanoid.js';
import { HUMANOID_STANDUP_DEFAULTS, HumanoidStandupEnv } from './tasks/humanoid_standup.js';
import { InvertedPendulumEnv } from './tasks/inverted_pendulum.js';
import { HOPPER_DEFAULTS, HopperEnv } from './tasks/hopper.js';
import { WALKER2D_DEFAULTS, Walker2dEnv } from './tasks/walker2d.js';
import { SWIMMER_DEFAULTS, SwimmerEnv } from './tasks/swimmer.js';
import { INVERTED_DOUBLE_PENDULUM_DEFAULTS, InvertedDoublePendulumEnv } from './tasks/inverted_double_pendulum.js';
import { REACHER_DEFAULTS, ReacherEnv } from './tasks/reacher.js';
import { PUSHER_DEFAULTS, PusherEnv } from './tasks/pusher.js';
import { TimeLimit } from './wrappers.js';
import { type TaskClass, type TaskOptions, taskCreator } from './task_options.js';

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

/** Register a task class of the v5 suite under `id`, with its registration's TimeLimit and threshold. */
function registerTask<O extends TaskOptions>(
  id: string,
  Task: TaskClass<O>,
  defaults: Readonly<Required<O>>,
  limits: Omit<EnvSpec, 'create'>,
): void {
  registerEnv(id, { create: taskCreator(id, Task, defaults) as EnvSpec['create'], ...limits });
}

// The rest of Gymnasium's MuJoCo v5 suite, with the TimeLimit and reward threshold of each
// registration (gymnasium/envs/__init__.py; Walker2d, Humanoid and HumanoidStandup have no threshold).
registerTask('Hopper-v5', HopperEnv, HOPPER_DEFAULTS, { maxEpisodeSteps: 1000, rewardThreshold: 3800 });
registerTask('Walker2d-v5', Walker2dEnv, WALKER2D_DEFAULTS, { maxEpisodeSteps: 1000 });
registerTask('Swimmer-v5', SwimmerEnv, SWIMMER_DEFAULTS, { maxEpisodeSteps: 1000, rewardThreshold: 360 });
registerTask('InvertedDoublePendulum-v5', InvertedDoublePendulumEnv, INVERTED_DOUBLE_PENDULUM_DEFAULTS, {
  maxEpisodeSteps: 1000,
  rewardThreshold: 9100,
});
registerTask('Reacher-v5', ReacherEnv, REACHER_DEFAULTS, { maxEpisodeSteps: 50, rewardThreshold: -3.75 });
registerTask('Pusher-v5', PusherEnv, PUSHER_DEFAULTS, { maxEpisodeSteps: 100, rewardThreshold: 0 });
registerTask('Ant-v5', AntEnv, ANT_DEFAULTS, { maxEpisodeSteps: 1000, rewardThreshold: 6000 });
registerTask('Humanoid-v5', HumanoidEnv, HUMANOID_DEFAULTS, { maxEpisodeSteps: 1000 });
registerTask('HumanoidStandup-v5', HumanoidStandupEnv, HUMANOID_STANDUP_DEFAULTS, { maxEpisodeSteps: 1000 });
