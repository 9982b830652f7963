/**
 * lib/envs/mujoco.ts, the one module that talks to the MuJoCo WebAssembly bindings: the bool
 * model arrays read through named accessors, contact forces (cfrc_ext), and the absence of WASM
 * heap leaks in the calls that create embind handles.
 *
 * Leak check: the WASM heap is a dlmalloc heap, so a block allocated and freed right away comes
 * back at the same address as long as nothing in between was leaked; `nextAllocation` returns
 * that address. A leak of even one small handle per call moves it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MODEL_FLAG_NAMES, MujocoSim } from '../lib/envs/mujoco.js';

/** The address a fresh 4-double WASM allocation gets (see the file header). */
function nextAllocation(sim: MujocoSim): number {
  const buffer = new sim.mujoco.DoubleBuffer(4);
  try {
    return buffer.GetPointer();
  } finally {
    buffer.delete();
  }
}

describe('MujocoSim on HalfCheetah', () => {
  let sim: MujocoSim;
  before(async () => {
    sim = await MujocoSim.fromFile('half_cheetah.xml');
  });
  after(() => sim.close());

  test('modelFlags reads the bool arrays the bindings cannot return', () => {
    // The three root joints are unlimited, the six leg hinges have ranges.
    assert.deepEqual(Array.from(sim.modelFlags('jnt_limited')), [0, 0, 0, 1, 1, 1, 1, 1, 1]);
    assert.deepEqual(Array.from(sim.modelFlags('actuator_ctrllimited')), [1, 1, 1, 1, 1, 1]);
    assert.deepEqual(Array.from(sim.modelFlags('actuator_forcelimited')), [0, 0, 0, 0, 0, 0]);
    // Materials in document order: MatPlane (no texuniform), then "geom" (texuniform="true").
    assert.deepEqual(Array.from(sim.modelFlags('mat_texuniform')), [0, 1]);
    assert.deepEqual(Array.from(sim.modelFlags('light_active')), [1]);
    for (const name of MODEL_FLAG_NAMES) assert.ok(sim.modelFlags(name) instanceof Uint8Array, name);
    assert.throws(
      () => sim.modelFlags('geom_limited' as never),
      /Unknown model flag array "geom_limited"; known: jnt_limited/,
    );
  });

  test('cfrc_ext after rnePostConstraint: the floor carries the weight of the resting cheetah', () => {
    sim.reset();
    sim.setControl(new Float64Array(sim.nu));
    sim.step(2000); // 20 s of simulated time: the cheetah has fallen onto the floor and settled
    sim.rnePostConstraint();
    const forces = new Float64Array(6 * sim.nbody);
    sim.readCfrcExt(forces);
    // cfrc_ext rows are [torque(3), force(3)]; the world frame's z force summed over all bodies
    // balances gravity: 14 kg (settotalmass) * 9.81 m/s^2 = 137.34 N.
    let lift = 0;
    for (let b = 0; b < sim.nbody; b++) lift += forces[6 * b + 5];
    assert.ok(Math.abs(lift - 14 * 9.81) < 0.01 * 14 * 9.81, `contact lift ${lift} N, weight 137.34 N`);
    assert.throws(() => sim.readCfrcExt(new Float64Array(5)), /Cannot copy 48 values/);
  });

  test('reading cfrc_ext, warnings and bool flags 20,000 times leaks no WASM memory', () => {
    sim.rnePostConstraint();
    const forces = new Float64Array(6 * sim.nbody);
    const start = nextAllocation(sim);
    for (let i = 0; i < 20_000; i++) {
      sim.readCfrcExt(forces);
      sim.warningCount();
    }
    for (let i = 0; i < 2_000; i++) sim.modelFlags('jnt_limited');
    assert.equal(nextAllocation(sim), start);
  });

  test('the leak check can fail: a data.contact read whose vector is not deleted moves the heap', () => {
    sim.reset();
    sim.step(300);
    assert.ok(sim.data.ncon > 0, 'the cheetah touches the floor');
    const start = nextAllocation(sim);
    for (let i = 0; i < 100; i++) {
      const contacts = sim.data.contact; // a copy of mjData's contacts: the caller must delete it
      contacts.get(0)?.delete();
    }
    assert.notEqual(nextAllocation(sim), start);
  });
});

test('compile errors carry MuJoCo message and the file; a closed sim refuses calls', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-mujoco-'));
  try {
    const broken = join(dir, 'broken.xml');
    writeFileSync(broken, '<mujoco><worldbody><bad/></worldbody></mujoco>');
    await assert.rejects(MujocoSim.fromFile(broken), (error: Error) => {
      assert.ok(error.message.startsWith(`MuJoCo model file does not compile: ${broken} (`), error.message);
      assert.match(error.message, /unrecognized element/, "MuJoCo's own reason is kept");
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const sim = await MujocoSim.fromFile('inverted_pendulum.xml');
  sim.close();
  sim.close();
  assert.equal(sim.isClosed, true);
  assert.throws(() => sim.step(), /MujocoSim is closed/);
  assert.throws(() => sim.modelFlags('jnt_limited'), /MujocoSim is closed/);
  await assert.rejects(MujocoSim.fromFile('/nonexistent/model.xml'), /MuJoCo model file not found: \/nonexistent/);
});
