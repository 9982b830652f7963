/**
 * The project's model files compile to the parameters of the task tables in the reference notes
 * (Gymnasium's HalfCheetah-v5 and InvertedPendulum-v5 models). Numbers are typed in from the
 * tables, never read back from the model under test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MujocoSim } from '../lib/envs/mujoco.js';

const OBJ_BODY = 1;
const OBJ_JOINT = 3;
const OBJ_GEOM = 5;
const OBJ_CAMERA = 7;
const OBJ_MATERIAL = 14;
const OBJ_ACTUATOR = 19;
const JOINT_SLIDE = 2;
const JOINT_HINGE = 3;
const GEOM_PLANE = 0;
const GEOM_CAPSULE = 3;

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, message: string, tolerance = 1e-12): void {
  assert.equal(actual.length, expected.length, `${message}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${message}[${i}]: ${actual[i]} != ${expected[i]}`);
  }
}

/** Entries `index*width .. index*width+width` of a flat model array. */
function row(values: ArrayLike<number>, index: number, width: number): number[] {
  return Array.from({ length: width }, (_, k) => values[index * width + k]);
}

/** Unit quaternion of a rotation by `angle` radians about +y: (cos(a/2), 0, sin(a/2), 0). */
function quatAboutY(angle: number): number[] {
  return [Math.cos(angle / 2), 0, Math.sin(angle / 2), 0];
}

/** Capsule volume: cylinder of radius r and length 2h plus a sphere of radius r. */
function capsuleVolume(radius: number, halfLength: number): number {
  return Math.PI * radius * radius * 2 * halfLength + (4 / 3) * Math.PI * radius ** 3;
}

