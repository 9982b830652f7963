/**
 * Hopper-v5, Walker2d-v5 and Swimmer-v5 behave like Gymnasium's v5 tasks where the Gymnasium
 * fixtures do not reach: spaces and dt, the header tables, the reward recomputed from the state
 * and equal to the sum of its info terms, the healthy thresholds and termination, reset noise
 * bounds, seeding, options, and clear errors for bad actions and options.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Env } from '../lib/envs/env.js';
import type { MujocoEnv } from '../lib/envs/mujoco_env.js';
import { makeEnv } from '../lib/envs/registry.js';
import type { PlanarWalkerEnv } from '../lib/envs/tasks/planar_walker.js';
import { Rng } from '../lib/common/rng.js';
import type { TimeLimit } from '../lib/envs/wrappers.js';
import { checkDocumentedTables } from './env_tables.js';

const opened: Env[] = [];
after(() => opened.forEach((env) => env.close()));

async function make(id: string, kwargs: Record<string, unknown> = {}): Promise<Env> {
  const env = await makeEnv(id, { kwargs });
  opened.push(env);
  return env;
}

const simOf = (env: Env) => (env.unwrapped as MujocoEnv).sim;
const close = (a: number, b: number, tolerance = 1e-12) => Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b));

/** Min and max of `values`. */
function extent(values: number[]): [number, number] {
  return [Math.min(...values), Math.max(...values)];
}

/** qpos - initQpos and qvel - initQvel after each of `resets` seeded resets. */
function resetNoise(env: Env, resets: number): { qpos: number[]; qvel: number[] } {
  const task = env.unwrapped as MujocoEnv;
  const qpos: number[] = [];
  const qvel: number[] = [];
  env.reset({ seed: 11 });
  for (let k = 0; k < resets; k++) {
    env.reset();
    task.sim.qpos().forEach((v, i) => qpos.push(v - task.initQpos[i]));
    task.sim.qvel().forEach((v, i) => qvel.push(v - task.initQvel[i]));
  }
  return { qpos, qvel };
}

const WALKERS = [
  // dt = timestep 0.002 * frame_skip 4 = 0.008 s, fps = 1 / dt = 125.
  { id: 'Hopper-v5', file: 'hopper.ts', nu: 3, obs: 11, nq: 6, z: [0.7, Infinity], angle: 0.2, state: 100 },
  { id: 'Walker2d-v5', file: 'walker2d.ts', nu: 6, obs: 17, nq: 9, z: [0.8, 2], angle: 1, state: null },
] as const;

