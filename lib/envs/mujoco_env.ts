/**
 * The environment side of A3C's interaction loop: a MuJoCo task as a Gymnasium-style `Env`,
 * following Gymnasium's `MujocoEnv` (gymnasium/envs/mujoco/mujoco_env.py).
 *
 * - One env step applies the action to `ctrl` and advances `frameSkip` physics steps, so
 *   dt = timestep * frameSkip.
 * - `reset()` restores the model's default state (mj_resetData), then the task adds its reset
 *   noise through `setState` (which runs mj_forward), as Gymnasium's reset / reset_model does.
 * - Each env owns a seeded `Rng`: `reset({ seed })` reseeds it, so the same seed gives the same
 *   episode on any machine; an env never seeded draws its seed from crypto randomness, like
 *   Gymnasium's np_random.
 * - The order of calls is enforced (Gymnasium's OrderEnforcing): `step` before the first `reset`,
 *   after a terminated step, or after `close` throws.
 *
 * Gymnasium's do_simulation also calls mj_rnePostConstraint after stepping; it only fills
 * cacc/cfrc_int/cfrc_ext (contact forces some tasks observe), never the state, and neither task
 * here reads them, so it is skipped.
 */
import { webcrypto } from 'node:crypto';
import type { Env, Info, RenderSpec, ResetOptions, ResetResult, StepResult } from './env.js';
import type { MujocoSim } from './mujoco.js';
import { Rng } from '../common/rng.js';
import { Box } from './spaces.js';

export interface MujocoEnvOptions {
  /** Physics steps per env step (Gymnasium's frame_skip), a positive integer. */
  frameSkip: number;
}

/** What a task computes for one env step (the action has been applied and simulated). */
export interface TaskStep {
  observation: Float64Array;
  reward: number;
  terminated: boolean;
  info: Info;
}

export abstract class MujocoEnv implements Env {
  abstract readonly id: string;
  abstract readonly observationSpace: Box;
  /** One Box dimension per actuator, bounds from the model's ctrlrange (float32 like Gymnasium). */
  readonly actionSpace: Box;
  /** The compiled model and its data; a renderer draws from it. */
  readonly sim: MujocoSim;
  readonly frameSkip: number;
  /** Seconds of simulated time per `step()`: timestep * frameSkip. */
  readonly dt: number;
  readonly metadata: RenderSpec;
  /** The state reset noise is added to: the model's qpos0 and zero velocity (copies). */
  readonly initQpos: Float64Array;
  readonly initQvel: Float64Array;

  /** The env's random stream (reset noise); replaced on `reset({ seed })`. */
  protected rng: Rng | undefined;
  private phase: 'new' | 'running' | 'ended' | 'closed' = 'new';

  protected constructor(sim: MujocoSim, options: MujocoEnvOptions) {
    const { frameSkip } = options;
    if (!Number.isInteger(frameSkip) || frameSkip < 1) {
      throw new Error(`frameSkip must be a positive integer, got ${frameSkip}`);
    }
    this.sim = sim;
    this.frameSkip = frameSkip;
    this.dt = sim.timestep * frameSkip;
    // Gymnasium: render_fps = round(1 / dt), and it insists the two agree.
    this.metadata = { fps: Math.round(1 / this.dt) };
    const { qpos, qvel } = sim.initialState();
    this.initQpos = qpos;
    this.initQvel = qvel;
    this.actionSpace = actionSpaceFromModel(sim);
  }

  get unwrapped(): Env {
    return this;
  }

  /** True once `close()` has run. */
  get isClosed(): boolean {
    return this.phase === 'closed';
  }

  reset(options: ResetOptions = {}): ResetResult {
    this.assertNotClosed('reset');
    if (options.seed !== undefined) this.rng = new Rng(options.seed);
    else this.rng ??= new Rng(randomSeed());
    this.sim.reset();
    const observation = this.resetModel(this.rng);
    this.phase = 'running';
    return { observation, info: this.resetInfo() };
  }

