/**
 * Ant-v5: a four-legged walker in 3D, with the exact semantics of Gymnasium's `AntEnv` v5
 * (gymnasium/envs/mujoco/ant_v5.py), on the model `assets/ant.xml` (Schulman et al. 2016).
 *
 * A spherical torso on a free joint with four two-jointed legs must walk forward (+x) without
 * falling, with little control effort and gentle contacts.
 *
 * ## Action space: `Box(-1.0, 1.0, (8,), float32)`
 * Torques at the hinges (torque = 150 * action; MuJoCo clamps to [-1, 1]). The motors are
 * unnamed in the model; each row names the joint its motor drives.
 *
 * | i | joint   | torque on                                   | gear | range |
 * |---|---------|---------------------------------------------|------|-------|
 * | 0 | hip_4   | right back leg, swinging it about z (hip)   | 150  | -1..1 |
 * | 1 | ankle_4 | right back lower leg, lifting it (ankle)    | 150  | -1..1 |
 * | 2 | hip_1   | front left leg (hip)                        | 150  | -1..1 |
 * | 3 | ankle_1 | front left lower leg (ankle)                | 150  | -1..1 |
 * | 4 | hip_2   | front right leg (hip)                       | 150  | -1..1 |
 * | 5 | ankle_2 | front right lower leg (ankle)               | 150  | -1..1 |
 * | 6 | hip_3   | back leg (hip)                              | 150  | -1..1 |
 * | 7 | ankle_3 | back lower leg (ankle)                      | 150  | -1..1 |
 *
 * ## Observation space: `Box(-inf, inf, (105,), float64)` = qpos[2:], qvel, clip(cfrc_ext[1:], -1, 1)
 * The x-y position (qpos[0:2]) is left out by default (`excludeCurrentPositionsFromObservation:
 * false` puts it first, 107 values); `includeCfrcExtInObservation: false` leaves out the 78
 * contact-force values (27 values).
 *
 * | i  | source   | joint   | meaning                                          | unit  |
 * |----|----------|---------|--------------------------------------------------|-------|
 * | 0  | qpos[2]  | root    | torso z (height)                                 | m     |
 * | 1  | qpos[3]  | root    | torso orientation quaternion w                   |       |
 * | 2  | qpos[4]  | root    | torso orientation quaternion x                   |       |
 * | 3  | qpos[5]  | root    | torso orientation quaternion y                   |       |
 * | 4  | qpos[6]  | root    | torso orientation quaternion z                   |       |
 * | 5  | qpos[7]  | hip_1   | front left hip angle                             | rad   |
 * | 6  | qpos[8]  | ankle_1 | front left ankle angle                           | rad   |
 * | 7  | qpos[9]  | hip_2   | front right hip angle                            | rad   |
 * | 8  | qpos[10] | ankle_2 | front right ankle angle                          | rad   |
 * | 9  | qpos[11] | hip_3   | back hip angle                                   | rad   |
 * | 10 | qpos[12] | ankle_3 | back ankle angle                                 | rad   |
 * | 11 | qpos[13] | hip_4   | right back hip angle                             | rad   |
 * | 12 | qpos[14] | ankle_4 | right back ankle angle                           | rad   |
 * | 13 | qvel[0]  | root    | torso x velocity                                 | m/s   |
 * | 14 | qvel[1]  | root    | torso y velocity                                 | m/s   |
 * | 15 | qvel[2]  | root    | torso z velocity                                 | m/s   |
 * | 16 | qvel[3]  | root    | torso angular velocity about x                   | rad/s |
 * | 17 | qvel[4]  | root    | torso angular velocity about y                   | rad/s |
 * | 18 | qvel[5]  | root    | torso angular velocity about z                   | rad/s |
 * | 19 | qvel[6]  | hip_1   | front left hip angular velocity                  | rad/s |
 * | 20 | qvel[7]  | ankle_1 | front left ankle angular velocity                | rad/s |
 * | 21 | qvel[8]  | hip_2   | front right hip angular velocity                 | rad/s |
 * | 22 | qvel[9]  | ankle_2 | front right ankle angular velocity               | rad/s |
 * | 23 | qvel[10] | hip_3   | back hip angular velocity                        | rad/s |
 * | 24 | qvel[11] | ankle_3 | back ankle angular velocity                      | rad/s |
 * | 25 | qvel[12] | hip_4   | right back hip angular velocity                  | rad/s |
 * | 26 | qvel[13] | ankle_4 | right back ankle angular velocity                | rad/s |
 *
 * Then the external (contact) force on each body but the world, 6 values a body (torque then
 * force, in world axes, the torque about the robot's centre of mass), each clipped to [-1, 1]. The lower
 * legs are unnamed bodies, named here by the ankle joint they carry:
 *
 * | i       | source       | body            |
 * |---------|--------------|-----------------|
 * | 27..32  | cfrc_ext[1]  | torso           |
 * | 33..38  | cfrc_ext[2]  | front_left_leg  |
 * | 39..44  | cfrc_ext[3]  | aux_1           |
 * | 45..50  | cfrc_ext[4]  | body of ankle_1 |
 * | 51..56  | cfrc_ext[5]  | front_right_leg |
 * | 57..62  | cfrc_ext[6]  | aux_2           |
 * | 63..68  | cfrc_ext[7]  | body of ankle_2 |
 * | 69..74  | cfrc_ext[8]  | back_leg        |
 * | 75..80  | cfrc_ext[9]  | aux_3           |
 * | 81..86  | cfrc_ext[10] | body of ankle_3 |
 * | 87..92  | cfrc_ext[11] | right_back_leg  |
 * | 93..98  | cfrc_ext[12] | aux_4           |
 * | 99..104 | cfrc_ext[13] | body of ankle_4 |
 *
 * ## Reward
 *   x_velocity = (torso x after - torso x before) / dt      (body `mainBody`'s xpos)
 *   reward     = forwardRewardWeight * x_velocity + healthyReward * is_healthy
 *                - ctrlCostWeight * sum(action^2) - contactCostWeight * sum(clip(cfrc_ext, -1, 1)^2)
 * with the action as given (not clipped) and cfrc_ext over every body. Info: `x_position`,
 * `y_position` (qpos[0], qpos[1]), `distance_from_origin` (of qpos[0:2]), `x_velocity`,
 * `y_velocity`, `reward_forward`, `reward_ctrl` (= -control cost), `reward_contact`
 * (= -contact cost), `reward_survive`.
 *
 * ## Reset
 *   qpos = initQpos + U(-resetNoiseScale, resetNoiseScale) per element (nq = 15 draws, then)
 *   qvel = initQvel + resetNoiseScale * N(0, 1) per element (nv = 14 draws)
 * with resetNoiseScale 0.1; the quaternion is not renormalised (MuJoCo normalises it when it
 * integrates). The contact forces of the first observation are 0 (not computed before a step).
 * Reset info: `x_position`, `y_position`, `distance_from_origin`.
 *
 * ## Episode end
 * Healthy while every qpos and qvel value is finite and 0.2 <= qpos[2] <= 1.0 (the torso
 * neither lies on the floor nor jumped). Terminated on the first unhealthy step (its reward has
 * no healthy term); truncated by `makeEnv`'s TimeLimit after 1000 steps (50 s at dt = 0.05).
 */
