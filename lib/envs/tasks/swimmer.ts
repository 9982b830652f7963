/**
 * Swimmer-v5: the exact semantics of Gymnasium's `SwimmerEnv` v5
 * (gymnasium/envs/mujoco/swimmer_v5.py) on the model `assets/swimmer.xml` (Coulom 2002).
 *
 * Three links joined by two actuated hinges, in a viscous fluid, must swim forward (+x).
 *
 * ## Action space: `Box(-1.0, 1.0, (2,), float32)`
 * Torques at the two hinges (torque = gear * action; MuJoCo clamps the action to [-1, 1]).
 *
 * | i | actuator | joint      | torque on                      | gear | range |
 * |---|----------|------------|--------------------------------|------|-------|
 * | 0 | -        | motor1_rot | first hinge (head to middle)   | 150  | -1..1 |
 * | 1 | -        | motor2_rot | second hinge (middle to tail)  | 150  | -1..1 |
 *
 * (The model's motors are unnamed.)
 *
 * ## Observation space: `Box(-inf, inf, (8,), float64)` = qpos[2:] then qvel
 * The x-y position (qpos[0], qpos[1]) is left out by default
 * (`excludeCurrentPositionsFromObservation: false` puts it first, 10 values).
 *
 * | i | source  | joint         | meaning                              | unit  |
 * |---|---------|---------------|--------------------------------------|-------|
 * | 0 | qpos[2] | free_body_rot | heading of the head link (about z)   | rad   |
 * | 1 | qpos[3] | motor1_rot    | first hinge angle                    | rad   |
 * | 2 | qpos[4] | motor2_rot    | second hinge angle                   | rad   |
 * | 3 | qvel[0] | slider1       | head velocity along x                | m/s   |
 * | 4 | qvel[1] | slider2       | head velocity along y                | m/s   |
 * | 5 | qvel[2] | free_body_rot | heading angular velocity             | rad/s |
 * | 6 | qvel[3] | motor1_rot    | first hinge angular velocity         | rad/s |
 * | 7 | qvel[4] | motor2_rot    | second hinge angular velocity        | rad/s |
 *
 * ## Reward
 *   x_velocity = (qpos[0] after - qpos[0] before) / dt (y_velocity likewise from qpos[1])
 *   reward     = forwardRewardWeight * x_velocity - ctrlCostWeight * sum(action^2)
 * with the action as given. Info: `x_position`, `y_position`, `distance_from_origin` (of the
 * x-y position), `x_velocity`, `y_velocity`, `reward_forward`, `reward_ctrl` (= -control cost).
 *
 * ## Reset
 *   qpos = initQpos + U(-0.1, 0.1) per element (5 draws), then qvel = U(-0.1, 0.1) (5 draws).
 * Reset info: `x_position`, `y_position`, `distance_from_origin`.
 *
 * ## Episode end
 * Never terminates. Truncated by `makeEnv`'s TimeLimit after 1000 steps (40 s at dt = 0.04).
 */
import type { Info } from '../env.js';
import type { MujocoSim } from '../mujoco.js';
import { MujocoEnv, type TaskStep } from '../mujoco_env.js';
import type { Rng } from '../../common/rng.js';
import { Box } from '../spaces.js';
import { type ForwardTaskOptions, resolveOptions } from '../task_options.js';
import { controlCost, positionsAndVelocities, uniformNoise } from '../task_terms.js';

/** Gymnasium v5 keyword arguments of Swimmer, camelCased (defaults in SWIMMER_DEFAULTS). */
export type SwimmerOptions = ForwardTaskOptions;

export const SWIMMER_DEFAULTS = Object.freeze<Required<SwimmerOptions>>({
  modelFile: 'swimmer.xml',
  frameSkip: 4,
  forwardRewardWeight: 1.0,
  ctrlCostWeight: 1e-4,
  resetNoiseScale: 0.1,
  excludeCurrentPositionsFromObservation: true,
});

export class SwimmerEnv extends MujocoEnv {
  readonly id = 'Swimmer-v5';
  readonly observationSpace: Box;
  /** Index of the first qpos value in the observation (2 when x and y are excluded). */
  private readonly qposStart: number;

  /** Build on a compiled simulation (which the env then owns and frees on close); `makeEnv` compiles it. */
  constructor(
    sim: MujocoSim,
    options: SwimmerOptions = {},
    /** The resolved options. */
    readonly config = resolveOptions('Swimmer-v5', options, SWIMMER_DEFAULTS),
  ) {
    super(sim, config);
    this.qposStart = config.excludeCurrentPositionsFromObservation ? 2 : 0;
    this.observationSpace = new Box(-Infinity, Infinity, [sim.nq - this.qposStart + sim.nv], 'float64');
  }

  protected override stepTask(action: ArrayLike<number>): TaskStep {
    const xBefore = this.sim.qposAt(0);
    const yBefore = this.sim.qposAt(1);
    this.doSimulation(action, this.frameSkip);
    const position = this.positionInfo();
    const xVelocity = ((position.x_position as number) - xBefore) / this.dt;
    const yVelocity = ((position.y_position as number) - yBefore) / this.dt;
    const forwardReward = this.config.forwardRewardWeight * xVelocity;
    const ctrlCost = controlCost(action, this.config.ctrlCostWeight);
    const info: Info = {
      ...position,
      x_velocity: xVelocity,
      y_velocity: yVelocity,
      reward_forward: forwardReward,
      reward_ctrl: -ctrlCost,
    };
    return {
      observation: positionsAndVelocities(this.sim, this.qposStart),
      reward: forwardReward - ctrlCost,
      terminated: false,
      info,
    };
  }

  protected override resetModel(rng: Rng): Float64Array {
    const scale = this.config.resetNoiseScale;
    this.setState(uniformNoise(this.initQpos, scale, rng), uniformNoise(this.initQvel, scale, rng));
    return positionsAndVelocities(this.sim, this.qposStart);
  }

  protected override resetInfo(): Info {
    return this.positionInfo();
  }

  private positionInfo(): Info {
    const x = this.sim.qposAt(0);
    const y = this.sim.qposAt(1);
    return { x_position: x, y_position: y, distance_from_origin: Math.sqrt(x * x + y * y) };
  }
}