  step(action: ArrayLike<number>): StepResult {
    if (this.phase !== 'running') {
      this.assertNotClosed('step');
      throw new Error(
        this.phase === 'new'
          ? `${this.id}: step() called before reset(); call reset() to start an episode`
          : `${this.id}: step() called after the episode terminated; call reset() to start a new one`,
      );
    }
    this.checkAction(action);
    const result = this.stepTask(action);
    if (result.terminated) this.phase = 'ended';
    return {
      observation: result.observation,
      reward: result.reward,
      terminated: result.terminated,
      truncated: false,
      info: result.info,
    };
  }

  /** Set qpos and qvel (copied into the simulation) and recompute derived quantities. */
  setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): void {
    this.assertNotClosed('setState');
    this.sim.setState(qpos, qvel);
  }

  /** Free the simulation; every later call except `close` throws. */
  close(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.sim.close();
  }

  /** Write `action` to ctrl and advance `nFrames` physics steps (Gymnasium's do_simulation). */
  protected doSimulation(action: ArrayLike<number>, nFrames: number): void {
    this.sim.setControl(action);
    this.sim.step(nFrames);
  }

  /** Set a noisy initial state (after mj_resetData) and return the first observation. */
  protected abstract resetModel(rng: Rng): Float64Array;

  /** The task's info at reset (Gymnasium's _get_reset_info). */
  protected resetInfo(): Info {
    return {};
  }

  /** Apply a checked action for one env step and compute the task's outputs. */
  protected abstract stepTask(action: ArrayLike<number>): TaskStep;

  private checkAction(action: ArrayLike<number>): void {
    const size = this.actionSpace.size;
    if (action == null || typeof action.length !== 'number') {
      throw new Error(
        `${this.id}: action must be an array of ${size} numbers in ${this.actionSpace}, got ${String(action)}`,
      );
    }
    if (action.length !== size) {
      throw new Error(
        `${this.id}: action must have ${size} values (action space ${this.actionSpace}), got ${action.length}`,
      );
    }
    for (let i = 0; i < size; i++) {
      const value = action[i];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new Error(
          `${this.id}: action[${i}] is ${String(value)}; every action value must be a finite number ` +
            `(values outside [${this.actionSpace.low[i]}, ${this.actionSpace.high[i]}] are clamped by MuJoCo)`,
        );
      }
    }
  }

  private assertNotClosed(method: string): void {
    if (this.phase === 'closed') throw new Error(`${this.id}: ${method}() called after close(); make a new env`);
  }
}

/** Box over the actuators' ctrlrange, rounded to float32 as Gymnasium's `_set_action_space` does. */
function actionSpaceFromModel(sim: MujocoSim): Box {
  const { nu } = sim;
  const ctrlrange = sim.model.actuator_ctrlrange as Float64Array;
  const limited = sim.modelFlags('actuator_ctrllimited');
  const low = new Float64Array(nu);
  const high = new Float64Array(nu);
  for (let i = 0; i < nu; i++) {
    low[i] = limited[i] ? Math.fround(ctrlrange[2 * i]) : -Infinity;
    high[i] = limited[i] ? Math.fround(ctrlrange[2 * i + 1]) : Infinity;
  }
  return new Box(low, high, [nu], 'float32');
}

/** A 32-bit seed from the operating system's entropy, for envs reset without a seed. */
function randomSeed(): number {
  return webcrypto.getRandomValues(new Uint32Array(1))[0] | 0;
}

/**
 * Reject option keys a task does not know (a misspelt option would otherwise be silently
 * ignored), naming the allowed ones.
 */
export function checkOptionKeys(id: string, options: object, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new Error(`${id}: unknown option "${key}"; allowed options: ${allowed.join(', ')}`);
    }
  }
}

/** A finite number >= 0 (weights, noise scales), or a clear error naming the option. */
export function checkNonNegative(id: string, name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${id}: option ${name} must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}

/** A model file option: a non-empty string (absolute path, or a name in `assets/`). */
export function checkModelFile(id: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`${id}: option modelFile must be a file name in assets/ or an absolute path, got ${String(value)}`);
  }
  return value;
}
