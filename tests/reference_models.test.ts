/**
 * The project's model files against the public Gymnasium model files they were rebuilt from.
 *
 * Runs only where the reference folder exists (`../shared/reference` next to the repository, a
 * development aid that is not part of the project); skipped with a message elsewhere.
 *
 * 1. Every field of the compiled MjModel is compared: all numeric arrays, scalars and the nested
 *    structs (opt, vis, stat), enumerated generically from the bindings' getters, so a field
 *    added by a newer MuJoCo is compared too. Numbers are compared by value (NaN equals NaN;
 *    -0 equals 0). One field is excluded:
 *    - `buffer`: the raw bytes behind all the arrays, already compared array by array; it
 *      differs only by the sign bit of a zero (the reference writes the light direction as
 *      "-0 0 -1.3", the project as "0 0 -1.3", which is the same direction).
 *    MuJoCo 3.14's bindings cannot return its `bool` arrays (their getters throw): those with a
 *    named accessor are compared through `MujocoSim.modelFlags`; the rest (UNREADABLE) cannot be
 *    read at all, and the test insists the set of throwing getters is exactly that list, so a
 *    bindings release that fixes (or breaks) one is noticed.
 *    A model may leave out more fields, each with its reason in `excluded` (Ant's name tables and
 *    its unused custom numeric); its names are then compared object by object instead.
 * 2. Both models are stepped from the same state with the same random controls for 1000 env
 *    steps; qpos and qvel must stay identical to the last bit.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MODEL_FLAG_NAMES, MujocoSim } from '../lib/envs/mujoco.js';
import { Rng } from '../lib/common/rng.js';

const REFERENCE_DIR = fileURLToPath(new URL('../../shared/reference/', import.meta.url));
const EXCLUDED = new Set(['buffer']);
/** `bool` arrays of MuJoCo 3.14 that neither the array getter nor a named accessor can read. */
const UNREADABLE = [
  'actuator_actearly',
  'flex_centered',
  'flex_flatskin',
  'flex_internal',
  'flex_rigid',
  'flexedge_rigid',
  'jnt_actfrclimited',
  'jnt_actgravcomp',
  'tendon_actfrclimited',
  'tendon_limited',
];
const skip = existsSync(REFERENCE_DIR)
  ? false
  : `reference models not found at ${REFERENCE_DIR} (development-only check)`;

/** Names of the getter properties an embind object exposes (its fields), prototype chain included. */
function fieldNames(object: object): string[] {
  const names: string[] = [];
  for (
    let proto = Object.getPrototypeOf(object);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (Object.getOwnPropertyDescriptor(proto, name)?.get && !names.includes(name)) names.push(name);
    }
  }
  return names;
}

function sameNumber(a: number | bigint, b: number | bigint): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

