/**
 * Hopper-v5: the exact semantics of Gymnasium's `HopperEnv` v5 (gymnasium/envs/mujoco/hopper_v5.py)
 * on the model `assets/hopper.xml` (Erez, Tassa and Todorov 2011).
 *
 * A planar one-legged robot (torso, thigh, leg, foot) must hop forward (+x) without falling.
 *
 * ## Action space: `Box(-1.0, 1.0, (3,), float32)`
 * Torques at the hinges (torque = gear * action; MuJoCo clamps the action to [-1, 1]).
 *
 * | i | actuator | joint       | torque on          | gear | range |
 * |---|----------|-------------|--------------------|------|-------|
 * | 0 | -        | thigh_joint | thigh (hip)        | 200  | -1..1 |
 * | 1 | -        | leg_joint   | leg (knee)         | 200  | -1..1 |
 * | 2 | -        | foot_joint  | foot (ankle)       | 200  | -1..1 |
 *
 * (The model's motors are unnamed.)
 *
 * ## Observation space: `Box(-inf, inf, (11,), float64)` = qpos[1:] then clip(qvel, -10, 10)
 * The x position (qpos[0]) is left out by default (`excludeCurrentPositionsFromObservation:
 * false` puts it first, 12 values). clip(v) is v clipped to [-10, 10].
 *
 * | i  | source        | joint       | meaning                              | unit  |
 * |----|---------------|-------------|--------------------------------------|-------|
 * | 0  | qpos[1]       | rootz       | torso height (1.25 at rest)          | m     |
 * | 1  | qpos[2]       | rooty       | torso pitch angle                    | rad   |
 * | 2  | qpos[3]       | thigh_joint | thigh angle                          | rad   |
 * | 3  | qpos[4]       | leg_joint   | leg angle                            | rad   |
 * | 4  | qpos[5]       | foot_joint  | foot angle                           | rad   |
 * | 5  | clip(qvel[0]) | rootx       | torso forward (x) velocity           | m/s   |
 * | 6  | clip(qvel[1]) | rootz       | torso vertical (z) velocity          | m/s   |
 * | 7  | clip(qvel[2]) | rooty       | torso pitch angular velocity         | rad/s |
 * | 8  | clip(qvel[3]) | thigh_joint | thigh angular velocity               | rad/s |
 * | 9  | clip(qvel[4]) | leg_joint   | leg angular velocity                 | rad/s |
 * | 10 | clip(qvel[5]) | foot_joint  | foot angular velocity                | rad/s |
 *
 * ## Reward
 *   reward = forwardRewardWeight * x_velocity + healthyReward * healthy - ctrlCostWeight * sum(action^2)
 * with x_velocity = (x after - x before) / dt and the action as given. Info: `x_position`,
 * `z_distance_from_origin`, `x_velocity`, `reward_forward`, `reward_ctrl` (= -control cost),
 * `reward_survive` (see planar_walker.ts).
 *
 * ## Reset
 *   qpos = initQpos + U(-0.005, 0.005) per element (6 draws), then qvel = U(-0.005, 0.005) (6 draws).
 * Reset info: `x_position`, `z_distance_from_origin`.
 *
 * ## Episode end
 * Terminated when not healthy: healthy means torso height qpos[1] > 0.7, |torso pitch qpos[2]|
 * < 0.2 rad, and every value of (qpos[2:], qvel) inside (-100, 100). Truncated by `makeEnv`'s
 * TimeLimit after 1000 steps (8 s at dt = 0.008).
 */
import type { MujocoSim } from '../mujoco.js';
import { resolveOptions } from '../task_options.js';
import { PLANAR_WALKER_SHARED_DEFAULTS, type PlanarWalkerOptions, PlanarWalkerEnv } from './planar_walker.js';

/** Gymnasium v5 keyword arguments of Hopper, camelCased (the shared ones in planar_walker.ts). */
export interface HopperOptions extends PlanarWalkerOptions {
  /** Open interval every value of (qpos[2:], qvel) must stay in to be healthy; default (-100, 100). */
  healthyStateRange?: readonly [number, number];
}

export const HOPPER_DEFAULTS = Object.freeze<Required<HopperOptions>>({
  ...PLANAR_WALKER_SHARED_DEFAULTS,
  modelFile: 'hopper.xml',
  healthyStateRange: [-100, 100],
  healthyZRange: [0.7, Infinity],
  healthyAngleRange: [-0.2, 0.2],
});

export class HopperEnv extends PlanarWalkerEnv {
  readonly id = 'Hopper-v5';

  /** Build on a compiled simulation (which the env then owns and frees on close); `makeEnv` compiles it. */
  constructor(sim: MujocoSim, options: HopperOptions = {}) {
    super(sim, resolveOptions('Hopper-v5', options, HOPPER_DEFAULTS));
  }
}
