/**
 * Humanoid-v5: a 3D biped that must walk forward, with the exact semantics of Gymnasium's
 * `HumanoidEnv` v5 (gymnasium/envs/mujoco/humanoid_v5.py), on the model `assets/humanoid.xml`
 * (Tassa, Erez and Todorov 2012). The observation layout is shared with HumanoidStandup-v5.
 *
 * ## Action space: `Box(-0.4, 0.4, (17,), float32)`
 * Torques at the hinges (torque = gear * action; MuJoCo clamps to [-0.4, 0.4]).
 *
 * | i  | actuator        | joint           | torque on                    | gear | range     |
 * |----|-----------------|-----------------|------------------------------|------|-----------|
 * | 0  | abdomen_y       | abdomen_y       | abdomen pitch (about y)      | 100  | -0.4..0.4 |
 * | 1  | abdomen_z       | abdomen_z       | abdomen twist (about z)      | 100  | -0.4..0.4 |
 * | 2  | abdomen_x       | abdomen_x       | abdomen roll (about x)       | 100  | -0.4..0.4 |
 * | 3  | right_hip_x     | right_hip_x     | right hip roll (about x)     | 100  | -0.4..0.4 |
 * | 4  | right_hip_z     | right_hip_z     | right hip yaw (about z)      | 100  | -0.4..0.4 |
 * | 5  | right_hip_y     | right_hip_y     | right hip pitch (about y)    | 300  | -0.4..0.4 |
 * | 6  | right_knee      | right_knee      | right knee                   | 200  | -0.4..0.4 |
 * | 7  | left_hip_x      | left_hip_x      | left hip roll (about x)      | 100  | -0.4..0.4 |
 * | 8  | left_hip_z      | left_hip_z      | left hip yaw (about z)       | 100  | -0.4..0.4 |
 * | 9  | left_hip_y      | left_hip_y      | left hip pitch (about y)     | 300  | -0.4..0.4 |
 * | 10 | left_knee       | left_knee       | left knee                    | 200  | -0.4..0.4 |
 * | 11 | right_shoulder1 | right_shoulder1 | right shoulder, first axis   | 25   | -0.4..0.4 |
 * | 12 | right_shoulder2 | right_shoulder2 | right shoulder, second axis  | 25   | -0.4..0.4 |
 * | 13 | right_elbow     | right_elbow     | right elbow                  | 25   | -0.4..0.4 |
 * | 14 | left_shoulder1  | left_shoulder1  | left shoulder, first axis    | 25   | -0.4..0.4 |
 * | 15 | left_shoulder2  | left_shoulder2  | left shoulder, second axis   | 25   | -0.4..0.4 |
 * | 16 | left_elbow      | left_elbow      | left elbow                   | 25   | -0.4..0.4 |
 *
 * ## Observation space: `Box(-inf, inf, (348,), float64)`
 * qpos[2:], qvel, cinert[1:], cvel[1:], qfrc_actuator[6:], cfrc_ext[1:]: Gymnasium's
 * `observation_structure`, sizes 22, 23, 130, 78, 17 and 78. The x-y position (qpos[0:2]) is
 * left out by default (`excludeCurrentPositionsFromObservation: false` puts it first); each of
 * the last four blocks can be left out (`includeCinertInObservation`, `includeCvelInObservation`,
 * `includeQfrcActuatorInObservation`, `includeCfrcExtInObservation`).
 *
 * | i    | source    | joint           | meaning                                      | unit  |
 * |------|-----------|-----------------|----------------------------------------------|-------|
 * | 0    | qpos[2]   | root            | torso z (height)                             | m     |
 * | 1    | qpos[3]   | root            | torso orientation quaternion w               |       |
 * | 2    | qpos[4]   | root            | torso orientation quaternion x               |       |
 * | 3    | qpos[5]   | root            | torso orientation quaternion y               |       |
 * | 4    | qpos[6]   | root            | torso orientation quaternion z               |       |
 * | 5    | qpos[7]   | abdomen_z       | abdomen twist (about z) angle                | rad   |
 * | 6    | qpos[8]   | abdomen_y       | abdomen pitch (about y) angle                | rad   |
 * | 7    | qpos[9]   | abdomen_x       | abdomen roll (about x) angle                 | rad   |
 * | 8    | qpos[10]  | right_hip_x     | right hip roll (about x) angle               | rad   |
 * | 9    | qpos[11]  | right_hip_z     | right hip yaw (about z) angle                | rad   |
 * | 10   | qpos[12]  | right_hip_y     | right hip pitch (about y) angle              | rad   |
 * | 11   | qpos[13]  | right_knee      | right knee angle                             | rad   |
 * | 12   | qpos[14]  | left_hip_x      | left hip roll (about x) angle                | rad   |
 * | 13   | qpos[15]  | left_hip_z      | left hip yaw (about z) angle                 | rad   |
 * | 14   | qpos[16]  | left_hip_y      | left hip pitch (about y) angle               | rad   |
 * | 15   | qpos[17]  | left_knee       | left knee angle                              | rad   |
 * | 16   | qpos[18]  | right_shoulder1 | right shoulder, first axis angle             | rad   |
 * | 17   | qpos[19]  | right_shoulder2 | right shoulder, second axis angle            | rad   |
 * | 18   | qpos[20]  | right_elbow     | right elbow angle                            | rad   |
 * | 19   | qpos[21]  | left_shoulder1  | left shoulder, first axis angle              | rad   |
 * | 20   | qpos[22]  | left_shoulder2  | left shoulder, second axis angle             | rad   |
 * | 21   | qpos[23]  | left_elbow      | left elbow angle                             | rad   |
 * | 22   | qvel[0]   | root            | torso x velocity                             | m/s   |
 * | 23   | qvel[1]   | root            | torso y velocity                             | m/s   |
 * | 24   | qvel[2]   | root            | torso z velocity                             | m/s   |
 * | 25   | qvel[3]   | root            | torso angular velocity about x               | rad/s |
 * | 26   | qvel[4]   | root            | torso angular velocity about y               | rad/s |
 * | 27   | qvel[5]   | root            | torso angular velocity about z               | rad/s |
 * | 28   | qvel[6]   | abdomen_z       | abdomen twist (about z) angular velocity     | rad/s |
 * | 29   | qvel[7]   | abdomen_y       | abdomen pitch (about y) angular velocity     | rad/s |
 * | 30   | qvel[8]   | abdomen_x       | abdomen roll (about x) angular velocity      | rad/s |
 * | 31   | qvel[9]   | right_hip_x     | right hip roll (about x) angular velocity    | rad/s |
 * | 32   | qvel[10]  | right_hip_z     | right hip yaw (about z) angular velocity     | rad/s |
 * | 33   | qvel[11]  | right_hip_y     | right hip pitch (about y) angular velocity   | rad/s |
 * | 34   | qvel[12]  | right_knee      | right knee angular velocity                  | rad/s |
 * | 35   | qvel[13]  | left_hip_x      | left hip roll (about x) angular velocity     | rad/s |
 * | 36   | qvel[14]  | left_hip_z      | left hip yaw (about z) angular velocity      | rad/s |
 * | 37   | qvel[15]  | left_hip_y      | left hip pitch (about y) angular velocity    | rad/s |
 * | 38   | qvel[16]  | left_knee       | left knee angular velocity                   | rad/s |
 * | 39   | qvel[17]  | right_shoulder1 | right shoulder, first axis angular velocity  | rad/s |
 * | 40   | qvel[18]  | right_shoulder2 | right shoulder, second axis angular velocity | rad/s |
 * | 41   | qvel[19]  | right_elbow     | right elbow angular velocity                 | rad/s |
 * | 42   | qvel[20]  | left_shoulder1  | left shoulder, first axis angular velocity   | rad/s |
 * | 43   | qvel[21]  | left_shoulder2  | left shoulder, second axis angular velocity  | rad/s |
 * | 44   | qvel[22]  | left_elbow      | left elbow angular velocity                  | rad/s |
 *
 * Then per body (the world left out), in the body order of this table: each body's inertia
 * about the centre of mass (cinert: 10 values), its velocity (cvel: angular then linear, 6),
 * then the actuator forces of the hinges (qfrc_actuator[6:], one per joint in qvel order), then
 * each body's external (contact) force (cfrc_ext: torque then force, 6), unclipped:
 *
 * | i        | source            | body or joint   |
 * |----------|-------------------|-----------------|
 * | 45..54   | cinert[1]         | torso           |
 * | 55..64   | cinert[2]         | lwaist          |
 * | 65..74   | cinert[3]         | pelvis          |
 * | 75..84   | cinert[4]         | right_thigh     |
 * | 85..94   | cinert[5]         | right_shin      |
 * | 95..104  | cinert[6]         | right_foot      |
 * | 105..114 | cinert[7]         | left_thigh      |
 * | 115..124 | cinert[8]         | left_shin       |
 * | 125..134 | cinert[9]         | left_foot       |
 * | 135..144 | cinert[10]        | right_upper_arm |
 * | 145..154 | cinert[11]        | right_lower_arm |
 * | 155..164 | cinert[12]        | left_upper_arm  |
 * | 165..174 | cinert[13]        | left_lower_arm  |
 * | 175..180 | cvel[1]           | torso           |
 * | 181..186 | cvel[2]           | lwaist          |
 * | 187..192 | cvel[3]           | pelvis          |
 * | 193..198 | cvel[4]           | right_thigh     |
 * | 199..204 | cvel[5]           | right_shin      |
 * | 205..210 | cvel[6]           | right_foot      |
 * | 211..216 | cvel[7]           | left_thigh      |
 * | 217..222 | cvel[8]           | left_shin       |
 * | 223..228 | cvel[9]           | left_foot       |
 * | 229..234 | cvel[10]          | right_upper_arm |
 * | 235..240 | cvel[11]          | right_lower_arm |
 * | 241..246 | cvel[12]          | left_upper_arm  |
 * | 247..252 | cvel[13]          | left_lower_arm  |
 * | 253      | qfrc_actuator[6]  | abdomen_z       |
 * | 254      | qfrc_actuator[7]  | abdomen_y       |
 * | 255      | qfrc_actuator[8]  | abdomen_x       |
 * | 256      | qfrc_actuator[9]  | right_hip_x     |
 * | 257      | qfrc_actuator[10] | right_hip_z     |
 * | 258      | qfrc_actuator[11] | right_hip_y     |
 * | 259      | qfrc_actuator[12] | right_knee      |
 * | 260      | qfrc_actuator[13] | left_hip_x      |
 * | 261      | qfrc_actuator[14] | left_hip_z      |
 * | 262      | qfrc_actuator[15] | left_hip_y      |
 * | 263      | qfrc_actuator[16] | left_knee       |
 * | 264      | qfrc_actuator[17] | right_shoulder1 |
 * | 265      | qfrc_actuator[18] | right_shoulder2 |
 * | 266      | qfrc_actuator[19] | right_elbow     |
 * | 267      | qfrc_actuator[20] | left_shoulder1  |
 * | 268      | qfrc_actuator[21] | left_shoulder2  |
 * | 269      | qfrc_actuator[22] | left_elbow      |
 * | 270..275 | cfrc_ext[1]       | torso           |
 * | 276..281 | cfrc_ext[2]       | lwaist          |
 * | 282..287 | cfrc_ext[3]       | pelvis          |
 * | 288..293 | cfrc_ext[4]       | right_thigh     |
 * | 294..299 | cfrc_ext[5]       | right_shin      |
 * | 300..305 | cfrc_ext[6]       | right_foot      |
 * | 306..311 | cfrc_ext[7]       | left_thigh      |
 * | 312..317 | cfrc_ext[8]       | left_shin       |
 * | 318..323 | cfrc_ext[9]       | left_foot       |
 * | 324..329 | cfrc_ext[10]      | right_upper_arm |
 * | 330..335 | cfrc_ext[11]      | right_lower_arm |
 * | 336..341 | cfrc_ext[12]      | left_upper_arm  |
 * | 342..347 | cfrc_ext[13]      | left_lower_arm  |
 *
 * ## Reward
 *   centre of mass = sum(body_mass * xipos) / sum(body_mass)          (x and y)
 *   x_velocity     = (centre of mass x after - before) / dt
 *   reward         = forwardRewardWeight * x_velocity + healthyReward * is_healthy
 *                    - ctrlCostWeight * sum(ctrl^2) - clip(contactCostWeight * sum(cfrc_ext^2), contactCostRange)
 * with ctrl the action as given (MuJoCo clamps only what it applies) and cfrc_ext over every
 * body, the contact cost clipped to [-inf, 10]. Info: `x_position`, `y_position` (qpos[0],
 * qpos[1]), `tendon_length`, `tendon_velocity` (the two hip-knee tendons), `distance_from_origin`
 * (of qpos[0:2]), `x_velocity`, `y_velocity` (of the centre of mass), `reward_survive`,
 * `reward_forward`, `reward_ctrl` (= -control cost), `reward_contact` (= -contact cost).
 *
 * ## Reset
 *   qpos = initQpos + U(-resetNoiseScale, resetNoiseScale) per element (nq = 24 draws, then)
 *   qvel = initQvel + U(-resetNoiseScale, resetNoiseScale) per element (nv = 23 draws)
 * with resetNoiseScale 0.01. The contact forces of the first observation are 0 (they are only
 * computed after a step). Reset info: `x_position`, `y_position`, `tendon_length`,
 * `tendon_velocity`, `distance_from_origin`.
 *
 * ## Episode end
 * Healthy while 1.0 < qpos[2] < 2.0 (the torso's height, both ends excluded; a NaN height is
 * unhealthy). Terminated on the first unhealthy step (its reward has no healthy term);
 * truncated by `makeEnv`'s TimeLimit after 1000 steps (15 s at dt = 0.015).
 */
