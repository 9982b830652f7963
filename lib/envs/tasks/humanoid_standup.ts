/**
 * HumanoidStandup-v5: the humanoid lying on its back must stand up, with the exact semantics of
 * Gymnasium's `HumanoidStandupEnv` v5 (gymnasium/envs/mujoco/humanoidstandup_v5.py), on the
 * model `assets/humanoidstandup.xml` (Humanoid's body, lying down; Tassa, Erez and Todorov 2012).
 *
 * ## Action space: `Box(-0.4, 0.4, (17,), float32)`
 * The 17 hinge motors of Humanoid-v5, in the same order with the same gears: see the action
 * table in humanoid.ts.
 *
 * ## Observation space: `Box(-inf, inf, (348,), float64)`
 * Humanoid-v5's layout and options, the same bodies and joints: qpos[2:], qvel, cinert[1:],
 * cvel[1:], qfrc_actuator[6:], cfrc_ext[1:] (see the observation table in humanoid.ts).
 *
 * ## Reward
 *   reward = uphCostWeight * qpos[2] / timestep - ctrlCostWeight * sum(ctrl^2)
 *            - clip(impactCostWeight * sum(cfrc_ext^2), impactCostRange) + 1
 * where qpos[2] is the torso height after the step and timestep is MuJoCo's 0.003 s (not dt, so
 * the height term is about 35 per centimetre); ctrl is the action as given and cfrc_ext spans
 * every body, the impact cost clipped to [-inf, 10]. Info: `x_position`, `y_position`,
 * `z_distance_from_origin` (= qpos[2] - initQpos[2]), `tendon_length`, `tendon_velocity`,
 * `reward_linup` (the height term), `reward_quadctrl` (= -control cost), `reward_impact`
 * (= -impact cost).
 *
 * ## Reset
 *   qpos = initQpos + U(-resetNoiseScale, resetNoiseScale) per element (nq = 24 draws, then)
 *   qvel = initQvel + U(-resetNoiseScale, resetNoiseScale) per element (nv = 23 draws)
 * with resetNoiseScale 0.01; the first observation's contact forces are 0. Reset info:
 * `x_position`, `y_position`, `z_distance_from_origin`, `tendon_length`, `tendon_velocity`.
 *
 * ## Episode end
 * Never terminates. `makeEnv` truncates it after 1000 steps (TimeLimit), 15 s at dt = 0.015.
 */
import type { Info } from '../env.js';
import type { MujocoSim } from '../mujoco.js';
import { MujocoEnv, type TaskStep } from '../mujoco_env.js';
import type { Rng } from '../../common/rng.js';
import { Box } from '../spaces.js';
import { type TaskOptions, resolveOptions } from '../task_options.js';
import { controlCost, uniformNoise } from '../task_terms.js';
import { type ObservationPart, contactCost, observationSize, readObservation } from './contact_terms.js';
import {
  HUMANOID_OBSERVATION_DEFAULTS,
  type HumanoidObservationOptions,
  humanoidObservationParts,
  tendonInfo,
} from './humanoid.js';

/** Gymnasium v5 keyword arguments of HumanoidStandup, camelCased. */
export interface HumanoidStandupOptions extends TaskOptions, HumanoidObservationOptions {
  /** Weight of the torso height over the timestep; default 1. */
  uphCostWeight?: number;
  /** Weight of sum(ctrl^2); default 0.1. */
  ctrlCostWeight?: number;
  /** Weight of sum(cfrc_ext^2); default 0.5e-6. */
  impactCostWeight?: number;
  /** The impact cost is clipped to [min, max]; default [-Infinity, 10]. */
  impactCostRange?: readonly [number, number];
  /** Half-width of the uniform qpos and qvel reset noise; default 0.01. */
  resetNoiseScale?: number;
}

export const HUMANOID_STANDUP_DEFAULTS = Object.freeze<Required<HumanoidStandupOptions>>({
  modelFile: 'humanoidstandup.xml',
  frameSkip: 5,
  uphCostWeight: 1,
  ctrlCostWeight: 0.1,
  impactCostWeight: 0.5e-6,
  impactCostRange: [-Infinity, 10.0],
  resetNoiseScale: 1e-2,
  ...HUMANOID_OBSERVATION_DEFAULTS,
});

export class HumanoidStandupEnv extends MujocoEnv {
  readonly id = 'HumanoidStandup-v5';
  readonly observationSpace: Box;
  readonly uphCostWeight: number;
  readonly ctrlCostWeight: number;
  readonly impactCostWeight: number;
  readonly impactCostRange: readonly [number, number];
  readonly resetNoiseScale: number;
  /** The slices of MjData the observation is made of, in order. */
  readonly observationParts: readonly ObservationPart[];

  /** Build on a compiled simulation (which the env then owns and frees on close); `makeEnv` compiles it. */
  constructor(sim: MujocoSim, options: HumanoidStandupOptions = {}) {
    const o = resolveOptions('HumanoidStandup-v5', options, HUMANOID_STANDUP_DEFAULTS);
    super(sim, { frameSkip: o.frameSkip });
    this.uphCostWeight = o.uphCostWeight;
    this.ctrlCostWeight = o.ctrlCostWeight;
    this.impactCostWeight = o.impactCostWeight;
    this.impactCostRange = o.impactCostRange;
    this.resetNoiseScale = o.resetNoiseScale;
    this.observationParts = humanoidObservationParts(o);
    this.observationSpace = new Box(-Infinity, Infinity, [observationSize(sim, this.observationParts)], 'float64');
  }

  protected override doSimulation(action: ArrayLike<number>, nFrames: number): void {
    super.doSimulation(action, nFrames);
    // Gymnasium's do_simulation: cfrc_ext is only filled by mj_rnePostConstraint.
    this.sim.rnePostConstraint();
  }

  protected override stepTask(action: ArrayLike<number>): TaskStep {
    this.doSimulation(action, this.frameSkip);
    // Gymnasium divides by the physics timestep, not by dt (a v1 choice kept for comparability).
    const uphCost = (this.uphCostWeight * this.sim.qposAt(2)) / this.sim.timestep;
    const ctrlCost = controlCost(action, this.ctrlCostWeight);
    const impactCost = contactCost(this.sim, this.impactCostWeight, { costRange: this.impactCostRange });
    const reward = uphCost - ctrlCost - impactCost + 1;
    const info: Info = {
      ...this.resetInfo(),
      reward_linup: uphCost,
      reward_quadctrl: -ctrlCost,
      reward_impact: -impactCost,
    };
    return { observation: this.observe(), reward, terminated: false, info };
  }

  protected override resetModel(rng: Rng): Float64Array {
    const qpos = uniformNoise(this.initQpos, this.resetNoiseScale, rng);
    const qvel = uniformNoise(this.initQvel, this.resetNoiseScale, rng);
    this.setState(qpos, qvel);
    return this.observe();
  }

  protected override resetInfo(): Info {
    return {
      x_position: this.sim.qposAt(0),
      y_position: this.sim.qposAt(1),
      z_distance_from_origin: this.sim.qposAt(2) - this.initQpos[2],
      ...tendonInfo(this.sim),
    };
  }

  private observe(): Float64Array {
    return readObservation(this.sim, this.observationParts, this.observationSpace.size);
  }
}