for (const spec of WALKERS) {
  describe(spec.id, () => {
    test('spaces, dt, render fps and TimeLimit as Gymnasium', async () => {
      const env = await make(spec.id);
      assert.equal(String(env.actionSpace), `Box(-1.0, 1.0, (${spec.nu},), float32)`);
      assert.equal(String(env.observationSpace), `Box(-inf, inf, (${spec.obs},), float64)`);
      assert.ok(close(env.dt, 0.008), `dt ${env.dt}`);
      assert.equal(env.metadata.fps, 125);
      assert.equal((env as TimeLimit).maxEpisodeSteps, 1000);
    });

    test('the observation and action tables in the file header are true', async () => {
      const env = await make(spec.id);
      env.reset({ seed: 3 });
      checkDocumentedTables(env, spec.file, new Float64Array(spec.nu).fill(0.5));
    });

    test('reward = forward velocity + healthy bonus - 0.001 * sum(action^2), as its info terms', async () => {
      const env = await make(spec.id);
      const sim = simOf(env);
      const rng = new Rng(5);
      const reset = env.reset({ seed: 5 });
      assert.deepEqual(reset.info, { x_position: sim.qpos()[0], z_distance_from_origin: sim.qpos()[1] - 1.25 });
      for (let t = 0; t < 15; t++) {
        // Up to 1.2: the cost uses the action as given, beyond the [-1, 1] MuJoCo clamps to.
        const action = Array.from({ length: spec.nu }, () => rng.uniform(-1.2, 1.2));
        const xBefore = sim.qpos()[0];
        const { observation, reward, terminated, info } = env.step(action);
        const qpos = sim.qpos();
        const xVelocity = (qpos[0] - xBefore) / 0.008;
        const ctrlCost = 0.001 * action.reduce((sum, a) => sum + a * a, 0);
        const clipped = Array.from(sim.qvel(), (v) => Math.min(Math.max(v, -10), 10));
        assert.deepEqual(Array.from(observation), [...qpos.subarray(1), ...clipped]);
        assert.ok(close(info.x_velocity as number, xVelocity, 1e-9));
        assert.ok(close(info.reward_ctrl as number, -ctrlCost));
        assert.equal(info.reward_survive, terminated ? 0 : 1);
        assert.equal(info.z_distance_from_origin, qpos[1] - 1.25);
        assert.ok(close(reward, xVelocity + (info.reward_survive as number) - ctrlCost, 1e-9));
        assert.equal(
          reward,
          (info.reward_forward as number) + (info.reward_survive as number) + (info.reward_ctrl as number),
        );
        if (terminated) break;
      }
    });

    test('healthy thresholds: torso height, pitch and (Hopper) the state range, open intervals', async () => {
      const env = await make(spec.id);
      const task = env.unwrapped as PlanarWalkerEnv;
      env.reset({ seed: 1 });
      const healthyWith = (index: number, value: number, velocity?: number) => {
        const qpos = Float64Array.from(task.initQpos);
        const qvel = new Float64Array(task.sim.nv);
        if (velocity === undefined) qpos[index] = value;
        else qvel[index] = velocity;
        task.setState(qpos, qvel);
        return task.isHealthy();
      };
      assert.equal(healthyWith(1, 1.25), true, 'standing');
      assert.equal(healthyWith(1, spec.z[0] + 1e-9), true);
      assert.equal(healthyWith(1, spec.z[0]), false, 'the low bound itself is unhealthy');
      if (spec.z[1] !== Infinity) assert.equal(healthyWith(1, spec.z[1]), false, 'the high bound itself');
      assert.equal(healthyWith(2, spec.angle - 1e-9), true);
      assert.equal(healthyWith(2, -spec.angle), false);
      assert.equal(healthyWith(1, Number.NaN), false, 'NaN is never healthy');
      // Hopper: any of qpos[2:], qvel at +-100 is unhealthy; Walker2d checks no state range.
      assert.equal(healthyWith(3, 0, 100), spec.state === null);
      assert.equal(healthyWith(3, 0, 99.9), true);
    });

    test('terminated when fallen (reward_survive 0), unless terminateWhenUnhealthy is false', async () => {
      for (const terminateWhenUnhealthy of [true, false]) {
        const env = await make(spec.id, { terminateWhenUnhealthy });
        const task = env.unwrapped as PlanarWalkerEnv;
        env.reset({ seed: 2 });
        // The torso at 0.3 m: far below both tasks' lowest healthy height.
        const qpos = Float64Array.from(task.initQpos);
        qpos[1] = 0.3;
        task.setState(qpos, new Float64Array(task.sim.nv));
        const { terminated, truncated, info } = env.step(new Float64Array(spec.nu));
        assert.equal(terminated, terminateWhenUnhealthy);
        assert.equal(truncated, false);
        assert.equal(info.reward_survive, 0);
        if (terminated) assert.throws(() => env.step(new Float64Array(spec.nu)), /terminated.*reset\(\)/);
      }
    });

    test('reset noise: qpos and qvel each within +-0.005 of the initial state, spanning it', async () => {
      const env = await make(spec.id);
      const { qpos, qvel } = resetNoise(env, 200);
      for (const [name, values] of [
        ['qpos', qpos],
        ['qvel', qvel],
      ] as const) {
        const [min, max] = extent(values);
        assert.ok(min >= -0.005 && max <= 0.005, `${name} noise in [${min}, ${max}]`);
        assert.ok(min < -0.0049 && max > 0.0049, `${name} noise spans the interval`);
      }
    });
  });
}

