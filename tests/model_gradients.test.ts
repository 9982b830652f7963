/**
 * Tests of A3C step 4 on the actor-critic: the tfjs forward graph, the hand-written backward pass
 * against finite differences and tf.grads (lib/model/tf_graph.ts, backward.ts), forwardBatch /
 * a3cLoss / backward, policyKl (step 7), tensor leaks, the backends and non-finite inputs.
 */
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/model/backend.js';
import type { BackendName } from '../lib/model/backend.js';
import { MODEL_KINDS, defaultModelSpec, paramLayout } from '../lib/model/index.js';
import type { RolloutBatch } from '../lib/model/index.js';
import { diagonalGaussianKl } from '../lib/model/distributions.js';
import { Rng } from '../lib/common/rng.js';
import { a3cLoss } from '../lib/a3c/losses.js';
import { allFinite } from '../lib/common/finite.js';
import { computeGradientsAutodiff } from './support/autodiff_reference.js';
import {
  CHEETAH,
  BACKENDS,
  smallSpec,
  randomModel,
  randomBatch,
  smallFixture,
  referenceLogStd,
  referenceLoss,
  maxAbsDiff,
} from './support/model_fixtures.js';

// ---- The tfjs path ----

for (const backend of BACKENDS) {
  for (const kind of MODEL_KINDS) {
    test(`forwardTf equals the fast path within 1e-5 (${kind}, ${backend})`, async () => {
      await initBackend(backend);
      const spec = defaultModelSpec({ ...CHEETAH, kind });
      const model = randomModel(spec, 11);
      // Scale the weights down so activations stay O(1) through two 128-wide layers.
      for (let i = 0; i < model.params.length; i++) model.params[i] *= 0.25;
      const batch = randomBatch(spec, 12, 12);
      const out = model.forwardTf(batch.observations, batch.length);
      assert.equal(out.mean.length, 12 * 6);
      assert.equal(out.value.length, 12);
      for (let t = 0; t < 12; t++) {
        const fast = model.forward(batch.observations.subarray(t * 17, (t + 1) * 17));
        assert.ok(maxAbsDiff(fast.mean, out.mean.subarray(t * 6, (t + 1) * 6)) < 1e-5, `row ${t} mean`);
        assert.ok(
          Math.abs(fast.value - out.value[t]) < 1e-5 * Math.max(1, Math.abs(fast.value)),
          `row ${t} value ${fast.value} vs ${out.value[t]}`,
        );
        assert.deepEqual(Array.from(out.logStd), Array.from(fast.logStd, Math.fround));
      }
    });

    test(`computeGradients equals central finite differences of a float64 reference loss, every parameter (${kind}, ${backend})`, async () => {
      await initBackend(backend);
      const spec = smallSpec(kind);
      const model = randomModel(spec, 13);
      const batch = randomBatch(spec, 7, 14);
      const coefficients = { valueCoef: 0.5, entropyCoef: 0.01 };
      const { gradients, info } = model.computeGradients(batch, coefficients);
      const params = Float64Array.from(model.params);
      const expected = referenceLoss(spec, params, batch, coefficients.valueCoef, coefficients.entropyCoef);
      for (const key of ['totalLoss', 'policyLoss', 'valueLoss', 'entropy'] as const) {
        assert.ok(
          Math.abs(info[key] - expected[key]) < 1e-5 * Math.max(1, Math.abs(expected[key])),
          `${key}: ${info[key]} vs ${expected[key]}`,
        );
      }
      const h = 1e-5;
      for (let i = 0; i < params.length; i++) {
        const saved = params[i];
        params[i] = saved + h;
        const plus = referenceLoss(spec, params, batch, 0.5, 0.01).totalLoss;
        params[i] = saved - h;
        const minus = referenceLoss(spec, params, batch, 0.5, 0.01).totalLoss;
        params[i] = saved;
        const fd = (plus - minus) / (2 * h);
        const name = model.layout.find((e) => i >= e.offset && i < e.offset + e.size)!.name;
        assert.ok(
          Math.abs(gradients[i] - fd) < 1e-4 + 1e-3 * Math.abs(fd),
          `${name} (index ${i}): ${gradients[i]} vs finite difference ${fd}`,
        );
      }
    });
  }
}

