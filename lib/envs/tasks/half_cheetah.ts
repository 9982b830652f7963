/**
 * HalfCheetah-v5: the task A3C is trained on, with the exact semantics of Gymnasium's
 * `HalfCheetahEnv` v5 (gymnasium/envs/mujoco/half_cheetah_v5.py), on the model
 * `assets/half_cheetah.xml` (Wawrzynski 2009, "A cat-like robot real-time learning to run").
 *
 * A planar two-legged robot must run forward (+x) as fast as it can with little control effort.
 *
 * ## Action space: `Box(-1.0, 1.0, (6,), float32)`
 * Torques applied at the hinge joints (torque = gear * action; MuJoCo clamps to [-1, 1]).
 *
 * | i | actuator | joint  | torque on            | gear | range |
 * |---|----------|--------|----------------------|------|-------|
 * | 0 | bthigh   | bthigh | back thigh (hip)     | 120  | -1..1 |
 * | 1 | bshin    | bshin  | back shin (knee)     | 90   | -1..1 |
 * | 2 | bfoot    | bfoot  | back foot (ankle)    | 60   | -1..1 |
 * | 3 | fthigh   | fthigh | front thigh (hip)    | 120  | -1..1 |
 * | 4 | fshin    | fshin  | front shin (knee)    | 60   | -1..1 |
 * | 5 | ffoot    | ffoot  | front foot (ankle)   | 30   | -1..1 |
 *
 * ## Observation space: `Box(-inf, inf, (17,), float64)` = qpos[1:] then qvel
 * The x position (qpos[0]) is left out by default so the policy cannot depend on how far it ran
 * (`excludeCurrentPositionsFromObservation: false` puts it first, 18 values).
 *
 * | i  | source  | joint  | meaning                                         | unit  |
 * |----|---------|--------|-------------------------------------------------|-------|
 * | 0  | qpos[1] | rootz  | torso height relative to its initial 0.7 m      | m     |
 * | 1  | qpos[2] | rooty  | torso pitch angle                               | rad   |
 * | 2  | qpos[3] | bthigh | back thigh angle                                | rad   |
 * | 3  | qpos[4] | bshin  | back shin angle                                 | rad   |
 * | 4  | qpos[5] | bfoot  | back foot angle                                 | rad   |
 * | 5  | qpos[6] | fthigh | front thigh angle                               | rad   |
 * | 6  | qpos[7] | fshin  | front shin angle                                | rad   |
 * | 7  | qpos[8] | ffoot  | front foot angle                                | rad   |
 * | 8  | qvel[0] | rootx  | torso forward (x) velocity                      | m/s   |
 * | 9  | qvel[1] | rootz  | torso vertical (z) velocity                     | m/s   |
 * | 10 | qvel[2] | rooty  | torso pitch angular velocity                    | rad/s |
 * | 11 | qvel[3] | bthigh | back thigh angular velocity                     | rad/s |
 * | 12 | qvel[4] | bshin  | back shin angular velocity                      | rad/s |
 * | 13 | qvel[5] | bfoot  | back foot angular velocity                      | rad/s |
 * | 14 | qvel[6] | fthigh | front thigh angular velocity                    | rad/s |
 * | 15 | qvel[7] | fshin  | front shin angular velocity                     | rad/s |
 * | 16 | qvel[8] | ffoot  | front foot angular velocity                     | rad/s |
 *
 * ## Reward
 *   x_velocity = (qpos[0] after - qpos[0] before) / dt
 *   reward     = forwardRewardWeight * x_velocity - ctrlCostWeight * sum(action^2)
 * with the action as given (not clipped). Info: `x_position` (after), `x_velocity`,
 * `reward_forward` (= forwardRewardWeight * x_velocity), `reward_ctrl` (= -control cost).
 *
 * ## Reset
 *   qpos = initQpos + U(-resetNoiseScale, resetNoiseScale) per element (nq = 9 draws, then)
 *   qvel = initQvel + resetNoiseScale * N(0, 1) per element (nv = 9 draws)
 * Reset info: `x_position`.
 *
 * ## Episode end
 * Never terminates. `makeEnv` truncates it after 1000 steps (TimeLimit), i.e. 50 s at dt = 0.05.
 */
import type { Info } from '../env.js';
import { MujocoSim } from '../mujoco.js';
import { MujocoEnv, checkModelFile, checkNonNegative, checkOptionKeys, type TaskStep } from '../mujoco_env.js';
import type { Rng } from '../../common/rng.js';
import { Box } from '../spaces.js';

/** Gymnasium v5 keyword arguments of HalfCheetah, camelCased. */
export interface HalfCheetahOptions {
  /** MJCF model file: absolute path or a name in `assets/` (Gymnasium's xml_file). */
  modelFile?: string;
  /** Physics steps per env step; default 5 (dt = 0.05 s). */
  frameSkip?: number;
  /** Weight of the forward velocity term; default 1. */
  forwardRewardWeight?: number;
  /** Weight of sum(action^2); default 0.1. */
  ctrlCostWeight?: number;
  /** Half-width of the uniform qpos noise and std of the normal qvel noise; default 0.1. */
  resetNoiseScale?: number;
  /** Leave qpos[0] (x) out of the observation; default true. */
  excludeCurrentPositionsFromObservation?: boolean;
}

