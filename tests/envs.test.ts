/**
 * HalfCheetah-v5 and InvertedPendulum-v5 behave like Gymnasium's v5 tasks: reward and info
 * formulas, observation layout (checked against the tables in the env files' header comments),
 * dt, reset noise, termination and truncation, seeding, and clear errors.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Env, StepResult } from '../lib/envs/env.js';
import { HalfCheetahEnv } from '../lib/envs/tasks/half_cheetah.js';
import type { InvertedPendulumEnv } from '../lib/envs/tasks/inverted_pendulum.js';
import { MujocoSim } from '../lib/envs/mujoco.js';
import type { MujocoEnv } from '../lib/envs/mujoco_env.js';
import { envIds, envSpec, makeEnv, registerEnv } from '../lib/envs/registry.js';
import { Rng } from '../lib/common/rng.js';
import { TimeLimit } from '../lib/envs/wrappers.js';
import { checkDocumentedTables } from './task_checks.js';

const opened: Env[] = [];
after(() => opened.forEach((env) => env.close()));

async function make(id: string, options: Parameters<typeof makeEnv>[1] = {}): Promise<Env> {
  const env = await makeEnv(id, options);
  opened.push(env);
  return env;
}

function simOf(env: Env): MujocoEnv['sim'] {
  return (env.unwrapped as MujocoEnv).sim;
}

function randomAction(rng: Rng, size: number, limit: number): Float64Array {
  return Float64Array.from({ length: size }, () => rng.uniform(-limit, limit));
}

/** Up to `steps` random steps from reset(seed), stopping at the episode's end; observations and rewards. */
function rollout(env: Env, seed: number, steps: number): { observations: Float64Array[]; rewards: number[] } {
  const rng = new Rng(1000 + seed);
  const observations = [env.reset({ seed }).observation];
  const rewards: number[] = [];
  for (let t = 0; t < steps; t++) {
    const result = env.step(randomAction(rng, env.actionSpace.size, env.actionSpace.high[0]));
    observations.push(result.observation);
    rewards.push(result.reward);
    if (result.terminated || result.truncated) break;
  }
  return { observations, rewards };
}

