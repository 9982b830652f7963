/**
 * The action and observation tables in the headers of ant.ts and humanoid.ts are true (Gymnasium's
 * own tables have drifted from its code): every row names the joint, actuator or body whose value
 * the env really puts at that index, in the qpos/qvel rows, the per-body rows of cinert, cvel and
 * cfrc_ext, and the per-joint rows of qfrc_actuator. HumanoidStandup-v5 is checked against
 * humanoid.ts's tables, which its header points to.
 */
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Env } from '../lib/envs/env.js';
import type { DataField, MujocoSim } from '../lib/envs/mujoco.js';
import type { MujocoEnv } from '../lib/envs/mujoco_env.js';
import { makeEnv } from '../lib/envs/registry.js';

const OBJ_JOINT = 3;
const OBJ_ACTUATOR = 19;
const FREE_JOINT = 0;
/** Values per body of the per-body arrays. */
const WIDTH: Record<string, number> = { cinert: 10, cvel: 6, cfrc_ext: 6 };

const opened: Env[] = [];
after(() => opened.forEach((env) => env.close()));

/** The cells of every markdown table row in a task file's header (separator rows left out). */
function tableRows(file: string): string[][] {
  const source = readFileSync(new URL(`../lib/envs/tasks/${file}`, import.meta.url), 'utf8');
  const header = source.slice(0, source.indexOf('*/'));
  return [...header.matchAll(/^ \* \|(.*)\|$/gm)]
    .map((m) => m[1].split('|').map((cell) => cell.trim()))
    .filter((cells) => /^\d/.test(cells[0]));
}

/** A copy of a flat MjData array. */
function field(sim: MujocoSim, name: 'qpos' | 'qvel' | DataField): Float64Array {
  if (name === 'qpos') return sim.qpos();
  if (name === 'qvel') return sim.qvel();
  return Float64Array.from(sim.data[name] as Float64Array);
}

/** The body a row names: a body name, or "body of <joint>" for an unnamed body. */
function bodyOf(sim: MujocoSim, cell: string): number {
  const m = sim.model;
  const carrier = /^body of (\w+)$/.exec(cell);
  if (carrier) return (m.jnt_bodyid as Int32Array)[sim.objectId('joint', carrier[1])];
  return sim.objectId('body', cell);
}

/** Check one observation row against the observation after a step. */
function checkObservationRow(sim: MujocoSim, observation: Float64Array, cells: string[], clip: number): void {
  const m = sim.model;
  const [index, source, name] = cells;
  const parsed = /^(\w+)\[(\d+)\]$/.exec(source);
  assert.ok(parsed, `row ${index}: source ${source}`);
  const [, fieldName, elementText] = parsed;
  const element = Number(elementText);
  const values = field(sim, fieldName as DataField);
  const range = /^(\d+)\.\.(\d+)$/.exec(index);
  if (range) {
    // A per-body block: `width` values of body `element`, which must be the body the row names.
    const [first, last] = [Number(range[1]), Number(range[2])];
    const width = WIDTH[fieldName];
    assert.equal(last - first + 1, width, `row ${index}: ${fieldName} has ${width} values a body`);
    assert.equal(bodyOf(sim, name), element, `row ${index}: ${fieldName}[${element}] is body ${name}`);
    for (let k = 0; k < width; k++) {
      const expected = Math.min(clip, Math.max(-clip, values[element * width + k]));
      assert.equal(observation[first + k], expected, `observation[${first + k}] is ${fieldName}[${element}][${k}]`);
    }
    return;
  }
  // One value of a joint: within the joint's qpos (7 for a free joint) or dof (6) addresses.
  const joint = sim.mujoco.mj_name2id(m, OBJ_JOINT, name);
  assert.ok(joint >= 0, `row ${index}: joint ${name} exists`);
  const free = (m.jnt_type as Int32Array)[joint] === FREE_JOINT;
  const isQpos = fieldName === 'qpos';
  const address = isQpos ? (m.jnt_qposadr as Int32Array)[joint] : (m.jnt_dofadr as Int32Array)[joint];
  const size = free ? (isQpos ? 7 : 6) : 1;
  assert.ok(address <= element && element < address + size, `row ${index}: ${source} belongs to joint ${name}`);
  assert.equal(observation[Number(index)], values[element], `observation[${index}] is ${source}`);
}

/** Check one action row: [i, (actuator,) joint, description, gear, range]. */
function checkActionRow(env: Env, sim: MujocoSim, cells: string[]): void {
  const m = sim.model;
  const a = Number(cells[0]);
  const named = cells.length === 6;
  const joint = named ? cells[2] : cells[1];
  if (named)
    assert.equal(sim.mujoco.mj_name2id(m, OBJ_ACTUATOR, cells[1]), a, `action ${a} drives actuator ${cells[1]}`);
  const [low, high] = cells[cells.length - 1].split('..').map(Number);
  assert.equal((m.actuator_trnid as Int32Array)[2 * a], sim.objectId('joint', joint), `action ${a} joint ${joint}`);
  assert.equal((m.actuator_gear as Float64Array)[6 * a], Number(cells[cells.length - 2]), `action ${a} gear`);
  assert.equal(env.actionSpace.low[a], Math.fround(low), `action ${a} low`);
  assert.equal(env.actionSpace.high[a], Math.fround(high), `action ${a} high`);
}

// Falling over must not end the episode before the checks (termination is tested elsewhere).
const cases = [
  { id: 'Ant-v5', file: 'ant.ts', clip: 1, kwargs: { terminateWhenUnhealthy: false } },
  { id: 'Humanoid-v5', file: 'humanoid.ts', clip: Infinity, kwargs: { terminateWhenUnhealthy: false } },
  { id: 'HumanoidStandup-v5', file: 'humanoid.ts', clip: Infinity, kwargs: {} },
];

describe('the tables in the task headers are true', () => {
  for (const { id, file, clip, kwargs } of cases) {
    test(`${id}: every row of ${file}'s observation and action tables`, async () => {
      const env = await makeEnv(id, { kwargs });
      opened.push(env);
      const sim = (env.unwrapped as MujocoEnv).sim;
      const rows = tableRows(file);
      const actions = rows.filter((cells) => /\.\./.test(cells[cells.length - 1]) && !/\[/.test(cells[1]));
      const observations = rows.filter((cells) => /\[/.test(cells[1]));
      assert.equal(actions.length, env.actionSpace.size, 'one action row per actuator');
      // One row per value (single rows) or per block of values (range rows).
      const covered = observations.reduce((sum, cells) => {
        const range = /^(\d+)\.\.(\d+)$/.exec(cells[0]);
        return sum + (range ? Number(range[2]) - Number(range[1]) + 1 : 1);
      }, 0);
      assert.equal(covered, env.observationSpace.size, 'the rows cover the observation');
      env.reset({ seed: 3 });
      // Thirty steps of a constant push: the robot touches the floor, so contact forces are non-zero.
      let observation: Float64Array = new Float64Array(0);
      for (let t = 0; t < 30; t++) observation = env.step(new Float64Array(env.actionSpace.size).fill(0.3)).observation;
      assert.ok(
        Array.from(field(sim, 'cfrc_ext')).some((v) => v !== 0),
        'contact forces are present',
      );
      for (const cells of observations) checkObservationRow(sim, observation, cells, clip);
      for (const cells of actions) checkActionRow(env, sim, cells);
    });
  }
});
