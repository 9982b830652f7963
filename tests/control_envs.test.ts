/**
 * InvertedDoublePendulum-v5, Reacher-v5 and Pusher-v5 behave like Gymnasium's v5 tasks where the
 * Gymnasium fixtures do not reach: spaces and dt, the header tables, the reward recomputed from
 * body and site positions and equal to its info terms, termination, reset distributions,
 * truncation, seeding and clear errors.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Env } from '../lib/envs/env.js';
import type { MujocoEnv } from '../lib/envs/mujoco_env.js';
import { makeEnv } from '../lib/envs/registry.js';
import { Rng } from '../lib/common/rng.js';
import type { TimeLimit } from '../lib/envs/wrappers.js';
import { checkDocumentedTables, evaluateSource } from './env_tables.js';

const opened: Env[] = [];
after(() => opened.forEach((env) => env.close()));

async function make(id: string, kwargs: Record<string, unknown> = {}): Promise<Env> {
  const env = await makeEnv(id, { kwargs });
  opened.push(env);
  return env;
}

const taskOf = (env: Env) => env.unwrapped as MujocoEnv;
const close = (a: number, b: number, tolerance = 1e-12) => Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b));
const sumOfSquares = (values: ArrayLike<number>) => Array.from(values).reduce((sum, v) => sum + v * v, 0);

/** World position of a body (xpos), through the table checker's evaluator. */
function bodyAt(env: Env, body: string): number[] {
  return ['x', 'y', 'z'].map((axis) => evaluateSource(taskOf(env).sim, `xpos(${body}).${axis}`));
}

function distance(a: number[], b: number[]): number {
  return Math.sqrt(a.reduce((sum, v, i) => sum + (v - b[i]) ** 2, 0));
}

const SPACES = [
  // dt = timestep * frame_skip: 0.01 * 5, 0.01 * 2, 0.01 * 5; fps = 1 / dt.
  {
    id: 'InvertedDoublePendulum-v5',
    file: 'inverted_double_pendulum.ts',
    action: 'Box(-1.0, 1.0, (1,), float32)',
    obs: 9,
    dt: 0.05,
    fps: 20,
    limit: 1000,
  },
  {
    id: 'Reacher-v5',
    file: 'reacher.ts',
    action: 'Box(-1.0, 1.0, (2,), float32)',
    obs: 10,
    dt: 0.02,
    fps: 50,
    limit: 50,
  },
  {
    id: 'Pusher-v5',
    file: 'pusher.ts',
    action: 'Box(-2.0, 2.0, (7,), float32)',
    obs: 23,
    dt: 0.05,
    fps: 20,
    limit: 100,
  },
];

for (const spec of SPACES) {
  describe(`${spec.id}: spaces, tables, seeding, bad input`, () => {
    test('spaces, dt, render fps and TimeLimit as Gymnasium', async () => {
      const env = await make(spec.id);
      assert.equal(String(env.actionSpace), spec.action);
      assert.equal(String(env.observationSpace), `Box(-inf, inf, (${spec.obs},), float64)`);
      assert.ok(close(env.dt, spec.dt), `dt ${env.dt}`);
      assert.equal(env.metadata.fps, spec.fps);
      assert.equal((env as TimeLimit).maxEpisodeSteps, spec.limit);
    });

    test('the observation and action tables in the file header are true', async () => {
      const env = await make(spec.id);
      env.reset({ seed: 3 });
      checkDocumentedTables(env, spec.file, new Float64Array(env.actionSpace.size).fill(0.4));
    });

    test('the same seed gives the same episode, another seed another', async () => {
      const a = await make(spec.id);
      const b = await make(spec.id);
      const first = a.reset({ seed: 42 }).observation;
      assert.deepEqual(b.reset({ seed: 42 }).observation, first);
      assert.notDeepEqual(b.reset({ seed: 43 }).observation, first);
      b.reset({ seed: 42 });
      const action = new Float64Array(a.actionSpace.size).fill(0.3);
      assert.deepEqual(b.step(action), a.step(action));
    });

    test('wrong action length, NaN and bad options are clear errors', async () => {
      const env = await make(spec.id);
      const size = env.actionSpace.size;
      env.reset({ seed: 1 });
      assert.throws(() => env.step([]), new RegExp(`${spec.id}: action must have ${size} values`));
      assert.throws(() => env.step(new Float64Array(size).fill(Number.NaN)), /action\[0\] is NaN/);
      await assert.rejects(
        makeEnv(spec.id, { kwargs: { frameskip: 2 } }),
        new RegExp(`${spec.id}: unknown option "frameskip"`),
      );
      await assert.rejects(makeEnv(spec.id, { kwargs: { frameSkip: 0 } }), /frameSkip must be a positive integer/);
    });
  });
}