import type { Info } from '../env.js';
import type { MujocoSim } from '../mujoco.js';
import { MujocoEnv, type TaskStep } from '../mujoco_env.js';
import type { Rng } from '../../common/rng.js';
import { Box } from '../spaces.js';
import { type TaskOptions, resolveOptions } from '../task_options.js';
import { controlCost, inOpenRange, uniformNoise } from '../task_terms.js';
import {
  type ObservationPart,
  contactCost,
  walkReward,
  observationSize,
  readField,
  readObservation,
} from './contact_terms.js';

/** The observation options Humanoid-v5 and HumanoidStandup-v5 share (Gymnasium v5, camelCased). */
export interface HumanoidObservationOptions {
  /** Leave qpos[0:2] (x, y) out of the observation; default true. */
  excludeCurrentPositionsFromObservation?: boolean;
  /** Put cinert[1:] (130 values) into the observation; default true. */
  includeCinertInObservation?: boolean;
  /** Put cvel[1:] (78 values) into the observation; default true. */
  includeCvelInObservation?: boolean;
  /** Put qfrc_actuator[6:] (17 values) into the observation; default true. */
  includeQfrcActuatorInObservation?: boolean;
  /** Put cfrc_ext[1:] (78 values) into the observation; default true. */
  includeCfrcExtInObservation?: boolean;
}

