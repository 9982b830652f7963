/**
 * Pusher-v5: the exact semantics of Gymnasium's `PusherEnv` v5 (gymnasium/envs/mujoco/pusher_v5.py)
 * on the model `assets/pusher.xml` (v5's model: a heavier object cylinder).
 *
 * A seven-joint arm must push a cylinder (the object) onto a goal on the table.
 *
 * ## Action space: `Box(-2.0, 2.0, (7,), float32)`
 * Torques at the arm's hinges (gear 1: torque = action; MuJoCo clamps the action to [-2, 2]).
 *
 * | i | actuator | joint                  | torque on                  | gear | range |
 * |---|----------|------------------------|----------------------------|------|-------|
 * | 0 | -        | r_shoulder_pan_joint   | shoulder, turning about z  | 1    | -2..2 |
 * | 1 | -        | r_shoulder_lift_joint  | shoulder, lifting          | 1    | -2..2 |
 * | 2 | -        | r_upper_arm_roll_joint | upper arm roll             | 1    | -2..2 |
 * | 3 | -        | r_elbow_flex_joint     | elbow                      | 1    | -2..2 |
 * | 4 | -        | r_forearm_roll_joint   | forearm roll               | 1    | -2..2 |
 * | 5 | -        | r_wrist_flex_joint     | wrist flex                 | 1    | -2..2 |
 * | 6 | -        | r_wrist_roll_joint     | wrist roll                 | 1    | -2..2 |
 *
 * (The model's motors are unnamed.)
 *
 * ## Observation space: `Box(-inf, inf, (23,), float64)`
 * xpos(b) is body b's world position (its frame's origin, Gymnasium's get_body_com).
 *
 * | i  | source           | joint                  | meaning                         | unit  |
 * |----|------------------|------------------------|---------------------------------|-------|
 * | 0  | qpos[0]          | r_shoulder_pan_joint   | shoulder pan angle              | rad   |
 * | 1  | qpos[1]          | r_shoulder_lift_joint  | shoulder lift angle             | rad   |
 * | 2  | qpos[2]          | r_upper_arm_roll_joint | upper arm roll angle            | rad   |
 * | 3  | qpos[3]          | r_elbow_flex_joint     | elbow angle                     | rad   |
 * | 4  | qpos[4]          | r_forearm_roll_joint   | forearm roll angle              | rad   |
 * | 5  | qpos[5]          | r_wrist_flex_joint     | wrist flex angle                | rad   |
 * | 6  | qpos[6]          | r_wrist_roll_joint     | wrist roll angle                | rad   |
 * | 7  | qvel[0]          | r_shoulder_pan_joint   | shoulder pan angular velocity   | rad/s |
 * | 8  | qvel[1]          | r_shoulder_lift_joint  | shoulder lift angular velocity  | rad/s |
 * | 9  | qvel[2]          | r_upper_arm_roll_joint | upper arm roll angular velocity | rad/s |
 * | 10 | qvel[3]          | r_elbow_flex_joint     | elbow angular velocity          | rad/s |
 * | 11 | qvel[4]          | r_forearm_roll_joint   | forearm roll angular velocity   | rad/s |
 * | 12 | qvel[5]          | r_wrist_flex_joint     | wrist flex angular velocity     | rad/s |
 * | 13 | qvel[6]          | r_wrist_roll_joint     | wrist roll angular velocity     | rad/s |
 * | 14 | xpos(tips_arm).x | -                      | fingertips (wrist origin) x     | m     |
 * | 15 | xpos(tips_arm).y | -                      | fingertips y                    | m     |
 * | 16 | xpos(tips_arm).z | -                      | fingertips z                    | m     |
 * | 17 | xpos(object).x   | -                      | object x                        | m     |
 * | 18 | xpos(object).y   | -                      | object y                        | m     |
 * | 19 | xpos(object).z   | -                      | object z                        | m     |
 * | 20 | xpos(goal).x     | -                      | goal x                          | m     |
 * | 21 | xpos(goal).y     | -                      | goal y                          | m     |
 * | 22 | xpos(goal).z     | -                      | goal z                          | m     |
 *
 * ## Reward
 *   reward_near = -rewardNearWeight * |xpos(object) - xpos(tips_arm)|
 *   reward_dist = -rewardDistWeight * |xpos(object) - xpos(goal)|
 *   reward_ctrl = -rewardControlWeight * sum(action^2)   (action as given)
 *   reward      = reward_dist + reward_ctrl + reward_near
 * Info: `reward_dist`, `reward_ctrl`, `reward_near`.
 *
 * ## Reset
 * qpos = initQpos (no noise), except the object: pairs (U(-0.3, 0), U(-0.2, 0.2)) drawn until
 * one lies more than 0.17 m from the goal at (0, 0), written to qpos[7:9] (the object's y
 * slide, then its x slide), and the goal at qpos[9:11] = (0, 0). qvel = U(-0.005, 0.005) per
 * element (11 draws) with the object's and goal's four set to 0. Reset info is empty.
 *
 * ## Episode end
 * Never terminates. Truncated by `makeEnv`'s TimeLimit after 100 steps (5 s at dt = 0.05).
 */