describe('InvertedDoublePendulum-v5', () => {
  test('reward = 10 - distance penalty - velocity penalty of the tip, as its info terms', async () => {
    const env = await make('InvertedDoublePendulum-v5');
    const sim = taskOf(env).sim;
    assert.deepEqual(env.reset({ seed: 4 }).info, {});
    const rng = new Rng(4);
    for (let t = 0; t < 10; t++) {
      const { reward, terminated, info } = env.step([rng.uniform(-0.2, 0.2)]);
      const x = evaluateSource(sim, 'site_xpos(tip).x');
      const y = evaluateSource(sim, 'site_xpos(tip).z');
      const [, v1, v2] = sim.qvel();
      const distancePenalty = 0.01 * x * x + (y - 2) ** 2;
      const velocityPenalty = 0.001 * v1 * v1 + 0.005 * v2 * v2;
      assert.equal(terminated, y <= 1);
      assert.ok(close(reward, (terminated ? 0 : 10) - distancePenalty - velocityPenalty));
      assert.deepEqual(Object.keys(info), ['reward_survive', 'distance_penalty', 'velocity_penalty']);
      assert.ok(close(info.distance_penalty as number, -distancePenalty));
      assert.ok(close(info.velocity_penalty as number, -velocityPenalty));
      assert.equal(
        reward,
        (info.reward_survive as number) + (info.distance_penalty as number) + (info.velocity_penalty as number),
      );
      if (terminated) break;
    }
  });

  test('upright the tip is 1.2 m high; lying down it is at 0 and the episode terminates with reward_survive 0', async () => {
    const env = await make('InvertedDoublePendulum-v5');
    const task = taskOf(env);
    env.reset({ seed: 2 });
    task.setState([0, 0, 0], [0, 0, 0]);
    // Two 0.6 m poles straight up: the tip site at x 0, height 1.2.
    assert.ok(close(evaluateSource(task.sim, 'site_xpos(tip).z'), 1.2));
    assert.equal(env.step([0]).terminated, false);
    // Both poles horizontal (first pole at +90 degrees): the tip at height 0 <= 1.
    task.setState([0, Math.PI / 2, 0], [0, 0, 0]);
    const fallen = env.step([0]);
    assert.equal(fallen.terminated, true);
    assert.equal(fallen.info.reward_survive, 0);
  });

  test('reset noise: qpos uniform within +-0.1, qvel 0.1 * N(0, 1)', async () => {
    const env = await make('InvertedDoublePendulum-v5');
    const sim = taskOf(env).sim;
    const positions: number[] = [];
    const velocities: number[] = [];
    env.reset({ seed: 0 });
    for (let k = 0; k < 400; k++) {
      env.reset();
      positions.push(...sim.qpos());
      velocities.push(...sim.qvel());
    }
    const [min, max] = [Math.min(...positions), Math.max(...positions)];
    assert.ok(min >= -0.1 && max <= 0.1 && min < -0.099 && max > 0.099, `qpos noise in [${min}, ${max}]`);
    // 1200 normal draws of std 0.1: the sample std's standard error is about 0.002.
    const std = Math.sqrt(sumOfSquares(velocities) / velocities.length);
    assert.ok(Math.abs(std - 0.1) < 0.008, `qvel noise std ${std}`);
    assert.ok(Math.max(...velocities.map(Math.abs)) > 0.2, 'normal noise goes past two std');
  });
});

