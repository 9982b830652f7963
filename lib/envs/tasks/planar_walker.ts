/**
 * What Gymnasium's Hopper-v5 and Walker2d-v5 share (hopper_v5.py, walker2d_v5.py): a planar robot
 * on a root of two slides (x, z) and a pitch hinge, rewarded for running forward while healthy.
 *
 *   x_velocity = (qpos[0] after - qpos[0] before) / dt
 *   reward     = forwardRewardWeight * x_velocity + healthyReward * healthy
 *                - ctrlCostWeight * sum(action^2)
 *   healthy    = qpos[1] (torso height) in healthyZRange, qpos[2] (torso pitch) in
 *                healthyAngleRange, and every value of (qpos[2:], qvel) in healthyStateRange
 *                (Hopper's option; Walker2d has none), all open intervals
 *   observation = qpos[1:] then qvel clipped to [-10, 10]
 *
 * Info: `x_position` (after), `z_distance_from_origin` (qpos[1] - initQpos[1]), `x_velocity`,
 * `reward_forward`, `reward_ctrl` (= -control cost), `reward_survive`. Terminated when not
 * healthy (if terminateWhenUnhealthy). Reset: qpos and qvel each + U(-resetNoiseScale,
 * resetNoiseScale); reset info `x_position`, `z_distance_from_origin`.
 */
import type { Info } from '../env.js';
import type { MujocoSim } from '../mujoco.js';
import { MujocoEnv, type TaskStep } from '../mujoco_env.js';
import type { Rng } from '../../common/rng.js';
import { Box } from '../spaces.js';
import type { ForwardTaskOptions } from '../task_options.js';
import { controlCost, inOpenRange, positionsAndVelocities, uniformNoise } from '../task_terms.js';

/** Gymnasium v5 keyword arguments shared by Hopper and Walker2d, camelCased (defaults in their files). */
export interface PlanarWalkerOptions extends ForwardTaskOptions {
  /** Reward for every step the robot is healthy. */
  healthyReward?: number;
  /** End the episode (terminated) when the robot is not healthy. */
  terminateWhenUnhealthy?: boolean;
  /** Open interval of healthy torso heights qpos[1], metres. */
  healthyZRange?: readonly [number, number];
  /** Open interval of healthy torso pitch angles qpos[2], radians. */
  healthyAngleRange?: readonly [number, number];
}

/** The defaults Hopper and Walker2d share (each adds its model file and healthy ranges). */
export const PLANAR_WALKER_SHARED_DEFAULTS = Object.freeze({
  frameSkip: 4,
  forwardRewardWeight: 1.0,
  ctrlCostWeight: 1e-3,
  healthyReward: 1.0,
  terminateWhenUnhealthy: true,
  resetNoiseScale: 5e-3,
  excludeCurrentPositionsFromObservation: true,
});

/** Every option resolved, plus the range of (qpos[2:], qvel) that counts as healthy (null: unchecked). */
export type PlanarWalkerConfig = Readonly<Required<PlanarWalkerOptions>> & {
  readonly healthyStateRange: readonly [number, number] | null;
};

/** Largest |qvel| an observation shows (Gymnasium clips velocities to [-10, 10]). */
export const VELOCITY_CLIP = 10;

export abstract class PlanarWalkerEnv extends MujocoEnv {
  readonly observationSpace: Box;
  /** The resolved options (Walker2d's healthyStateRange is null). */
  readonly config: PlanarWalkerConfig;
  /** Index of the first qpos value in the observation (1 when x is excluded). */
  private readonly qposStart: number;

  protected constructor(sim: MujocoSim, config: PlanarWalkerConfig) {
    super(sim, { frameSkip: config.frameSkip });
    this.config = config;
    this.qposStart = config.excludeCurrentPositionsFromObservation ? 1 : 0;
    this.observationSpace = new Box(-Infinity, Infinity, [sim.nq - this.qposStart + sim.nv], 'float64');
  }

  /** Torso height, pitch and the state vector inside their healthy ranges. */
  isHealthy(): boolean {
    const { healthyZRange, healthyAngleRange, healthyStateRange } = this.config;
    const qpos = this.sim.qpos();
    if (!inOpenRange(qpos[1], healthyZRange) || !inOpenRange(qpos[2], healthyAngleRange)) return false;
    if (healthyStateRange === null) return true;
    for (let i = 2; i < qpos.length; i++) if (!inOpenRange(qpos[i], healthyStateRange)) return false;
    return this.sim.qvel().every((value) => inOpenRange(value, healthyStateRange));
  }

  protected override stepTask(action: ArrayLike<number>): TaskStep {
    const c = this.config;
    const xBefore = this.sim.qposAt(0);
    this.doSimulation(action, this.frameSkip);
    const xAfter = this.sim.qposAt(0);
    const xVelocity = (xAfter - xBefore) / this.dt;
    const healthy = this.isHealthy();
    const forwardReward = c.forwardRewardWeight * xVelocity;
    const healthyReward = healthy ? c.healthyReward : 0;
    const ctrlCost = controlCost(action, c.ctrlCostWeight);
    const info: Info = {
      ...this.positionInfo(),
      x_velocity: xVelocity,
      reward_forward: forwardReward,
      reward_ctrl: -ctrlCost,
      reward_survive: healthyReward,
    };
    return {
      observation: positionsAndVelocities(this.sim, this.qposStart, VELOCITY_CLIP),
      reward: forwardReward + healthyReward - ctrlCost,
      terminated: !healthy && c.terminateWhenUnhealthy,
      info,
    };
  }

  protected override resetModel(rng: Rng): Float64Array {
    const scale = this.config.resetNoiseScale;
    this.setState(uniformNoise(this.initQpos, scale, rng), uniformNoise(this.initQvel, scale, rng));
    return positionsAndVelocities(this.sim, this.qposStart, VELOCITY_CLIP);
  }

  protected override resetInfo(): Info {
    return this.positionInfo();
  }

  private positionInfo(): Info {
    return { x_position: this.sim.qposAt(0), z_distance_from_origin: this.sim.qposAt(1) - this.initQpos[1] };
  }
}
