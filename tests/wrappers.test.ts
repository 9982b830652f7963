/**
 * Wrappers and running statistics: TimeLimit's truncation rule, and NormalizeObservation /
 * RunningMeanStd against Gymnasium's semantics (prior mean 0, var 1, count 1e-4; update before
 * normalising; (x - mean) / sqrt(var + 1e-8)).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Env, Info, ResetOptions, ResetResult, StepResult } from '../lib/envs/env.js';
import { Rng } from '../lib/common/rng.js';
import { RunningMeanStd } from '../lib/envs/running_mean_std.js';
import { Box } from '../lib/envs/spaces.js';
import { NormalizeObservation, TimeLimit, Wrapper } from '../lib/envs/wrappers.js';

/** An env that replays a fixed list of observations; terminates at `terminateAt` if given. */
class ScriptedEnv implements Env {
  readonly id = 'Scripted-v0';
  readonly observationSpace: Box;
  readonly actionSpace = new Box(-1, 1, [1], 'float32');
  readonly dt = 0.5;
  readonly metadata = { fps: 2 };
  closed = false;
  private t = 0;

  constructor(
    readonly observations: Float64Array[],
    readonly terminateAt?: number,
  ) {
    this.observationSpace = new Box(-Infinity, Infinity, [observations[0].length], 'float64');
  }

  get unwrapped(): Env {
    return this;
  }

  reset(_options?: ResetOptions): ResetResult {
    this.t = 0;
    return { observation: this.observations[0].slice(), info: { start: true } };
  }

  step(_action: ArrayLike<number>): StepResult {
    this.t++;
    const info: Info = { t: this.t };
    return {
      observation: this.observations[this.t % this.observations.length].slice(),
      reward: this.t,
      terminated: this.t === this.terminateAt,
      truncated: false,
      info,
    };
  }

  close(): void {
    this.closed = true;
  }
}

function randomObservations(count: number, size: number, seed: number): Float64Array[] {
  const rng = new Rng(seed);
  // Offsets and scales differ per dimension, as in a real observation vector.
  return Array.from({ length: count }, () =>
    Float64Array.from({ length: size }, (_, i) => 3 * i - 2 + (i + 1) * 0.5 * rng.normal()),
  );
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, message = ''): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i])),
      `${message}[${i}]: ${actual[i]} != ${expected[i]}`,
    );
  }
}

describe('Wrapper', () => {
  test('forwards every property and call to the inner env', () => {
    const inner = new ScriptedEnv([Float64Array.of(1, 2)]);
    const wrapped = new Wrapper(new Wrapper(inner));
    assert.equal(wrapped.id, 'Scripted-v0');
    assert.equal(wrapped.observationSpace, inner.observationSpace);
    assert.equal(wrapped.actionSpace, inner.actionSpace);
    assert.equal(wrapped.dt, 0.5);
    assert.deepEqual(wrapped.metadata, { fps: 2 });
    assert.equal(wrapped.unwrapped, inner);
    assert.deepEqual(wrapped.reset().info, { start: true });
    assert.equal(wrapped.step([0]).reward, 1);
    wrapped.close();
    assert.equal(inner.closed, true);
  });
});

describe('TimeLimit', () => {
  test('truncated is true at exactly maxEpisodeSteps, and the count restarts on reset', () => {
    const env = new TimeLimit(new ScriptedEnv([Float64Array.of(0)]), { maxEpisodeSteps: 4 });
    for (let episode = 0; episode < 2; episode++) {
      env.reset();
      const flags = [1, 2, 3, 4].map(() => env.step([0]).truncated);
      assert.deepEqual(flags, [false, false, false, true]);
      assert.equal(env.elapsedSteps, 4);
      assert.throws(() => env.step([0]), /after the episode ended.*reset\(\)/);
    }
  });

  test('terminated wins when the last allowed step also terminates', () => {
    const env = new TimeLimit(new ScriptedEnv([Float64Array.of(0)], 3), { maxEpisodeSteps: 3 });
    env.reset();
    env.step([0]);
    env.step([0]);
    const last = env.step([0]);
    assert.equal(last.terminated, true);
    assert.equal(last.truncated, false);
  });

  test('an earlier termination ends the episode without truncation', () => {
    const env = new TimeLimit(new ScriptedEnv([Float64Array.of(0)], 2), { maxEpisodeSteps: 10 });
    env.reset();
    assert.equal(env.step([0]).terminated, false);
    const end = env.step([0]);
    assert.deepEqual([end.terminated, end.truncated], [true, false]);
    assert.throws(() => env.step([0]), /reset\(\)/);
  });

  test('step before reset and bad limits are rejected', () => {
    assert.throws(
      () => new TimeLimit(new ScriptedEnv([Float64Array.of(0)]), { maxEpisodeSteps: 0 }),
      /positive integer/,
    );
    assert.throws(
      () => new TimeLimit(new ScriptedEnv([Float64Array.of(0)]), { maxEpisodeSteps: 2.5 }),
      /positive integer/,
    );
    assert.throws(
      () => new TimeLimit(new ScriptedEnv([Float64Array.of(0)]), { maxEpisodeSteps: 5 }).step([0]),
      /before reset\(\)/,
    );
  });
});

