/**
 * Ant-v5, Humanoid-v5 and HumanoidStandup-v5 behave like Gymnasium's v5 tasks: spaces, dt and
 * time limits; reward formulas against the info terms, recomputed here from MuJoCo's arrays with
 * the v5 weights typed in; healthy ranges at their exact ends; reset noise; seeding; clear
 * errors. (The tables are checked in contact_tables.test.ts, real Gymnasium episodes in
 * gymnasium_traces.test.ts.)
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Env } from '../lib/envs/env.js';
import type { DataField, MujocoSim } from '../lib/envs/mujoco.js';
import type { MujocoEnv } from '../lib/envs/mujoco_env.js';
import { makeEnv } from '../lib/envs/registry.js';
import type { AntEnv } from '../lib/envs/tasks/ant.js';
import type { HumanoidEnv } from '../lib/envs/tasks/humanoid.js';
import { Rng } from '../lib/common/rng.js';
import type { TimeLimit } from '../lib/envs/wrappers.js';

const opened: Env[] = [];
after(() => opened.forEach((env) => env.close()));

async function make(id: string, kwargs: Record<string, unknown> = {}): Promise<Env> {
  const env = await makeEnv(id, { kwargs });
  opened.push(env);
  return env;
}

function simOf(env: Env): MujocoSim {
  return (env.unwrapped as MujocoEnv).sim;
}

function copy(sim: MujocoSim, name: DataField): Float64Array {
  return Float64Array.from(sim.data[name] as Float64Array);
}

function close(actual: number, expected: number, what: string, tolerance = 1e-9): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} != ${expected}`,
  );
}

const squares = (values: ArrayLike<number>, clip = Infinity) =>
  Array.from(values).reduce((sum, v) => sum + Math.min(clip, Math.max(-clip, v)) ** 2, 0);

function randomAction(rng: Rng, env: Env, scale = 1.2): Float64Array {
  const high = env.actionSpace.high[0];
  return Float64Array.from({ length: env.actionSpace.size }, () => rng.uniform(-scale * high, scale * high));
}

describe('spaces, dt and time limits as Gymnasium registers them', () => {
  // dt = timestep * frame_skip: Ant 0.01 * 5; the humanoids 0.003 * 5. fps = round(1 / dt).
  // Action bounds are float32, like Gymnasium's Box: 0.4 becomes fround(0.4).
  const facts = [
    ['Ant-v5', 8, 1, 'Box(-inf, inf, (105,), float64)', 0.05, 20],
    ['Humanoid-v5', 17, 0.4, 'Box(-inf, inf, (348,), float64)', 0.015, 67],
    ['HumanoidStandup-v5', 17, 0.4, 'Box(-inf, inf, (348,), float64)', 0.015, 67],
  ] as const;
  for (const [id, size, bound, observation, dt, fps] of facts) {
    test(id, async () => {
      const env = await make(id);
      assert.deepEqual([...env.actionSpace.shape], [size]);
      assert.deepEqual(Array.from(env.actionSpace.high), new Array(size).fill(Math.fround(bound)));
      assert.deepEqual(Array.from(env.actionSpace.low), new Array(size).fill(-Math.fround(bound)));
      assert.equal(String(env.observationSpace), observation);
      assert.ok(Math.abs(env.dt - dt) < 1e-15, `dt ${env.dt}`);
      assert.equal(env.metadata.fps, fps);
      assert.equal((env as TimeLimit).maxEpisodeSteps, 1000);
    });
  }
});

describe('Ant-v5', () => {
  test('reward = forward + healthy - ctrl - contact, each term recomputed from MuJoCo', async () => {
    const env = await make('Ant-v5');
    const sim = simOf(env);
    const rng = new Rng(11);
    const reset = env.reset({ seed: 11 });
    // Before any step the contact forces are not computed: the last 78 values are 0.
    assert.deepEqual(Array.from(reset.observation.subarray(27)), new Array(78).fill(0));
    assert.deepEqual(Object.keys(reset.info), ['x_position', 'y_position', 'distance_from_origin']);
    let contactSeen = false;
    for (let t = 0; t < 60; t++) {
      const action = randomAction(rng, env);
      const before = copy(sim, 'xpos').subarray(3, 5);
      const { reward, info, observation, terminated } = env.step(action);
      if (terminated) break;
      const after = copy(sim, 'xpos').subarray(3, 5);
      const cfrc = copy(sim, 'cfrc_ext');
      contactSeen ||= cfrc.some((v) => v !== 0);
      // The torso's (body 1) xpos gives the velocity; dt = 0.05.
      close(info.x_velocity as number, (after[0] - before[0]) / 0.05, 'x_velocity');
      close(info.y_velocity as number, (after[1] - before[1]) / 0.05, 'y_velocity');
      close(info.reward_forward as number, info.x_velocity as number, 'forward weight 1');
      close(info.reward_ctrl as number, -0.5 * squares(action), 'ctrl cost 0.5 * sum(a^2), a unclipped');
      close(info.reward_contact as number, -5e-4 * squares(cfrc, 1), 'contact cost 5e-4 * sum(clip(f, -1, 1)^2)');
      assert.equal(info.reward_survive, 1);
      const terms = ['reward_forward', 'reward_survive', 'reward_ctrl', 'reward_contact'];
      close(
        reward,
        terms.reduce((sum, key) => sum + (info[key] as number), 0),
        'reward is the sum of its terms',
      );
      // The observation's contact forces are cfrc_ext[1:] clipped to [-1, 1].
      assert.deepEqual(
        Array.from(observation.subarray(27)),
        Array.from(cfrc.subarray(6)).map((v) => Math.min(1, Math.max(-1, v))),
      );
      const q = sim.qpos();
      assert.equal(info.x_position, q[0]);
      close(info.distance_from_origin as number, Math.hypot(q[0], q[1]), 'distance_from_origin');
    }
    assert.ok(contactSeen, 'the legs touched the floor');
  });

  test('healthy while 0.2 <= z <= 1.0 (ends included) and the state is finite', async () => {
    const env = await make('Ant-v5');
    const ant = env.unwrapped as AntEnv;
    env.reset({ seed: 1 });
    const qpos = Float64Array.from(ant.initQpos);
    const qvel = new Float64Array(14);
    const healthyAt = (z: number, v = 0) => {
      qpos[2] = z;
      qvel[0] = v;
      ant.setState(qpos, qvel);
      return ant.isHealthy;
    };
    assert.deepEqual(
      [0.19, 0.2, 0.75, 1.0, 1.01].map((z) => healthyAt(z)),
      [false, true, true, true, false],
    );
    assert.equal(healthyAt(0.75, Number.NaN), false, 'a NaN velocity is unhealthy');
  });

  test('a jump past z = 1 terminates with no healthy reward; stepping on throws', async () => {
    const env = await make('Ant-v5');
    const ant = env.unwrapped as AntEnv;
    env.reset({ seed: 2 });
    const qpos = Float64Array.from(ant.initQpos);
    qpos[2] = 1.5;
    ant.setState(qpos, new Float64Array(14));
    // Falling from 1.5 m takes about 0.3 s: the first step (0.05 s) still ends above 1 m.
    const result = env.step(new Float64Array(8));
    assert.equal(result.terminated, true);
    assert.equal(result.info.reward_survive, 0);
    assert.throws(() => env.step(new Float64Array(8)), /terminated.*reset\(\)/);

    const lenient = await make('Ant-v5', { terminateWhenUnhealthy: false });
    lenient.reset({ seed: 2 });
    (lenient.unwrapped as AntEnv).setState(qpos, new Float64Array(14));
    const kept = lenient.step(new Float64Array(8));
    assert.equal(kept.terminated, false);
    assert.equal(kept.info.reward_survive, 0, 'still no healthy reward');
  });

  test('reset noise: qpos uniform within +-0.1 of qpos0, qvel 0.1 * N(0, 1)', async () => {
    const env = await make('Ant-v5');
    const ant = env.unwrapped as AntEnv;
    // qpos0: torso at 0.75 m, identity quaternion, joints at 0.
    assert.deepEqual(Array.from(ant.initQpos), [0, 0, 0.75, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const offsets: number[] = [];
    const velocities: number[] = [];
    env.reset({ seed: 0 });
    for (let k = 0; k < 200; k++) {
      env.reset();
      simOf(env)
        .qpos()
        .forEach((v, i) => offsets.push(v - ant.initQpos[i]));
      velocities.push(...simOf(env).qvel());
    }
    assert.ok(Math.min(...offsets) >= -0.1 && Math.max(...offsets) <= 0.1, 'qpos noise within +-0.1');
    assert.ok(Math.min(...offsets) < -0.099 && Math.max(...offsets) > 0.099, 'and spans it');
    // 2800 draws of std 0.1: standard error of the mean 0.0019, of the std about 0.0013.
    const mean = velocities.reduce((a, b) => a + b, 0) / velocities.length;
    const std = Math.sqrt(velocities.reduce((a, b) => a + (b - mean) ** 2, 0) / velocities.length);
    assert.ok(Math.abs(mean) < 0.01 && Math.abs(std - 0.1) < 0.007, `qvel noise mean ${mean}, std ${std}`);
  });

  test('options: positions in, contact forces out, main body by name', async () => {
    const full = await make('Ant-v5', { excludeCurrentPositionsFromObservation: false });
    assert.equal(full.observationSpace.size, 107);
    const bare = await make('Ant-v5', { includeCfrcExtInObservation: false });
    assert.equal(bare.observationSpace.size, 27);
    const named = await make('Ant-v5', { mainBody: 'torso' });
    assert.equal((named.unwrapped as AntEnv).mainBody, 1);
  });
});

describe('Humanoid-v5', () => {
  test('reward = forward + healthy - ctrl - contact, from the centre of mass and cfrc_ext', async () => {
    const env = await make('Humanoid-v5');
    const sim = simOf(env);
    const mass = Array.from(sim.model.body_mass as Float64Array);
    const total = mass.reduce((a, b) => a + b, 0);
    const centre = () => {
      const xipos = copy(sim, 'xipos');
      return [0, 1].map((axis) => mass.reduce((sum, m, b) => sum + m * xipos[3 * b + axis], 0) / total);
    };
    const rng = new Rng(12);
    const reset = env.reset({ seed: 12 });
    assert.deepEqual(Array.from(reset.observation.subarray(270)), new Array(78).fill(0), 'no contact forces yet');
    for (let t = 0; t < 40; t++) {
      const action = randomAction(rng, env);
      const before = centre();
      const { reward, info, terminated } = env.step(action);
      const after = centre();
      // dt = 0.015; forward weight 1.25; ctrl 0.1 * sum(a^2) with a as given; contact 5e-7 * sum(f^2), at most 10.
      close(info.x_velocity as number, (after[0] - before[0]) / 0.015, 'x_velocity');
      close(info.y_velocity as number, (after[1] - before[1]) / 0.015, 'y_velocity');
      close(info.reward_forward as number, 1.25 * (info.x_velocity as number), 'forward');
      close(info.reward_ctrl as number, -0.1 * squares(action), 'ctrl');
      close(info.reward_contact as number, -Math.min(10, 5e-7 * squares(copy(sim, 'cfrc_ext'))), 'contact');
      const z = sim.qpos()[2];
      assert.equal(info.reward_survive, z > 1 && z < 2 ? 5 : 0);
      const terms = ['reward_forward', 'reward_survive', 'reward_ctrl', 'reward_contact'];
      close(
        reward,
        terms.reduce((sum, key) => sum + (info[key] as number), 0),
        'sum of terms',
      );
      assert.deepEqual(info.tendon_length, Array.from(copy(sim, 'ten_length')));
      if (terminated) break;
    }
  });

  test('healthy only strictly inside 1 < z < 2; rising past 2 m terminates', async () => {
    const env = await make('Humanoid-v5');
    const humanoid = env.unwrapped as HumanoidEnv;
    env.reset({ seed: 1 });
    const qpos = Float64Array.from(humanoid.initQpos);
    const healthyAt = (z: number) => {
      qpos[2] = z;
      humanoid.setState(qpos, new Float64Array(23));
      return humanoid.isHealthy;
    };
    assert.deepEqual([1.0, 1.01, 1.4, 1.99, 2.0, Number.NaN].map(healthyAt), [false, true, true, true, false, false]);
    // At 1.99 m rising at 2 m/s, one step of 0.015 s ends near 2.02 m (gravity takes off 1 mm).
    qpos[2] = 1.99;
    const qvel = new Float64Array(23);
    qvel[2] = 2;
    humanoid.setState(qpos, qvel);
    const result = env.step(new Float64Array(17));
    assert.ok(simOf(env).qpos()[2] >= 2, `ended at ${simOf(env).qpos()[2]} m`);
    assert.equal(result.terminated, true);
    assert.equal(result.info.reward_survive, 0);
    assert.throws(() => env.step(new Float64Array(17)), /terminated.*reset\(\)/);
  });

  test('reset noise: qpos and qvel uniform within +-0.01; options shrink the observation', async () => {
    const env = await make('Humanoid-v5');
    const humanoid = env.unwrapped as HumanoidEnv;
    const offsets: number[] = [];
    env.reset({ seed: 5 });
    for (let k = 0; k < 100; k++) {
      env.reset();
      simOf(env)
        .qpos()
        .forEach((v, i) => offsets.push(v - humanoid.initQpos[i]));
      offsets.push(...simOf(env).qvel());
    }
    assert.ok(Math.min(...offsets) >= -0.01 && Math.max(...offsets) <= 0.01);
    assert.ok(Math.min(...offsets) < -0.0099 && Math.max(...offsets) > 0.0099);
    // 22 + 23 without the four blocks; 130 + 78 + 17 + 78 more with them (348).
    const bare = await make('Humanoid-v5', {
      includeCinertInObservation: false,
      includeCvelInObservation: false,
      includeQfrcActuatorInObservation: false,
      includeCfrcExtInObservation: false,
    });
    assert.equal(bare.observationSpace.size, 45);
  });
});

describe('HumanoidStandup-v5', () => {
  test('reward = qpos[2] / 0.003 - ctrl - impact + 1; never terminates', async () => {
    const env = await make('HumanoidStandup-v5');
    const sim = simOf(env);
    const initZ = (env.unwrapped as MujocoEnv).initQpos[2];
    assert.equal(initZ, 0.105, 'lying: the torso 0.105 m above the floor');
    const rng = new Rng(13);
    env.reset({ seed: 13 });
    for (let t = 0; t < 100; t++) {
      const action = randomAction(rng, env);
      const { reward, info, terminated } = env.step(action);
      const z = sim.qpos()[2];
      // Divided by MuJoCo's timestep 0.003, not by dt 0.015.
      close(info.reward_linup as number, z / 0.003, 'linup');
      close(info.reward_quadctrl as number, -0.1 * squares(action), 'ctrl');
      close(info.reward_impact as number, -Math.min(10, 0.5e-6 * squares(copy(sim, 'cfrc_ext'))), 'impact');
      close(info.z_distance_from_origin as number, z - 0.105, 'z distance');
      close(
        reward,
        (info.reward_linup as number) + (info.reward_quadctrl as number) + (info.reward_impact as number) + 1,
        'sum',
      );
      assert.equal(terminated, false);
    }
  });
});

describe('seeding and errors', () => {
  for (const id of ['Ant-v5', 'Humanoid-v5', 'HumanoidStandup-v5']) {
    test(`${id}: the same seed gives the same episode, another seed another`, async () => {
      const run = async (seed: number) => {
        const env = await make(id, id === 'HumanoidStandup-v5' ? {} : { terminateWhenUnhealthy: false });
        const rng = new Rng(seed);
        const observations = [env.reset({ seed }).observation];
        for (let t = 0; t < 15; t++) observations.push(env.step(randomAction(rng, env)).observation);
        return observations;
      };
      assert.deepEqual(await run(4), await run(4));
      assert.notDeepEqual((await run(5))[0], (await run(4))[0]);
    });
  }

  test('wrong action length, NaN and bad options get clear errors', async () => {
    const env = await make('Humanoid-v5');
    env.reset({ seed: 0 });
    assert.throws(() => env.step(new Float64Array(8)), /Humanoid-v5: action must have 17 values.*got 8/);
    const action = new Float64Array(17);
    action[4] = Number.NaN;
    assert.throws(() => env.step(action), /action\[4\] is NaN/);
    await assert.rejects(makeEnv('Ant-v5', { kwargs: { mainBody: 'tail' } }), /no body named "tail"/);
    await assert.rejects(
      makeEnv('Ant-v5', { kwargs: { mainBody: 14 } }),
      /mainBody must be a body name or an id in 0..13/,
    );
    await assert.rejects(
      makeEnv('Ant-v5', { kwargs: { healthyZRange: [1, 0.2] } }),
      /healthyZRange must be \[low, high\]/,
    );
    await assert.rejects(
      makeEnv('Humanoid-v5', { kwargs: { includeCvelInObservation: 'yes' } }),
      /includeCvelInObservation must be true or false/,
    );
    await assert.rejects(makeEnv('HumanoidStandup-v5', { kwargs: { uphCost: 1 } }), /unknown option "uphCost"/);
  });
});