for (const kind of MODEL_KINDS) {
  test(`computeGradients equals tf.grads autodiff on the HalfCheetah-size model (${kind}, wasm)`, async () => {
    await initBackend('wasm');
    const spec = defaultModelSpec({ ...CHEETAH, kind, initLogStd: -0.4 });
    const model = randomModel(spec, 15);
    for (let i = 0; i < model.params.length; i++) model.params[i] *= 0.25;
    const batch = randomBatch(spec, 40, 16);
    const coefficients = { valueCoef: 0.5, entropyCoef: 0.001 };
    const ours = model.computeGradients(batch, coefficients);
    const autodiff = computeGradientsAutodiff(model, batch, coefficients);
    for (const e of model.layout) {
      const a = ours.gradients.subarray(e.offset, e.offset + e.size);
      const b = autodiff.gradients.subarray(e.offset, e.offset + e.size);
      const scale = Math.max(1e-3, ...Array.from(b, Math.abs));
      assert.ok(maxAbsDiff(a, b) < 1e-4 * scale, `${e.name}: max difference ${maxAbsDiff(a, b)} (scale ${scale})`);
    }
    assert.ok(
      Math.abs(ours.info.totalLoss - autodiff.info.totalLoss) < 1e-4 * Math.max(1, Math.abs(autodiff.info.totalLoss)),
    );
    const logStd = referenceLogStd(spec, model.params);
    assert.ok(
      Math.abs(ours.info.std - logStd.reduce((s, x) => s + Math.exp(x), 0) / 6) < 1e-12,
      'std = mean exp(logStd)',
    );
  });
}

test('computeGradients uses only the first `length` rows of preallocated buffers', async () => {
  await initBackend('wasm');
  const spec = smallSpec('squashed');
  const model = randomModel(spec, 17);
  const big = randomBatch(spec, 5, 18, 9);
  // The same first 5 rows, in exactly-sized buffers; the extra rows of `big` must not matter.
  const exact: RolloutBatch = {
    observations: big.observations.slice(0, 5 * 5),
    rawActions: big.rawActions.slice(0, 5 * 2),
    returns: big.returns.slice(0, 5),
    advantages: big.advantages.slice(0, 5),
    length: 5,
  };
  const a = model.computeGradients(big, { valueCoef: 0.5, entropyCoef: 0 });
  const b = model.computeGradients(exact, { valueCoef: 0.5, entropyCoef: 0 });
  assert.deepEqual(a.gradients, b.gradients);
  assert.deepEqual(a.info, b.info);
});

test('step 4 in three parts: backward takes the latest forwardBatch once, and frees its tensors', async () => {
  const { spec, model, batch } = await smallFixture('squashed', 27, 5);
  const coefficients = { valueCoef: 0.5, entropyCoef: 0.01 };
  const before = tf.memory().numTensors;
  const first = model.forwardBatch(batch);
  const held = tf.memory().numTensors;
  assert.ok(held > before, 'the activations are kept for backward');
  const viaTf = model.forwardTf(batch.observations, 5);
  assert.deepEqual([first.mean, first.logStd, first.value], [viaTf.mean, viaTf.logStd, viaTf.value]);
  assert.deepEqual(first.squashedBounds, { low: spec.actionLow, high: spec.actionHigh });
  const outputs = model.forwardBatch(batch);
  assert.equal(tf.memory().numTensors, held, 'a new forwardBatch frees the previous one');
  const loss = a3cLoss({ ...outputs, ...batch, ...coefficients });
  assert.throws(() => model.backward(first, loss), /latest forwardBatch/);
  const gradients = model.backward(outputs, loss);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => model.backward(outputs, loss), /latest forwardBatch .*once/);
  assert.deepEqual(gradients, model.computeGradients(batch, coefficients).gradients);
  // A loss for another rollout length is refused, and the tensors are still freed.
  const short = model.forwardBatch({ ...batch, length: 4 });
  assert.throws(() => model.backward(short, loss), /do not match 4 rows of 2 actions/);
  assert.equal(tf.memory().numTensors, before);
  model.forwardBatch(batch);
  model.dispose();
  assert.equal(tf.memory().numTensors, before, 'dispose frees a forwardBatch never back-propagated');
});