describe('assets/half_cheetah.xml', () => {
  let sim: MujocoSim;
  const id = (type: number, name: string) => sim.mujoco.mj_name2id(sim.model, type, name);
  before(async () => {
    sim = await MujocoSim.fromFile('half_cheetah.xml');
  });
  after(() => sim.close());

  test('sizes, timestep, gravity, integrator', () => {
    const m = sim.model;
    assert.deepEqual([m.nq, m.nv, m.nu, m.ngeom, m.nbody, m.njnt], [9, 9, 6, 9, 8, 9]);
    assert.equal(m.opt.timestep, 0.01);
    assertClose(m.opt.gravity as Float64Array, [0, 0, -9.81], 'gravity');
    assert.equal(m.opt.integrator, 0, 'Euler integrator (the default)');
    assert.equal(m.nuser_geom, 1);
  });

  test('total body mass is 14 kg, shared among bodies in proportion to capsule volume', () => {
    const mass = sim.model.body_mass as Float64Array;
    const total = Array.from(mass).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 14) < 1e-12, `total mass ${total}`);
    // inertiafromgeom with uniform density, then settotalmass rescales: m_body = 14 * V_body / V_all.
    // Every geom has radius 0.046; half-lengths from the table (the torso's fromto spans 1 m).
    const r = 0.046;
    const volumes: Record<string, number> = {
      torso: capsuleVolume(r, 0.5) + capsuleVolume(r, 0.15),
      bthigh: capsuleVolume(r, 0.145),
      bshin: capsuleVolume(r, 0.15),
      bfoot: capsuleVolume(r, 0.094),
      fthigh: capsuleVolume(r, 0.133),
      fshin: capsuleVolume(r, 0.106),
      ffoot: capsuleVolume(r, 0.07),
    };
    const all = Object.values(volumes).reduce((a, b) => a + b, 0);
    for (const [name, volume] of Object.entries(volumes)) {
      const actual = mass[id(OBJ_BODY, name)];
      assert.ok(Math.abs(actual - (14 * volume) / all) < 1e-9, `${name} mass ${actual} != ${(14 * volume) / all}`);
    }
  });

  test('body tree and positions', () => {
    const bodies: [string, string, number[]][] = [
      ['torso', 'world', [0, 0, 0.7]],
      ['bthigh', 'torso', [-0.5, 0, 0]],
      ['bshin', 'bthigh', [0.16, 0, -0.25]],
      ['bfoot', 'bshin', [-0.28, 0, -0.14]],
      ['fthigh', 'torso', [0.5, 0, 0]],
      ['fshin', 'fthigh', [-0.14, 0, -0.24]],
      ['ffoot', 'fshin', [0.13, 0, -0.18]],
    ];
    const parent = sim.model.body_parentid as Int32Array;
    for (const [name, parentName, pos] of bodies) {
      const b = id(OBJ_BODY, name);
      assert.ok(b > 0, `body ${name} exists`);
      assert.equal(parent[b], id(OBJ_BODY, parentName), `parent of ${name}`);
      assertClose(row(sim.model.body_pos as Float64Array, b, 3), pos, `${name} pos`);
    }
  });

  test('joints: order, type, axis, range, stiffness, damping, armature, limit softness', () => {
    const m = sim.model;
    // [name, type, axis, range or null (unlimited), stiffness, damping, armature]
    const joints: [string, number, number[], number[] | null, number, number, number][] = [
      ['rootx', JOINT_SLIDE, [1, 0, 0], null, 0, 0, 0],
      ['rootz', JOINT_SLIDE, [0, 0, 1], null, 0, 0, 0],
      ['rooty', JOINT_HINGE, [0, 1, 0], null, 0, 0, 0],
      ['bthigh', JOINT_HINGE, [0, 1, 0], [-0.52, 1.05], 240, 6, 0.1],
      ['bshin', JOINT_HINGE, [0, 1, 0], [-0.785, 0.785], 180, 4.5, 0.1],
      ['bfoot', JOINT_HINGE, [0, 1, 0], [-0.4, 0.785], 120, 3, 0.1],
      ['fthigh', JOINT_HINGE, [0, 1, 0], [-1, 0.7], 180, 4.5, 0.1],
      ['fshin', JOINT_HINGE, [0, 1, 0], [-1.2, 0.87], 120, 3, 0.1],
      ['ffoot', JOINT_HINGE, [0, 1, 0], [-0.5, 0.5], 60, 1.5, 0.1],
    ];
    joints.forEach(([name, type, axis, range, stiffness, damping, armature], j) => {
      assert.equal(id(OBJ_JOINT, name), j, `joint ${name} is joint ${j} (qpos[${j}])`);
      assert.equal((m.jnt_qposadr as Int32Array)[j], j);
      assert.equal((m.jnt_type as Int32Array)[j], type, `${name} type`);
      assertClose(row(m.jnt_axis as Float64Array, j, 3), axis, `${name} axis`);
      assert.equal(sim.modelFlags('jnt_limited')[j], range ? 1 : 0, `${name} limited`);
      if (range) assertClose(row(m.jnt_range as Float64Array, j, 2), range, `${name} range (radians)`);
      assert.equal((m.jnt_stiffness as Float64Array)[j], stiffness, `${name} stiffness`);
      assert.equal((m.dof_damping as Float64Array)[j], damping, `${name} damping`);
      assert.equal((m.dof_armature as Float64Array)[j], armature, `${name} armature`);
      assertClose(row(m.jnt_solref as Float64Array, j, 2), [0.02, 1], `${name} solreflimit`);
      assertClose(row(m.jnt_solimp as Float64Array, j, 5).slice(0, 3), [0, 0.8, 0.03], `${name} solimplimit`);
    });
  });

  test('geoms: capsule sizes, placement, orientation (radians), colours, contact parameters', () => {
    const m = sim.model;
    const tan = [0.8, 0.6, 0.4, 1];
    const red = [0.9, 0.6, 0.6, 1];
    // [name, body, pos, quat, [radius, half-length], rgba]
    const geoms: [string, string, number[], number[], number[], number[]][] = [
      // fromto -.5 0 0 .5 0 0: centred, half-length 0.5, capsule axis z turned onto x (-90 deg about y).
      [
        'torso',
        'torso',
        [0, 0, 0],
        quatAboutY(-Math.PI / 2).map((v) => (Math.abs(v) < 1e-16 ? 0 : v)),
        [0.046, 0.5],
        tan,
      ],
      ['head', 'torso', [0.6, 0, 0.1], quatAboutY(0.87), [0.046, 0.15], tan],
      ['bthigh', 'bthigh', [0.1, 0, -0.13], quatAboutY(-3.8), [0.046, 0.145], tan],
      ['bshin', 'bshin', [-0.14, 0, -0.07], quatAboutY(-2.03), [0.046, 0.15], red],
      ['bfoot', 'bfoot', [0.03, 0, -0.097], quatAboutY(-0.27), [0.046, 0.094], red],
      ['fthigh', 'fthigh', [-0.07, 0, -0.12], quatAboutY(0.52), [0.046, 0.133], tan],
      ['fshin', 'fshin', [0.065, 0, -0.09], quatAboutY(-0.6), [0.046, 0.106], red],
      ['ffoot', 'ffoot', [0.045, 0, -0.07], quatAboutY(-0.6), [0.046, 0.07], red],
    ];
    for (const [name, body, pos, quat, size, rgba] of geoms) {
      const g = id(OBJ_GEOM, name);
      assert.ok(g > 0, `geom ${name} exists`);
      assert.equal((m.geom_type as Int32Array)[g], GEOM_CAPSULE, `${name} is a capsule`);
      assert.equal((m.geom_bodyid as Int32Array)[g], id(OBJ_BODY, body), `${name} body`);
      assertClose(row(m.geom_pos as Float64Array, g, 3), pos, `${name} pos`);
      // A quaternion and its negative are the same rotation (axisangle -3.8 is past -pi).
      const q = row(m.geom_quat as Float64Array, g, 4);
      const sign = Math.sign(q[0] * quat[0] + q[2] * quat[2]) || 1;
      assertClose(
        q.map((v) => v * sign),
        quat,
        `${name} quat`,
        1e-9,
      );
      assertClose(row(m.geom_size as Float64Array, g, 3).slice(0, 2), size, `${name} size`, 1e-12);
      assertClose(row(m.geom_rgba as Float32Array, g, 4), rgba, `${name} rgba`, 1e-7);
      assert.equal((m.geom_contype as Int32Array)[g], 1, `${name} contype`);
      assert.equal((m.geom_conaffinity as Int32Array)[g], 0, `${name} conaffinity`);
      assert.equal((m.geom_condim as Int32Array)[g], 3, `${name} condim`);
      assertClose(row(m.geom_friction as Float64Array, g, 3), [0.4, 0.1, 0.1], `${name} friction`);
      assertClose(row(m.geom_solref as Float64Array, g, 2), [0.02, 1], `${name} solref`);
      assertClose(row(m.geom_solimp as Float64Array, g, 5).slice(0, 3), [0, 0.8, 0.01], `${name} solimp`);
    }
  });

  test('floor, light, camera, textures and materials (what a renderer draws)', () => {
    const m = sim.model;
    const floor = id(OBJ_GEOM, 'floor');
    assert.equal(floor, 0);
    assert.equal((m.geom_type as Int32Array)[floor], GEOM_PLANE);
    assertClose(row(m.geom_size as Float64Array, floor, 3), [40, 40, 40], 'floor size');
    assertClose(row(m.geom_rgba as Float32Array, floor, 4), [0.8, 0.9, 0.8, 1], 'floor rgba', 1e-7);
    assert.equal((m.geom_conaffinity as Int32Array)[floor], 1);
    const plane = id(OBJ_MATERIAL, 'MatPlane');
    assert.equal((m.geom_matid as Int32Array)[floor], plane);
    assertClose(row(m.mat_texrepeat as Float32Array, plane, 2), [60, 60], 'texrepeat');
    assertClose([(m.mat_reflectance as Float32Array)[plane]], [0.5], 'reflectance', 1e-7);
    // Textures: gradient skybox (type 2), cube body texture (type 1), 2d checker (type 0).
    assert.equal(m.ntex, 3);
    assert.deepEqual(Array.from(m.tex_type as Int32Array), [2, 1, 0]);
    assert.equal(m.nmat, 2);

    assert.equal(m.nlight, 1);
    assert.equal((m.light_type as Int32Array)[0], 1, 'directional light');
    assertClose(row(m.light_pos as Float64Array, 0, 3), [0, 0, 1.3], 'light pos');
    assertClose(row(m.light_dir as Float64Array, 0, 3), [0, 0, -1], 'light dir (normalised)');
    assertClose(row(m.light_diffuse as Float32Array, 0, 3), [1, 1, 1], 'light diffuse', 1e-7);
    assertClose(row(m.light_specular as Float32Array, 0, 3), [0.1, 0.1, 0.1], 'light specular', 1e-7);

    const camera = id(OBJ_CAMERA, 'track');
    assert.ok(camera >= 0, 'camera "track" exists');
    assert.equal((m.cam_bodyid as Int32Array)[camera], id(OBJ_BODY, 'torso'));
    assert.equal((m.cam_mode as Int32Array)[camera], 2, 'mode trackcom');
    assertClose(row(m.cam_pos as Float64Array, camera, 3), [0, -3, 0.3], 'camera pos');
    // xyaxes x = (1,0,0), y = (0,0,1): camera looks along +y, i.e. a rotation of +90 deg about x.
    assertClose(row(m.cam_quat as Float64Array, camera, 4), [Math.SQRT1_2, Math.SQRT1_2, 0, 0], 'camera quat', 1e-12);
  });

  test('actuators: order, joints, gears, control range', () => {
    const m = sim.model;
    const gears: [string, number][] = [
      ['bthigh', 120],
      ['bshin', 90],
      ['bfoot', 60],
      ['fthigh', 120],
      ['fshin', 60],
      ['ffoot', 30],
    ];
    gears.forEach(([name, gear], a) => {
      assert.equal(id(OBJ_ACTUATOR, name), a, `actuator ${name} is action ${a}`);
      assert.equal((m.actuator_trnid as Int32Array)[2 * a], id(OBJ_JOINT, name), `${name} drives joint ${name}`);
      assert.equal((m.actuator_gear as Float64Array)[6 * a], gear, `${name} gear`);
      assert.equal(sim.modelFlags('actuator_ctrllimited')[a], 1);
      assertClose(row(m.actuator_ctrlrange as Float64Array, a, 2), [-1, 1], `${name} ctrlrange`);
    });
  });
});