describe('Swimmer-v5', () => {
  test('spaces, dt, render fps and TimeLimit as Gymnasium', async () => {
    const env = await make('Swimmer-v5');
    assert.equal(String(env.actionSpace), 'Box(-1.0, 1.0, (2,), float32)');
    assert.equal(String(env.observationSpace), 'Box(-inf, inf, (8,), float64)');
    // dt = timestep 0.01 * frame_skip 4.
    assert.ok(close(env.dt, 0.04), `dt ${env.dt}`);
    assert.equal(env.metadata.fps, 25);
    assert.equal((env as TimeLimit).maxEpisodeSteps, 1000);
  });

  test('the observation and action tables in the file header are true', async () => {
    const env = await make('Swimmer-v5');
    env.reset({ seed: 3 });
    checkDocumentedTables(env, 'swimmer.ts', [0.5, -0.5]);
  });

  test('reward = x velocity - 0.0001 * sum(action^2); info positions and velocities; never terminates', async () => {
    const env = await make('Swimmer-v5');
    const sim = simOf(env);
    const rng = new Rng(6);
    const reset = env.reset({ seed: 6 });
    const [x0, y0] = sim.qpos();
    assert.deepEqual(reset.info, {
      x_position: x0,
      y_position: y0,
      distance_from_origin: Math.sqrt(x0 * x0 + y0 * y0),
    });
    for (let t = 0; t < 100; t++) {
      const action = [rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 1.5)];
      const [xBefore, yBefore] = sim.qpos();
      const { observation, reward, terminated, info } = env.step(action);
      const qpos = sim.qpos();
      assert.deepEqual(Array.from(observation), [...qpos.subarray(2), ...sim.qvel()]);
      const ctrlCost = 1e-4 * (action[0] ** 2 + action[1] ** 2);
      assert.ok(close(info.x_velocity as number, (qpos[0] - xBefore) / 0.04, 1e-9));
      assert.ok(close(info.y_velocity as number, (qpos[1] - yBefore) / 0.04, 1e-9));
      assert.ok(close(info.distance_from_origin as number, Math.hypot(qpos[0], qpos[1])));
      assert.ok(close(reward, (qpos[0] - xBefore) / 0.04 - ctrlCost, 1e-9));
      assert.equal(reward, (info.reward_forward as number) + (info.reward_ctrl as number));
      assert.equal(terminated, false);
    }
  });

  test('reset noise: qpos and qvel each within +-0.1 of the initial state, spanning it', async () => {
    const env = await make('Swimmer-v5');
    const { qpos, qvel } = resetNoise(env, 200);
    for (const values of [qpos, qvel]) {
      const [min, max] = extent(values);
      assert.ok(min >= -0.1 && max <= 0.1 && min < -0.099 && max > 0.099, `noise in [${min}, ${max}]`);
    }
  });

  test('options: x and y in the observation, weights', async () => {
    const env = await make('Swimmer-v5', { excludeCurrentPositionsFromObservation: false, ctrlCostWeight: 0 });
    assert.equal(String(env.observationSpace), 'Box(-inf, inf, (10,), float64)');
    env.reset({ seed: 1 });
    const { observation, info } = env.step([1, 1]);
    assert.deepEqual(Array.from(observation), [...simOf(env).qpos(), ...simOf(env).qvel()]);
    assert.equal(info.reward_ctrl, -0);
  });
});

describe('Hopper-v5, Walker2d-v5, Swimmer-v5: seeding and bad input', () => {
  for (const [id, nu] of [
    ['Hopper-v5', 3],
    ['Walker2d-v5', 6],
    ['Swimmer-v5', 2],
  ] as const) {
    test(`${id}: the same seed gives the same episode, another seed another`, async () => {
      const a = await make(id);
      const b = await make(id);
      const first = a.reset({ seed: 42 }).observation;
      assert.deepEqual(b.reset({ seed: 42 }).observation, first);
      assert.notDeepEqual(b.reset({ seed: 43 }).observation, first);
      b.reset({ seed: 42 });
      const action = new Float64Array(nu).fill(0.3);
      assert.deepEqual(b.step(action), a.step(action));
    });

    test(`${id}: wrong action length, NaN and bad options are clear errors`, async () => {
      const env = await make(id);
      env.reset({ seed: 1 });
      assert.throws(() => env.step(new Float64Array(nu + 1)), new RegExp(`${id}: action must have ${nu} values`));
      assert.throws(
        () => env.step(new Float64Array(nu).fill(Number.NaN)),
        /action\[0\] is NaN; every action value must be a finite number/,
      );
      await assert.rejects(
        makeEnv(id, { kwargs: { ctrlCostWieght: 1 } }),
        new RegExp(`${id}: unknown option "ctrlCostWieght"`),
      );
      await assert.rejects(
        makeEnv(id, { kwargs: { resetNoiseScale: -1 } }),
        /option resetNoiseScale must be a finite number >= 0/,
      );
      await assert.rejects(makeEnv(id, { kwargs: { frameSkip: 2.5 } }), /option frameSkip must be a positive integer/);
      await assert.rejects(
        makeEnv(id, { kwargs: { excludeCurrentPositionsFromObservation: 'yes' } }),
        /must be true or false/,
      );
      await assert.rejects(makeEnv(id, { kwargs: { modelFile: 'missing.xml' } }), /model file not found/);
    });
  }

  test('healthy ranges must be [low, high] with low <= high', async () => {
    await assert.rejects(
      makeEnv('Hopper-v5', { kwargs: { healthyZRange: [1, 0.5] } }),
      /healthyZRange must be \[low, high\]/,
    );
    await assert.rejects(makeEnv('Walker2d-v5', { kwargs: { healthyAngleRange: [0] } }), /healthyAngleRange must be/);
    await assert.rejects(
      makeEnv('Walker2d-v5', { kwargs: { healthyStateRange: [-1, 1] } }),
      /unknown option "healthyStateRange"/,
    );
    const env = await make('Hopper-v5', { healthyZRange: [0.5, Infinity] });
    assert.deepEqual((env.unwrapped as PlanarWalkerEnv).config.healthyZRange, [0.5, Infinity]);
  });
});
