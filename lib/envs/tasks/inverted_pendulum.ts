/**
 * InvertedPendulum-v5: a small, fast task for checking that A3C learns at all (a perfect episode
 * returns 1000), with the exact semantics of Gymnasium's `InvertedPendulumEnv` v5
 * (gymnasium/envs/mujoco/inverted_pendulum_v5.py), on the model `assets/inverted_pendulum.xml`
 * (the cart-pole of Barto, Sutton and Anderson 1983).
 *
 * A cart on a rail carries a pole on a hinge; pushing the cart must keep the pole upright.
 *
 * ## Action space: `Box(-3.0, 3.0, (1,), float32)`
 *
 * | i | actuator | joint  | meaning                          | gear | range |
 * |---|----------|--------|----------------------------------|------|-------|
 * | 0 | slide    | slider | force pushing the cart along x   | 100  | -3..3 |
 *
 * ## Observation space: `Box(-inf, inf, (4,), float64)` = qpos then qvel
 *
 * | i | source  | joint  | meaning                                   | unit  |
 * |---|---------|--------|-------------------------------------------|-------|
 * | 0 | qpos[0] | slider | cart position along the rail              | m     |
 * | 1 | qpos[1] | hinge  | pole angle from vertical                  | rad   |
 * | 2 | qvel[0] | slider | cart velocity                             | m/s   |
 * | 3 | qvel[1] | hinge  | pole angular velocity                     | rad/s |
 *
 * ## Reward
 * 1 for every step after which the pole is still up (`info.reward_survive`), 0 on the step that
 * terminates the episode.
 *
 * ## Reset
 *   qpos = initQpos + U(-resetNoiseScale, resetNoiseScale) per element (2 draws, then)
 *   qvel = initQvel + U(-resetNoiseScale, resetNoiseScale) per element (2 draws)
 * with resetNoiseScale 0.01. Reset info is empty.
 *
 * ## Episode end
 * Terminated when any observation value is not finite or |qpos[1]| > 0.2 rad (the pole fell);
 * truncated by `makeEnv`'s TimeLimit after 1000 steps (40 s at dt = 0.04).
 */
import type { Info } from '../env.js';
import { MujocoSim } from '../mujoco.js';
import { MujocoEnv, checkModelFile, checkNonNegative, checkOptionKeys, type TaskStep } from '../mujoco_env.js';
import type { Rng } from '../../common/rng.js';
import { Box } from '../spaces.js';

/** Gymnasium v5 keyword arguments of InvertedPendulum, camelCased. */
export interface InvertedPendulumOptions {
  /** MJCF model file: absolute path or a name in `assets/` (Gymnasium's xml_file). */
  modelFile?: string;
  /** Physics steps per env step; default 2 (dt = 0.04 s). */
  frameSkip?: number;
  /** Half-width of the uniform qpos and qvel reset noise; default 0.01. */
  resetNoiseScale?: number;
}

const OPTION_KEYS: readonly (keyof InvertedPendulumOptions)[] = ['modelFile', 'frameSkip', 'resetNoiseScale'];

export const INVERTED_PENDULUM_DEFAULTS = Object.freeze({
  modelFile: 'inverted_pendulum.xml',
  frameSkip: 2,
  resetNoiseScale: 0.01,
});

/** The pole counts as fallen beyond this angle (radians). */
export const POLE_ANGLE_LIMIT = 0.2;

export class InvertedPendulumEnv extends MujocoEnv {
  readonly id = 'InvertedPendulum-v5';
  readonly observationSpace: Box;
  readonly resetNoiseScale: number;

  /** Load MuJoCo (once per thread), compile the model and build the env. */
  static async create(options: InvertedPendulumOptions = {}): Promise<InvertedPendulumEnv> {
    checkOptionKeys('InvertedPendulum-v5', options, OPTION_KEYS);
    const sim = await MujocoSim.fromFile(
      checkModelFile('InvertedPendulum-v5', options.modelFile ?? INVERTED_PENDULUM_DEFAULTS.modelFile),
    );
    try {
      return new InvertedPendulumEnv(sim, options);
    } catch (error) {
      sim.close();
      throw error;
    }
  }

  /** Build on an already compiled simulation (which the env then owns and frees on close). */
  constructor(sim: MujocoSim, options: InvertedPendulumOptions = {}) {
    checkOptionKeys('InvertedPendulum-v5', options, OPTION_KEYS);
    super(sim, { frameSkip: options.frameSkip ?? INVERTED_PENDULUM_DEFAULTS.frameSkip });
    this.resetNoiseScale = checkNonNegative(
      this.id,
      'resetNoiseScale',
      options.resetNoiseScale ?? INVERTED_PENDULUM_DEFAULTS.resetNoiseScale,
    );
    this.observationSpace = new Box(-Infinity, Infinity, [sim.nq + sim.nv], 'float64');
  }

  protected override stepTask(action: ArrayLike<number>): TaskStep {
    this.doSimulation(action, this.frameSkip);
    const observation = this.observe();
    let finite = true;
    for (let i = 0; i < observation.length; i++) finite &&= Number.isFinite(observation[i]);
    const terminated = !finite || Math.abs(observation[1]) > POLE_ANGLE_LIMIT;
    const reward = terminated ? 0 : 1;
    return { observation, reward, terminated, info: { reward_survive: reward } };
  }

  protected override resetModel(rng: Rng): Float64Array {
    const scale = this.resetNoiseScale;
    const qpos = new Float64Array(this.sim.nq);
    const qvel = new Float64Array(this.sim.nv);
    for (let i = 0; i < qpos.length; i++) qpos[i] = this.initQpos[i] + rng.uniform(-scale, scale);
    for (let i = 0; i < qvel.length; i++) qvel[i] = this.initQvel[i] + rng.uniform(-scale, scale);
    this.setState(qpos, qvel);
    return this.observe();
  }

  protected override resetInfo(): Info {
    return {};
  }

  /** qpos then qvel, in a new array (the caller may keep it). */
  private observe(): Float64Array {
    const observation = new Float64Array(this.observationSpace.size);
    this.sim.readQpos(observation, 0);
    this.sim.readQvel(observation, this.sim.nq);
    return observation;
  }
}