describe('RunningMeanStd', () => {
  test('hand-computed merge with prior count 1', () => {
    // Prior (count 1, mean 0, var 1). Add x = 2: n = 2, mean = (0 + 2) / 2 = 1,
    // M2 = 1 * 1 + (2 - 0)^2 * 1 * 1 / 2 = 3, var = 3 / 2 = 1.5.
    // Add x = 4: n = 3, delta = 3, mean = 1 + 3 / 3 = 2, M2 = 1.5 * 2 + 3^2 * 2 * 1 / 3 = 9, var = 3.
    // Check: pooled over {prior: mean 0 var 1 weight 1, 2, 4}: mean 6 / 3 = 2,
    // var = (1 * (1 + (0 - 2)^2) + 0 + (4 - 2)^2) / 3 = 9 / 3 = 3.
    const rms = new RunningMeanStd(1, { initialCount: 1 });
    rms.update([2]);
    assert.deepEqual([rms.count, rms.mean[0], rms.var[0]], [2, 1, 1.5]);
    rms.update([4]);
    assert.deepEqual([rms.count, rms.mean[0], rms.var[0]], [3, 2, 3]);
    // (4 - 2) / sqrt(3 + 1e-8)
    assertClose(rms.normalize([4]), [2 / Math.sqrt(3 + 1e-8)], 1e-15);
  });

  test('starts at Gymnasium prior: count 1e-4, mean 0, var 1', () => {
    const rms = new RunningMeanStd(3);
    assert.equal(rms.count, 1e-4);
    assert.deepEqual(Array.from(rms.mean), [0, 0, 0]);
    assert.deepEqual(Array.from(rms.var), [1, 1, 1]);
    assert.deepEqual(Array.from(rms.storage), [1e-4, 0, 0, 0, 1, 1, 1]);
  });

  test('a batch update equals the same samples added one by one', () => {
    const rows = randomObservations(50, 4, 3);
    const one = new RunningMeanStd(4);
    rows.forEach((row) => one.update(row));
    const batch = new RunningMeanStd(4);
    batch.updateBatch(rows.slice(0, 20));
    batch.updateBatch(rows.slice(20));
    assert.ok(Math.abs(batch.count - one.count) < 1e-9);
    assertClose(batch.mean, one.mean, 1e-12, 'mean');
    assertClose(batch.var, one.var, 1e-12, 'var');
  });

  test('JSON round trip and load; malformed statistics are rejected', () => {
    const rms = new RunningMeanStd(2);
    randomObservations(10, 2, 4).forEach((row) => rms.update(row));
    const copy = RunningMeanStd.fromJSON(JSON.parse(JSON.stringify(rms.toJSON())));
    assert.deepEqual(copy.toJSON(), rms.toJSON());
    assert.deepEqual(Array.from(copy.storage), Array.from(rms.storage));
    const other = new RunningMeanStd(2);
    other.load(rms.toJSON());
    assert.deepEqual(other.toJSON(), rms.toJSON());
    assert.throws(() => new RunningMeanStd(3).load(rms.toJSON()), /of 2 values into a RunningMeanStd of size 3/);
    assert.throws(() => RunningMeanStd.fromJSON({ count: 1, mean: [0, 0], var: [1] }), /same non-zero length/);
    assert.throws(
      () => RunningMeanStd.fromJSON({ count: 0, mean: [0], var: [1] }),
      /count must be a finite number > 0/,
    );
    assert.throws(
      () => RunningMeanStd.fromJSON({ count: 1, mean: [0], var: [-1] }),
      /var\[0\] must be finite and >= 0/,
    );
    assert.throws(() => rms.update([1, 2, 3]), /expects 2 values, got 3/);
    assert.throws(() => new RunningMeanStd(2, { storage: new Float64Array(4) }), /must hold 1 \+ 2 \* 2 = 5 values/);
  });

  test("instances over the same (shared) storage see each other's updates", () => {
    const storage = new Float64Array(new SharedArrayBuffer(RunningMeanStd.storageLength(2) * 8));
    const a = new RunningMeanStd(2, { storage });
    a.update([1, 2]);
    // A second instance attaches to the non-empty storage without resetting it.
    const b = new RunningMeanStd(2, { storage });
    assert.equal(b.count, 1e-4 + 1);
    b.update([3, 4]);
    assert.equal(a.count, 1e-4 + 1 + 1);
    assert.deepEqual(a.toJSON(), b.toJSON());
    // The shared values equal a single instance fed both samples.
    const single = new RunningMeanStd(2);
    single.update([1, 2]);
    single.update([3, 4]);
    assert.deepEqual(a.toJSON(), single.toJSON());
  });
});

