/**
 * A task's keyword arguments (Gymnasium's constructor arguments, camelCased) and its creation:
 * `resolveOptions` merges the caller's options into the task's frozen defaults and checks each
 * by the kind of its default, and `createTask` / `taskCreator` compile the model file and build
 * the task on it, freeing the model when the task rejects its options.
 */
import { MujocoSim } from './mujoco.js';
import { type MujocoEnv, checkModelFile, checkNonNegative, checkOptionKeys } from './mujoco_env.js';

/** Keyword arguments every task has (each task's header and defaults give its values). */
export interface TaskOptions {
  /** MJCF model file: absolute path or a name in `assets/` (Gymnasium's xml_file). */
  modelFile?: string;
  /** Physics steps per env step (Gymnasium's frame_skip); dt = timestep * frameSkip. */
  frameSkip?: number;
}

/** Keyword arguments of the tasks rewarded for moving forward (Swimmer, Hopper, Walker2d). */
export interface ForwardTaskOptions extends TaskOptions {
  /** Weight of the forward velocity term. */
  forwardRewardWeight?: number;
  /** Weight of sum(action^2). */
  ctrlCostWeight?: number;
  /** Half-width of the uniform qpos and qvel reset noise. */
  resetNoiseScale?: number;
  /** Leave the root's horizontal position out of the observation. */
  excludeCurrentPositionsFromObservation?: boolean;
}

/** What an option can be: a weight or count, a switch, a file name, or a [low, high] range. */
export type OptionValue = number | boolean | string | readonly [number, number];

/**
 * The defaults with the caller's options laid over them, each checked like its default: numbers
 * finite and >= 0 (`frameSkip` a positive integer), switches true or false, ranges [low, high]
 * with low <= high (either may be infinite), the model file a non-empty string. An unknown key
 * throws, naming the allowed ones.
 */
export function resolveOptions<T extends Readonly<Record<string, OptionValue>>>(
  id: string,
  options: Partial<T>,
  defaults: T,
): T {
  checkOptionKeys(id, options, Object.keys(defaults));
  const resolved: Record<string, OptionValue> = { ...defaults };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) resolved[key] = checkOption(id, key, value, defaults[key]);
  }
  return resolved as T;
}

function checkOption(id: string, key: string, value: unknown, fallback: OptionValue): OptionValue {
  if (typeof fallback === 'boolean') {
    if (typeof value !== 'boolean') throw new Error(`${id}: option ${key} must be true or false, got ${String(value)}`);
    return value;
  }
  if (typeof fallback === 'string') return checkModelFile(id, value);
  if (typeof fallback === 'number') {
    if (key === 'frameSkip' && !(Number.isInteger(value) && (value as number) >= 1)) {
      throw new Error(`${id}: option frameSkip must be a positive integer, got ${String(value)}`);
    }
    return checkNonNegative(id, key, value as number);
  }
  const range = value as readonly unknown[];
  const valid =
    Array.isArray(range) &&
    range.length === 2 &&
    range.every((bound) => typeof bound === 'number' && !Number.isNaN(bound)) &&
    (range[0] as number) <= (range[1] as number);
  if (!valid) {
    throw new Error(`${id}: option ${key} must be [low, high] with low <= high, got ${JSON.stringify(value)}`);
  }
  return [range[0], range[1]] as [number, number];
}

/**
 * Compile `modelFile` (absolute, or a name in `assets/`) and build the task on it; the task owns
 * the simulation from then on, and it is freed here if `build` throws.
 */
export async function createTask<E>(id: string, modelFile: unknown, build: (sim: MujocoSim) => E): Promise<E> {
  const sim = await MujocoSim.fromFile(checkModelFile(id, modelFile));
  try {
    return build(sim);
  } catch (error) {
    sim.close();
    throw error;
  }
}

/** A task class: built on a compiled simulation from its options. */
export type TaskClass<O extends TaskOptions> = new (sim: MujocoSim, options?: O) => MujocoEnv;

/**
 * A registration's `create` for a task class: compile the options' model file (or the task's
 * default one) and build the task with the options, e.g. `taskCreator('Hopper-v5', HopperEnv,
 * HOPPER_DEFAULTS)(kwargs)`.
 */
export function taskCreator<O extends TaskOptions>(
  id: string,
  Task: TaskClass<O>,
  defaults: Readonly<Required<O>>,
): (options: O) => Promise<MujocoEnv> {
  return (options) => createTask(id, options.modelFile ?? defaults.modelFile, (sim) => new Task(sim, options));
}