import type { Info } from '../env.js';
import type { MujocoSim } from '../mujoco.js';
import { MujocoEnv, type TaskStep } from '../mujoco_env.js';
import type { Rng } from '../../common/rng.js';
import { Box } from '../spaces.js';
import { type TaskOptions, resolveOptions } from '../task_options.js';
import { bodyPosition, controlCost, normalNoise, uniformNoise } from '../task_terms.js';
import { type ObservationPart, contactCost, walkReward, observationSize, readObservation } from './contact_terms.js';

/** Gymnasium v5 keyword arguments of Ant, camelCased. */
export interface AntOptions extends TaskOptions {
  /** Weight of the forward velocity term; default 1. */
  forwardRewardWeight?: number;
  /** Weight of sum(action^2); default 0.5. */
  ctrlCostWeight?: number;
  /** Weight of the sum of squared clipped contact forces; default 5e-4. */
  contactCostWeight?: number;
  /** Reward for every healthy step; default 1. */
  healthyReward?: number;
  /** Body whose x-y position gives the velocity: id or name; default 1 (the torso). */
  mainBody?: number | string;
  /** End the episode on the first unhealthy step; default true. */
  terminateWhenUnhealthy?: boolean;
  /** Healthy torso heights [min, max] in metres, both included; default [0.2, 1.0]. */
  healthyZRange?: readonly [number, number];
  /** Contact forces are clipped to [min, max] for the cost and the observation; default [-1, 1]. */
  contactForceRange?: readonly [number, number];
  /** Half-width of the uniform qpos noise and std of the normal qvel noise; default 0.1. */
  resetNoiseScale?: number;
  /** Leave qpos[0:2] (x, y) out of the observation; default true. */
  excludeCurrentPositionsFromObservation?: boolean;
  /** Put the clipped cfrc_ext[1:] into the observation; default true. */
  includeCfrcExtInObservation?: boolean;
}

export const ANT_DEFAULTS = Object.freeze<Required<AntOptions> & { mainBody: number }>({
  modelFile: 'ant.xml',
  frameSkip: 5,
  forwardRewardWeight: 1,
  ctrlCostWeight: 0.5,
  contactCostWeight: 5e-4,
  healthyReward: 1,
  mainBody: 1,
  terminateWhenUnhealthy: true,
  healthyZRange: [0.2, 1.0],
  contactForceRange: [-1.0, 1.0],
  resetNoiseScale: 0.1,
  excludeCurrentPositionsFromObservation: true,
  includeCfrcExtInObservation: true,
});

