/**
 * An independent reference for A3C step 4, used only by tests and benchmarks: the gradients of
 * the A3C loss (lib/a3c/losses.ts) written with tfjs ops and differentiated by tf.grads, the
 * textbook way. The library's hand-written backward pass (lib/model/backward.ts) must agree
 * with it; it is ~4x slower on the wasm backend (bench/models.bench.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { ActorCritic } from '../../lib/model/actor_critic.js';
import { assertBackendReady } from '../../lib/model/backend.js';
import { type LossCoefficients, type LossInfo, type RolloutBatch, checkBatch } from '../../lib/model/batch.js';
import { HALF_LOG_2PI, logOneMinusTanhSquared } from '../../lib/model/distributions.js';
import { layoutIndex, uploadObservations, uploadParams } from '../../lib/model/tf_graph.js';

/** The same gradients and loss terms as `model.computeGradients`, by automatic differentiation. */
export function computeGradientsAutodiff(
  model: ActorCritic,
  batch: RolloutBatch,
  coefficients: LossCoefficients,
): { gradients: Float32Array; info: LossInfo } {
  const { spec, layout } = model;
  checkBatch('computeGradientsAutodiff', batch, spec, coefficients);
  assertBackendReady('computeGradientsAutodiff');
  const { valueCoef, entropyCoef } = coefficients;
  const { actionSize } = spec;
  const n = batch.length;
  const indexOf = layoutIndex(layout);
  const gradients = new Float32Array(model.numParams);
  const parts: number[] = [];
  tf.tidy(() => {
    const x = uploadObservations(batch.observations, n, spec.observationSize);
    const u = tf.tensor2d(batch.rawActions.subarray(0, n * actionSize), [n, actionSize]);
    const returns = tf.tensor2d(batch.returns.subarray(0, n), [n, 1]);
    const advantages = tf.tensor2d(batch.advantages.subarray(0, n), [n, 1]);
    const correction = tf.tensor2d(squashCorrection(model, batch), [n, 1]);
    let kept: tf.Tensor[] = [];
    const grads = tf.grads((...p: tf.Tensor[]) => {
      const get = (name: string) => p[indexOf.get(name)!];
      const dense = (h: tf.Tensor2D, prefix: string, activation: 'relu' | 'linear') =>
        tf.fused.matMul({
          a: h,
          b: get(`${prefix}.kernel`) as tf.Tensor2D,
          bias: get(`${prefix}.bias`),
          activation,
        }) as tf.Tensor2D;
      const mlp = (prefix: string) => spec.hiddenSizes.reduce((h, _, i) => dense(h, `${prefix}.${i}`, 'relu'), x);
      const shared = spec.kind === 'shared';
      const actorFeatures = mlp(shared ? 'trunk' : 'actor');
      const criticFeatures = shared ? actorFeatures : mlp('critic');
      const mean = dense(actorFeatures, 'actor.mean', 'linear');
      const value = dense(criticFeatures, 'critic.value', 'linear');
      const logStd = get('actor.logStd');
      const z = tf.div(tf.sub(u, mean), tf.exp(logStd));
      const gaussianLogProb = tf.sub(
        tf.mul(tf.sum(tf.square(z), 1, true), -0.5),
        tf.add(tf.sum(logStd), actionSize * HALF_LOG_2PI),
      );
      const logProb = tf.sub(gaussianLogProb, correction);
      const policyLoss = tf.neg(tf.mean(tf.mul(logProb, advantages)));
      const valueLoss = tf.mean(tf.squaredDifference(returns, value));
      const entropy = tf.add(tf.sum(logStd), actionSize * (0.5 + HALF_LOG_2PI));
      kept = [policyLoss, valueLoss, entropy].map((t) => tf.keep(t));
      return tf.sub(tf.add(policyLoss, tf.mul(valueLoss, valueCoef)), tf.mul(entropy, entropyCoef)) as tf.Scalar;
    })(uploadParams(layout, model.params));
    for (const t of kept) parts.push(t.dataSync()[0]);
    tf.dispose(kept);
    grads.forEach((g, k) => gradients.set(g.dataSync() as Float32Array, layout[k].offset));
  });
  const [policyLoss, valueLoss, entropy] = parts;
  const logStd = model.forward(new Float32Array(spec.observationSize)).logStd;
  const std = logStd.reduce((sum, s) => sum + Math.exp(s), 0) / actionSize;
  return {
    gradients,
    info: {
      totalLoss: policyLoss + valueCoef * valueLoss - entropyCoef * entropy,
      policyLoss,
      valueLoss,
      entropy,
      std,
    },
  };
}

/** The squash correction of log pi for each row: it depends only on u, a constant per row. */
function squashCorrection(model: ActorCritic, batch: RolloutBatch): Float32Array {
  const { kind, actionSize, actionLow, actionHigh } = model.spec;
  const correction = new Float32Array(batch.length);
  if (kind !== 'squashed') return correction;
  const scale = actionLow.reduce((sum, low, i) => sum + Math.log((actionHigh[i] - low) / 2), 0);
  for (let t = 0; t < batch.length; t++) {
    correction[t] = scale;
    for (let i = 0; i < actionSize; i++) correction[t] += logOneMinusTanhSquared(batch.rawActions[t * actionSize + i]);
  }
  return correction;
}