/** The defaults of the observation options: every block in, the x-y position out. */
export const HUMANOID_OBSERVATION_DEFAULTS = Object.freeze<Required<HumanoidObservationOptions>>({
  excludeCurrentPositionsFromObservation: true,
  includeCinertInObservation: true,
  includeCvelInObservation: true,
  includeQfrcActuatorInObservation: true,
  includeCfrcExtInObservation: true,
});

/** The observation slices of both humanoid tasks, from resolved (checked) options. */
export function humanoidObservationParts(options: Required<HumanoidObservationOptions>): ObservationPart[] {
  // Each per-body block skips the world body's row; qfrc_actuator skips the free joint's 6 dofs.
  const blocks: [boolean, ObservationPart][] = [
    [options.includeCinertInObservation, { field: 'cinert', from: 10 }],
    [options.includeCvelInObservation, { field: 'cvel', from: 6 }],
    [options.includeQfrcActuatorInObservation, { field: 'qfrc_actuator', from: 6 }],
    [options.includeCfrcExtInObservation, { field: 'cfrc_ext', from: 6 }],
  ];
  return [
    { field: 'qpos', from: options.excludeCurrentPositionsFromObservation ? 2 : 0 },
    { field: 'qvel', from: 0 },
    ...blocks.filter(([included]) => included).map(([, part]) => part),
  ];
}

