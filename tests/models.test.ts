import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/model/backend.js';
import type { BackendName } from '../lib/model/backend.js';
import { ActorCritic, MODEL_KINDS, defaultModelSpec, orthogonalKernel, paramLayout } from '../lib/model/index.js';
import type { ModelKind, ModelSpec, RolloutBatch } from '../lib/model/index.js';
import {
  diagonalGaussianKl,
  gaussianEntropy,
  gaussianLogProb,
  squashedGaussianLogProb,
} from '../lib/model/distributions.js';
import { Rng } from '../lib/common/rng.js';
import { a3cLoss } from '../lib/a3c/losses.js';
import { allFinite } from '../lib/common/finite.js';
import { computeGradientsAutodiff } from './support/autodiff_reference.js';

// HalfCheetah-v5 sizes: 17 observations, 6 actions in [-1, 1].
const CHEETAH = {
  observationSize: 17,
  actionSize: 6,
  actionLow: new Array(6).fill(-1),
  actionHigh: new Array(6).fill(1),
  initLogStd: 0,
};
const BACKENDS: BackendName[] = ['wasm', 'cpu'];

/** A small model with an asymmetric box, so that the scale terms are exercised. */
function smallSpec(kind: ModelKind): ModelSpec {
  return defaultModelSpec({
    kind,
    observationSize: 5,
    actionSize: 2,
    hiddenSizes: [6, 5],
    actionLow: [-1, 0],
    actionHigh: [1, 3],
    initLogStd: -0.3,
  });
}

/** A model whose parameters are all random (the initial mean head, gain 0.01, would hide errors). */
function randomModel(spec: ModelSpec, seed: number): ActorCritic {
  const rng = new Rng(seed);
  const model = new ActorCritic(spec, { rng });
  model.setParams(Array.from(model.params, () => 0.4 * rng.normal()));
  return model;
}

function randomBatch(spec: ModelSpec, length: number, seed: number, capacity = length): RolloutBatch {
  const rng = new Rng(seed);
  const fill = (n: number, scale: number) => Float32Array.from({ length: n }, () => scale * rng.normal());
  return {
    observations: fill(capacity * spec.observationSize, 1),
    rawActions: fill(capacity * spec.actionSize, 0.8),
    returns: fill(capacity, 2),
    advantages: fill(capacity, 1),
    length,
  };
}

/** The wasm backend, a small random model and a random batch of `length` rows. */
async function smallFixture(kind: ModelKind, seed: number, length: number) {
  await initBackend('wasm');
  const spec = smallSpec(kind);
  return { spec, model: randomModel(spec, seed), batch: randomBatch(spec, length, seed + 1) };
}

// ---- An independent float64 reference: the network read from the named layout, by definition. ----

function referenceForward(
  spec: ModelSpec,
  params: ArrayLike<number>,
  observation: ArrayLike<number>,
): { mean: number[]; value: number } {
  const byName = new Map(paramLayout(spec).map((e) => [e.name, e]));
  const linear = (x: number[], prefix: string, relu: boolean): number[] => {
    const kernel = byName.get(`${prefix}.kernel`)!;
    const bias = byName.get(`${prefix}.bias`)!;
    const [inSize, outSize] = kernel.shape;
    assert.equal(x.length, inSize);
    return Array.from({ length: outSize }, (_, j) => {
      let y = params[bias.offset + j];
      for (let i = 0; i < inSize; i++) y += x[i] * params[kernel.offset + i * outSize + j];
      return relu ? Math.max(0, y) : y;
    });
  };
  const mlp = (prefix: string) =>
    spec.hiddenSizes.reduce((h, _, i) => linear(h, `${prefix}.${i}`, true), Array.from(observation, Math.fround));
  const actorFeatures = mlp(spec.kind === 'shared' ? 'trunk' : 'actor');
  const criticFeatures = spec.kind === 'shared' ? actorFeatures : mlp('critic');
  return { mean: linear(actorFeatures, 'actor.mean', false), value: linear(criticFeatures, 'critic.value', false)[0] };
}

function referenceLogStd(spec: ModelSpec, params: ArrayLike<number>): number[] {
  const entry = paramLayout(spec).find((e) => e.name === 'actor.logStd')!;
  return Array.from({ length: entry.size }, (_, i) => params[entry.offset + i]);
}