describe('assets/inverted_pendulum.xml', () => {
  let sim: MujocoSim;
  const id = (type: number, name: string) => sim.mujoco.mj_name2id(sim.model, type, name);
  before(async () => {
    sim = await MujocoSim.fromFile('inverted_pendulum.xml');
  });
  after(() => sim.close());

  test('sizes, timestep, RK4 integrator, gravity', () => {
    const m = sim.model;
    assert.deepEqual([m.nq, m.nv, m.nu, m.ngeom, m.nbody], [2, 2, 1, 3, 3]);
    assert.equal(m.opt.timestep, 0.02);
    assert.equal(m.opt.integrator, 1, 'RK4');
    assertClose(m.opt.gravity as Float64Array, [0, 0, -9.81], 'gravity');
  });

  test('joints: slider in metres, hinge range converted from degrees, damping 1, no armature', () => {
    const m = sim.model;
    assert.equal(id(OBJ_JOINT, 'slider'), 0);
    assert.equal(id(OBJ_JOINT, 'hinge'), 1);
    assert.deepEqual(Array.from(m.jnt_type as Int32Array), [JOINT_SLIDE, JOINT_HINGE]);
    assertClose(m.jnt_axis as Float64Array, [1, 0, 0, 0, 1, 0], 'axes');
    assert.deepEqual(Array.from(sim.modelFlags('jnt_limited')), [1, 1]);
    // range -90..90 degrees = -pi/2..pi/2 radians.
    assertClose(m.jnt_range as Float64Array, [-1, 1, -Math.PI / 2, Math.PI / 2], 'ranges');
    assertClose(m.dof_damping as Float64Array, [1, 1], 'damping');
    assertClose(m.dof_armature as Float64Array, [0, 0], 'armature');
    assert.equal((m.body_parentid as Int32Array)[id(OBJ_BODY, 'pole')], id(OBJ_BODY, 'cart'));
  });

  test('geoms and masses from the capsule sizes (density 1000)', () => {
    const m = sim.model;
    const rail = id(OBJ_GEOM, 'rail');
    const cart = id(OBJ_GEOM, 'cart');
    const pole = id(OBJ_GEOM, 'cpole');
    assert.equal((m.geom_bodyid as Int32Array)[rail], 0, 'rail belongs to the world');
    assertClose(row(m.geom_size as Float64Array, rail, 3).slice(0, 2), [0.02, 1], 'rail size');
    assertClose(row(m.geom_size as Float64Array, cart, 3).slice(0, 2), [0.1, 0.1], 'cart size');
    // fromto (0,0,0)-(0.001,0,0.6) sets the half-length to |(0.001, 0, 0.6)| / 2.
    const poleHalf = Math.hypot(0.001, 0.6) / 2;
    assertClose(row(m.geom_size as Float64Array, pole, 3).slice(0, 2), [0.049, poleHalf], 'pole size', 1e-12);
    // quat 0.707 0 0.707 0 is normalised to (1/sqrt2, 0, 1/sqrt2, 0).
    assertClose(row(m.geom_quat as Float64Array, rail, 4), [Math.SQRT1_2, 0, Math.SQRT1_2, 0], 'rail quat');
    assertClose(row(m.geom_rgba as Float32Array, rail, 4), [0.3, 0.3, 0.7, 1], 'rail rgba', 1e-7);
    assertClose(row(m.geom_rgba as Float32Array, cart, 4), [0.7, 0.7, 0, 1], 'cart rgba', 1e-7);
    assertClose(row(m.geom_rgba as Float32Array, pole, 4), [0, 0.7, 0.7, 1], 'pole rgba', 1e-7);
    assert.deepEqual(Array.from(m.geom_contype as Int32Array), [0, 0, 0], 'nothing collides');
    assertClose(m.geom_friction as Float64Array, [1, 0.1, 0.1, 1, 0.1, 0.1, 1, 0.1, 0.1], 'friction');
    // mass = 1000 kg/m^3 * capsule volume: cart r 0.1, h 0.1 -> 10.472 kg; pole r 0.049 -> 5.0186 kg.
    const mass = m.body_mass as Float64Array;
    assertClose([mass[id(OBJ_BODY, 'cart')]], [1000 * capsuleVolume(0.1, 0.1)], 'cart mass', 1e-9);
    assertClose([mass[id(OBJ_BODY, 'pole')]], [1000 * capsuleVolume(0.049, poleHalf)], 'pole mass', 1e-9);
  });

  test('actuator: motor on the slider, gear 100, ctrlrange -3..3', () => {
    const m = sim.model;
    assert.equal(id(OBJ_ACTUATOR, 'slide'), 0);
    assert.equal((m.actuator_trnid as Int32Array)[0], id(OBJ_JOINT, 'slider'));
    assert.equal((m.actuator_gear as Float64Array)[0], 100);
    assert.equal(sim.modelFlags('actuator_ctrllimited')[0], 1);
    assertClose(m.actuator_ctrlrange as Float64Array, [-3, 3], 'ctrlrange');
  });
});
