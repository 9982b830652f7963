/**
 * The per-step and per-update costs of the model, for the default squashed 2x128 actor-critic on
 * HalfCheetah sizes (17 observations, 6 actions): the plain-TypeScript forward used at every env
 * step, the tfjs forward at batch 1 (what it would cost per step instead), the gradient of one
 * 40-step rollout on each available backend (ours and tf.grads autodiff), the KL of one 20-step
 * rollout's policy change (the adaptive learning rate), and the shared Adam step.
 * Each figure is the median of 5 timed repeats after a warm-up.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/model/backend.js';
import type { BackendName } from '../lib/model/backend.js';
import { ActorCritic, defaultModelSpec } from '../lib/model/actor_critic.js';
import type { RolloutBatch } from '../lib/model/actor_critic.js';
import { SharedAdam, clipGradNorm } from '../lib/a3c/shared_adam.js';
import { DEFAULT_CONFIG } from '../lib/config.js';
import { computeGradientsAutodiff } from '../tests/support/autodiff_reference.js';
import { Rng } from '../lib/common/rng.js';
import type { BenchContext, BenchRow } from './types.js';

const REPEATS = 5;

/** Median over REPEATS of the mean time per call (ms) of `iterations` calls, after a warm-up. */
function timeMs(fn: () => void, iterations: number): number {
  for (let i = 0; i < Math.max(3, iterations / 5); i++) fn();
  const means: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    means.push((performance.now() - start) / iterations);
  }
  means.sort((a, b) => a - b);
  return means[Math.floor(REPEATS / 2)];
}

export default async function benchModels(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const scale = ctx.quick ? 0.1 : 1;
  const spec = defaultModelSpec({
    observationSize: 17,
    actionSize: 6,
    actionLow: new Array(6).fill(-1),
    actionHigh: new Array(6).fill(1),
    initLogStd: DEFAULT_CONFIG.initLogStd,
  });
  const rng = new Rng(0);
  const model = new ActorCritic(spec, { rng });
  const model2x128 = `squashed 2x128, ${model.numParams} params`;
  const observation = Float64Array.from({ length: 17 }, () => rng.normal());

  const actUs = 1000 * timeMs(() => model.act(observation, rng), Math.round(20_000 * scale));
  rows.push({
    section: 'models',
    name: 'act(), batch 1, plain TypeScript',
    value: actUs,
    unit: 'us',
    notes: `${model2x128}: actor + critic forward, sample, log-prob`,
  });
  const valueUs = 1000 * timeMs(() => model.value(observation), Math.round(20_000 * scale));
  rows.push({
    section: 'models',
    name: 'value(), batch 1, plain TypeScript',
    value: valueUs,
    unit: 'us',
    notes: 'critic only (bootstrap value)',
  });
  const global = new Float32Array(model.params);
  const setUs = 1000 * timeMs(() => model.setParams(global), Math.round(5_000 * scale));
  rows.push({
    section: 'models',
    name: 'setParams() from the global parameters',
    value: setUs,
    unit: 'us',
    notes: 'once per rollout',
  });

  const n = 40;
  const batch: RolloutBatch = {
    observations: Float32Array.from({ length: n * 17 }, () => rng.normal()),
    rawActions: Float32Array.from({ length: n * 6 }, () => rng.normal()),
    returns: Float32Array.from({ length: n }, () => rng.normal()),
    advantages: Float32Array.from({ length: n }, () => rng.normal()),
    length: n,
  };
  const coefficients = { valueCoef: 0.5, entropyCoef: 0.001 };
  const oldMeans = Float32Array.from({ length: n * 6 }, () => 0.1 * rng.normal());
  const oldLogStd = new Float32Array(6).fill(-2);
  const klUs =
    1000 * timeMs(() => model.policyKl(batch.observations, 20, oldMeans, oldLogStd), Math.round(2_000 * scale));
  rows.push({
    section: 'models',
    name: 'policyKl(), 20-step rollout, plain TypeScript',
    value: klUs,
    unit: 'us',
    notes: 'actor forward on the last rollout after the sync (the adaptive learning rate), once per update',
  });
  const backends: BackendName[] = ['wasm', 'cpu', 'tensorflow'];
  for (const backend of backends) {
    try {
      await initBackend(backend);
    } catch (error) {
      ctx.log(`  skipping the '${backend}' backend: ${(error as Error).message.split('\n')[0]}`);
      continue;
    }
    ctx.log(`  ${backend} ...`);
    const slow = backend === 'cpu';
    const forwardUs =
      1000 * timeMs(() => model.forwardTf(batch.observations, 1), Math.round((slow ? 500 : 2_000) * scale));
    rows.push({
      section: 'models',
      name: `forwardTf(), batch 1, tfjs ${backend}`,
      value: forwardUs,
      unit: 'us',
      notes: 'what one tfjs call per env step would cost',
    });
    const before = tf.memory().numTensors;
    const gradMs = timeMs(
      () => model.computeGradients(batch, coefficients),
      Math.max(3, Math.round((slow ? 20 : 200) * scale)),
    );
    const leaked = tf.memory().numTensors - before;
    rows.push({
      section: 'models',
      name: `computeGradients(), ${n}-step rollout, tfjs ${backend}`,
      value: gradMs,
      unit: 'ms',
      notes: `forwardBatch + a3cLoss + backward${leaked ? `; LEAKED ${leaked} tensors` : ''}`,
    });
    const autodiffMs = timeMs(
      () => computeGradientsAutodiff(model, batch, coefficients),
      Math.max(3, Math.round((slow ? 10 : 100) * scale)),
    );
    rows.push({
      section: 'models',
      name: `computeGradientsAutodiff(), ${n}-step rollout, tfjs ${backend}`,
      value: autodiffMs,
      unit: 'ms',
      notes: `tf.grads reference: ${(autodiffMs / gradMs).toFixed(1)}x computeGradients`,
    });
  }

  const adam = SharedAdam.create(model.params, { lr: 1e-7 });
  const gradients = new Float32Array(model.numParams).fill(1e-3);
  const adamUs = 1000 * timeMs(() => adam.step(gradients), Math.round(2_000 * scale));
  rows.push({
    section: 'models',
    name: 'SharedAdam.step()',
    value: adamUs,
    unit: 'us',
    notes: `${model.numParams} float32 params in shared memory`,
  });
  const clipUs = 1000 * timeMs(() => clipGradNorm(gradients, 1e9), Math.round(5_000 * scale));
  rows.push({ section: 'models', name: 'clipGradNorm()', value: clipUs, unit: 'us' });
  return rows;
}
