import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import {
  resolveConfig,
  DEFAULT_CONFIG,
  REFERENCE_CONFIG,
  ConfigError,
  configFromJSON,
  MAX_TOTAL_STEPS,
} from '../lib/config.js';
import { adaptLearningRate, learningRateAt, LR_LEVEL_MAX, LR_LEVEL_MIN } from '../lib/a3c/adaptive_lr.js';
import { Counter, createCounters } from '../lib/training/shared_memory.js';

test('defaults are the reference run with the measured changes, and are frozen', () => {
  const c = resolveConfig();
  const reference = resolveConfig(REFERENCE_CONFIG);
  assert.equal(reference.nSteps, 40);
  assert.equal(reference.maxGradNorm, 0.5);
  assert.equal(reference.normalizeReward, false);
  assert.equal(reference.lrSchedule, 'constant');
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
  assert.equal(c.targetKl, 0.01);
  assert.equal(c.initLogStd, -2);
  assert.equal(c.evalConfirmEpisodes, 10);
  assert.deepEqual(c.hiddenSizes, [128, 128]);
  assert.equal(c.envId, 'HalfCheetah-v5');
  assert.ok(Object.isFrozen(DEFAULT_CONFIG));
  assert.ok(Object.isFrozen(c));
  assert.throws(() => {
    (c as { lr: number }).lr = 1;
  });
});

test('invalid values are rejected with what is allowed', () => {
  const cores = availableParallelism();
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ numWorkers: 0 }, new RegExp(`numWorkers must be an integer >= 1 and <= ${4 * cores}, got 0`)],
    [{ numWorkers: 1.5 }, /numWorkers must be an integer >= 1/],
    [{ numWorkers: 4 * cores + 1 }, /numWorkers must be an integer >= 1 and <= /],
    [{ evalConfirmEpisodes: -1 }, /evalConfirmEpisodes must be an integer >= 0 and <= 1000, got -1/],
    [{ lr: 0 }, /lr must be a number > 0 and <= 1, got 0/],
    [{ lr: -1 }, /lr must be a number > 0/],
    [{ lr: Number.NaN }, /lr must be a number > 0/],
    [{ gamma: 1.5 }, /gamma must be a number >= 0 and <= 1, got 1.5/],
    [{ gaeLambda: -0.1 }, /gaeLambda must be a number >= 0 and <= 1/],
    [{ envId: 'Nope-v0' }, /envId must be a registered environment \(.*HalfCheetah-v5.*\), got "Nope-v0"/],
    [{ nSteps: 0 }, /nSteps must be an integer >= 1/],
    [{ model: 'cnn' }, /model must be one of squashed, separate, shared, got "cnn"/],
    [{ backend: 'webgpu' }, /backend must be one of wasm, cpu, tensorflow/],
    [{ hiddenSizes: [] }, /hiddenSizes must be a list of 1 to 8 values, got \[\]/],
    [{ hiddenSizes: [20000, 20000] }, /hiddenSizes each value must be an integer >= 1 and <= 4096, got 20000/],
    [{ totalSteps: -5 }, /totalSteps must be an integer >= 1/],
    [{ totalSteps: 3e9 }, new RegExp(`totalSteps must be an integer >= 1 and <= ${MAX_TOTAL_STEPS}, got 3000000000`)],
    [{ seed: -1 }, /seed must be an integer >= 0/],
    [{ seed: 2.5 }, /seed must be an integer >= 0/],
    [{ maxGradNorm: 0 }, /maxGradNorm must be a number > 0 \(Infinity disables\)/],
    [{ lrSchedule: 'cosine' }, /lrSchedule must be one of constant, linear/],
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
