import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { SharedAdam, clipGradNorm } from '../lib/a3c/shared_adam.js';
import { allFinite } from '../lib/common/finite.js';

/** Float32 storage: compare to ~1e-7 relative. */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-6, message = ''): void {
  assert.equal(actual.length, expected.length, `${message} length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i])),
      `${message}[${i}]: got ${actual[i]}, expected ${expected[i]}`,
    );
  }
}

test('SharedAdam: two steps match torch.optim.Adam arithmetic worked by hand', () => {
  // lr = 0.1, betas (0.9, 0.999), eps 1e-8, theta_0 = [1, -2].
  // Step 1, g = [0.1, -0.2]:
  //   m = 0.1 g = [0.01, -0.02]             v = 0.001 g^2 = [1e-5, 4e-5]
  //   bias corrections 1 - 0.9 = 0.1 and 1 - 0.999 = 0.001
  //   sqrt(v) / sqrt(0.001) = [0.1, 0.2];   step = (0.1 / 0.1) * m / [0.1, 0.2] = [0.1, -0.1]
  //   theta_1 = [0.9, -1.9]   (Adam's first step is lr * sign(g))
  // Step 2, g = [0.1, 0.2]:
  //   m = 0.9 [0.01, -0.02] + 0.1 [0.1, 0.2] = [0.019, 0.002]
  //   v = 0.999 [1e-5, 4e-5] + 0.001 [0.01, 0.04] = [1.999e-5, 7.996e-5]
  //   bias corrections 1 - 0.81 = 0.19 and 1 - 0.998001 = 0.001999
  //   sqrt(v) / sqrt(0.001999) = [sqrt(0.01), sqrt(0.04)] = [0.1, 0.2]
  //   step = (0.1 / 0.19) * [0.019 / 0.1, 0.002 / 0.2] = [0.1, 0.1 * 0.01 / 0.19]
  //   theta_2 = [0.8, -1.9 - 0.001 / 0.19]
  const adam = SharedAdam.create([1, -2], { lr: 0.1 });
  assert.equal(adam.step([0.1, -0.2]), 1);
  assertClose(adam.params, [0.9, -1.9]);
  assert.equal(adam.step([0.1, 0.2]), 2);
  assertClose(adam.params, [0.8, -1.9 - 0.001 / 0.19]);
  const state = adam.exportState();
  assert.equal(state.step, 2);
  assertClose(state.m, [0.019, 0.002]);
  assertClose(state.v, [1.999e-5, 7.996e-5]);
});

test('SharedAdam: weight decay is L2 added to the gradient (torch.optim.Adam, not AdamW)', () => {
  // lr = 0.1, weightDecay = 0.5, theta_0 = 1, g = 0.1 at both steps.
  // Step 1: g' = 0.1 + 0.5 * 1 = 0.6; m = 0.06, v = 0.00036; step = lr * sign = 0.1 -> theta_1 = 0.9
  // Step 2: g' = 0.1 + 0.5 * 0.9 = 0.55
  //   m = 0.9 * 0.06 + 0.1 * 0.55 = 0.109
  //   v = 0.999 * 0.00036 + 0.001 * 0.3025 = 0.00066214
  //   theta_2 = 0.9 - (0.1 / 0.19) * 0.109 / (sqrt(0.00066214 / 0.001999) + 1e-8)
  const adam = SharedAdam.create([1], { lr: 0.1, weightDecay: 0.5 });
  adam.step([0.1]);
  assertClose(adam.params, [0.9]);
  adam.step([0.1]);
  assertClose(adam.params, [0.9 - ((0.1 / 0.19) * 0.109) / (Math.sqrt(0.00066214 / 0.001999) + 1e-8)]);
});

test('SharedAdam: custom betas and eps, and a per-step learning rate', () => {
  // betas (0.5, 0.75), eps 0.1, g = 2, lr override 0.3:
  //   m = 0.5 * 2 = 1, v = 0.25 * 4 = 1; corrections 0.5 and 0.25
  //   step = (0.3 / 0.5) * 1 / (sqrt(1) / sqrt(0.25) + 0.1) = 0.6 / 2.1
  const adam = SharedAdam.create([0], { lr: 1, betas: [0.5, 0.75], eps: 0.1 });
  adam.step([2], { lr: 0.3 });
  assertClose(adam.params, [-0.6 / 2.1]);
});

test('SharedAdam.attach: a second instance over the same buffers shares params and the step count', () => {
  const first = SharedAdam.create([1, 2, 3], { lr: 0.01 });
  const second = SharedAdam.attach(first.buffers, { lr: 0.01 });
  assert.deepEqual(Array.from(second.params), Array.from(first.params));
  first.step([1, 1, 1]);
  assert.equal(second.stepCount, 1);
  assert.equal(second.step([1, 1, 1]), 2);
  assert.equal(first.stepCount, 2);
  // Two steps of lr * sign(g) with a constant gradient: both moved by ~0.02.
  assertClose(first.params, [0.98, 1.98, 2.98], 1e-5);
  assert.equal(first.params[0], second.params[0]);
});

test('SharedAdam: exportState / importState round-trip continues identically', () => {
  const a = SharedAdam.create([0.5, -0.5], { lr: 0.05 });
  a.step([0.3, -0.1]);
  a.step([0.2, 0.4]);
  const saved = JSON.parse(JSON.stringify(a.exportState()));
  const b = SharedAdam.create(a.params, { lr: 0.05 });
  b.importState({ step: saved.step, m: Float32Array.from(saved.m), v: saved.v });
  assert.equal(b.stepCount, 2);
  a.step([0.1, 0.1]);
  b.step([0.1, 0.1]);
  assert.deepEqual(Array.from(b.params), Array.from(a.params));
});

test('SharedAdam: rejects bad input with a clear message', () => {
  assert.throws(() => SharedAdam.create([], { lr: 0.1 }), /non-empty/);
  assert.throws(() => SharedAdam.create([1, Number.NaN], { lr: 0.1 }), /finite/);
  assert.throws(() => SharedAdam.create([1], { lr: 0 }), /lr must be a finite number > 0/);
  assert.throws(() => SharedAdam.create([1], { lr: 0.1, betas: [0.9, 1] }), /betas must be two numbers in \[0, 1\)/);
  assert.throws(() => SharedAdam.create([1], { lr: 0.1, eps: -1 }), /eps must be a finite number > 0/);
  assert.throws(() => SharedAdam.create([1], { lr: 0.1, weightDecay: -1 }), /weightDecay must be a finite number >= 0/);
  const adam = SharedAdam.create([1, 2], { lr: 0.1 });
  assert.throws(() => adam.step([1]), /expected 2 gradients, got 1/);
  assert.throws(() => adam.step([1, Number.NaN]), /NaN or Infinity/);
  assert.throws(() => adam.step([1, 1], { lr: Number.NaN }), /lr must be a finite number > 0/);
  assert.equal(adam.stepCount, 0, 'a rejected step does not count');
  assert.throws(() => adam.importState({ step: 1, m: [0], v: [0, 0] }), /m must hold 2 numbers/);
  assert.throws(() => adam.importState({ step: 1, m: [0, 0], v: [0, -1] }), /negative/);
  assert.throws(() => adam.importState({ step: -1, m: [0, 0], v: [0, 0] }), /step must be an integer/);
  assert.throws(
    () => SharedAdam.attach({ ...adam.buffers, m: new SharedArrayBuffer(4) }, { lr: 0.1 }),
    /equal non-empty Float32 buffers/,
  );
});

test('clipGradNorm: torch semantics, hand numbers', () => {
  // |[3, 4]| = 5; maxNorm 1 -> coef = 1 / (5 + 1e-6), so [3, 4] * coef ~ [0.6, 0.8]
  const g = new Float32Array([3, 4]);
  assert.equal(clipGradNorm(g, 1), 5);
  assertClose(g, [3 / (5 + 1e-6), 4 / (5 + 1e-6)], 1e-7);
  // Below the threshold nothing changes (coef = 10 / 5 > 1).
  const h = new Float32Array([3, 4]);
  assert.equal(clipGradNorm(h, 10), 5);
  assert.deepEqual(Array.from(h), [3, 4]);
  // Infinity only measures: sqrt(1 + 4 + 4) = 3.
  const k = new Float32Array([1, -2, 2]);
  assert.equal(clipGradNorm(k, Infinity), 3);
  assert.deepEqual(Array.from(k), [1, -2, 2]);
  assert.throws(() => clipGradNorm(new Float32Array(1), 0), /maxNorm must be a number > 0/);
});

test('allFinite detects NaN and Infinity, and is not fooled by a sum that overflows', () => {
  assert.equal(allFinite(new Float32Array([1, 2, 3])), true);
  assert.equal(allFinite(new Float32Array([1, Number.NaN])), false);
  assert.equal(allFinite(new Float32Array([Infinity, -Infinity])), false);
  assert.equal(allFinite([1e308, 1e308]), true);
  assert.equal(allFinite([1e308, Infinity]), false);
  assert.equal(allFinite([]), true);
});

test('SharedAdam in real worker_threads: 2 workers x 40 steps on one shared model, step count ends at 80', async () => {
  const adam = SharedAdam.create(new Float32Array(1000).fill(1), { lr: 1e-3 });
  const moduleUrl = new URL('../lib/a3c/shared_adam.ts', import.meta.url).href;
  // Node 20 does not apply the parent's `--import tsx` to a worker, so the worker registers tsx
  // itself before importing the TypeScript module.
  const tsxUrl = import.meta.resolve('tsx/esm/api');
  // Each worker attaches to the same buffers and applies `steps` updates with gradient +1; the
  // step numbers it got back must be distinct across workers and cover 1..80.
  const source = `
    const { workerData, parentPort } = require('node:worker_threads');
    import(workerData.tsxUrl).then((tsx) => { tsx.register(); return import(workerData.moduleUrl); }).then(({ SharedAdam }) => {
      const adam = SharedAdam.attach(workerData.buffers, { lr: 1e-3 });
      const gradients = new Float32Array(adam.numParams).fill(1);
      const steps = [];
      for (let i = 0; i < workerData.steps; i++) steps.push(adam.step(gradients));
      parentPort.postMessage(steps);
    });
  `;
  const run = () =>
    new Promise<number[]>((resolve, reject) => {
      const worker = new Worker(source, {
        eval: true,
        workerData: { tsxUrl, moduleUrl, buffers: adam.buffers, steps: 40 },
      });
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with code ${code}`)));
    });
  const [a, b] = await Promise.all([run(), run()]);
  assert.equal(adam.stepCount, 80);
  assert.deepEqual(
    [...a, ...b].sort((x, y) => x - y),
    Array.from({ length: 80 }, (_, i) => i + 1),
  );
  // Every parameter moved down (positive gradients) by about lr per step. Alone, Adam with a
  // constant gradient moves by just under lr; with two lock-free writers, a step can read m and v
  // mid-update by the other thread, or overwrite its parameter write (Hogwild!): allow slack both ways.
  for (const p of [adam.params[0], adam.params[999]])
    assert.ok(p < 1 - 20 * 1e-3 && p > 1 - 2 * 80 * 1e-3, `param ${p}`);
});
