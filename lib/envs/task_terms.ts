/**
 * The pieces Gymnasium's MuJoCo v5 tasks compute their step from, shared by the tasks in
 * lib/envs/tasks/: the control cost, the healthy-range check, reset noise, observations made of
 * qpos and qvel slices, and body positions and distances (Gymnasium's `get_body_com`, which is
 * the body frame's origin, `data.xpos`, not its centre of mass).
 */
import type { Rng } from '../common/rng.js';
import type { MujocoSim } from './mujoco.js';

/** weight * sum(action^2), with the action as given (not clipped), as every v5 task. */
export function controlCost(action: ArrayLike<number>, weight: number): number {
  let squares = 0;
  for (let i = 0; i < action.length; i++) squares += action[i] * action[i];
  return weight * squares;
}

/** min < value < max: Gymnasium's healthy checks use open intervals (NaN is never inside). */
export function inOpenRange(value: number, range: readonly [number, number]): boolean {
  return range[0] < value && value < range[1];
}

/** `base` + U(-scale, scale) per element, drawn in order (a new array). */
export function uniformNoise(base: Float64Array, scale: number, rng: Rng): Float64Array {
  return base.map((value) => value + rng.uniform(-scale, scale));
}

/** `base` + scale * N(0, 1) per element, drawn in order (a new array). */
export function normalNoise(base: Float64Array, scale: number, rng: Rng): Float64Array {
  return base.map((value) => value + scale * rng.normal());
}

/**
 * qpos[qposStart:] then qvel with every velocity clipped to [-velocityLimit, velocityLimit], in
 * a new array (the caller may keep it): the observation of the locomotion tasks.
 */
export function positionsAndVelocities(sim: MujocoSim, qposStart: number, velocityLimit = Infinity): Float64Array {
  const observation = new Float64Array(sim.nq - qposStart + sim.nv);
  sim.readQpos(observation, 0, qposStart);
  const velocities = sim.nq - qposStart;
  sim.readQvel(observation, velocities);
  for (let i = velocities; i < observation.length; i++) {
    observation[i] = Math.min(Math.max(observation[i], -velocityLimit), velocityLimit);
  }
  return observation;
}

/** World position of body `body`'s frame (data.xpos), copied into `target` at `offset`. */
export function readBodyPosition(sim: MujocoSim, body: number, target: Float64Array, offset = 0): void {
  sim.readData('xpos', 3 * body, 3, target, offset);
}

/** World position of body `body`'s frame (data.xpos), a new array of 3. */
export function bodyPosition(sim: MujocoSim, body: number): Float64Array {
  const position = new Float64Array(3);
  readBodyPosition(sim, body, position);
  return position;
}

/** Euclidean distance between two points of the same length. */
export function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let squares = 0;
  for (let i = 0; i < a.length; i++) squares += (a[i] - b[i]) ** 2;
  return Math.sqrt(squares);
}
