/**
 * The actor-critic as a TensorFlow.js graph, the first half of A3C step 4: the forward pass over a
 * whole rollout, keeping every layer's activations for the hand-written backward pass
 * (backward.ts). It reads the same flat parameters as the plain-TypeScript pass (forward.ts).
 * Every function here creates tensors: call them inside tf.tidy.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamEntry } from './layout.js';
import type { ModelSpec } from './spec.js';

/** The parameter tensors (one per layout entry) and where each name sits among them. */
export interface ParamTensors {
  tensors: tf.Tensor[];
  indexOf: ReadonlyMap<string, number>;
}

/**
 * The forward pass on a rollout: each MLP's activations [x, h_1, ..., h_L] ('shared': critic ===
 * actor, the trunk), the Gaussian means [n, actionSize] and the values [n, 1]. A type, not an
 * interface, so that tf.tidy accepts it as a tensor container.
 */
export type Graph = { actor: tf.Tensor2D[]; critic: tf.Tensor2D[]; mean: tf.Tensor2D; value: tf.Tensor2D };

/** Position of each named parameter in `layout`. */
export function layoutIndex(layout: readonly ParamEntry[]): ReadonlyMap<string, number> {
  return new Map(layout.map((e, k) => [e.name, k]));
}

/** Name -> tensor lookup, for graph code that reads parameters by their layout names. */
export function paramGetter({ tensors, indexOf }: ParamTensors): (name: string) => tf.Tensor {
  return (name) => tensors[indexOf.get(name)!];
}

/** The flat parameters as tensors, one per layout entry. */
export function uploadParams(layout: readonly ParamEntry[], params: Float32Array): tf.Tensor[] {
  return layout.map((e) => tf.tensor(params.subarray(e.offset, e.offset + e.size), e.shape, 'float32'));
}

/** The first `length` rows of a (possibly longer, preallocated) row-major observation buffer. */
export function uploadObservations(observations: Float32Array, length: number, size: number): tf.Tensor2D {
  return tf.tensor2d(observations.subarray(0, length * size), [length, size]);
}

/** The forward pass of `spec`'s network on observations `x` [n, observationSize]. */
export function forwardGraph(spec: ModelSpec, p: ParamTensors, x: tf.Tensor2D): Graph {
  const get = paramGetter(p);
  const layer = (h: tf.Tensor2D, prefix: string, relu: boolean) =>
    denseKernel(h, get(`${prefix}.kernel`) as tf.Tensor2D, get(`${prefix}.bias`) as tf.Tensor1D, relu);
  const mlp = (prefix: string) => {
    const activations = [x];
    spec.hiddenSizes.forEach((_, i) => {
      activations.push(layer(activations[i], `${prefix}.${i}`, true));
    });
    return activations;
  };
  const shared = spec.kind === 'shared';
  const actor = mlp(shared ? 'trunk' : 'actor');
  const critic = shared ? actor : mlp('critic');
  const mean = layer(actor[actor.length - 1], 'actor.mean', false);
  const value = layer(critic[critic.length - 1], 'critic.value', false);
  return { actor, critic, mean, value };
}

/**
 * y = x W + b (ReLU'd if `relu`) as ONE kernel, _FusedMatMul, which tf.fused.matMul only uses
 * outside gradient recording (it needs rank-3 operands, as tf.fused.matMul would pass them).
 */
function denseKernel(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, relu: boolean): tf.Tensor2D {
  const [n, k] = x.shape;
  const m = kernel.shape[1];
  const y = tf.engine().runKernel(
    '_FusedMatMul',
    { a: tf.reshape(x, [1, n, k]), b: tf.reshape(kernel, [1, k, m]), bias },
    {
      transposeA: false,
      transposeB: false,
      activation: relu ? 'relu' : 'linear',
    },
  ) as tf.Tensor3D;
  return tf.reshape(y, [n, m]) as tf.Tensor2D;
}
