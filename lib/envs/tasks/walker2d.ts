/**
 * Walker2d-v5: the exact semantics of Gymnasium's `Walker2dEnv` v5
 * (gymnasium/envs/mujoco/walker2d_v5.py) on the model `assets/walker2d.xml` (Erez, Tassa and
 * Todorov 2011; v5's model, both feet with friction 1.9).
 *
 * A planar two-legged robot must walk forward (+x) without falling.
 *
 * ## Action space: `Box(-1.0, 1.0, (6,), float32)`
 * Torques at the hinges (torque = gear * action; MuJoCo clamps the action to [-1, 1]).
 *
 * | i | actuator | joint            | torque on              | gear | range |
 * |---|----------|------------------|------------------------|------|-------|
 * | 0 | -        | thigh_joint      | right thigh (hip)      | 100  | -1..1 |
 * | 1 | -        | leg_joint        | right leg (knee)       | 100  | -1..1 |
 * | 2 | -        | foot_joint       | right foot (ankle)     | 100  | -1..1 |
 * | 3 | -        | thigh_left_joint | left thigh (hip)       | 100  | -1..1 |
 * | 4 | -        | leg_left_joint   | left leg (knee)        | 100  | -1..1 |
 * | 5 | -        | foot_left_joint  | left foot (ankle)      | 100  | -1..1 |
 *
 * (The model's motors are unnamed.)
 *
 * ## Observation space: `Box(-inf, inf, (17,), float64)` = qpos[1:] then clip(qvel, -10, 10)
 * The x position (qpos[0]) is left out by default (`excludeCurrentPositionsFromObservation:
 * false` puts it first, 18 values). clip(v) is v clipped to [-10, 10].
 *
 * | i  | source        | joint            | meaning                          | unit  |
 * |----|---------------|------------------|----------------------------------|-------|
 * | 0  | qpos[1]       | rootz            | torso height (1.25 at rest)      | m     |
 * | 1  | qpos[2]       | rooty            | torso pitch angle                | rad   |
 * | 2  | qpos[3]       | thigh_joint      | right thigh angle                | rad   |
 * | 3  | qpos[4]       | leg_joint        | right leg angle                  | rad   |
 * | 4  | qpos[5]       | foot_joint       | right foot angle                 | rad   |
 * | 5  | qpos[6]       | thigh_left_joint | left thigh angle                 | rad   |
 * | 6  | qpos[7]       | leg_left_joint   | left leg angle                   | rad   |
 * | 7  | qpos[8]       | foot_left_joint  | left foot angle                  | rad   |
 * | 8  | clip(qvel[0]) | rootx            | torso forward (x) velocity       | m/s   |
 * | 9  | clip(qvel[1]) | rootz            | torso vertical (z) velocity      | m/s   |
 * | 10 | clip(qvel[2]) | rooty            | torso pitch angular velocity     | rad/s |
 * | 11 | clip(qvel[3]) | thigh_joint      | right thigh angular velocity     | rad/s |
 * | 12 | clip(qvel[4]) | leg_joint        | right leg angular velocity       | rad/s |
 * | 13 | clip(qvel[5]) | foot_joint       | right foot angular velocity      | rad/s |
 * | 14 | clip(qvel[6]) | thigh_left_joint | left thigh angular velocity      | rad/s |
 * | 15 | clip(qvel[7]) | leg_left_joint   | left leg angular velocity        | rad/s |
 * | 16 | clip(qvel[8]) | foot_left_joint  | left foot angular velocity       | rad/s |
 *
 * ## Reward
 *   reward = forwardRewardWeight * x_velocity + healthyReward * healthy - ctrlCostWeight * sum(action^2)
 * with x_velocity = (x after - x before) / dt and the action as given. Info: `x_position`,
 * `z_distance_from_origin`, `x_velocity`, `reward_forward`, `reward_ctrl` (= -control cost),
 * `reward_survive` (see planar_walker.ts).
 *
 * ## Reset
 *   qpos = initQpos + U(-0.005, 0.005) per element (9 draws), then qvel = U(-0.005, 0.005) (9 draws).
 * Reset info: `x_position`, `z_distance_from_origin`.
 *
 * ## Episode end
 * Terminated when not healthy: healthy means 0.8 < torso height qpos[1] < 2 and |torso pitch
 * qpos[2]| < 1 rad (no limit on the other values, unlike Hopper). Truncated by `makeEnv`'s
 * TimeLimit after 1000 steps (8 s at dt = 0.008).
 */
import type { MujocoSim } from '../mujoco.js';
import { resolveOptions } from '../task_options.js';
import { PLANAR_WALKER_SHARED_DEFAULTS, type PlanarWalkerOptions, PlanarWalkerEnv } from './planar_walker.js';

/** Gymnasium v5 keyword arguments of Walker2d, camelCased (documented in planar_walker.ts). */
export type Walker2dOptions = PlanarWalkerOptions;

export const WALKER2D_DEFAULTS = Object.freeze<Required<Walker2dOptions>>({
  ...PLANAR_WALKER_SHARED_DEFAULTS,
  modelFile: 'walker2d.xml',
  healthyZRange: [0.8, 2.0],
  healthyAngleRange: [-1.0, 1.0],
});

/** Unlike Hopper, Walker2d checks no state range (healthyStateRange null). */
export class Walker2dEnv extends PlanarWalkerEnv {
  readonly id = 'Walker2d-v5';

  /** Build on a compiled simulation (which the env then owns and frees on close); `makeEnv` compiles it. */
  constructor(sim: MujocoSim, options: Walker2dOptions = {}) {
    super(sim, { ...resolveOptions('Walker2d-v5', options, WALKER2D_DEFAULTS), healthyStateRange: null });
  }
}
