/**
 * Proves the action and observation tables in a task file's header true (the header is the
 * task's documentation, Gymnasium-style, and Gymnasium's own tables have drifted from its code).
 *
 * Observation rows are `| i | source | joint | meaning | unit |`; the source is a small
 * expression evaluated on the simulation after one step and compared with observation[i]:
 *   qpos[k], qvel[k], qfrc_constraint[k]    an MjData value (the joint column, unless "-", must
 *                                           own qpos[k] / qvel[k])
 *   sin(e), cos(e), clip(e)                 clip is to [-10, 10], as Gymnasium's tasks
 *   xpos(body).x, site_xpos(site).z         a world position component
 *   e - e                                   a difference
 * Action rows are `| i | actuator | joint | torque on | gear | low..high |` ("-" for an unnamed
 * actuator): the actuator drives the joint with that gear, and the action space has that range.
 */
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import type { Env } from '../lib/envs/env.js';
import type { MujocoEnv } from '../lib/envs/mujoco_env.js';
import type { DataField, MujocoSim } from '../lib/envs/mujoco.js';

/** Gymnasium's velocity and constraint-force clip. */
const CLIP = 10;
const AXES = { x: 0, y: 1, z: 2 } as const;
const MJ_OBJ_JOINT = 3;

interface ObservationRow {
  index: number;
  source: string;
  joint: string;
}

interface ActionRow {
  index: number;
  actuator: string;
  joint: string;
  gear: number;
  low: number;
  high: number;
}

/** The two tables of a task file's header comment. */
export function documentedTables(file: string): { observation: ObservationRow[]; action: ActionRow[] } {
  const source = readFileSync(new URL(`../lib/envs/tasks/${file}`, import.meta.url), 'utf8');
  const observationPart = source.slice(source.indexOf('## Observation space'), source.indexOf('## Reward'));
  const actionPart = source.slice(source.indexOf('## Action space'), source.indexOf('## Observation space'));
  const observation = [...observationPart.matchAll(/^ \* \| (\d+) +\| ([^|]+?) +\| ([\w-]+) +\|/gm)].map((m) => ({
    index: Number(m[1]),
    source: m[2],
    joint: m[3],
  }));
  const action = [
    ...actionPart.matchAll(/^ \* \| (\d+) +\| ([\w-]+) +\| (\w+) +\|[^|]*\| (\d+) +\| (-?[\d.]+)\.\.(-?[\d.]+) \|/gm),
  ].map((m) => ({
    index: Number(m[1]),
    actuator: m[2],
    joint: m[3],
    gear: Number(m[4]),
    low: Number(m[5]),
    high: Number(m[6]),
  }));
  return { observation, action };
}

/** Evaluate an observation source expression (see the header) on the simulation's current data. */
export function evaluateSource(sim: MujocoSim, expression: string): number {
  const text = expression.trim();
  const difference = text.split(' - ');
  if (difference.length === 2) return evaluateSource(sim, difference[0]) - evaluateSource(sim, difference[1]);
  const call = /^(sin|cos|clip)\((.+)\)$/.exec(text);
  if (call) {
    const value = evaluateSource(sim, call[2]);
    if (call[1] === 'sin') return Math.sin(value);
    if (call[1] === 'cos') return Math.cos(value);
    return Math.min(Math.max(value, -CLIP), CLIP);
  }
  const element = /^(qpos|qvel|qfrc_constraint)\[(\d+)\]$/.exec(text);
  if (element) {
    const index = Number(element[2]);
    if (element[1] === 'qpos') return sim.qpos()[index];
    if (element[1] === 'qvel') return sim.qvel()[index];
    return readOne(sim, 'qfrc_constraint', index);
  }
  const position = /^(xpos|site_xpos)\((\w+)\)\.([xyz])$/.exec(text);
  if (position) {
    const id = sim.objectId(position[1] === 'xpos' ? 'body' : 'site', position[2]);
    return readOne(sim, position[1] as DataField, 3 * id + AXES[position[3] as keyof typeof AXES]);
  }
  throw new Error(`Unknown observation source "${expression}"`);
}

function readOne(sim: MujocoSim, field: DataField, index: number): number {
  const value = new Float64Array(1);
  sim.readData(field, index, 1, value);
  return value[0];
}

/** The joint named in a row owns the qpos / qvel element its source reads. */
function checkJoint(sim: MujocoSim, row: ObservationRow, file: string): void {
  if (row.joint === '-') return;
  const joint = sim.objectId('joint', row.joint);
  const element = /(qpos|qvel|qfrc_constraint)\[(\d+)\]/.exec(row.source);
  assert.ok(element, `${file}: row ${row.index} names joint ${row.joint} but reads no qpos/qvel element`);
  const model = sim.model as unknown as Record<string, Int32Array>;
  const address = element[1] === 'qpos' ? model.jnt_qposadr[joint] : model.jnt_dofadr[joint];
  assert.equal(address, Number(element[2]), `${file}: ${element[1]}[${element[2]}] belongs to joint ${row.joint}`);
}

/**
 * Step the env once with `action` and check every documented row: the observation values and
 * their joints, the actuators' joints, gears and ranges, and that each table has one row per value.
 */
export function checkDocumentedTables(env: Env, file: string, action: ArrayLike<number>): void {
  const { observation, action: actions } = documentedTables(file);
  const sim = (env.unwrapped as MujocoEnv).sim;
  assert.deepEqual(
    observation.map((row) => row.index),
    Array.from({ length: env.observationSpace.size }, (_, i) => i),
    `${file}: one observation row per value, in order`,
  );
  assert.deepEqual(
    actions.map((row) => row.index),
    Array.from({ length: env.actionSpace.size }, (_, i) => i),
    `${file}: one action row per actuator, in order`,
  );
  const { observation: values } = env.step(action);
  for (const row of observation) {
    checkJoint(sim, row, file);
    assert.equal(
      values[row.index],
      evaluateSource(sim, row.source),
      `${file}: observation[${row.index}] is ${row.source}`,
    );
  }
  const model = sim.model as unknown as Record<string, Int32Array | Float64Array>;
  for (const row of actions) {
    if (row.actuator !== '-') assert.equal(sim.objectId('actuator', row.actuator), row.index, `${row.actuator} id`);
    const joint = sim.mujoco.mj_name2id(sim.model, MJ_OBJ_JOINT, row.joint);
    assert.equal(model.actuator_trnid[2 * row.index], joint, `${file}: action ${row.index} drives ${row.joint}`);
    assert.equal(model.actuator_gear[6 * row.index], row.gear, `${file}: action ${row.index} gear`);
    assert.equal(env.actionSpace.low[row.index], row.low, `${file}: action ${row.index} low`);
    assert.equal(env.actionSpace.high[row.index], row.high, `${file}: action ${row.index} high`);
  }
}
