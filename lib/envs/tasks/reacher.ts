/**
 * Reacher-v5: the exact semantics of Gymnasium's `ReacherEnv` v5
 * (gymnasium/envs/mujoco/reacher_v5.py) on the model `assets/reacher.xml`.
 *
 * A two-link arm in the horizontal plane must bring its fingertip to a target placed at random
 * on every reset.
 *
 * ## Action space: `Box(-1.0, 1.0, (2,), float32)`
 * Torques at the two hinges (torque = gear * action; MuJoCo clamps the action to [-1, 1]).
 *
 * | i | actuator | joint  | torque on               | gear | range |
 * |---|----------|--------|-------------------------|------|-------|
 * | 0 | -        | joint0 | first link (shoulder)   | 200  | -1..1 |
 * | 1 | -        | joint1 | second link (elbow)     | 200  | -1..1 |
 *
 * (The model's motors are unnamed.)
 *
 * ## Observation space: `Box(-inf, inf, (10,), float64)`
 * xpos(b) is body b's world position (its frame's origin, Gymnasium's get_body_com).
 *
 * | i | source                          | joint    | meaning                                  | unit  |
 * |---|---------------------------------|----------|------------------------------------------|-------|
 * | 0 | cos(qpos[0])                    | joint0   | cosine of the first link's angle         |       |
 * | 1 | cos(qpos[1])                    | joint1   | cosine of the second link's angle        |       |
 * | 2 | sin(qpos[0])                    | joint0   | sine of the first link's angle           |       |
 * | 3 | sin(qpos[1])                    | joint1   | sine of the second link's angle          |       |
 * | 4 | qpos[2]                         | target_x | target x position                        | m     |
 * | 5 | qpos[3]                         | target_y | target y position                        | m     |
 * | 6 | qvel[0]                         | joint0   | first link's angular velocity            | rad/s |
 * | 7 | qvel[1]                         | joint1   | second link's angular velocity           | rad/s |
 * | 8 | xpos(fingertip).x - xpos(target).x | -     | fingertip minus target, x                | m     |
 * | 9 | xpos(fingertip).y - xpos(target).y | -     | fingertip minus target, y                | m     |
 *
 * ## Reward
 *   reward_dist = -rewardDistWeight * |xpos(fingertip) - xpos(target)|   (3-d distance)
 *   reward_ctrl = -rewardControlWeight * sum(action^2)                    (action as given)
 *   reward      = reward_dist + reward_ctrl
 * Info: `reward_dist`, `reward_ctrl`.
 *
 * ## Reset
 * In this order: qpos = initQpos + U(-0.1, 0.1) per element (4 draws); then the goal, pairs of
 * U(-0.2, 0.2) (x, y) drawn until one lies within 0.2 m of the centre, written to qpos[2:4];
 * qvel = U(-0.005, 0.005) per element (4 draws) with the target's two set to 0. Reset info is empty.
 *
 * ## Episode end
 * Never terminates. Truncated by `makeEnv`'s TimeLimit after 50 steps (1 s at dt = 0.02).
 */
import type { MujocoSim } from '../mujoco.js';
import { MujocoEnv, type TaskStep } from '../mujoco_env.js';
import type { Rng } from '../../common/rng.js';
import { Box } from '../spaces.js';
import { type TaskOptions, resolveOptions } from '../task_options.js';
import { bodyPosition, controlCost, distance, uniformNoise } from '../task_terms.js';

/** Gymnasium v5 keyword arguments of Reacher, camelCased. */
export interface ReacherOptions extends TaskOptions {
  /** Weight of the fingertip-to-target distance; default 1. */
  rewardDistWeight?: number;
  /** Weight of sum(action^2); default 1. */
  rewardControlWeight?: number;
}

export const REACHER_DEFAULTS = Object.freeze<Required<ReacherOptions>>({
  modelFile: 'reacher.xml',
  frameSkip: 2,
  rewardDistWeight: 1,
  rewardControlWeight: 1,
});

/** Half-width of the uniform noise on the arm's angles at reset (rad). */
const ANGLE_NOISE = 0.1;
/** Goals are drawn from U(-0.2, 0.2)^2 until one lies within this radius (m). */
const GOAL_RADIUS = 0.2;
/** Half-width of the uniform noise on the arm's velocities at reset (rad/s). */
const VELOCITY_NOISE = 0.005;

export class ReacherEnv extends MujocoEnv {
  readonly id = 'Reacher-v5';
  readonly observationSpace = new Box(-Infinity, Infinity, [10], 'float64');
  private readonly fingertip: number;
  private readonly target: number;

  /** Build on a compiled simulation (which the env then owns and frees on close); `makeEnv` compiles it. */
  constructor(
    sim: MujocoSim,
    options: ReacherOptions = {},
    /** The resolved options. */
    readonly config = resolveOptions('Reacher-v5', options, REACHER_DEFAULTS),
  ) {
    super(sim, config);
    this.fingertip = sim.objectId('body', 'fingertip');
    this.target = sim.objectId('body', 'target');
  }

  protected override stepTask(action: ArrayLike<number>): TaskStep {
    this.doSimulation(action, this.frameSkip);
    const rewardDist =
      -distance(bodyPosition(this.sim, this.fingertip), bodyPosition(this.sim, this.target)) *
      this.config.rewardDistWeight;
    const rewardCtrl = -controlCost(action, this.config.rewardControlWeight);
    return {
      observation: this.observe(),
      reward: rewardDist + rewardCtrl,
      terminated: false,
      info: { reward_dist: rewardDist, reward_ctrl: rewardCtrl },
    };
  }

  protected override resetModel(rng: Rng): Float64Array {
    const qpos = uniformNoise(this.initQpos, ANGLE_NOISE, rng);
    let goal: [number, number];
    do goal = [rng.uniform(-GOAL_RADIUS, GOAL_RADIUS), rng.uniform(-GOAL_RADIUS, GOAL_RADIUS)];
    while (!(Math.hypot(...goal) < GOAL_RADIUS));
    qpos.set(goal, this.sim.nq - 2);
    const qvel = uniformNoise(this.initQvel, VELOCITY_NOISE, rng);
    qvel.fill(0, this.sim.nv - 2);
    this.setState(qpos, qvel);
    return this.observe();
  }

  /** cos then sin of the arm angles, the target position, the arm velocities, fingertip - target (x, y). */
  private observe(): Float64Array {
    const qpos = this.sim.qpos();
    const qvel = this.sim.qvel();
    const fingertip = bodyPosition(this.sim, this.fingertip);
    const target = bodyPosition(this.sim, this.target);
    return Float64Array.of(
      Math.cos(qpos[0]),
      Math.cos(qpos[1]),
      Math.sin(qpos[0]),
      Math.sin(qpos[1]),
      qpos[2],
      qpos[3],
      qvel[0],
      qvel[1],
      fingertip[0] - target[0],
      fingertip[1] - target[1],
    );
  }
}
