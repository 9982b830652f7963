/**
 * The hand-written backward pass, the last part of A3C step 4: the gradients of the loss with
 * respect to every parameter, in the flat layout order that SharedAdam applies (step 6).
 *
 * The loss and its gradients with respect to the network's outputs (means, logStd, values) come
 * in closed form from `a3cLoss` (lib/a3c/losses.ts); from there tfjs back-propagates through the
 * dense layers of the forward graph (tf_graph.ts), layer by layer:
 *   dz = dh * [h_out > 0],   dW = h_in^T dz,   db = 1^T dz,   dh_in = dz W^T
 * Each transpose is an explicit kernel so that every product is a plain [n, k] x [k, m] matMul: on
 * the wasm backend only those run in XNNPACK, while the transposed products that tf.grads emits
 * fall back to a scalar loop. Measured on the 2x128 squashed model with 40-step rollouts
 * (bench/models.bench.ts, wasm): 0.9 ms, against 4.3 ms for tf.grads autodiff
 * (tests/support/autodiff_reference.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { A3CLossGradients } from '../a3c/losses.js';
import { type ParamEntry, paramCount } from './layout.js';
import type { ModelSpec } from './spec.js';
import { type Graph, type ParamTensors, paramGetter } from './tf_graph.js';

/**
 * Gradients of the loss whose output gradients are `loss`, for the graph `net` computed from
 * the parameters `p`; a new Float32Array in `layout` order. Call inside tf.tidy.
 */
export function backpropagate(
  { spec, layout }: { spec: ModelSpec; layout: readonly ParamEntry[] },
  p: ParamTensors,
  net: Graph,
  loss: A3CLossGradients,
): Float32Array {
  const n = net.mean.shape[0];
  const { actionSize } = spec;
  const get = paramGetter(p);
  const ones = tf.ones([1, n]) as tf.Tensor2D;
  const results: { name: string; tensor: tf.Tensor }[] = [];
  // Gradients of one dense layer's kernel and bias from dz (its pre-activation gradient);
  // returns the gradient of its input when `propagate`.
  const backDense = (prefix: string, input: tf.Tensor2D, dz: tf.Tensor2D, propagate: boolean) => {
    results.push({ name: `${prefix}.kernel`, tensor: tf.matMul(tf.transpose(input), dz) });
    results.push({ name: `${prefix}.bias`, tensor: tf.matMul(ones, dz) });
    return propagate ? (tf.matMul(dz, tf.transpose(get(`${prefix}.kernel`))) as tf.Tensor2D) : null;
  };
  // Back through the ReLU layers of one MLP, from the gradient of its last activation.
  const backMlp = (prefix: string, activations: tf.Tensor2D[], dOut: tf.Tensor2D | null) => {
    let dh = dOut;
    for (let i = activations.length - 2; i >= 0 && dh !== null; i--) {
      const dz = tf.mul(dh, tf.step(activations[i + 1])) as tf.Tensor2D;
      dh = backDense(`${prefix}.${i}`, activations[i], dz, i > 0);
    }
  };
  const deep = spec.hiddenSizes.length > 0;
  const dMean = tf.tensor2d(loss.dMean, [n, actionSize]);
  const dValue = tf.tensor2d(loss.dValue, [n, 1]);
  const dActor = backDense('actor.mean', net.actor[net.actor.length - 1], dMean, deep);
  const dCritic = backDense('critic.value', net.critic[net.critic.length - 1], dValue, deep);
  if (spec.kind === 'shared') {
    backMlp('trunk', net.actor, dActor && dCritic ? (tf.add(dActor, dCritic) as tf.Tensor2D) : null);
  } else {
    backMlp('actor', net.actor, dActor);
    backMlp('critic', net.critic, dCritic);
  }
  const gradients = new Float32Array(paramCount(layout));
  for (const { name, tensor } of results)
    gradients.set(tensor.dataSync() as Float32Array, layout[p.indexOf.get(name)!].offset);
  // logStd is not in the graph (it is state-independent): its gradient is the loss's, as is.
  gradients.set(loss.dLogStd, layout[p.indexOf.get('actor.logStd')!].offset);
  return gradients;
}
