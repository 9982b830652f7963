/**
 * Where each parameter of the actor-critic lives in its ONE flat Float32Array: the named layout
 * that the two forward passes (forward.ts, tf_graph.ts), the backward pass (backward.ts), the
 * initialisation (init.ts), the shared Adam (one SharedArrayBuffer for every worker, A3C step 6)
 * and the checkpoints all read.
 */
import { type ModelSpec, validateModelSpec } from './spec.js';

/** One named tensor in the flat parameter array: `size` floats from `offset`, row-major `shape`. */
export interface ParamEntry {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/**
 * The fixed order of the parameters in the flat array. Kernels are [in, out] (x @ W + b).
 *   'squashed' / 'separate': actor.{i}.kernel, actor.{i}.bias ..., actor.mean.kernel,
 *     actor.mean.bias, actor.logStd, critic.{i}.kernel, critic.{i}.bias ..., critic.value.kernel,
 *     critic.value.bias
 *   'shared': trunk.{i}.kernel, trunk.{i}.bias ..., actor.mean.kernel, actor.mean.bias,
 *     actor.logStd, critic.value.kernel, critic.value.bias
 */
export function paramLayout(spec: ModelSpec): ParamEntry[] {
  const { kind, observationSize, actionSize, hiddenSizes } = validateModelSpec(spec);
  const entries: ParamEntry[] = [];
  let offset = 0;
  const add = (name: string, shape: number[]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    entries.push({ name, shape, offset, size });
    offset += size;
  };
  const mlp = (prefix: string) => {
    let inSize = observationSize;
    hiddenSizes.forEach((width, i) => {
      add(`${prefix}.${i}.kernel`, [inSize, width]);
      add(`${prefix}.${i}.bias`, [width]);
      inSize = width;
    });
    return inSize;
  };
  const featureSize = mlp(kind === 'shared' ? 'trunk' : 'actor');
  add('actor.mean.kernel', [featureSize, actionSize]);
  add('actor.mean.bias', [actionSize]);
  add('actor.logStd', [actionSize]);
  const criticFeatureSize = kind === 'shared' ? featureSize : mlp('critic');
  add('critic.value.kernel', [criticFeatureSize, 1]);
  add('critic.value.bias', [1]);
  return entries;
}

/** Total number of parameters of a layout. */
export function paramCount(layout: readonly ParamEntry[]): number {
  const last = layout[layout.length - 1];
  return last.offset + last.size;
}

/** A dense layer inside the flat parameter array: offsets of its kernel [in, out] and bias. */
export interface Dense {
  kernel: number;
  bias: number;
  inSize: number;
  outSize: number;
}

/** Where each part of the network lives in the flat array, for the plain-TypeScript forward pass. */
export interface Architecture {
  /** Hidden layers of the actor ('shared': of the trunk). */
  actorHidden: Dense[];
  /** Hidden layers of the critic; empty and unused for 'shared' (the value head reads the trunk). */
  criticHidden: Dense[];
  meanHead: Dense;
  valueHead: Dense;
  /** Offset of actor.logStd. */
  logStd: number;
}

export function architecture(layout: ParamEntry[], spec: ModelSpec): Architecture {
  const find = (name: string) => {
    const entry = layout.find((e) => e.name === name);
    if (!entry) throw new Error(`model layout has no ${name}`);
    return entry;
  };
  const denseOf = (prefix: string): Dense => {
    const kernel = find(`${prefix}.kernel`);
    return {
      kernel: kernel.offset,
      bias: find(`${prefix}.bias`).offset,
      inSize: kernel.shape[0],
      outSize: kernel.shape[1],
    };
  };
  const hidden = (prefix: string) => spec.hiddenSizes.map((_, i) => denseOf(`${prefix}.${i}`));
  const shared = spec.kind === 'shared';
  return {
    actorHidden: hidden(shared ? 'trunk' : 'actor'),
    criticHidden: shared ? [] : hidden('critic'),
    meanHead: denseOf('actor.mean'),
    valueHead: denseOf('critic.value'),
    logStd: find('actor.logStd').offset,
  };
}
