/**
 * assets/ant.xml, humanoid.xml and humanoidstandup.xml compile to the parameters of the public
 * Gymnasium models they were rebuilt from. Numbers are typed in from those models' parameters
 * (sizes, options, joint ranges in degrees, gears, geom sizes and densities), never read back from
 * the model under test; masses are derived by hand from geom volumes and densities.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MujocoSim } from '../lib/envs/mujoco.js';

const JOINT_FREE = 0;
const JOINT_HINGE = 3;
const INTEGRATOR_RK4 = 1;
const SOLVER_PGS = 0;
const deg = (d: number) => (d * Math.PI) / 180;

/** Capsule volume: cylinder of radius r and length 2h plus a sphere of radius r. */
const capsule = (r: number, h: number) => Math.PI * r * r * 2 * h + (4 / 3) * Math.PI * r ** 3;
const sphere = (r: number) => (4 / 3) * Math.PI * r ** 3;

function close(actual: number, expected: number, what: string, tolerance = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} != ${expected}`);
}

function withModel(file: string, body: (get: () => MujocoSim) => void): void {
  describe(`assets/${file}`, () => {
    let sim: MujocoSim;
    before(async () => {
      sim = await MujocoSim.fromFile(file);
    });
    after(() => sim.close());
    body(() => sim);
  });
}

withModel('ant.xml', (get) => {
  test('sizes, RK4 at 10 ms', () => {
    const m = get().model;
    assert.deepEqual([m.nq, m.nv, m.nu, m.nbody, m.ngeom, m.njnt], [15, 14, 8, 14, 14, 9]);
    assert.equal(m.opt.timestep, 0.01);
    assert.equal(m.opt.integrator, INTEGRATOR_RK4);
  });

  test('masses from density 5: torso sphere r 0.25; legs of capsules r 0.08', () => {
    const sim = get();
    const mass = sim.model.body_mass as Float64Array;
    // Stub and thigh: fromto of length |(0.2, 0.2)| = 0.2828, half-length 0.1414; lower leg twice that.
    const half = Math.hypot(0.2, 0.2) / 2;
    close(mass[sim.objectId('body', 'torso')], 5 * sphere(0.25), 'torso');
    close(mass[sim.objectId('body', 'front_left_leg')], 5 * capsule(0.08, half), 'stub');
    close(mass[sim.objectId('body', 'aux_1')], 5 * capsule(0.08, half), 'thigh');
    close(mass[4], 5 * capsule(0.08, 2 * half), 'lower leg (unnamed body 4)');
  });

  test('joints: free root, hips +-30 deg about z, ankles 30..70 deg; armature and damping 1', () => {
    const sim = get();
    const m = sim.model;
    const flags = sim.modelFlags('jnt_limited');
    assert.equal((m.jnt_type as Int32Array)[0], JOINT_FREE);
    assert.equal(flags[0], 0);
    const ranges: Record<string, [number, number]> = {
      hip_1: [-30, 30],
      ankle_1: [30, 70],
      hip_2: [-30, 30],
      ankle_2: [-70, -30],
      hip_3: [-30, 30],
      ankle_3: [-70, -30],
      hip_4: [-30, 30],
      ankle_4: [30, 70],
    };
    for (const [name, [low, high]] of Object.entries(ranges)) {
      const j = sim.objectId('joint', name);
      assert.equal((m.jnt_type as Int32Array)[j], JOINT_HINGE, name);
      assert.equal(flags[j], 1, `${name} limited`);
      close((m.jnt_range as Float64Array)[2 * j], deg(low), `${name} low`);
      close((m.jnt_range as Float64Array)[2 * j + 1], deg(high), `${name} high`);
      const dof = (m.jnt_dofadr as Int32Array)[j];
      assert.equal((m.dof_armature as Float64Array)[dof], 1);
      assert.equal((m.dof_damping as Float64Array)[dof], 1);
    }
  });

  test('motors: hip_4, ankle_4, hip_1, ankle_1, ... each gear 150, ctrl in [-1, 1]', () => {
    const sim = get();
    const m = sim.model;
    const order = ['hip_4', 'ankle_4', 'hip_1', 'ankle_1', 'hip_2', 'ankle_2', 'hip_3', 'ankle_3'];
    order.forEach((joint, a) => {
      assert.equal((m.actuator_trnid as Int32Array)[2 * a], sim.objectId('joint', joint), `motor ${a}`);
      assert.equal((m.actuator_gear as Float64Array)[6 * a], 150);
      assert.deepEqual(Array.from((m.actuator_ctrlrange as Float64Array).subarray(2 * a, 2 * a + 2)), [-1, 1]);
    });
  });
});

for (const file of ['humanoid.xml', 'humanoidstandup.xml']) {
  withModel(file, (get) => {
    test('sizes; RK4 at 3 ms; PGS solver, 50 iterations; 2 tendons; 5 keyframes', () => {
      const m = get().model;
      assert.deepEqual([m.nq, m.nv, m.nu, m.nbody, m.ngeom, m.njnt, m.ntendon, m.nkey], [24, 23, 17, 14, 18, 18, 2, 5]);
      assert.equal(m.opt.timestep, 0.003);
      assert.equal(m.opt.integrator, INTEGRATOR_RK4);
      assert.equal(m.opt.solver, SOLVER_PGS);
      assert.equal(m.opt.iterations, 50);
    });

    test('masses at density 1000: torso, feet and hands', () => {
      const sim = get();
      const mass = sim.model.body_mass as Float64Array;
      // Torso: capsule r 0.07 over 0.14 m, head sphere r 0.09, upper waist capsule r 0.06 over 0.12 m.
      close(mass[1], 1000 * (capsule(0.07, 0.07) + sphere(0.09) + capsule(0.06, 0.06)), 'torso', 1e-6);
      close(mass[sim.objectId('body', 'right_foot')], 1000 * sphere(0.075), 'foot', 1e-6);
      // Lower arm: capsule r 0.031 from (0.01, 0.01, 0.01) to (0.17, 0.17, 0.17), hand sphere r 0.04.
      const forearm = capsule(0.031, (Math.sqrt(3) * 0.16) / 2);
      close(mass[sim.objectId('body', 'left_lower_arm')], 1000 * (forearm + sphere(0.04)), 'lower arm', 1e-6);
    });

    test('motors: order and gears (abdomen 100, hips 100/100/300, knees 200, arms 25), ctrl in [-0.4, 0.4]', () => {
      const sim = get();
      const m = sim.model;
      const leg = (side: string) => [
        [`${side}_hip_x`, 100],
        [`${side}_hip_z`, 100],
        [`${side}_hip_y`, 300],
        [`${side}_knee`, 200],
      ];
      const arm = (side: string) => [`${side}_shoulder1`, `${side}_shoulder2`, `${side}_elbow`].map((j) => [j, 25]);
      const order = [
        ['abdomen_y', 100],
        ['abdomen_z', 100],
        ['abdomen_x', 100],
        ...leg('right'),
        ...leg('left'),
        ...arm('right'),
        ...arm('left'),
      ] as [string, number][];
      order.forEach(([joint, gear], a) => {
        assert.equal((m.actuator_trnid as Int32Array)[2 * a], sim.objectId('joint', joint), `motor ${a} ${joint}`);
        assert.equal((m.actuator_gear as Float64Array)[6 * a], gear, `${joint} gear`);
        close((m.actuator_ctrlrange as Float64Array)[2 * a + 1], 0.4, `${joint} ctrl`);
      });
    });
  });
}

test('HumanoidStandup lies down: torso at 0.105 m, the left hip pitch reaches -120 deg', async () => {
  const [standing, lying] = await Promise.all([
    MujocoSim.fromFile('humanoid.xml'),
    MujocoSim.fromFile('humanoidstandup.xml'),
  ]);
  try {
    close(standing.qpos()[2], 1.4, 'Humanoid torso height');
    close(lying.qpos()[2], 0.105, 'HumanoidStandup torso height');
    const low = (sim: MujocoSim, joint: string) =>
      (sim.model.jnt_range as Float64Array)[2 * sim.objectId('joint', joint)];
    close(low(standing, 'left_hip_y'), deg(-110), 'standing');
    close(low(lying, 'left_hip_y'), deg(-120), 'lying');
    close(low(lying, 'right_hip_y'), deg(-110), 'lying, right');
  } finally {
    standing.close();
    lying.close();
  }
});
