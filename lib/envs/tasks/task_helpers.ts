/**
 * Pieces shared by the 3D tasks with contact forces (Ant-v5, Humanoid-v5, HumanoidStandup-v5):
 *
 * - an observation as a list of slices of MjData arrays (Gymnasium's `observation_structure`),
 *   e.g. qpos[2:], qvel, cfrc_ext[1:] clipped to [-1, 1], assembled without intermediate copies;
 * - the checks of their option types (flags, intervals);
 * - sums of squares for the control and contact costs.
 */
import type { Rng } from '../../common/rng.js';
import type { DataField, MujocoSim } from '../mujoco.js';

/** One slice `field[from:]` of the observation, optionally clipped elementwise to [low, high]. */
export interface ObservationPart {
  field: 'qpos' | 'qvel' | DataField;
  /** First element of the flat MjData array (e.g. 6 skips cfrc_ext's world row). */
  from: number;
  clip?: readonly [number, number];
}

/** The number of values `parts` give on this model. */
export function observationSize(sim: MujocoSim, parts: readonly ObservationPart[]): number {
  let size = 0;
  for (const part of parts) size += fieldLength(sim, part.field) - part.from;
  return size;
}

/** The observation `parts` describe, in a new array (the caller may keep it). */
export function readObservation(sim: MujocoSim, parts: readonly ObservationPart[], size: number): Float64Array {
  const observation = new Float64Array(size);
  let offset = 0;
  for (const part of parts) {
    const count = fieldLength(sim, part.field) - part.from;
    if (part.field === 'qpos') sim.readQpos(observation, offset, part.from);
    else if (part.field === 'qvel') sim.readQvel(observation, offset, part.from);
    else sim.readData(part.field, part.from, count, observation, offset);
    const end = offset + count;
    if (part.clip) {
      const [low, high] = part.clip;
      for (let i = offset; i < end; i++) observation[i] = Math.min(high, Math.max(low, observation[i]));
    }
    offset = end;
  }
  return observation;
}

/** A copy of a whole flat MjData array (e.g. cfrc_ext, nbody x 6). */
export function readField(sim: MujocoSim, field: DataField): Float64Array {
  const values = new Float64Array(fieldLength(sim, field));
  sim.readData(field, 0, values.length, values);
  return values;
}

/** Length of a flat MjData array on this model. */
function fieldLength(sim: MujocoSim, field: ObservationPart['field']): number {
  const { nbody, ntendon } = sim.model;
  switch (field) {
    case 'qpos':
      return sim.nq;
    case 'qvel':
    case 'qfrc_actuator':
    case 'qfrc_constraint':
      return sim.nv;
    case 'xpos':
    case 'xipos':
      return 3 * nbody;
    case 'site_xpos':
      return 3 * sim.model.nsite;
    case 'cinert':
      return 10 * nbody;
    case 'cvel':
    case 'cfrc_ext':
      return 6 * nbody;
    case 'ten_length':
    case 'ten_velocity':
      return ntendon;
  }
}

/** sum(values[i]^2), optionally each value clipped to [low, high] first. */
export function sumOfSquares(values: ArrayLike<number>, clip?: readonly [number, number]): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = clip ? Math.min(clip[1], Math.max(clip[0], values[i])) : values[i];
    sum += v * v;
  }
  return sum;
}

/** true or false, or a clear error naming the option. */
export function checkFlag(id: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new Error(`${id}: option ${name} must be true or false, got ${String(value)}`);
  return value;
}

/**
 * An interval [low, high] of numbers with low <= high (infinite ends allowed, e.g. a cost
 * clipped only from above), or a clear error naming the option.
 */
export function checkInterval(id: string, name: string, value: unknown): readonly [number, number] {
  const ok =
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((v) => typeof v === 'number' && !Number.isNaN(v)) &&
    value[0] <= value[1];
  if (!ok)
    throw new Error(
      `${id}: option ${name} must be [low, high] with low <= high, got ${Array.isArray(value) ? `[${value.join(', ')}]` : String(value)}`,
    );
  return [value[0], value[1]];
}

/** init + U(-scale, scale) per element, drawn in element order (numpy's uniform(size=n)). */
export function uniformNoise(init: Float64Array, rng: Rng, scale: number): Float64Array {
  return init.map((value) => value + rng.uniform(-scale, scale));
}
