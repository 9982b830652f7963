import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  resolveConfig,
  DEFAULT_CONFIG,
  REFERENCE_CONFIG,
  ConfigError,
  learningRateAt,
  configFromJSON,
  LR_LEVEL_MAX,
  LR_LEVEL_MIN,
} from '../lib/config.js';
import { adaptLearningRate } from '../lib/a3c/worker.js';
import { Counter, createCounters } from '../lib/training/shared_memory.js';

test('defaults are the reference run with the measured changes, and are frozen', () => {
  const c = resolveConfig();
  const reference = resolveConfig(REFERENCE_CONFIG);
  assert.equal(reference.nSteps, 40);
  assert.equal(reference.maxGradNorm, 0.5);
  assert.equal(reference.normalizeReward, false);
  assert.equal(reference.lrSchedule, 'constant');
  assert.equal(reference.noiseCorrelation, 0);
  assert.equal(reference.targetKl, 0);
  assert.equal(reference.initLogStd, 0);
  assert.equal(c.lr, 7e-4);
  assert.equal(c.gamma, 0.99);
  assert.equal(c.gaeLambda, 0.95);
  assert.equal(c.entropyCoef, 0.001);
  assert.equal(c.valueCoef, 0.5);
  assert.equal(c.nSteps, 20);
  assert.equal(c.maxGradNorm, Infinity);
  assert.equal(c.normalizeReward, true);
  assert.equal(c.noiseCorrelation, 0);
  assert.equal(c.targetKl, 0.01);
  assert.equal(c.initLogStd, -2);
  assert.equal(c.evalConfirmEpisodes, 10);
  assert.equal(c.envsPerWorker, 1);
  assert.deepEqual(c.hiddenSizes, [128, 128]);
  assert.equal(c.envId, 'HalfCheetah-v5');
  assert.ok(Object.isFrozen(DEFAULT_CONFIG));
  assert.ok(Object.isFrozen(c));
  assert.throws(() => {
    (c as { lr: number }).lr = 1;
  });
});

test('invalid values are rejected with what is allowed', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ numWorkers: 0 }, /numWorkers must be an integer >= 1, got 0/],
    [{ numWorkers: 1.5 }, /numWorkers must be an integer >= 1/],
    [{ envsPerWorker: 0 }, /envsPerWorker must be an integer >= 1, got 0/],
    [{ evalConfirmEpisodes: -1 }, /evalConfirmEpisodes must be an integer >= 0, got -1/],
    [{ lr: 0 }, /lr must be a number > 0, got 0/],
    [{ lr: -1 }, /lr must be a number > 0/],
    [{ gamma: 1.5 }, /gamma must be in \[0, 1\]/],
    [{ gaeLambda: -0.1 }, /gaeLambda must be in \[0, 1\]/],
    [{ envId: 'Nope-v0' }, /envId "Nope-v0" is not a registered environment; known: .*HalfCheetah-v5/],
    [{ nSteps: 0 }, /nSteps must be an integer >= 1/],
    [{ model: 'cnn' }, /model must be one of squashed, separate, shared/],
    [{ backend: 'webgpu' }, /backend must be one of wasm, cpu, tensorflow/],
    [{ hiddenSizes: [] }, /hiddenSizes must be a non-empty list/],
    [{ totalSteps: -5 }, /totalSteps must be an integer >= 1/],
    [{ lrSchedule: 'cosine' }, /lrSchedule must be "constant" or "linear"/],
    [{ learningRate: 1e-3 }, /unknown option "learningRate"/],
  ];
  for (const [overrides, message] of cases) {
    assert.throws(
      () => resolveConfig(overrides as never),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
      JSON.stringify(overrides),
    );
  }
});

test('several problems are reported together', () => {
  assert.throws(
    () => resolveConfig({ numWorkers: 0, lr: 0 }),
    (error: unknown) => error instanceof ConfigError && error.problems.length === 2,
  );
});

test('linear learning-rate schedule decays towards 0 and stays positive past totalSteps', () => {
  const c = { lr: 1e-3, lrSchedule: 'linear' as const, totalSteps: 1000 };
  assert.equal(learningRateAt(c, 0), 1e-3);
  assert.ok(Math.abs(learningRateAt(c, 250) - 7.5e-4) < 1e-15);
  // At and past the end: the rate of the last step, lr * (1 - 999/1000) = 1e-6.
  assert.ok(Math.abs(learningRateAt(c, 1000) - 1e-6) < 1e-18);
  assert.ok(Math.abs(learningRateAt(c, 2000) - 1e-6) < 1e-18);
  assert.equal(learningRateAt({ ...c, lrSchedule: 'constant' }, 900), 1e-3);
});

test('Infinity survives a JSON round trip of the config', () => {
  const c = resolveConfig({ maxGradNorm: Infinity, obsClip: Infinity });
  const back = resolveConfig(configFromJSON(JSON.parse(JSON.stringify(c))));
  assert.equal(back.maxGradNorm, Infinity);
  assert.equal(back.obsClip, Infinity);
});

test('adaptive learning rate: the shared level moves one notch per measured KL, within its bounds', () => {
  // lr x 1.5^level on top of the schedule: level 2 at step 250 of 1000, linear: 1e-3 * 2.25 * 0.75.
  const c = resolveConfig({ lr: 1e-3, totalSteps: 1000, lrSchedule: 'linear' });
  assert.ok(Math.abs(learningRateAt(c, 250, 2) - 1e-3 * 2.25 * 0.75) < 1e-15);
  assert.ok(Math.abs(learningRateAt({ ...c, lrSchedule: 'constant' }, 250, -1) - 1e-3 / 1.5) < 1e-15);

  const counters = createCounters().view;
  const level = () => counters[Counter.LrLevel];
  adaptLearningRate(counters, 0.05, 0.01); // above 2 x target: slower
  assert.equal(level(), -1);
  adaptLearningRate(counters, 0.015, 0.01); // inside [target / 2, 2 target]: unchanged
  assert.equal(level(), -1);
  adaptLearningRate(counters, 0.001, 0.01); // below target / 2: faster
  adaptLearningRate(counters, 0.001, 0.01);
  assert.equal(level(), 1);
  for (let k = 0; k < 50; k++) adaptLearningRate(counters, 0.001, 0.01);
  assert.equal(level(), LR_LEVEL_MAX);
  for (let k = 0; k < 50; k++) adaptLearningRate(counters, 1, 0.01);
  assert.equal(level(), LR_LEVEL_MIN);
  assert.throws(() => resolveConfig({ targetKl: -0.01 }), /targetKl must be a number >= 0, got -0.01/);
});