describe('HalfCheetah-v5', () => {
  test('spaces, dt and render fps as Gymnasium', async () => {
    const env = await make('HalfCheetah-v5');
    assert.equal(env.id, 'HalfCheetah-v5');
    assert.equal(String(env.actionSpace), 'Box(-1.0, 1.0, (6,), float32)');
    assert.equal(String(env.observationSpace), 'Box(-inf, inf, (17,), float64)');
    // dt = timestep 0.01 * frame_skip 5; render_fps = 1 / dt.
    assert.ok(Math.abs(env.dt - 0.05) < 1e-15, `dt ${env.dt}`);
    assert.equal(env.metadata.fps, 20);
    assert.ok(env instanceof TimeLimit);
    assert.equal((env as TimeLimit).maxEpisodeSteps, 1000);
    assert.ok(env.unwrapped instanceof HalfCheetahEnv);
  });

  test('the observation and action tables in the file header are true', async () => {
    const env = await make('HalfCheetah-v5');
    env.reset({ seed: 3 });
    checkDocumentedTables(env, 'half_cheetah.ts', new Float64Array(6).fill(0.5));
  });

  test('reward, info and observation follow the v5 formulas over a random rollout', async () => {
    const env = await make('HalfCheetah-v5');
    const sim = simOf(env);
    const rng = new Rng(5);
    const reset = env.reset({ seed: 5 });
    assert.deepEqual(reset.info, { x_position: sim.qpos()[0] });
    for (let t = 0; t < 200; t++) {
      // Past the [-1, 1] range at times: the cost uses the action as given.
      const action = randomAction(rng, 6, 1.3);
      const xBefore = sim.qpos()[0];
      const { observation, reward, terminated, truncated, info } = env.step(action);
      const qpos = sim.qpos();
      const qvel = sim.qvel();
      assert.deepEqual(Array.from(observation), [...Array.from(qpos.subarray(1)), ...Array.from(qvel)]);
      const xVelocity = (qpos[0] - xBefore) / 0.05;
      const ctrlCost = 0.1 * action.reduce((sum, a) => sum + a * a, 0);
      assert.ok(Math.abs(reward - (xVelocity - ctrlCost)) < 1e-9, `reward ${reward} != ${xVelocity - ctrlCost}`);
      assert.equal(info.x_position, qpos[0]);
      assert.ok(Math.abs((info.x_velocity as number) - xVelocity) < 1e-9);
      assert.ok(Math.abs((info.reward_forward as number) - xVelocity) < 1e-9);
      assert.ok(Math.abs((info.reward_ctrl as number) + ctrlCost) < 1e-12);
      assert.equal(reward, (info.reward_forward as number) + (info.reward_ctrl as number));
      assert.equal(terminated, false);
      assert.equal(truncated, false);
    }
  });

  test('actions are written as given and clamped by MuJoCo, but cost as given', async () => {
    const a = await make('HalfCheetah-v5');
    const b = await make('HalfCheetah-v5');
    a.reset({ seed: 9 });
    b.reset({ seed: 9 });
    for (let t = 0; t < 20; t++) {
      const sign = t % 2 === 0 ? 1 : -1;
      const inside = a.step(new Float64Array(6).fill(sign));
      const outside = b.step(new Float64Array(6).fill(2 * sign));
      assert.deepEqual(outside.observation, inside.observation, 'ctrl is clamped to [-1, 1]');
      // cost 0.1 * 6 * 1^2 = 0.6 inside the range, 0.1 * 6 * 2^2 = 2.4 outside.
      assert.ok(Math.abs((inside.info.reward_ctrl as number) + 0.6) < 1e-12);
      assert.ok(Math.abs((outside.info.reward_ctrl as number) + 2.4) < 1e-12);
    }
  });

  test('never terminates; truncated at exactly step 1000; stepping on throws until reset', async () => {
    const env = await make('HalfCheetah-v5');
    const rng = new Rng(1);
    env.reset({ seed: 1 });
    let last: StepResult | undefined;
    for (let t = 1; t <= 1000; t++) {
      last = env.step(randomAction(rng, 6, 1));
      assert.equal(last.terminated, false, `terminated at step ${t}`);
      assert.equal(last.truncated, t === 1000, `truncated at step ${t}`);
    }
    assert.ok(last && Number.isFinite(last.reward));
    assert.throws(() => env.step(new Float64Array(6)), /after the episode ended.*reset\(\)/);
    env.reset();
    assert.equal(env.step(new Float64Array(6)).truncated, false);
  });

  test('reset noise: qpos uniform within +-0.1, qvel 0.1 * N(0, 1)', async () => {
    const env = await make('HalfCheetah-v5');
    const sim = simOf(env);
    const initQpos = (env.unwrapped as HalfCheetahEnv).initQpos;
    assert.deepEqual(Array.from(initQpos), new Array(9).fill(0), 'qpos0 is all zeros (joint positions at 0)');
    let min = Infinity;
    let max = -Infinity;
    const velocities: number[] = [];
    env.reset({ seed: 0 });
    for (let k = 0; k < 300; k++) {
      const { observation } = env.reset();
      const qpos = sim.qpos();
      for (const v of qpos) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      assert.deepEqual(Array.from(observation.subarray(0, 8)), Array.from(qpos.subarray(1)));
      velocities.push(...sim.qvel());
    }
    assert.ok(min >= -0.1 && max <= 0.1, `qpos noise in [${min}, ${max}]`);
    assert.ok(min < -0.099 && max > 0.099, 'the noise spans the whole interval');
    // 2700 normal draws of std 0.1: standard error of the mean 0.0019, of the std about 0.0014.
    const n = velocities.length;
    const mean = velocities.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(velocities.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    assert.ok(Math.abs(mean) < 0.01, `qvel noise mean ${mean}`);
    assert.ok(Math.abs(std - 0.1) < 0.007, `qvel noise std ${std}`);
  });

  test('task options: weights, frame skip, x in the observation', async () => {
    const env = await make('HalfCheetah-v5', {
      kwargs: {
        forwardRewardWeight: 2,
        ctrlCostWeight: 0,
        frameSkip: 1,
        excludeCurrentPositionsFromObservation: false,
      },
    });
    const sim = simOf(env);
    assert.ok(Math.abs(env.dt - 0.01) < 1e-15);
    assert.equal(env.metadata.fps, 100);
    assert.equal(String(env.observationSpace), 'Box(-inf, inf, (18,), float64)');
    env.reset({ seed: 2 });
    const xBefore = sim.qpos()[0];
    const { observation, reward, info } = env.step(new Float64Array(6).fill(0.7));
    assert.deepEqual(Array.from(observation), [...Array.from(sim.qpos()), ...Array.from(sim.qvel())]);
    assert.equal(info.reward_ctrl, -0);
    assert.ok(Math.abs(reward - (2 * (sim.qpos()[0] - xBefore)) / 0.01) < 1e-9);

    const quiet = await make('HalfCheetah-v5', { kwargs: { resetNoiseScale: 0 } });
    quiet.reset({ seed: 4 });
    assert.deepEqual(Array.from(simOf(quiet).qpos()), new Array(9).fill(0));
    assert.deepEqual(Array.from(simOf(quiet).qvel()), new Array(9).fill(0));
  });
});

describe('InvertedPendulum-v5', () => {
  test('spaces, dt and render fps as Gymnasium', async () => {
    const env = await make('InvertedPendulum-v5');
    assert.equal(String(env.actionSpace), 'Box(-3.0, 3.0, (1,), float32)');
    assert.equal(String(env.observationSpace), 'Box(-inf, inf, (4,), float64)');
    // dt = timestep 0.02 * frame_skip 2.
    assert.ok(Math.abs(env.dt - 0.04) < 1e-15, `dt ${env.dt}`);
    assert.equal(env.metadata.fps, 25);
    assert.equal((env as TimeLimit).maxEpisodeSteps, 1000);
  });

  test('the observation and action tables in the file header are true', async () => {
    const env = await make('InvertedPendulum-v5');
    env.reset({ seed: 3 });
    checkDocumentedTables(env, 'inverted_pendulum.ts', [0.5]);
  });

  test('observation is qpos then qvel; reward 1 while |angle| <= 0.2', async () => {
    const env = await make('InvertedPendulum-v5');
    const sim = simOf(env);
    const reset = env.reset({ seed: 8 });
    assert.deepEqual(reset.info, {});
    assert.deepEqual(Array.from(reset.observation), [...Array.from(sim.qpos()), ...Array.from(sim.qvel())]);
    // Small random pushes keep the pole up for a few steps.
    const rng = new Rng(8);
    for (let t = 0; t < 5; t++) {
      const { observation, reward, terminated, info } = env.step([rng.uniform(-0.1, 0.1)]);
      assert.deepEqual(Array.from(observation), [...Array.from(sim.qpos()), ...Array.from(sim.qvel())]);
      assert.ok(Math.abs(observation[1]) <= 0.2);
      assert.equal(reward, 1);
      assert.equal(info.reward_survive, 1);
      assert.equal(terminated, false);
    }
  });

  test('a constant push tips the pole: terminated with reward 0 on the first step beyond 0.2 rad', async () => {
    const env = await make('InvertedPendulum-v5');
    env.reset({ seed: 1 });
    let steps = 0;
    let result: StepResult;
    do {
      result = env.step([3]);
      steps++;
      if (!result.terminated) {
        assert.ok(Math.abs(result.observation[1]) <= 0.2, `step ${steps} angle ${result.observation[1]}`);
        assert.equal(result.reward, 1);
      }
    } while (!result.terminated && steps < 200);
    assert.ok(result.terminated, 'the pole fell within 200 steps');
    assert.ok(Math.abs(result.observation[1]) > 0.2);
    assert.equal(result.reward, 0);
    assert.equal(result.info.reward_survive, 0);
    assert.equal(result.truncated, false);
    assert.throws(() => env.step([0]), /terminated.*reset\(\)/);
  });

  test('setState beyond the limit terminates on the next step', async () => {
    const env = await make('InvertedPendulum-v5');
    env.reset({ seed: 2 });
    // Start at 0.19 rad falling outwards at 3 rad/s: 0.04 s later the angle is past 0.2.
    (env.unwrapped as MujocoEnv).setState([0, 0.19], [0, 3]);
    const { terminated, reward, observation } = env.step([0]);
    assert.ok(observation[1] > 0.2, `angle ${observation[1]}`);
    assert.equal(terminated, true);
    assert.equal(reward, 0);
  });

  test('reset noise: qpos and qvel uniform within +-0.01', async () => {
    const env = await make('InvertedPendulum-v5');
    const unwrapped = env.unwrapped as InvertedPendulumEnv;
    const values: number[] = [];
    env.reset({ seed: 0 });
    for (let k = 0; k < 300; k++) {
      const { observation } = env.reset();
      values.push(
        observation[0] - unwrapped.initQpos[0],
        observation[1] - unwrapped.initQpos[1],
        observation[2],
        observation[3],
      );
    }
    const min = Math.min(...values);
    const max = Math.max(...values);
    assert.ok(min >= -0.01 && max <= 0.01, `noise in [${min}, ${max}]`);
    assert.ok(min < -0.0099 && max > 0.0099, 'the noise spans the whole interval');
  });

  test('a perfect episode is truncated at step 1000 with return 1000', async () => {
    // The pole starts within 0.01 rad; a PD controller on the angle keeps it up.
    const env = await make('InvertedPendulum-v5');
    let { observation } = env.reset({ seed: 6 });
    let total = 0;
    for (let t = 1; t <= 1000; t++) {
      const force = Math.max(
        -3,
        Math.min(3, 10 * observation[1] + 1 * observation[3] + 0.5 * observation[0] + 0.5 * observation[2]),
      );
      const result = env.step([force]);
      total += result.reward;
      observation = result.observation;
      assert.equal(result.terminated, false, `fell at step ${t}`);
      assert.equal(result.truncated, t === 1000, `truncated at step ${t}`);
    }
    assert.equal(total, 1000);
  });
});

describe('WASM memory growth', () => {
  test('the env keeps reading and writing the right state after the WASM heap grows', async () => {
    const env = await make('HalfCheetah-v5');
    const sim = simOf(env);
    env.reset({ seed: 0 });
    env.step(new Float64Array(6).fill(0.5));
    // A view made now is detached (length 0) once the heap grows; compile models until it is.
    const probe = sim.data.qpos as Float64Array;
    const extra: MujocoSim[] = [];
    try {
      while (probe.length > 0 && extra.length < 200) extra.push(await MujocoSim.fromFile('half_cheetah.xml'));
      assert.equal(probe.length, 0, 'the heap grew');
      const qpos = Float64Array.from({ length: 9 }, (_, i) => 0.01 * i);
      const qvel = Float64Array.from({ length: 9 }, (_, i) => -0.02 * i);
      (env.unwrapped as MujocoEnv).setState(qpos, qvel);
      assert.deepEqual(sim.qpos(), qpos);
      assert.deepEqual(sim.qvel(), qvel);
      const { observation, info } = env.step(new Float64Array(6).fill(-0.5));
      assert.deepEqual(Array.from(observation), [...Array.from(sim.qpos().subarray(1)), ...Array.from(sim.qvel())]);
      assert.equal(info.x_position, sim.qpos()[0]);
      assert.deepEqual(Array.from(sim.data.ctrl as Float64Array), new Array(6).fill(-0.5), 'the action reached ctrl');
    } finally {
      extra.forEach((s) => s.close());
    }
  });
});

describe('seeding', () => {
  for (const id of ['HalfCheetah-v5', 'InvertedPendulum-v5']) {
    test(`${id}: same seed gives identical trajectories, different seeds differ`, async () => {
      const a = await make(id);
      const b = await make(id);
      const first = rollout(a, 42, 30);
      const nextA = a.reset().observation;
      const again = rollout(b, 42, 30);
      const nextB = b.reset().observation;
      assert.deepEqual(again, first);
      // Without a seed the stream continues: both envs agree on their next episode too.
      assert.deepEqual(nextB, nextA);
      assert.notDeepEqual(nextA, first.observations[0]);
      const other = rollout(b, 43, 30);
      assert.notDeepEqual(other.observations[0], first.observations[0]);
      assert.notDeepEqual(other.rewards, first.rewards);
    });
  }

  test('an env never seeded draws its seed from crypto randomness', async () => {
    const a = await make('HalfCheetah-v5');
    const b = await make('HalfCheetah-v5');
    assert.notDeepEqual(a.reset().observation, b.reset().observation);
  });
});

describe('errors', () => {
  test('wrong action length, NaN or non-number actions name the problem and what is allowed', async () => {
    const env = await make('HalfCheetah-v5');
    env.reset({ seed: 0 });
    assert.throws(
      () => env.step([0, 0, 0, 0, 0]),
      /action must have 6 values.*Box\(-1\.0, 1\.0, \(6,\), float32\).*got 5/,
    );
    assert.throws(() => env.step([0, 0, NaN, 0, 0, 0]), /action\[2\] is NaN.*finite number/);
    assert.throws(() => env.step([0, 0, 0, Infinity, 0, 0]), /action\[3\] is Infinity/);
    assert.throws(() => env.step(['1', 0, 0, 0, 0, 0] as unknown as number[]), /action\[0\] is 1.*finite number/);
    // The env is still usable after a rejected action.
    assert.equal(env.step(new Float64Array(6)).terminated, false);
  });

  test('step before the first reset throws', async () => {
    const task = await HalfCheetahEnv.create();
    opened.push(task);
    assert.throws(() => task.step(new Float64Array(6)), /before reset\(\)/);
    const wrapped = await make('InvertedPendulum-v5');
    assert.throws(() => wrapped.step([0]), /before reset\(\)/);
  });

  test('unknown env id lists the known ids; unknown options are rejected', async () => {
    await assert.rejects(makeEnv('HalfCheetah-v4'), (error: Error) => {
      assert.match(error.message, /Unknown env id "HalfCheetah-v4"/);
      for (const id of envIds()) assert.ok(error.message.includes(id), `lists ${id}`);
      return true;
    });
    assert.deepEqual(
      envIds().filter((id) => id.endsWith('-v5')),
      [
        'Ant-v5',
        'HalfCheetah-v5',
        'Hopper-v5',
        'Humanoid-v5',
        'HumanoidStandup-v5',
        'InvertedDoublePendulum-v5',
        'InvertedPendulum-v5',
        'Pusher-v5',
        'Reacher-v5',
        'Swimmer-v5',
        'Walker2d-v5',
      ],
    );
    await assert.rejects(
      makeEnv('HalfCheetah-v5', { kwargs: { ctrlCost: 0.2 } }),
      /unknown option "ctrlCost".*ctrlCostWeight/,
    );
    await assert.rejects(
      makeEnv('HalfCheetah-v5', { kwargs: { ctrlCostWeight: -1 } }),
      /ctrlCostWeight must be a finite number >= 0/,
    );
    await assert.rejects(
      makeEnv('HalfCheetah-v5', { kwargs: { frameSkip: 0 } }),
      /frameSkip must be a positive integer/,
    );
    await assert.rejects(
      makeEnv('HalfCheetah-v5', { maxEpisodeSteps: 0 }),
      /maxEpisodeSteps must be a positive integer/,
    );
  });

  test('a missing or non-compiling model file is named in the error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'a3c-model-'));
    try {
      const missing = join(dir, 'missing.xml');
      await assert.rejects(makeEnv('HalfCheetah-v5', { kwargs: { modelFile: missing } }), (error: Error) => {
        assert.match(error.message, /not found/);
        assert.ok(error.message.includes(missing), error.message);
        return true;
      });
      const broken = join(dir, 'broken.xml');
      writeFileSync(broken, '<mujoco><worldbody><geom type="capsule" size="oops"/></worldbody></mujoco>');
      await assert.rejects(makeEnv('InvertedPendulum-v5', { kwargs: { modelFile: broken } }), (error: Error) => {
        assert.match(error.message, /does not compile/);
        assert.ok(error.message.includes(broken), error.message);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('close() frees the simulation; later calls throw', async () => {
    const env = await makeEnv('InvertedPendulum-v5');
    env.reset({ seed: 0 });
    env.close();
    assert.equal(simOf(env).isClosed, true);
    assert.throws(() => env.step([0]), /after close\(\)/);
    assert.throws(() => env.reset(), /after close\(\)/);
    env.close();
  });
});

describe('registry', () => {
  test('registerEnv adds a task with its own time limit; duplicate ids are rejected', async () => {
    registerEnv('ShortCheetah-test', { create: (kwargs) => HalfCheetahEnv.create(kwargs), maxEpisodeSteps: 3 });
    assert.ok(envIds().includes('ShortCheetah-test'));
    assert.equal(envSpec('ShortCheetah-test').maxEpisodeSteps, 3);
    const env = await make('ShortCheetah-test', { kwargs: { ctrlCostWeight: 0.5 } });
    env.reset({ seed: 0 });
    const truncated = [1, 2, 3].map(() => env.step(new Float64Array(6).fill(1)).truncated);
    assert.deepEqual(truncated, [false, false, true]);
    assert.throws(
      () => registerEnv('ShortCheetah-test', { create: () => HalfCheetahEnv.create() }),
      /already registered/,
    );
    const longer = await make('ShortCheetah-test', { maxEpisodeSteps: 5 });
    assert.equal((longer as TimeLimit).maxEpisodeSteps, 5);
  });
});