test('policyKl: mean KL from the means computeGradients saw to the current policy, state by state', async () => {
  const { spec, model, batch } = await smallFixture('squashed', 23, 7);
  const { means } = model.computeGradients(batch, { valueCoef: 0.5, entropyCoef: 0 });
  const logStd = model.params
    .slice(paramLayout(spec).find((e) => e.name === 'actor.logStd')!.offset)
    .subarray(0, spec.actionSize);
  const oldLogStd = Float32Array.from(logStd);
  assert.ok(Math.abs(model.policyKl(batch.observations, 7, means, oldLogStd)) < 1e-6, 'no change, no divergence');
  // The tfjs means are the fast path's means (computeGradients saw the same policy).
  for (let t = 0; t < 7; t++) {
    const fast = model.forward(batch.observations.subarray(t * 5, (t + 1) * 5)).mean;
    for (let i = 0; i < 2; i++) assert.ok(Math.abs(fast[i] - means[t * 2 + i]) < 1e-5);
  }
  const rng = new Rng(25);
  model.setParams(Array.from(model.params, (p) => p + 0.05 * rng.normal()));
  let expected = 0;
  for (let t = 0; t < 7; t++) {
    const now = model.forward(batch.observations.subarray(t * 5, (t + 1) * 5));
    expected += diagonalGaussianKl(
      { mean: means.subarray(t * 2, t * 2 + 2), logStd: oldLogStd },
      { mean: now.mean, logStd: now.logStd },
    );
  }
  const kl = model.policyKl(batch.observations, 7, means, oldLogStd);
  assert.ok(kl > 1e-4, `a perturbed policy has moved (KL ${kl})`);
  assert.ok(Math.abs(kl - expected / 7) < 1e-9, `${kl} vs ${expected / 7}`);
  assert.throws(
    () => model.policyKl(batch.observations, 7, means.subarray(0, 4), oldLogStd),
    /policyKl: oldMeans must hold 7 x 2 numbers, got 4/,
  );
});

for (const backend of BACKENDS) {
  test(`no tensor leaks: numTensors is unchanged after 50 computeGradients and forwardTf calls (${backend})`, async () => {
    await initBackend(backend);
    const spec = backend === 'wasm' ? defaultModelSpec(CHEETAH) : smallSpec('squashed');
    const model = randomModel(spec, 19);
    const batch = randomBatch(spec, 40, 20);
    model.computeGradients(batch, { valueCoef: 0.5, entropyCoef: 0.001 });
    const before = tf.memory().numTensors;
    for (let k = 0; k < 50; k++) {
      model.computeGradients(batch, { valueCoef: 0.5, entropyCoef: 0.001 });
      model.forwardTf(batch.observations, 40);
    }
    assert.equal(tf.memory().numTensors, before);
  });
}

test('tfjs methods reject bad input with a clear message; dispose ends only the tfjs side', async () => {
  const { model, batch } = await smallFixture('separate', 21, 4);
  const c = { valueCoef: 0.5, entropyCoef: 0 };
  assert.throws(
    () => model.computeGradients({ ...batch, length: 5 }, c),
    /batch.observations holds 20 numbers, need 5 x 5 = 25/,
  );
  assert.throws(() => model.computeGradients({ ...batch, length: 0 }, c), /length must be an integer >= 1/);
  assert.throws(
    () => model.computeGradients({ ...batch, advantages: [1, 2, 3, 4] as unknown as Float32Array }, c),
    /batch.advantages must be a Float32Array/,
  );
  assert.throws(
    () => model.computeGradients(batch, { valueCoef: -1, entropyCoef: 0 }),
    /valueCoef must be a finite number >= 0/,
  );
  assert.throws(() => model.forwardTf(new Float32Array(3), 1), /observations holds 3 numbers, need 1 x 5 = 5/);
  const before = tf.memory().numTensors;
  model.dispose();
  assert.throws(() => model.computeGradients(batch, c), /was disposed/);
  assert.equal(tf.memory().numTensors, before);
  assert.ok(Number.isFinite(model.value(batch.observations.subarray(0, 5))), 'the fast path still works');
});

