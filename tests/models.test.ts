/**
 * Tests of the actor-critic's layout, initialisation and plain-TypeScript forward pass
 * (lib/model/spec.ts, layout.ts, init.ts, forward.ts; A3C step 2). The tfjs side of step 4 is
 * tested in tests/model_gradients.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActorCritic, MODEL_KINDS, defaultModelSpec, orthogonalKernel, paramLayout } from '../lib/model/index.js';
import type { ModelKind } from '../lib/model/index.js';
import { gaussianEntropy, gaussianLogProb, squashedGaussianLogProb } from '../lib/model/distributions.js';
import { Rng } from '../lib/common/rng.js';
import { CHEETAH, maxAbsDiff, randomModel, referenceForward, referenceLogStd } from './support/model_fixtures.js';

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
  // Plain data: it survives JSON (a checkpoint stores it) unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
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
  // Without tanh squashing an unbounded box is allowed, and kept as given.
  assert.deepEqual(
    defaultModelSpec({ ...CHEETAH, kind: 'separate', actionHigh: new Array(6).fill(Infinity) }).actionHigh,
    new Array(6).fill(Infinity),
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
      // Orthogonal times the gain (sqrt(2) hidden, 0.01 mean head, 1 value head): the columns
      // (in >= out) or the rows (in < out) of the [in, out] kernel are orthogonal with norm gain.
      const [inSize, outSize] = e.shape;
      const gain = e.name === 'actor.mean.kernel' ? 0.01 : e.name === 'critic.value.kernel' ? 1 : Math.SQRT2;
      const tall = inSize >= outSize;
      const [count, length] = tall ? [outSize, inSize] : [inSize, outSize];
      const at = (vector: number, k: number) => (tall ? values[k * outSize + vector] : values[vector * outSize + k]);
      let worst = 0;
      for (let a = 0; a < count; a++) {
        for (let b = a; b < count; b++) {
          let dot = 0;
          for (let k = 0; k < length; k++) dot += at(a, k) * at(b, k);
          worst = Math.max(worst, Math.abs(dot - (a === b ? gain * gain : 0)));
        }
      }
      assert.ok(worst < 1e-5 * Math.max(1, gain * gain), `${e.name}: Gram matrix off gain^2 I by ${worst}`);
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