/** The two hip-knee tendons' lengths and velocities, as Gymnasium's info reports them. */
export function tendonInfo(sim: MujocoSim): Info {
  return {
    tendon_length: Array.from(readField(sim, 'ten_length')),
    tendon_velocity: Array.from(readField(sim, 'ten_velocity')),
  };
}

/** Gymnasium v5 keyword arguments of Humanoid, camelCased. */
export interface HumanoidOptions extends TaskOptions, HumanoidObservationOptions {
  /** Weight of the centre of mass's forward velocity; default 1.25. */
  forwardRewardWeight?: number;
  /** Weight of sum(ctrl^2); default 0.1. */
  ctrlCostWeight?: number;
  /** Weight of sum(cfrc_ext^2); default 5e-7. */
  contactCostWeight?: number;
  /** The contact cost is clipped to [min, max]; default [-Infinity, 10]. */
  contactCostRange?: readonly [number, number];
  /** Reward for every healthy step; default 5. */
  healthyReward?: number;
  /** End the episode on the first unhealthy step; default true. */
  terminateWhenUnhealthy?: boolean;
  /** Healthy torso heights (min, max) in metres, both excluded; default [1, 2]. */
  healthyZRange?: readonly [number, number];
  /** Half-width of the uniform qpos and qvel reset noise; default 0.01. */
  resetNoiseScale?: number;
}