describe('Reacher-v5', () => {
  test('reward = -|fingertip - target| - sum(action^2), as its info terms; never terminates, truncated at 50', async () => {
    const env = await make('Reacher-v5');
    assert.deepEqual(env.reset({ seed: 7 }).info, {});
    const rng = new Rng(7);
    for (let t = 1; t <= 50; t++) {
      const action = [rng.uniform(-1.3, 1.3), rng.uniform(-1.3, 1.3)];
      const { reward, terminated, truncated, info } = env.step(action);
      const rewardDist = -distance(bodyAt(env, 'fingertip'), bodyAt(env, 'target'));
      assert.ok(close(info.reward_dist as number, rewardDist));
      assert.ok(close(info.reward_ctrl as number, -sumOfSquares(action)));
      assert.equal(reward, (info.reward_dist as number) + (info.reward_ctrl as number));
      assert.equal(terminated, false);
      assert.equal(truncated, t === 50, `truncated at step ${t}`);
    }
  });

  test('reset: arm angles within +-0.1, goal within 0.2 m of the centre, arm velocities +-0.005, target still', async () => {
    const env = await make('Reacher-v5');
    const sim = taskOf(env).sim;
    env.reset({ seed: 0 });
    let farthestGoal = 0;
    for (let k = 0; k < 300; k++) {
      env.reset();
      const qpos = sim.qpos();
      const qvel = sim.qvel();
      assert.ok(Math.abs(qpos[0]) <= 0.1 && Math.abs(qpos[1]) <= 0.1, `angles ${qpos[0]}, ${qpos[1]}`);
      const goal = Math.hypot(qpos[2], qpos[3]);
      assert.ok(goal < 0.2, `goal ${goal} from the centre`);
      farthestGoal = Math.max(farthestGoal, goal);
      assert.ok(Math.abs(qvel[0]) <= 0.005 && Math.abs(qvel[1]) <= 0.005);
      assert.deepEqual([qvel[2], qvel[3]], [0, 0]);
      // The target body sits where qpos puts it (its slides' ref is its initial position).
      assert.ok(close(bodyAt(env, 'target')[0], qpos[2]) && close(bodyAt(env, 'target')[1], qpos[3]));
    }
    assert.ok(farthestGoal > 0.19, 'goals reach the edge of the disc');
  });
});

describe('Pusher-v5', () => {
  test('reward = dist + ctrl + near from the object, fingertips and goal, as its info terms; truncated at 100', async () => {
    const env = await make('Pusher-v5');
    assert.deepEqual(env.reset({ seed: 8 }).info, {});
    const rng = new Rng(8);
    for (let t = 1; t <= 100; t++) {
      const action = Array.from({ length: 7 }, () => rng.uniform(-2.5, 2.5));
      const { reward, terminated, truncated, info } = env.step(action);
      const object = bodyAt(env, 'object');
      assert.ok(close(info.reward_near as number, -0.5 * distance(object, bodyAt(env, 'tips_arm'))));
      assert.ok(close(info.reward_dist as number, -distance(object, bodyAt(env, 'goal'))));
      assert.ok(close(info.reward_ctrl as number, -0.1 * sumOfSquares(action)));
      assert.equal(reward, (info.reward_dist as number) + (info.reward_ctrl as number) + (info.reward_near as number));
      assert.equal(terminated, false);
      assert.equal(truncated, t === 100, `truncated at step ${t}`);
    }
  });

  test('reset: arm at rest, object in [-0.3, 0] x [-0.2, 0.2] beyond 0.17 m of the goal at (0, 0), only the arm moving', async () => {
    const env = await make('Pusher-v5');
    const task = taskOf(env);
    env.reset({ seed: 0 });
    for (let k = 0; k < 300; k++) {
      env.reset();
      const qpos = task.sim.qpos();
      const qvel = task.sim.qvel();
      assert.deepEqual(Array.from(qpos.subarray(0, 7)), Array.from(task.initQpos.subarray(0, 7)), 'no arm noise');
      const [y, x] = [qpos[7], qpos[8]];
      assert.ok(y >= -0.3 && y <= 0 && x >= -0.2 && x <= 0.2, `object slides ${y}, ${x}`);
      assert.ok(Math.hypot(y, x) > 0.17, 'object away from the goal');
      assert.deepEqual([qpos[9], qpos[10]], [0, 0], 'goal at its origin');
      assert.ok(qvel.subarray(0, 7).every((v) => Math.abs(v) <= 0.005));
      assert.deepEqual(Array.from(qvel.subarray(7)), [0, 0, 0, 0]);
    }
  });
});
