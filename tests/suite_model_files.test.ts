/**
 * The model files of Hopper, Walker2d, Swimmer, InvertedDoublePendulum, Reacher and Pusher
 * compile to the parameters of Gymnasium's v5 models. Numbers are typed in from the model
 * descriptions (and derived by hand where MuJoCo computes them, e.g. masses from geom volumes),
 * never read back from the model under test. tests/reference_models.test.ts compares every field
 * with the reference files where those are present; this file needs nothing but the project.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MujocoSim } from '../lib/envs/mujoco.js';

const RK4 = 1;
const EULER = 0;
const DEG = Math.PI / 180;

/** Capsule volume: a cylinder of radius r and length 2h plus a sphere of radius r. */
const capsule = (r: number, h: number) => Math.PI * r * r * 2 * h + (4 / 3) * Math.PI * r ** 3;
const sphere = (r: number) => (4 / 3) * Math.PI * r ** 3;
const cylinder = (r: number, h: number) => Math.PI * r * r * 2 * h;

interface ModelSpec {
  file: string;
  /** nq, nv, nu, nbody (world included), ngeom. */
  sizes: [number, number, number, number, number];
  timestep: number;
  integrator: number;
  gravity: [number, number, number];
  /** Body masses by name, hand-derived from the geoms (density * volume). */
  masses: Record<string, number>;
  /** Limited joints and their ranges in radians. */
  ranges: Record<string, [number, number]>;
  /** Joint driven by each actuator in order, its gear and control range. */
  actuators: [string, number, number][];
  cameras: string[];
}

const MODELS: ModelSpec[] = [
  {
    file: 'hopper.xml',
    sizes: [6, 6, 3, 5, 5],
    timestep: 0.002,
    integrator: RK4,
    gravity: [0, 0, -9.81],
    // Density 1000: torso r 0.05 half-length 0.2, thigh 0.05/0.225, leg 0.04/0.25, foot 0.06/0.195.
    masses: {
      torso: 1000 * capsule(0.05, 0.2),
      thigh: 1000 * capsule(0.05, 0.225),
      leg: 1000 * capsule(0.04, 0.25),
      foot: 1000 * capsule(0.06, 0.195),
    },
    // -150..0 and -45..45 degrees.
    ranges: { thigh_joint: [-150 * DEG, 0], leg_joint: [-150 * DEG, 0], foot_joint: [-45 * DEG, 45 * DEG] },
    actuators: [
      ['thigh_joint', 200, 1],
      ['leg_joint', 200, 1],
      ['foot_joint', 200, 1],
    ],
    cameras: ['track'],
  },
  {
    file: 'walker2d.xml',
    sizes: [9, 9, 6, 8, 8],
    timestep: 0.002,
    integrator: RK4,
    gravity: [0, 0, -9.81],
    // Density 1000; both legs alike: thigh 0.05/0.225, leg 0.04/0.25, foot 0.06/0.1.
    masses: {
      torso: 1000 * capsule(0.05, 0.2),
      thigh: 1000 * capsule(0.05, 0.225),
      leg_left: 1000 * capsule(0.04, 0.25),
      foot: 1000 * capsule(0.06, 0.1),
      foot_left: 1000 * capsule(0.06, 0.1),
    },
    ranges: { thigh_joint: [-150 * DEG, 0], leg_left_joint: [-150 * DEG, 0], foot_left_joint: [-45 * DEG, 45 * DEG] },
    actuators: ['thigh', 'leg', 'foot', 'thigh_left', 'leg_left', 'foot_left'].map((j) => [`${j}_joint`, 100, 1]),
    cameras: ['track'],
  },
  {
    file: 'swimmer.xml',
    sizes: [5, 5, 2, 4, 4],
    timestep: 0.01,
    integrator: RK4,
    gravity: [0, 0, -9.81],
    // Three links of radius 0.1 and length 1 (half-length 0.5) at density 1000: 35.6 kg each.
    masses: { torso: 1000 * capsule(0.1, 0.5), mid: 1000 * capsule(0.1, 0.5), back: 1000 * capsule(0.1, 0.5) },
    ranges: { motor1_rot: [-100 * DEG, 100 * DEG], motor2_rot: [-100 * DEG, 100 * DEG] },
    actuators: [
      ['motor1_rot', 150, 1],
      ['motor2_rot', 150, 1],
    ],
    cameras: ['track'],
  },
  {
    file: 'inverted_double_pendulum.xml',
    sizes: [3, 3, 1, 4, 5],
    timestep: 0.01,
    integrator: RK4,
    gravity: [1e-5, 0, -9.81],
    // Cart capsule 0.1/0.1; each pole 0.6 m long (half 0.3) of radius 0.045; density 1000.
    masses: { cart: 1000 * capsule(0.1, 0.1), pole: 1000 * capsule(0.045, 0.3), pole2: 1000 * capsule(0.045, 0.3) },
    ranges: { slider: [-1, 1] },
    actuators: [['slider', 500, 1]],
    cameras: [],
  },
  {
    file: 'reacher.xml',
    sizes: [4, 4, 2, 5, 10],
    timestep: 0.01,
    integrator: RK4,
    gravity: [0, 0, -9.81],
    // Links: radius 0.01, 0.1 m long (half 0.05); fingertip sphere 0.01, target sphere 0.009.
    masses: {
      body0: 1000 * capsule(0.01, 0.05),
      body1: 1000 * capsule(0.01, 0.05),
      fingertip: 1000 * sphere(0.01),
      target: 1000 * sphere(0.009),
    },
    ranges: { joint1: [-3, 3], target_x: [-0.27, 0.27], target_y: [-0.27, 0.27] },
    actuators: [
      ['joint0', 200, 1],
      ['joint1', 200, 1],
    ],
    cameras: [],
  },
  {
    file: 'pusher.xml',
    sizes: [11, 11, 7, 13, 20],
    timestep: 0.01,
    integrator: EULER,
    gravity: [0, 0, 0],
    // Object: cylinder radius 0.05, half-height 0.05, density 0.01; goal: 0.08 / 0.001, density 1e-5.
    masses: { object: 0.01 * cylinder(0.05, 0.05), goal: 1e-5 * cylinder(0.08, 0.001) },
    ranges: {
      r_shoulder_pan_joint: [-2.2854, 1.714602],
      r_elbow_flex_joint: [-2.3213, 0],
      obj_slidex: [-10.3213, 10.3],
    },
    actuators: [
      'r_shoulder_pan_joint',
      'r_shoulder_lift_joint',
      'r_upper_arm_roll_joint',
      'r_elbow_flex_joint',
      'r_forearm_roll_joint',
      'r_wrist_flex_joint',
      'r_wrist_roll_joint',
    ].map((joint) => [joint, 1, 2]),
    cameras: [],
  },
];