test('initBackend: unknown names and a missing optional tfjs-node give clear errors', async () => {
  await assert.rejects(
    initBackend('webgpu' as BackendName),
    /unknown backend "webgpu"; use one of wasm, cpu, tensorflow/,
  );
  const tfjsNodeInstalled = await import('@tensorflow/tfjs-node' as string).then(
    () => true,
    () => false,
  );
  if (!tfjsNodeInstalled) {
    await assert.rejects(
      initBackend('tensorflow'),
      /optional dependency that is not installed or failed to install.*Use the 'wasm' or 'cpu' backend/s,
    );
  }
  // A failed request leaves the thread usable.
  assert.equal(await initBackend('wasm'), 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
});

test('wasm backend inside a worker thread: same gradients as on the main thread', async () => {
  const { spec, model, batch } = await smallFixture('squashed', 23, 6);
  const expected = model.computeGradients(batch, { valueCoef: 0.5, entropyCoef: 0.01 }).gradients;
  // Node 20 does not apply the parent's `--import tsx` to a worker: register it there first.
  const source = `
    const { workerData, parentPort } = require('node:worker_threads');
    (async () => {
      (await import(workerData.tsx)).register();
      const { initBackend } = await import(workerData.backend);
      const { ActorCritic } = await import(workerData.models);
      await initBackend('wasm');
      const model = new ActorCritic(workerData.spec, { params: workerData.params });
      parentPort.postMessage(model.computeGradients(workerData.batch, { valueCoef: 0.5, entropyCoef: 0.01 }).gradients);
    })().catch((error) => parentPort.postMessage(String(error && error.stack || error)));
  `;
  const gradients = await new Promise<unknown>((resolve, reject) => {
    const worker = new Worker(source, {
      eval: true,
      workerData: {
        tsx: import.meta.resolve('tsx/esm/api'),
        backend: new URL('../lib/model/backend.ts', import.meta.url).href,
        models: new URL('../lib/model/actor_critic.ts', import.meta.url).href,
        spec,
        params: model.params,
        batch,
      },
    });
    worker.once('message', (message) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
  assert.ok(gradients instanceof Float32Array, `worker failed: ${String(gradients)}`);
  assert.deepEqual(gradients, expected);
});

test('computeGradients: an overflowing forward pass gives a non-finite loss and gradients (skip the update), not an exception', async () => {
  await initBackend('wasm');
  const spec = smallSpec('separate');
  const model = randomModel(spec, 25);
  // Every weight 1e19: the second layer's activations exceed float32's 3.4e38.
  model.setParams(new Float32Array(model.numParams).fill(1e19));
  const batch = randomBatch(spec, 4, 26);
  batch.observations.fill(1);
  const before = tf.memory().numTensors;
  const { gradients, info } = model.computeGradients(batch, { valueCoef: 0.5, entropyCoef: 0 });
  // What the worker checks before the shared Adam step.
  assert.ok(!Number.isFinite(info.totalLoss));
  assert.ok(!allFinite(gradients));
  assert.equal(tf.memory().numTensors, before);
});

test('computeGradients: a non-finite return or advantage gives a non-finite loss (the worker skips it), not an exception', async () => {
  const { model, batch } = await smallFixture('squashed', 29, 4);
  const c = { valueCoef: 0.5, entropyCoef: 0 };
  const nanReturn = model.computeGradients({ ...batch, returns: Float32Array.from([1, 2, Number.NaN, 0]) }, c);
  assert.ok(Number.isNaN(nanReturn.info.totalLoss));
  const infiniteAdvantage = model.computeGradients({ ...batch, advantages: Float32Array.from([1, Infinity, 0, 0]) }, c);
  assert.ok(!Number.isFinite(infiniteAdvantage.info.totalLoss));
  assert.ok(Number.isFinite(model.computeGradients(batch, c).info.totalLoss), 'finite targets, finite loss');
});