/** The A3C loss of the spec, in float64, straight from its definition. */
function referenceLoss(
  spec: ModelSpec,
  params: ArrayLike<number>,
  batch: RolloutBatch,
  valueCoef: number,
  entropyCoef: number,
) {
  const { observationSize: O, actionSize: A, actionLow: low, actionHigh: high } = spec;
  const logStd = referenceLogStd(spec, params);
  const n = batch.length;
  let policyLoss = 0;
  let valueLoss = 0;
  for (let t = 0; t < n; t++) {
    const out = referenceForward(spec, params, batch.observations.subarray(t * O, (t + 1) * O));
    const u = batch.rawActions.subarray(t * A, (t + 1) * A);
    const logProb =
      spec.kind === 'squashed'
        ? squashedGaussianLogProb({ u, mean: out.mean, logStd, low, high })
        : gaussianLogProb({ x: u, mean: out.mean, logStd });
    policyLoss -= (batch.advantages[t] * logProb) / n;
    valueLoss += (batch.returns[t] - out.value) ** 2 / n;
  }
  const entropy = gaussianEntropy(logStd);
  return { policyLoss, valueLoss, entropy, totalLoss: policyLoss + valueCoef * valueLoss - entropyCoef * entropy };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// ---- Layout and initialisation ----

test('paramLayout: fixed named order, contiguous offsets, sizes = product of shapes', () => {
  const layout = paramLayout(defaultModelSpec(CHEETAH));
  assert.deepEqual(
    layout.map((e) => `${e.name}[${e.shape.join(',')}]`),
    [
      'actor.0.kernel[17,128]',
      'actor.0.bias[128]',
      'actor.1.kernel[128,128]',
      'actor.1.bias[128]',
      'actor.mean.kernel[128,6]',
      'actor.mean.bias[6]',
      'actor.logStd[6]',
      'critic.0.kernel[17,128]',
      'critic.0.bias[128]',
      'critic.1.kernel[128,128]',
      'critic.1.bias[128]',
      'critic.value.kernel[128,1]',
      'critic.value.bias[1]',
    ],
  );
  let offset = 0;
  for (const e of layout) {
    assert.equal(e.offset, offset, `${e.name} offset`);
    assert.equal(
      e.size,
      e.shape.reduce((a, b) => a * b, 1),
    );
    offset += e.size;
  }
  // actor: (17*128 + 128) + (128*128 + 128) + (128*6 + 6) + 6 = 2304 + 16512 + 774 + 6 = 19596
  // critic: 2304 + 16512 + (128 + 1) = 18945
  assert.equal(offset, 19596 + 18945);
  assert.equal(new ActorCritic(defaultModelSpec(CHEETAH), { rng: new Rng(0) }).numParams, 38541);

  const shared = paramLayout(defaultModelSpec({ ...CHEETAH, kind: 'shared', hiddenSizes: [64, 64] }));
  assert.deepEqual(
    shared.map((e) => e.name),
    [
      'trunk.0.kernel',
      'trunk.0.bias',
      'trunk.1.kernel',
      'trunk.1.bias',
      'actor.mean.kernel',
      'actor.mean.bias',
      'actor.logStd',
      'critic.value.kernel',
      'critic.value.bias',
    ],
  );
  // (17*64 + 64) + (64*64 + 64) + (64*6 + 6) + 6 + (64 + 1) = 1152 + 4160 + 390 + 6 + 65
  const last = shared[shared.length - 1];
  assert.equal(last.offset + last.size, 5773);
});

test('defaultModelSpec: documented defaults, and validation with clear messages', () => {
  const spec = defaultModelSpec(CHEETAH);
  assert.equal(spec.kind, 'squashed');
  assert.deepEqual(spec.hiddenSizes, [128, 128]);
  // initLogStd has one default, the config's: the model spec must be given it.
  assert.throws(
    () => defaultModelSpec({ ...CHEETAH, initLogStd: undefined as unknown as number }),
    /initLogStd must be a finite number, got undefined/,
  );
  assert.doesNotThrow(() => JSON.stringify(spec));
  assert.throws(
    () => defaultModelSpec({ ...CHEETAH, kind: 'lstm' as ModelKind }),
    /kind must be one of squashed, separate, shared/,
  );
  assert.throws(
    () => defaultModelSpec({ ...CHEETAH, observationSize: 0 }),
    /observationSize must be a positive integer/,
  );
  assert.throws(
    () => defaultModelSpec({ ...CHEETAH, hiddenSizes: [64, 1.5] }),
    /hiddenSizes must be an array of positive integers/,
  );
  assert.throws(() => defaultModelSpec({ ...CHEETAH, actionLow: [-1] }), /must have actionSize \(6\) entries/);
  assert.throws(
    () => defaultModelSpec({ ...CHEETAH, actionHigh: new Array(6).fill(Infinity) }),
    /tanh squashing needs a bounded box/,
  );
  assert.doesNotThrow(() =>
    defaultModelSpec({ ...CHEETAH, kind: 'separate', actionHigh: new Array(6).fill(Infinity) }),
  );
  assert.throws(() => new ActorCritic(spec), /pass options.rng .* or options.params/);
});

test('orthogonalKernel: orthonormal columns (in >= out) or rows (in < out), times the gain', () => {
  const rng = new Rng(3);
  for (const [inSize, outSize, gain] of [
    [17, 128, Math.SQRT2],
    [128, 128, Math.SQRT2],
    [128, 6, 0.01],
    [128, 1, 1],
  ]) {
    const w = orthogonalKernel({ inSize, outSize, gain, rng });
    // Gram matrix over the smaller dimension must be gain^2 I.
    const small = Math.min(inSize, outSize);
    for (let a = 0; a < small; a++) {
      for (let b = 0; b < small; b++) {
        let dot = 0;
        if (inSize >= outSize) for (let i = 0; i < inSize; i++) dot += w[i * outSize + a] * w[i * outSize + b];
        else for (let j = 0; j < outSize; j++) dot += w[a * outSize + j] * w[b * outSize + j];
        assert.ok(
          Math.abs(dot - (a === b ? gain * gain : 0)) < 1e-10,
          `${inSize}x${outSize} gram[${a}][${b}] = ${dot}`,
        );
      }
    }
  }
});

test('initialisation: orthogonal kernels with the documented gains, zero biases, logStd = initLogStd, set by the seed', () => {
  const spec = defaultModelSpec({ ...CHEETAH, initLogStd: -0.5 });
  const model = new ActorCritic(spec, { rng: new Rng(42) });
  for (const e of model.layout) {
    const values = model.params.subarray(e.offset, e.offset + e.size);
    if (e.name.endsWith('.bias'))
      assert.ok(
        values.every((v) => v === 0),
        `${e.name} is zero`,
      );
    if (e.name === 'actor.logStd') assert.ok(values.every((v) => v === -0.5));
    if (e.name.endsWith('.kernel')) {
      // Column norms (in >= out) are the gain: sqrt(2) hidden, 0.01 mean head, 1 value head.
      const [inSize, outSize] = e.shape;
      const gain = e.name === 'actor.mean.kernel' ? 0.01 : e.name === 'critic.value.kernel' ? 1 : Math.SQRT2;
      const j = 0;
      let norm = 0;
      if (inSize >= outSize) for (let i = 0; i < inSize; i++) norm += values[i * outSize + j] ** 2;
      else for (let k = 0; k < outSize; k++) norm += values[k] ** 2;
      assert.ok(
        Math.abs(Math.sqrt(norm) - gain) < 1e-5 * Math.max(1, gain),
        `${e.name}: norm ${Math.sqrt(norm)} vs gain ${gain}`,
      );
    }
  }
  assert.deepEqual(new ActorCritic(spec, { rng: new Rng(42) }).params, model.params, 'same seed, same parameters');
  assert.notDeepEqual(
    new ActorCritic(spec, { rng: new Rng(43) }).params,
    model.params,
    'another seed, other parameters',
  );
});

// ---- The plain-TypeScript fast path ----

for (const kind of MODEL_KINDS) {
  test(`fast path (${kind}): forward() and value() equal an independent float64 reference`, () => {
    const spec = defaultModelSpec({ ...CHEETAH, kind, hiddenSizes: [32, 24] });
    const model = randomModel(spec, 5);
    const rng = new Rng(6);
    for (let k = 0; k < 5; k++) {
      const observation = Array.from({ length: 17 }, () => 2 * rng.normal());
      const expected = referenceForward(spec, model.params, observation);
      const out = model.forward(observation);
      assert.ok(maxAbsDiff(out.mean, expected.mean) < 1e-9, 'mean');
      assert.ok(Math.abs(out.value - expected.value) < 1e-9, 'value');
      assert.ok(Math.abs(model.value(observation) - expected.value) < 1e-9, 'value()');
      assert.deepEqual(Array.from(out.logStd), referenceLogStd(spec, model.params));
    }
  });
}

test('act (squashed): env-ready action in the box, log-prob of the squashed Gaussian, deterministic = mean', () => {
  const spec = defaultModelSpec({
    ...CHEETAH,
    actionLow: [-1, -2, 0, -1, -1, -0.5],
    actionHigh: [1, 2, 3, 1, 1, 0.5],
    hiddenSizes: [16],
  });
  const model = randomModel(spec, 7);
  const rng = new Rng(8);
  const observation = Array.from({ length: 17 }, () => rng.normal());
  const { mean: mu, logStd } = model.forward(observation);
  for (let k = 0; k < 20; k++) {
    const out = model.act(observation, rng);
    assert.ok(out.rawAction instanceof Float32Array);
    for (let i = 0; i < 6; i++) {
      assert.ok(out.action[i] >= spec.actionLow[i] && out.action[i] <= spec.actionHigh[i], 'action in the box');
      const expected =
        spec.actionLow[i] + ((Math.tanh(out.rawAction[i]) + 1) * (spec.actionHigh[i] - spec.actionLow[i])) / 2;
      assert.ok(Math.abs(out.action[i] - expected) < 1e-12, 'action = scale(tanh(u))');
    }
    const expectedLogProb = squashedGaussianLogProb({
      u: out.rawAction,
      mean: mu,
      logStd,
      low: spec.actionLow,
      high: spec.actionHigh,
    });
    assert.ok(Math.abs(out.logProb - expectedLogProb) < 1e-9, `logProb ${out.logProb} vs ${expectedLogProb}`);
    assert.ok(Math.abs(out.entropy - gaussianEntropy(logStd)) < 1e-12);
    assert.ok(Math.abs(out.value - model.value(observation)) < 1e-12);
  }
  const deterministic = model.act(observation, rng, { deterministic: true });
  const meanAction = mu.map(
    (m, i) => spec.actionLow[i] + ((Math.tanh(m) + 1) * (spec.actionHigh[i] - spec.actionLow[i])) / 2,
  );
  assert.ok(maxAbsDiff(deterministic.action, meanAction) < 1e-6, 'deterministic action is the squashed mean');
  assert.ok(maxAbsDiff(deterministic.mean, meanAction) < 1e-12, 'mean field is the squashed mean');
  assert.ok(maxAbsDiff(deterministic.rawAction, mu) < 1e-6, 'deterministic u is the Gaussian mean');
});

test('act (separate): u ~ N(mu, sigma) clipped to the box, log-prob of the unclipped u; sample statistics', () => {
  const spec = defaultModelSpec({ ...CHEETAH, kind: 'separate', hiddenSizes: [16], initLogStd: Math.log(0.7) });
  const model = randomModel(spec, 9);
  const logStdEntry = model.layout.find((e) => e.name === 'actor.logStd')!;
  model.params.fill(Math.log(0.7), logStdEntry.offset, logStdEntry.offset + logStdEntry.size);
  const rng = new Rng(10);
  const observation = Array.from({ length: 17 }, () => rng.normal());
  const { mean: mu, logStd } = model.forward(observation);
  const N = 4000;
  const sum = new Float64Array(6);
  const sumSquares = new Float64Array(6);
  for (let k = 0; k < N; k++) {
    const out = model.act(observation, rng);
    for (let i = 0; i < 6; i++) {
      const u = out.rawAction[i];
      sum[i] += u - mu[i];
      sumSquares[i] += (u - mu[i]) ** 2;
      assert.equal(out.action[i], Math.min(1, Math.max(-1, u)), 'action = clip(u)');
    }
    if (k < 10) assert.ok(Math.abs(out.logProb - gaussianLogProb({ x: out.rawAction, mean: mu, logStd })) < 1e-9);
  }
  for (let i = 0; i < 6; i++) {
    // mean of u - mu: 0 +- 5 sigma / sqrt(N); variance 0.49 +- 5 * sqrt(2) * 0.49 / sqrt(N)
    assert.ok(Math.abs(sum[i] / N) < (5 * 0.7) / Math.sqrt(N), `dimension ${i}: mean offset ${sum[i] / N}`);
    assert.ok(
      Math.abs(sumSquares[i] / N - 0.49) < (5 * Math.SQRT2 * 0.49) / Math.sqrt(N),
      `dimension ${i}: variance ${sumSquares[i] / N}`,
    );
  }
  const deterministic = model.act(observation, rng, { deterministic: true });
  assert.deepEqual(
    Array.from(deterministic.action),
    Array.from(mu, (m) => Math.min(1, Math.max(-1, Math.fround(m)))),
  );
});

test('fast path: rejects bad input with a clear message', () => {
  const model = new ActorCritic(defaultModelSpec(CHEETAH), { rng: new Rng(1) });
  assert.throws(() => model.act(new Array(16).fill(0), new Rng(1)), /observation must have 17 numbers, got 16/);
  assert.throws(() => model.value([...new Array(16).fill(0), Number.NaN]), /observation\[16\] is NaN/);
  assert.throws(() => model.setParams([1, 2]), /expected 38541 parameters for this spec, got 2/);
  const copy = new ActorCritic(model.spec, { params: model.params });
  copy.params[0] += 1;
  assert.notEqual(copy.params[0], model.params[0], 'params are copied, not shared');
  // setParams does not check finiteness (SharedAdam's parameters are finite); act reports it.
  model.setParams(new Float32Array(38541).fill(Number.NaN));
  assert.throws(() => model.act(new Array(17).fill(0), new Rng(1)), /non-finite value.*parameters have diverged/);
});

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
