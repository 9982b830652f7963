/**
 * Shared fixtures of the model tests (tests/models.test.ts, tests/model_gradients.test.ts):
 * HalfCheetah sizes, small random models and batches, and an independent float64 reference of
 * the network and the A3C loss, read from the named layout by definition.
 */
import assert from 'node:assert/strict';
import { initBackend } from '../../lib/model/backend.js';
import type { BackendName } from '../../lib/model/backend.js';
import { ActorCritic, defaultModelSpec, paramLayout } from '../../lib/model/index.js';
import type { ModelKind, ModelSpec, RolloutBatch } from '../../lib/model/index.js';
import { gaussianEntropy, gaussianLogProb, squashedGaussianLogProb } from '../../lib/model/distributions.js';
import { Rng } from '../../lib/common/rng.js';

// HalfCheetah-v5 sizes: 17 observations, 6 actions in [-1, 1].
export const CHEETAH = {
  observationSize: 17,
  actionSize: 6,
  actionLow: new Array(6).fill(-1),
  actionHigh: new Array(6).fill(1),
  initLogStd: 0,
};
export const BACKENDS: BackendName[] = ['wasm', 'cpu'];

/** A small model with an asymmetric box, so that the scale terms are exercised. */
export function smallSpec(kind: ModelKind): ModelSpec {
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
export function randomModel(spec: ModelSpec, seed: number): ActorCritic {
  const rng = new Rng(seed);
  const model = new ActorCritic(spec, { rng });
  model.setParams(Array.from(model.params, () => 0.4 * rng.normal()));
  return model;
}

export function randomBatch(spec: ModelSpec, length: number, seed: number, capacity = length): RolloutBatch {
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
export async function smallFixture(kind: ModelKind, seed: number, length: number) {
  await initBackend('wasm');
  const spec = smallSpec(kind);
  return { spec, model: randomModel(spec, seed), batch: randomBatch(spec, length, seed + 1) };
}

// ---- An independent float64 reference: the network read from the named layout, by definition. ----

export function referenceForward(
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

export function referenceLogStd(spec: ModelSpec, params: ArrayLike<number>): number[] {
  const entry = paramLayout(spec).find((e) => e.name === 'actor.logStd')!;
  return Array.from({ length: entry.size }, (_, i) => params[entry.offset + i]);
}

/** The A3C loss of the spec, in float64, straight from its definition. */
export function referenceLoss(
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

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