import type { MujocoSim } from '../mujoco.js';
import { MujocoEnv, type TaskStep } from '../mujoco_env.js';
import type { Rng } from '../../common/rng.js';
import { Box } from '../spaces.js';
import { type TaskOptions, resolveOptions } from '../task_options.js';
import { bodyPosition, controlCost, distance, readBodyPosition, uniformNoise } from '../task_terms.js';

/** Gymnasium v5 keyword arguments of Pusher, camelCased. */
export interface PusherOptions extends TaskOptions {
  /** Weight of the fingertips-to-object distance; default 0.5. */
  rewardNearWeight?: number;
  /** Weight of the object-to-goal distance; default 1. */
  rewardDistWeight?: number;
  /** Weight of sum(action^2); default 0.1. */
  rewardControlWeight?: number;
}

export const PUSHER_DEFAULTS = Object.freeze<Required<PusherOptions>>({
  modelFile: 'pusher.xml',
  frameSkip: 5,
  rewardNearWeight: 0.5,
  rewardDistWeight: 1,
  rewardControlWeight: 0.1,
});

/** The object is placed at least this far from the goal (m). */
export const MIN_OBJECT_GOAL_DISTANCE = 0.17;
/** Half-width of the uniform noise on the arm's velocities at reset (rad/s). */
const VELOCITY_NOISE = 0.005;

export class PusherEnv extends MujocoEnv {
  readonly id = 'Pusher-v5';
  readonly observationSpace = new Box(-Infinity, Infinity, [23], 'float64');
  /** Body ids of the fingertips, the object and the goal, in observation order. */
  private readonly bodies: readonly [number, number, number];

  /** Build on a compiled simulation (which the env then owns and frees on close); `makeEnv` compiles it. */
  constructor(
    sim: MujocoSim,
    options: PusherOptions = {},
    /** The resolved options. */
    readonly config = resolveOptions('Pusher-v5', options, PUSHER_DEFAULTS),
  ) {
    super(sim, config);
    this.bodies = [sim.objectId('body', 'tips_arm'), sim.objectId('body', 'object'), sim.objectId('body', 'goal')];
  }

  protected override stepTask(action: ArrayLike<number>): TaskStep {
    this.doSimulation(action, this.frameSkip);
    const [tips, object, goal] = this.bodies.map((body) => bodyPosition(this.sim, body));
    const c = this.config;
    const rewardNear = -distance(object, tips) * c.rewardNearWeight;
    const rewardDist = -distance(object, goal) * c.rewardDistWeight;
    const rewardCtrl = -controlCost(action, c.rewardControlWeight);
    return {
      observation: this.observe(),
      reward: rewardDist + rewardCtrl + rewardNear,
      terminated: false,
      info: { reward_dist: rewardDist, reward_ctrl: rewardCtrl, reward_near: rewardNear },
    };
  }

  protected override resetModel(rng: Rng): Float64Array {
    const qpos = Float64Array.from(this.initQpos);
    let object: [number, number];
    do object = [rng.uniform(-0.3, 0), rng.uniform(-0.2, 0.2)];
    while (!(Math.hypot(...object) > MIN_OBJECT_GOAL_DISTANCE));
    const nq = this.sim.nq;
    qpos.set([...object, 0, 0], nq - 4);
    const qvel = uniformNoise(this.initQvel, VELOCITY_NOISE, rng);
    qvel.fill(0, this.sim.nv - 4);
    this.setState(qpos, qvel);
    return this.observe();
  }

  /** The arm's 7 angles and 7 velocities, then the fingertips', object's and goal's positions. */
  private observe(): Float64Array {
    const observation = new Float64Array(23);
    const state = new Float64Array(this.sim.nq);
    this.sim.readQpos(state);
    observation.set(state.subarray(0, 7), 0);
    this.sim.readQvel(state);
    observation.set(state.subarray(0, 7), 7);
    this.bodies.forEach((body, k) => readBodyPosition(this.sim, body, observation, 14 + 3 * k));
    return observation;
  }
}