export class AntEnv extends MujocoEnv {
  readonly id = 'Ant-v5';
  readonly observationSpace: Box;
  readonly forwardRewardWeight: number;
  readonly ctrlCostWeight: number;
  readonly contactCostWeight: number;
  readonly healthyReward: number;
  /** Id of the body whose x-y position gives the velocity. */
  readonly mainBody: number;
  readonly terminateWhenUnhealthy: boolean;
  readonly healthyZRange: readonly [number, number];
  readonly contactForceRange: readonly [number, number];
  readonly resetNoiseScale: number;
  /** The slices of MjData the observation is made of, in order. */
  readonly observationParts: readonly ObservationPart[];

  /** Build on a compiled simulation (which the env then owns and frees on close); `makeEnv` compiles it. */
  constructor(sim: MujocoSim, options: AntOptions = {}) {
    // Gymnasium takes the main body by id or by name; resolveOptions checks the id.
    const mainBody = typeof options.mainBody === 'string' ? sim.objectId('body', options.mainBody) : options.mainBody;
    const o = resolveOptions('Ant-v5', { ...options, mainBody }, ANT_DEFAULTS);
    super(sim, { frameSkip: o.frameSkip });
    if (!Number.isInteger(o.mainBody) || o.mainBody >= sim.model.nbody) {
      throw new Error(
        `${this.id}: option mainBody must be a body name or an id in 0..${sim.model.nbody - 1}, got ${o.mainBody}`,
      );
    }
    this.mainBody = o.mainBody;
    this.forwardRewardWeight = o.forwardRewardWeight;
    this.ctrlCostWeight = o.ctrlCostWeight;
    this.contactCostWeight = o.contactCostWeight;
    this.healthyReward = o.healthyReward;
    this.terminateWhenUnhealthy = o.terminateWhenUnhealthy;
    this.healthyZRange = o.healthyZRange;
    this.contactForceRange = o.contactForceRange;
    this.resetNoiseScale = o.resetNoiseScale;
    this.observationParts = [
      { field: 'qpos', from: o.excludeCurrentPositionsFromObservation ? 2 : 0 },
      { field: 'qvel', from: 0 },
      // Row 0 of cfrc_ext is the world body, which is left out.
      ...(o.includeCfrcExtInObservation ? [{ field: 'cfrc_ext', from: 6, clip: o.contactForceRange } as const] : []),
    ];
    this.observationSpace = new Box(-Infinity, Infinity, [observationSize(sim, this.observationParts)], 'float64');
  }

  /** True while every qpos and qvel value is finite and the torso height is within healthyZRange. */
  get isHealthy(): boolean {
    const qpos = this.sim.qpos();
    const qvel = this.sim.qvel();
    const [minZ, maxZ] = this.healthyZRange;
    return qpos.every(Number.isFinite) && qvel.every(Number.isFinite) && minZ <= qpos[2] && qpos[2] <= maxZ;
  }

  protected override doSimulation(action: ArrayLike<number>, nFrames: number): void {
    super.doSimulation(action, nFrames);
    // Gymnasium's do_simulation: cfrc_ext is only filled by mj_rnePostConstraint.
    this.sim.rnePostConstraint();
  }

  protected override stepTask(action: ArrayLike<number>): TaskStep {
    const before = this.mainBodyXY();
    this.doSimulation(action, this.frameSkip);
    const healthy = this.isHealthy;
    const { reward, info } = walkReward({
      before,
      after: this.mainBodyXY(),
      dt: this.dt,
      forwardRewardWeight: this.forwardRewardWeight,
      healthyReward: healthy ? this.healthyReward : 0,
      ctrlCost: controlCost(action, this.ctrlCostWeight),
      contactCost: contactCost(this.sim, this.contactCostWeight, { forceRange: this.contactForceRange }),
    });
    const terminated = !healthy && this.terminateWhenUnhealthy;
    return { observation: this.observe(), reward, terminated, info: { ...this.resetInfo(), ...info } };
  }

  protected override resetModel(rng: Rng): Float64Array {
    const qpos = uniformNoise(this.initQpos, this.resetNoiseScale, rng);
    const qvel = normalNoise(this.initQvel, this.resetNoiseScale, rng);
    this.setState(qpos, qvel);
    return this.observe();
  }

  protected override resetInfo(): Info {
    const x = this.sim.qposAt(0);
    const y = this.sim.qposAt(1);
    // sqrt(x^2 + y^2) as numpy's norm computes it (Math.hypot can differ in the last bit).
    return { x_position: x, y_position: y, distance_from_origin: Math.sqrt(x * x + y * y) };
  }

  /** The main body's position (xpos, computed by the last mj_forward of the step). */
  private mainBodyXY(): Float64Array {
    return bodyPosition(this.sim, this.mainBody);
  }

  private observe(): Float64Array {
    return readObservation(this.sim, this.observationParts, this.observationSpace.size);
  }
}
