/**
 * InvertedDoublePendulum-v5: the exact semantics of Gymnasium's `InvertedDoublePendulumEnv` v5
 * (gymnasium/envs/mujoco/inverted_double_pendulum_v5.py) on the model
 * `assets/inverted_double_pendulum.xml`.
 *
 * A cart on a rail carries two poles joined end to end; pushing the cart must keep the tip of
 * the second pole high (upright is 1.2 m above the rail).
 *
 * ## Action space: `Box(-1.0, 1.0, (1,), float32)`
 *
 * | i | actuator | joint  | meaning                          | gear | range |
 * |---|----------|--------|----------------------------------|------|-------|
 * | 0 | slide    | slider | force pushing the cart along x   | 500  | -1..1 |
 *
 * ## Observation space: `Box(-inf, inf, (9,), float64)`
 * clip(v) is v clipped to [-10, 10]; qfrc_constraint[0] is the constraint force on the cart
 * (nonzero when the cart presses on the end of its rail), of the last physics step.
 *
 * | i | source                   | joint  | meaning                                     | unit  |
 * |---|--------------------------|--------|---------------------------------------------|-------|
 * | 0 | qpos[0]                  | slider | cart position along the rail                | m     |
 * | 1 | sin(qpos[1])             | hinge  | sine of the first pole's angle              |       |
 * | 2 | sin(qpos[2])             | hinge2 | sine of the second pole's angle (relative)  |       |
 * | 3 | cos(qpos[1])             | hinge  | cosine of the first pole's angle            |       |
 * | 4 | cos(qpos[2])             | hinge2 | cosine of the second pole's angle           |       |
 * | 5 | clip(qvel[0])            | slider | cart velocity                               | m/s   |
 * | 6 | clip(qvel[1])            | hinge  | first pole's angular velocity               | rad/s |
 * | 7 | clip(qvel[2])            | hinge2 | second pole's angular velocity              | rad/s |
 * | 8 | clip(qfrc_constraint[0]) | slider | constraint force on the cart                | N     |
 *
 * ## Reward
 * With (x, y) the tip site's world x and height (site_xpos of `tip`) after the step:
 *   distance_penalty = 0.01 * x^2 + (y - 2)^2
 *   velocity_penalty = 0.001 * qvel[1]^2 + 0.005 * qvel[2]^2   (unclipped)
 *   reward           = healthyReward * (not terminated) - distance_penalty - velocity_penalty
 * Info: `reward_survive`, `distance_penalty` (= -distance_penalty), `velocity_penalty` (likewise).
 *
 * ## Reset
 *   qpos = initQpos + U(-0.1, 0.1) per element (3 draws), then qvel = 0.1 * N(0, 1) (3 draws).
 * Reset info is empty.
 *
 * ## Episode end
 * Terminated when the tip's height y <= 1 m (the poles have fallen). Truncated by `makeEnv`'s
 * TimeLimit after 1000 steps (50 s at dt = 0.05).
 */
import type { MujocoSim } from '../mujoco.js';
import { MujocoEnv, type TaskStep } from '../mujoco_env.js';
import type { Rng } from '../../common/rng.js';
import { Box } from '../spaces.js';
import { type TaskOptions, resolveOptions } from '../task_options.js';
import { normalNoise, uniformNoise } from '../task_terms.js';

/** Gymnasium v5 keyword arguments of InvertedDoublePendulum, camelCased. */
export interface InvertedDoublePendulumOptions extends TaskOptions {
  /** Reward for every step the tip stays above 1 m; default 10. */
  healthyReward?: number;
  /** Half-width of the uniform qpos noise and std of the normal qvel noise; default 0.1. */
  resetNoiseScale?: number;
}

export const INVERTED_DOUBLE_PENDULUM_DEFAULTS = Object.freeze<Required<InvertedDoublePendulumOptions>>({
  modelFile: 'inverted_double_pendulum.xml',
  frameSkip: 5,
  healthyReward: 10.0,
  resetNoiseScale: 0.1,
});

/** The episode ends when the tip is at or below this height (m). */
export const TIP_MIN_HEIGHT = 1;
/** The tip height the distance penalty pulls towards (m); upright is 1.2. */
const TIP_TARGET_HEIGHT = 2;
/** Largest |value| of the velocities and the constraint force an observation shows. */
const OBSERVATION_CLIP = 10;

const clip = (value: number) => Math.min(Math.max(value, -OBSERVATION_CLIP), OBSERVATION_CLIP);

export class InvertedDoublePendulumEnv extends MujocoEnv {
  readonly id = 'InvertedDoublePendulum-v5';
  readonly observationSpace = new Box(-Infinity, Infinity, [9], 'float64');
  /** Id of the `tip` site at the top of the second pole. */
  private readonly tip: number;

  /** Build on a compiled simulation (which the env then owns and frees on close); `makeEnv` compiles it. */
  constructor(
    sim: MujocoSim,
    options: InvertedDoublePendulumOptions = {},
    /** The resolved options. */
    readonly config = resolveOptions('InvertedDoublePendulum-v5', options, INVERTED_DOUBLE_PENDULUM_DEFAULTS),
  ) {
    super(sim, config);
    this.tip = sim.objectId('site', 'tip');
  }

  protected override stepTask(action: ArrayLike<number>): TaskStep {
    this.doSimulation(action, this.frameSkip);
    const tip = new Float64Array(3);
    this.sim.readData('site_xpos', 3 * this.tip, 3, tip);
    const [x, , y] = tip;
    const qvel = this.sim.qvel();
    const terminated = y <= TIP_MIN_HEIGHT;
    const distancePenalty = 0.01 * x ** 2 + (y - TIP_TARGET_HEIGHT) ** 2;
    const velocityPenalty = 1e-3 * qvel[1] ** 2 + 5e-3 * qvel[2] ** 2;
    const aliveBonus = terminated ? 0 : this.config.healthyReward;
    return {
      observation: this.observe(),
      reward: aliveBonus - distancePenalty - velocityPenalty,
      terminated,
      info: { reward_survive: aliveBonus, distance_penalty: -distancePenalty, velocity_penalty: -velocityPenalty },
    };
  }

  protected override resetModel(rng: Rng): Float64Array {
    const scale = this.config.resetNoiseScale;
    this.setState(uniformNoise(this.initQpos, scale, rng), normalNoise(this.initQvel, scale, rng));
    return this.observe();
  }

  /** Cart position, sines then cosines of the pole angles, clipped velocities and cart constraint force. */
  private observe(): Float64Array {
    const qpos = this.sim.qpos();
    const qvel = this.sim.qvel();
    const constraint = new Float64Array(1);
    this.sim.readData('qfrc_constraint', 0, 1, constraint);
    return Float64Array.of(
      qpos[0],
      Math.sin(qpos[1]),
      Math.sin(qpos[2]),
      Math.cos(qpos[1]),
      Math.cos(qpos[2]),
      ...qvel.map(clip),
      clip(constraint[0]),
    );
  }
}