function assertClose(actual: number, expected: number, message: string, tolerance = 1e-9): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${message}: ${actual} != ${expected}`,
  );
}

for (const spec of MODELS) {
  describe(`assets/${spec.file}`, () => {
    let sim: MujocoSim;
    before(async () => {
      sim = await MujocoSim.fromFile(spec.file);
    });
    after(() => sim.close());
    const model = () => sim.model as unknown as Record<string, ArrayLike<number>> & { opt: Record<string, unknown> };

    test('sizes, timestep, integrator, gravity', () => {
      const m = sim.model;
      assert.deepEqual([m.nq, m.nv, m.nu, m.nbody, m.ngeom], spec.sizes);
      assert.equal(m.opt.timestep, spec.timestep);
      assert.equal(m.opt.integrator, spec.integrator);
      assert.deepEqual(Array.from(m.opt.gravity as Float64Array), spec.gravity);
    });

    test('body masses from the geom volumes', () => {
      for (const [body, mass] of Object.entries(spec.masses)) {
        assertClose(model().body_mass[sim.objectId('body', body)], mass, `${body} mass`);
      }
    });

    test('joint ranges in radians', () => {
      const limited = sim.modelFlags('jnt_limited');
      for (const [joint, [low, high]] of Object.entries(spec.ranges)) {
        const j = sim.objectId('joint', joint);
        assert.equal(limited[j], 1, `${joint} is limited`);
        assertClose(model().jnt_range[2 * j], low, `${joint} low`, 1e-12);
        assertClose(model().jnt_range[2 * j + 1], high, `${joint} high`, 1e-12);
      }
    });

    test('actuators: joints in action order, gears, control ranges', () => {
      const ctrllimited = sim.modelFlags('actuator_ctrllimited');
      spec.actuators.forEach(([joint, gear, limit], a) => {
        assert.equal(model().actuator_trnid[2 * a], sim.objectId('joint', joint), `action ${a} drives ${joint}`);
        assert.equal(model().actuator_gear[6 * a], gear, `action ${a} gear`);
        assert.equal(ctrllimited[a], 1);
        assert.deepEqual([model().actuator_ctrlrange[2 * a], model().actuator_ctrlrange[2 * a + 1]], [-limit, limit]);
      });
    });

    test('cameras (a "track" camera is what Gymnasium renders from)', () => {
      assert.equal(sim.model.ncam, spec.cameras.length);
      for (const name of spec.cameras) assert.ok(sim.objectId('camera', name) >= 0);
    });
  });
}
