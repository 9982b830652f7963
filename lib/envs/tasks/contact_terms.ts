/**
 * What the tasks with contact forces (Ant-v5, Humanoid-v5, HumanoidStandup-v5) compute beyond
 * lib/envs/task_terms.ts:
 *
 * - an observation as a list of slices of MjData arrays (Gymnasium's `observation_structure`),
 *   e.g. qpos[2:], qvel, cfrc_ext[1:] clipped to [-1, 1], assembled without intermediate copies;
 * - the contact cost, a weighted sum of squared external forces (cfrc_ext), which MuJoCo only
 *   computes in mj_rnePostConstraint, run by these tasks after every step as Gymnasium does;
 * - the walkers' reward (Ant, Humanoid): forward velocity + healthy - control - contact.
 */
import type { Info } from '../env.js';
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

/**
 * weight * sum(cfrc_ext^2) over every body: each force first clipped to `forceRange` (Ant), or
 * the whole cost clipped to `costRange` afterwards (Humanoid, HumanoidStandup).
 */
export function contactCost(
  sim: MujocoSim,
  weight: number,
  clips: { forceRange?: readonly [number, number]; costRange?: readonly [number, number] },
): number {
  const forces = readField(sim, 'cfrc_ext');
  const [low, high] = clips.forceRange ?? [-Infinity, Infinity];
  let squares = 0;
  for (const force of forces) squares += Math.min(high, Math.max(low, force)) ** 2;
  const [minCost, maxCost] = clips.costRange ?? [-Infinity, Infinity];
  return Math.min(maxCost, Math.max(minCost, weight * squares));
}

/** Length of a flat MjData array on this model. */
function fieldLength(sim: MujocoSim, field: ObservationPart['field']): number {
  const { nbody, ntendon, nsite } = sim.model;
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
      return 3 * nsite;
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

/** What a walking step (Ant, Humanoid) is rewarded from; the costs are already weighted. */
export interface WalkTerms {
  /** x-y position before and after the step (a body's or the centre of mass). */
  before: ArrayLike<number>;
  after: ArrayLike<number>;
  dt: number;
  forwardRewardWeight: number;
  /** The healthy reward of this step (0 when unhealthy). */
  healthyReward: number;
  ctrlCost: number;
  contactCost: number;
}

/**
 * reward = forwardRewardWeight * x_velocity + healthy reward - control cost - contact cost, and
 * its info terms (x_velocity, y_velocity, reward_forward, reward_survive, reward_ctrl,
 * reward_contact), as Ant-v5 and Humanoid-v5 compute them.
 */
export function walkReward(t: WalkTerms): { reward: number; info: Info } {
  const xVelocity = (t.after[0] - t.before[0]) / t.dt;
  const yVelocity = (t.after[1] - t.before[1]) / t.dt;
  const forwardReward = t.forwardRewardWeight * xVelocity;
  const reward = forwardReward + t.healthyReward - (t.ctrlCost + t.contactCost);
  const info: Info = {
    x_velocity: xVelocity,
    y_velocity: yVelocity,
    reward_forward: forwardReward,
    reward_survive: t.healthyReward,
    reward_ctrl: -t.ctrlCost,
    reward_contact: -t.contactCost,
  };
  return { reward, info };
}