export const HUMANOID_DEFAULTS = Object.freeze<Required<HumanoidOptions>>({
  modelFile: 'humanoid.xml',
  frameSkip: 5,
  forwardRewardWeight: 1.25,
  ctrlCostWeight: 0.1,
  contactCostWeight: 5e-7,
  contactCostRange: [-Infinity, 10.0],
  healthyReward: 5,
  terminateWhenUnhealthy: true,
  healthyZRange: [1.0, 2.0],
  resetNoiseScale: 1e-2,
  ...HUMANOID_OBSERVATION_DEFAULTS,
});

export class HumanoidEnv extends MujocoEnv {
  readonly id = 'Humanoid-v5';
  readonly observationSpace: Box;
  readonly forwardRewardWeight: number;
  readonly ctrlCostWeight: number;
  readonly contactCostWeight: number;
  readonly contactCostRange: readonly [number, number];
  readonly healthyReward: number;
  readonly terminateWhenUnhealthy: boolean;
  readonly healthyZRange: readonly [number, number];
  readonly resetNoiseScale: number;
  /** The slices of MjData the observation is made of, in order. */
  readonly observationParts: readonly ObservationPart[];
  /** Body masses and their sum, for the centre of mass. */
  private readonly bodyMass: Float64Array;
  private readonly totalMass: number;