/** A field's value, or the Error its getter throws (MuJoCo 3.14's `bool` arrays). */
function readField(object: object, name: string): unknown {
  try {
    return (object as Record<string, unknown>)[name];
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * Differences between two embind objects, walking nested structs; also counts the fields seen
 * and collects the paths whose getters throw (in both models alike, or it is a difference).
 */
function compareFields(
  reference: object,
  project: object,
  prefix: string,
  differences: string[],
  seen: { count: number; throwing: string[] },
  excluded: ReadonlySet<string> = new Set(),
): void {
  for (const name of fieldNames(reference)) {
    const path = prefix + name;
    if (EXCLUDED.has(path) || excluded.has(path)) continue;
    const a = readField(reference, name);
    const b = readField(project, name);
    if (a instanceof Error || b instanceof Error) {
      if (!(a instanceof Error && b instanceof Error)) differences.push(`${path}: only one getter throws`);
      seen.throwing.push(path);
      continue;
    }
    seen.count++;
    if (ArrayBuffer.isView(a)) {
      const x = a as unknown as ArrayLike<number | bigint>;
      const y = b as ArrayLike<number | bigint>;
      if (!ArrayBuffer.isView(b) || x.length !== y.length) {
        differences.push(`${path}: length ${x.length} vs ${ArrayBuffer.isView(b) ? y.length : typeof b}`);
        continue;
      }
      for (let i = 0; i < x.length; i++) {
        if (!sameNumber(x[i], y[i])) {
          differences.push(`${path}[${i}]: reference ${x[i]}, project ${y[i]}`);
          break;
        }
      }
    } else if (typeof a === 'number' || typeof a === 'bigint' || typeof a === 'boolean' || typeof a === 'string') {
      if (!(typeof b === typeof a && sameNumber(a as number, b as number)))
        differences.push(`${path}: reference ${a}, project ${String(b)}`);
    } else if (a !== null && typeof a === 'object') {
      compareFields(a, b as object, `${path}.`, differences, seen, excluded);
    } else {
      differences.push(`${path}: unexpected field kind ${typeof a}`);
    }
  }
}

function stepTogether(
  reference: MujocoSim,
  project: MujocoSim,
  options: { frameSkip: number; ctrlLimit: number; seed: number },
): void {
  const rng = new Rng(options.seed);
  // A noisy common start, so the check does not rest on the rest pose alone.
  const qpos = reference.qpos().map((v) => v + rng.uniform(-0.1, 0.1));
  const qvel = reference.qvel().map(() => 0.1 * rng.normal());
  reference.setState(qpos, qvel);
  project.setState(qpos, qvel);
  const ctrl = new Float64Array(reference.nu);
  for (let t = 0; t < 1000; t++) {
    // Beyond the ctrlrange on purpose, so MuJoCo's clamping is exercised too.
    for (let i = 0; i < ctrl.length; i++) ctrl[i] = rng.uniform(-options.ctrlLimit, options.ctrlLimit);
    reference.setControl(ctrl);
    project.setControl(ctrl);
    reference.step(options.frameSkip);
    project.step(options.frameSkip);
    const [p, q] = [reference.qpos(), project.qpos()];
    const [v, w] = [reference.qvel(), project.qvel()];
    for (let i = 0; i < p.length; i++)
      assert.ok(Object.is(p[i], q[i]), `step ${t}: qpos[${i}] reference ${p[i]}, project ${q[i]}`);
    for (let i = 0; i < v.length; i++)
      assert.ok(Object.is(v[i], w[i]), `step ${t}: qvel[${i}] reference ${v[i]}, project ${w[i]}`);
  }
  assert.ok(Number.isFinite(reference.qpos()[0]), 'the rollout stayed finite');
}

interface Case {
  /** The project's model file, in assets/. */
  file: string;
  /** The public model it was rebuilt from, relative to the reference folder (default: `file`). */
  reference?: string;
  frameSkip: number;
  ctrlLimit: number;
  /** Fields of this model left out of the comparison, each with the reason. */
  excluded?: Record<string, string>;
}

/** Object types whose names are compared one by one: [MjModel count field, name address field]. */
const NAMED_TYPES: Record<string, [string, string]> = {
  body: ['nbody', 'name_bodyadr'],
  joint: ['njnt', 'name_jntadr'],
  geom: ['ngeom', 'name_geomadr'],
  site: ['nsite', 'name_siteadr'],
  camera: ['ncam', 'name_camadr'],
  light: ['nlight', 'name_lightadr'],
  texture: ['ntex', 'name_texadr'],
  material: ['nmat', 'name_matadr'],
  tendon: ['ntendon', 'name_tendonadr'],
  actuator: ['nu', 'name_actuatoradr'],
};

/**
 * The name of object `index` ('' when unnamed), read from the model's name table: mj_id2name
 * returns a null pointer for an unnamed object, which the bindings turn into garbage.
 */
function nameOf(sim: MujocoSim, addressField: string, index: number): string {
  const model = sim.model as unknown as Record<string, ArrayLike<number>>;
  const names = model.names;
  let name = '';
  for (let k = model[addressField][index]; names[k] !== 0; k++) name += String.fromCharCode(names[k]);
  return name;
}

/** Ant's public file carries an unused custom numeric, left out of assets/ant.xml. */
const NAMES_AND_NUMERIC: Record<string, string> = {
  nnames: 'the name of the unused custom numeric',
  names: 'the name of the unused custom numeric (the other names are compared one by one)',
  nnames_map: 'the hash map over the names',
  names_map: 'the hash map over the names',
  ...Object.fromEntries(Object.values(NAMED_TYPES).map(([, address]) => [address, 'where each name starts in names'])),
  nnumeric: 'the unused custom numeric "init_qpos" is left out',
  nnumericdata: 'the unused custom numeric',
  numeric_adr: 'the unused custom numeric',
  numeric_size: 'the unused custom numeric',
  numeric_data: 'the unused custom numeric',
  name_numericadr: 'the unused custom numeric',
  nbuffer: 'the size of the arrays above',
};

/** Every reference name names the same object in the project; returns the names the project adds. */
function compareNames(reference: MujocoSim, project: MujocoSim): Record<string, string> {
  const added: Record<string, string> = {};
  for (const [type, [countField, addressField]] of Object.entries(NAMED_TYPES)) {
    const count = (reference.model as unknown as Record<string, number>)[countField];
    assert.ok(Number.isInteger(count), `${countField} is a count`);
    for (let i = 0; i < count; i++) {
      const a = nameOf(reference, addressField, i);
      const b = nameOf(project, addressField, i);
      if (a) assert.equal(b, a, `${type} ${i}`);
      else if (b) added[`${type}:${i}`] = b;
    }
  }
  return added;
}

const cases: Case[] = [
  { file: 'half_cheetah.xml', frameSkip: 5, ctrlLimit: 1.2 },
  { file: 'inverted_pendulum.xml', frameSkip: 2, ctrlLimit: 3.5 },
  { file: 'hopper.xml', reference: 'gymnasium/hopper.xml', frameSkip: 4, ctrlLimit: 1.2 },
  { file: 'walker2d.xml', reference: 'gymnasium/walker2d_v5.xml', frameSkip: 4, ctrlLimit: 1.2 },
  { file: 'swimmer.xml', reference: 'gymnasium/swimmer.xml', frameSkip: 4, ctrlLimit: 1.2 },
  {
    file: 'inverted_double_pendulum.xml',
    reference: 'gymnasium/inverted_double_pendulum.xml',
    frameSkip: 5,
    ctrlLimit: 1.2,
  },
  { file: 'reacher.xml', reference: 'gymnasium/reacher.xml', frameSkip: 2, ctrlLimit: 1.2 },
  { file: 'pusher.xml', reference: 'gymnasium/pusher_v5.xml', frameSkip: 5, ctrlLimit: 2.4 },
  { file: 'ant.xml', reference: 'gymnasium/ant.xml', frameSkip: 5, ctrlLimit: 1.2, excluded: NAMES_AND_NUMERIC },
  { file: 'humanoid.xml', reference: 'gymnasium/humanoid.xml', frameSkip: 5, ctrlLimit: 0.5 },
  { file: 'humanoidstandup.xml', reference: 'gymnasium/humanoidstandup.xml', frameSkip: 5, ctrlLimit: 0.5 },
];

for (const { file, reference: referenceFile = file, frameSkip, ctrlLimit, excluded = {} } of cases) {
  describe(`assets/${file} against the reference model`, { skip }, () => {
    let reference: MujocoSim;
    let project: MujocoSim;
    before(async () => {
      reference = await MujocoSim.fromFile(REFERENCE_DIR + referenceFile);
      project = await MujocoSim.fromFile(file);
    });
    after(() => {
      reference?.close();
      project?.close();
    });

    test('every MjModel field is equal', () => {
      const differences: string[] = [];
      const seen = { count: 0, throwing: [] as string[] };
      compareFields(reference.model, project.model, '', differences, seen, new Set(Object.keys(excluded)));
      // MuJoCo 3.14's bindings expose several hundred fields; a broken walk would see few.
      assert.ok(seen.count > 500, `compared only ${seen.count} fields`);
      for (const flag of MODEL_FLAG_NAMES) {
        const [x, y] = [reference.modelFlags(flag), project.modelFlags(flag)];
        if (x.join() !== y.join()) differences.push(`${flag}: reference ${x.join()}, project ${y.join()}`);
      }
      assert.deepEqual(differences, []);
      assert.deepEqual(seen.throwing.sort(), [...MODEL_FLAG_NAMES, ...UNREADABLE].sort());
    });

    test('every object has the name it has in the reference', () => {
      assert.deepEqual(compareNames(reference, project), {}, 'names the project adds');
    });

    test('1000 env steps from the same random controls give identical qpos and qvel', () => {
      stepTogether(reference, project, { frameSkip, ctrlLimit, seed: 2024 });
    });
  });
}