const OPTION_KEYS: readonly (keyof HalfCheetahOptions)[] = [
  'modelFile',
  'frameSkip',
  'forwardRewardWeight',
  'ctrlCostWeight',
  'resetNoiseScale',
  'excludeCurrentPositionsFromObservation',
];

export const HALF_CHEETAH_DEFAULTS = Object.freeze({
  modelFile: 'half_cheetah.xml',
  frameSkip: 5,
  forwardRewardWeight: 1.0,
  ctrlCostWeight: 0.1,
  resetNoiseScale: 0.1,
  excludeCurrentPositionsFromObservation: true,
});

export class HalfCheetahEnv extends MujocoEnv {
  readonly id = 'HalfCheetah-v5';
  readonly observationSpace: Box;
  readonly forwardRewardWeight: number;
  readonly ctrlCostWeight: number;
  readonly resetNoiseScale: number;
  readonly excludeCurrentPositionsFromObservation: boolean;
  /** Index of the first qpos value in the observation (1 when x is excluded). */
  private readonly qposStart: number;

  /** Load MuJoCo (once per thread), compile the model and build the env. */
  static async create(options: HalfCheetahOptions = {}): Promise<HalfCheetahEnv> {
    checkOptionKeys('HalfCheetah-v5', options, OPTION_KEYS);
    const sim = await MujocoSim.fromFile(
      checkModelFile('HalfCheetah-v5', options.modelFile ?? HALF_CHEETAH_DEFAULTS.modelFile),
    );
    try {
      return new HalfCheetahEnv(sim, options);
    } catch (error) {
      sim.close();
      throw error;
    }
  }

  /** Build on an already compiled simulation (which the env then owns and frees on close). */
  constructor(sim: MujocoSim, options: HalfCheetahOptions = {}) {
    checkOptionKeys('HalfCheetah-v5', options, OPTION_KEYS);
    super(sim, { frameSkip: options.frameSkip ?? HALF_CHEETAH_DEFAULTS.frameSkip });
    const o = { ...HALF_CHEETAH_DEFAULTS, ...options };
    this.forwardRewardWeight = checkNonNegative(this.id, 'forwardRewardWeight', o.forwardRewardWeight);
    this.ctrlCostWeight = checkNonNegative(this.id, 'ctrlCostWeight', o.ctrlCostWeight);
    this.resetNoiseScale = checkNonNegative(this.id, 'resetNoiseScale', o.resetNoiseScale);
    if (typeof o.excludeCurrentPositionsFromObservation !== 'boolean') {
      throw new Error(
        `${this.id}: option excludeCurrentPositionsFromObservation must be true or false, got ${String(o.excludeCurrentPositionsFromObservation)}`,
      );
    }
    this.excludeCurrentPositionsFromObservation = o.excludeCurrentPositionsFromObservation;
    this.qposStart = this.excludeCurrentPositionsFromObservation ? 1 : 0;
    const size = sim.nq - this.qposStart + sim.nv;
    this.observationSpace = new Box(-Infinity, Infinity, [size], 'float64');
  }

  protected override stepTask(action: ArrayLike<number>): TaskStep {
    const xBefore = this.sim.qposAt(0);
    this.doSimulation(action, this.frameSkip);
    const xAfter = this.sim.qposAt(0);
    const xVelocity = (xAfter - xBefore) / this.dt;

    let squares = 0;
    for (let i = 0; i < action.length; i++) squares += action[i] * action[i];
    const forwardReward = this.forwardRewardWeight * xVelocity;
    const ctrlCost = this.ctrlCostWeight * squares;

    const info: Info = {
      x_position: xAfter,
      x_velocity: xVelocity,
      reward_forward: forwardReward,
      reward_ctrl: -ctrlCost,
    };
    return { observation: this.observe(), reward: forwardReward - ctrlCost, terminated: false, info };
  }

  protected override resetModel(rng: Rng): Float64Array {
    const scale = this.resetNoiseScale;
    const qpos = new Float64Array(this.sim.nq);
    const qvel = new Float64Array(this.sim.nv);
    for (let i = 0; i < qpos.length; i++) qpos[i] = this.initQpos[i] + rng.uniform(-scale, scale);
    for (let i = 0; i < qvel.length; i++) qvel[i] = this.initQvel[i] + scale * rng.normal();
    this.setState(qpos, qvel);
    return this.observe();
  }

  protected override resetInfo(): Info {
    return { x_position: this.sim.qposAt(0) };
  }

  /** qpos[qposStart:] then qvel, in a new array (the caller may keep it). */
  private observe(): Float64Array {
    const observation = new Float64Array(this.observationSpace.size);
    this.sim.readQpos(observation, 0, this.qposStart);
    this.sim.readQvel(observation, this.sim.nq - this.qposStart);
    return observation;
  }
}