  /** Build on a compiled simulation (which the env then owns and frees on close); `makeEnv` compiles it. */
  constructor(sim: MujocoSim, options: HumanoidOptions = {}) {
    const o = resolveOptions('Humanoid-v5', options, HUMANOID_DEFAULTS);
    super(sim, { frameSkip: o.frameSkip });
    this.forwardRewardWeight = o.forwardRewardWeight;
    this.ctrlCostWeight = o.ctrlCostWeight;
    this.contactCostWeight = o.contactCostWeight;
    this.contactCostRange = o.contactCostRange;
    this.healthyReward = o.healthyReward;
    this.terminateWhenUnhealthy = o.terminateWhenUnhealthy;
    this.healthyZRange = o.healthyZRange;
    this.resetNoiseScale = o.resetNoiseScale;
    this.observationParts = humanoidObservationParts(o);
    this.observationSpace = new Box(-Infinity, Infinity, [observationSize(sim, this.observationParts)], 'float64');
    this.bodyMass = Float64Array.from(sim.model.body_mass as Float64Array);
    this.totalMass = this.bodyMass.reduce((a, b) => a + b, 0);
  }

  /** True while the torso height is strictly inside healthyZRange. */
  get isHealthy(): boolean {
    return inOpenRange(this.sim.qposAt(2), this.healthyZRange);
  }

  protected override doSimulation(action: ArrayLike<number>, nFrames: number): void {
    super.doSimulation(action, nFrames);
    // Gymnasium's do_simulation: cfrc_ext is only filled by mj_rnePostConstraint.
    this.sim.rnePostConstraint();
  }

  protected override stepTask(action: ArrayLike<number>): TaskStep {
    const before = this.centreOfMassXY();
    this.doSimulation(action, this.frameSkip);
    const healthy = this.isHealthy;
    const { reward, info } = walkReward({
      before,
      after: this.centreOfMassXY(),
      dt: this.dt,
      forwardRewardWeight: this.forwardRewardWeight,
      healthyReward: healthy ? this.healthyReward : 0,
      // Gymnasium squares data.ctrl, which holds the action as written (MuJoCo clamps a copy).
      ctrlCost: controlCost(action, this.ctrlCostWeight),
      contactCost: contactCost(this.sim, this.contactCostWeight, { costRange: this.contactCostRange }),
    });
    const terminated = !healthy && this.terminateWhenUnhealthy;
    return { observation: this.observe(), reward, terminated, info: { ...this.resetInfo(), ...info } };
  }

  protected override resetModel(rng: Rng): Float64Array {
    const qpos = uniformNoise(this.initQpos, this.resetNoiseScale, rng);
    const qvel = uniformNoise(this.initQvel, this.resetNoiseScale, rng);
    this.setState(qpos, qvel);
    return this.observe();
  }

  protected override resetInfo(): Info {
    const x = this.sim.qposAt(0);
    const y = this.sim.qposAt(1);
    // sqrt(x^2 + y^2) as numpy's norm computes it (Math.hypot can differ in the last bit).
    return { x_position: x, y_position: y, ...tendonInfo(this.sim), distance_from_origin: Math.sqrt(x * x + y * y) };
  }

  /** Mass-weighted mean of the bodies' centres of mass (xipos), x and y (Gymnasium's mass_center). */
  private centreOfMassXY(): [number, number] {
    const xipos = readField(this.sim, 'xipos');
    let x = 0;
    let y = 0;
    for (let b = 0; b < this.bodyMass.length; b++) {
      x += this.bodyMass[b] * xipos[3 * b];
      y += this.bodyMass[b] * xipos[3 * b + 1];
    }
    return [x / this.totalMass, y / this.totalMass];
  }

  private observe(): Float64Array {
    return readObservation(this.sim, this.observationParts, this.observationSpace.size);
  }
}