describe('NormalizeObservation', () => {
  test('agrees with a direct mean / variance computation including the count-1e-4 prior', () => {
    const observations = randomObservations(200, 3, 1);
    const env = new NormalizeObservation(new ScriptedEnv(observations));
    const seen: Float64Array[] = [];
    const c = 1e-4;
    const check = (normalized: Float64Array, raw: Float64Array) => {
      seen.push(raw);
      // The statistics include the current observation (update before normalising). Pooling the
      // prior (weight c, mean 0, var 1) with the n samples:
      //   mean = sum(x) / (n + c)
      //   var  = (c * (1 + mean^2) + sum((x - mean)^2)) / (n + c)
      const n = seen.length;
      const expected = new Float64Array(3);
      for (let i = 0; i < 3; i++) {
        const mean = seen.reduce((s, x) => s + x[i], 0) / (n + c);
        const variance = (c * (1 + mean * mean) + seen.reduce((s, x) => s + (x[i] - mean) ** 2, 0)) / (n + c);
        expected[i] = (raw[i] - mean) / Math.sqrt(variance + 1e-8);
      }
      assertClose(normalized, expected, 1e-9, `after ${n} observations`);
    };
    check(env.reset().observation, observations[0]);
    for (let t = 1; t < observations.length; t++) check(env.step([0]).observation, observations[t]);
    assert.ok(Math.abs(env.rms.count - (observations.length + c)) < 1e-9);
  });

  test('frozen statistics stop updating but still normalise', () => {
    const observations = randomObservations(20, 2, 2);
    const env = new NormalizeObservation(new ScriptedEnv(observations));
    env.reset();
    for (let t = 0; t < 5; t++) env.step([0]);
    const before = env.statistics();
    env.freeze();
    assert.equal(env.frozen, true);
    for (let t = 0; t < 5; t++) {
      const { observation, info } = env.step([0]);
      const raw = observations[(info.t as number) % observations.length];
      assertClose(observation, env.rms.normalize(raw), 1e-15);
    }
    env.reset();
    assert.deepEqual(env.statistics(), before);
    env.unfreeze();
    env.step([0]);
    assert.notDeepEqual(env.statistics(), before);
    const startsFrozen = new NormalizeObservation(new ScriptedEnv(observations), { frozen: true });
    startsFrozen.reset();
    assert.equal(startsFrozen.rms.count, 1e-4);
  });

  test('statistics export and import through plain JSON', () => {
    const observations = randomObservations(30, 2, 5);
    const env = new NormalizeObservation(new ScriptedEnv(observations));
    env.reset();
    for (let t = 0; t < 10; t++) env.step([0]);
    const saved = JSON.parse(JSON.stringify(env.statistics()));
    assert.deepEqual(Object.keys(saved).sort(), ['count', 'mean', 'var']);
    const restored = new NormalizeObservation(new ScriptedEnv(observations), {
      rms: RunningMeanStd.fromJSON(saved),
      frozen: true,
    });
    assert.deepEqual(restored.reset().observation, env.rms.normalize(observations[0]));
    const other = new NormalizeObservation(new ScriptedEnv(observations));
    other.loadStatistics(saved);
    assert.deepEqual(other.statistics(), saved);
  });

  test('two wrappers over one shared RunningMeanStd storage pool their observations', () => {
    const storage = new Float64Array(new SharedArrayBuffer(RunningMeanStd.storageLength(2) * 8));
    const a = new NormalizeObservation(new ScriptedEnv(randomObservations(10, 2, 6)), {
      rms: new RunningMeanStd(2, { storage }),
    });
    const b = new NormalizeObservation(new ScriptedEnv(randomObservations(10, 2, 7)), {
      rms: new RunningMeanStd(2, { storage }),
    });
    a.reset();
    b.reset();
    a.step([0]);
    assert.ok(Math.abs(b.rms.count - (3 + 1e-4)) < 1e-12, "b sees both resets and a's step");
  });

  test('clip bounds the normalised values and the observation space', () => {
    const big = [Float64Array.of(0, 0), Float64Array.of(1000, -1000)];
    const env = new NormalizeObservation(new ScriptedEnv(big), { clip: 0.5 });
    assert.equal(String(env.observationSpace), 'Box(-0.5, 0.5, (2,), float64)');
    env.reset();
    const { observation } = env.step([0]);
    assert.deepEqual(Array.from(observation), [0.5, -0.5]);
    assert.throws(() => new NormalizeObservation(new ScriptedEnv(big), { clip: 0 }), /clip must be a number > 0/);
    assert.throws(
      () => new NormalizeObservation(new ScriptedEnv(big), { rms: new RunningMeanStd(3) }),
      /3 values but Scripted-v0 observations have 2/,
    );
  });
});
