/**
 * The A3C actor-critic pi(a|s; theta), V(s; theta) (Mnih et al. 2016, section 5.2 for continuous
 * actions: a Gaussian policy and a value head), with its parameters in ONE flat Float32Array
 * (layout.ts). A thin API over the pieces of this folder, each with one job:
 * - at every environment step (A3C step 2), the plain-TypeScript forward pass: `act`, `value`,
 *   `forward` (forward.ts);
 * - once per rollout (A3C step 4), in three visible parts: `forwardBatch` (the tfjs graph,
 *   tf_graph.ts), then `a3cLoss` (lib/a3c/losses.ts, by the caller), then `backward`
 *   (backward.ts); `computeGradients` runs the three;
 * - after the next sync (step 7), `policyKl` (kl.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../common/rng.js';
import { type A3CLossGradients, a3cLoss } from '../a3c/losses.js';
import { assertBackendReady } from './backend.js';
import { type LossCoefficients, type LossInfo, type RolloutBatch, checkBatch, checkRows } from './batch.js';
import { backpropagate } from './backward.js';
import { type ActOutput, ActionSampler, PlainForward } from './forward.js';
import { initialiseParams } from './init.js';
import { policyKl } from './kl.js';
import { type Architecture, type ParamEntry, architecture, paramCount, paramLayout } from './layout.js';
import { type ModelSpec, validateModelSpec } from './spec.js';
import { type Graph, forwardGraph, layoutIndex, uploadObservations, uploadParams } from './tf_graph.js';

// lib/config.ts, lib/training/ and older tests import these from here; lib/model/index.ts is the
// folder's entry point.
export { MODEL_KINDS, type ModelKind, type ModelSpec, defaultModelSpec } from './spec.js';
export { type ParamEntry, paramLayout } from './layout.js';
export type { RolloutBatch } from './batch.js';

/** The network's outputs on a rollout (`forwardBatch`): what `a3cLoss` reads besides the batch. */
export interface BatchOutputs {
  /** Gaussian means (pre-tanh), length x actionSize; also the "policy then" of the next `policyKl`. */
  mean: Float32Array;
  /** log sigma, actionSize (a copy). */
  logStd: Float32Array;
  /** V(s_t), length. */
  value: Float32Array;
  length: number;
  /** A tanh-squashed policy's action box (its log-prob has change-of-variables terms), else null. */
  squashedBounds: { low: readonly number[]; high: readonly number[] } | null;
}

export class ActorCritic {
  readonly spec: ModelSpec;
  readonly numParams: number;
  readonly layout: ParamEntry[];
  /** The local parameters, in `layout` order: the truth both forward passes read. */
  readonly params: Float32Array;

  private readonly arch: Architecture;
  private readonly indexOf: ReadonlyMap<string, number>;
  /** A view of actor.logStd inside `params`. */
  private readonly logStd: Float32Array;
  private readonly network: PlainForward;
  private readonly sampler: ActionSampler;
  private readonly squashedBounds: BatchOutputs['squashedBounds'];
  /** Scratch for the Gaussian mean of `act`. */
  private readonly meanScratch: Float64Array;
  /** The tensors of the latest `forwardBatch`, owned here until `backward` (or the next forward) frees them. */
  private pending: { outputs: BatchOutputs; tensors: tf.Tensor[]; net: Graph } | null = null;
  private disposed = false;

  constructor(spec: ModelSpec, options: { rng?: Rng; params?: ArrayLike<number> } = {}) {
    this.spec = validateModelSpec(spec);
    this.layout = paramLayout(this.spec);
    this.numParams = paramCount(this.layout);
    this.params = new Float32Array(this.numParams);
    this.arch = architecture(this.layout, this.spec);
    this.indexOf = layoutIndex(this.layout);
    const { actionSize, actionLow, actionHigh } = this.spec;
    this.logStd = this.params.subarray(this.arch.logStd, this.arch.logStd + actionSize);
    this.network = new PlainForward(this.spec, this.arch, this.params);
    this.sampler = new ActionSampler(this.spec);
    this.squashedBounds = this.spec.kind === 'squashed' ? { low: actionLow, high: actionHigh } : null;
    this.meanScratch = new Float64Array(actionSize);

    if (options.params !== undefined) this.setParams(options.params);
    else if (options.rng !== undefined)
      initialiseParams(this.params, this.layout, { rng: options.rng, initLogStd: this.spec.initLogStd });
    else
      throw new Error('ActorCritic: pass options.rng (to initialise the parameters) or options.params (to copy them)');
  }

  /**
   * Copy `flat` (e.g. the shared global parameters, A3C step 1) into the local parameters. Not
   * checked for finiteness: SharedAdam only ever holds finite parameters, and `act` reports a
   * diverged network at its output.
   */
  setParams(flat: ArrayLike<number>): void {
    if (flat == null || flat.length !== this.numParams) {
      throw new Error(
        `ActorCritic.setParams: expected ${this.numParams} parameters for this spec, got ${flat?.length}`,
      );
    }
    this.params.set(flat);
  }

  /**
   * Sample an action for one observation (plain TypeScript, no tfjs). With `deterministic`, the
   * action is the mean and rawAction the Gaussian mean (logProb is then that of the mean).
   * `noise` gives the standard-normal draws eps (one per action dimension) instead of drawing
   * them from `rng`; u = mu + sigma * eps either way.
   */
  act(
    observation: ArrayLike<number>,
    rng: Rng,
    options: { deterministic?: boolean; noise?: ArrayLike<number> } = {},
  ): ActOutput {
    this.network.load('act', observation);
    const given = options.noise;
    if (given !== undefined && given.length !== this.spec.actionSize) {
      throw new Error(
        `ActorCritic.act: noise must have ${this.spec.actionSize} numbers (one per action dimension), got ${given.length}`,
      );
    }
    if (!options.deterministic && given === undefined && typeof rng?.normal !== 'function') {
      throw new Error('ActorCritic.act: pass an Rng to sample from (or options.noise, or options.deterministic)');
    }
    const value = this.network.meanAndValue(this.meanScratch);
    const noise = options.deterministic ? () => 0 : given !== undefined ? (i: number) => given[i] : () => rng.normal();
    return this.sampler.sample(this.meanScratch, this.logStd, value, noise);
  }

  /** V(s) for one observation (plain TypeScript, no tfjs), e.g. the bootstrap value V(s_T). */
  value(observation: ArrayLike<number>): number {
    this.network.load('value', observation);
    return this.network.value();
  }

  /**
   * The plain-TypeScript twin of `forwardTf` for one observation: the Gaussian mean (pre-tanh),
   * logStd and V(s).
   */
  forward(observation: ArrayLike<number>): { mean: Float64Array; logStd: Float64Array; value: number } {
    this.network.load('forward', observation);
    const mean = new Float64Array(this.spec.actionSize);
    const value = this.network.meanAndValue(mean);
    return { mean, logStd: Float64Array.from(this.logStd), value };
  }

  /** The tfjs forward pass over `length` observations (row-major): Gaussian means, logStd and values. */
  forwardTf(
    observations: Float32Array,
    length: number,
  ): { mean: Float32Array; logStd: Float32Array; value: Float32Array } {
    this.checkTfReady('forwardTf', observations, length);
    return tf.tidy(() => {
      const { mean, logStd, value } = this.outputsOf(this.graph(observations, length).net, length);
      return { mean, logStd, value };
    });
  }

  /**
   * A3C step 4, part 1: the tfjs forward pass on a rollout (its first `length` observations).
   * The model keeps the graph's activations for `backward`, which frees them; a later
   * `forwardBatch` or `dispose` frees them too.
   */
  forwardBatch(batch: { observations: Float32Array; length: number }): BatchOutputs {
    this.checkTfReady('forwardBatch', batch?.observations, batch?.length);
    this.release();
    const kept = tf.tidy(() => this.graph(batch.observations, batch.length));
    const outputs = this.outputsOf(kept.net, batch.length);
    this.pending = { outputs, ...kept };
    return outputs;
  }

  /**
   * A3C step 4, part 3: back-propagate the loss's gradients with respect to the outputs of the
   * latest `forwardBatch` (e.g. `a3cLoss`'s) to every parameter, in `layout` order. A non-finite
   * loss gives non-finite gradients, not an exception: the worker checks and skips.
   */
  backward(outputs: BatchOutputs, loss: A3CLossGradients): Float32Array {
    const pending = this.pending;
    if (pending === null || pending.outputs !== outputs) {
      throw new Error(
        "ActorCritic.backward: pass the outputs of this model's latest forwardBatch (each can be back-propagated once)",
      );
    }
    this.pending = null;
    try {
      const { length } = outputs;
      const { actionSize } = this.spec;
      if (
        loss?.dMean?.length !== length * actionSize ||
        loss.dValue?.length !== length ||
        loss.dLogStd?.length !== actionSize
      )
        throw new Error(
          `ActorCritic.backward: the loss gradients do not match ${length} rows of ${actionSize} actions`,
        );
      // Not returned through tf.tidy: it walks every element of a returned typed array (~50 ms here).
      let gradients: Float32Array = new Float32Array(0);
      tf.tidy(() => {
        gradients = backpropagate(this, { tensors: pending.tensors, indexOf: this.indexOf }, pending.net, loss);
      });
      return gradients;
    } finally {
      tf.dispose([pending.tensors, pending.net]);
    }
  }

  /**
   * Gradients of the A3C loss (lib/a3c/losses.ts) on one rollout with respect to every
   * parameter, in the `layout` order, the loss terms, and the policy means on the rollout (for
   * `policyKl`): `forwardBatch`, `a3cLoss`, `backward`. Leaves no tensors behind. Non-finite
   * inputs or an overflowing forward pass give a non-finite loss and gradients, not an exception.
   */
  computeGradients(
    batch: RolloutBatch,
    coefficients: LossCoefficients,
  ): { gradients: Float32Array; info: LossInfo; means: Float32Array } {
    checkBatch('computeGradients', batch, this.spec, coefficients);
    const outputs = this.forwardBatch(batch);
    const loss = a3cLoss({ ...outputs, ...batch, ...coefficients });
    const gradients = this.backward(outputs, loss);
    const { totalLoss, policyLoss, valueLoss, entropy, std } = loss;
    return { gradients, info: { totalLoss, policyLoss, valueLoss, entropy, std }, means: outputs.mean };
  }

  /**
   * Mean over `length` observations of KL(old || current policy), where `oldMeans` (length x
   * actionSize, pre-tanh, e.g. the `mean` of `forwardBatch`) and `oldLogStd` are an earlier
   * policy's outputs on the same observations (kl.ts).
   */
  policyKl(
    observations: Float32Array,
    length: number,
    oldMeans: ArrayLike<number>,
    oldLogStd: ArrayLike<number>,
  ): number {
    const { observationSize, actionSize } = this.spec;
    const network = this.network;
    return policyKl({
      network,
      logStd: this.logStd,
      observationSize,
      actionSize,
      observations,
      length,
      oldMeans,
      oldLogStd,
    });
  }

  /**
   * End the tfjs side of the model: free the tensors of a `forwardBatch` not yet back-propagated
   * (it holds no others between calls). The plain-TypeScript methods keep working, the tfjs ones throw.
   */
  dispose(): void {
    this.release();
    this.disposed = true;
  }

  /** Upload the parameters and the first `length` observations, and run the graph (inside a tidy). */
  private graph(observations: Float32Array, length: number): { tensors: tf.Tensor[]; net: Graph } {
    const tensors = uploadParams(this.layout, this.params);
    const x = uploadObservations(observations, length, this.spec.observationSize);
    return { tensors, net: forwardGraph(this.spec, { tensors, indexOf: this.indexOf }, x) };
  }

  private outputsOf(net: Graph, length: number): BatchOutputs {
    return {
      mean: net.mean.dataSync() as Float32Array,
      logStd: this.logStd.slice(),
      value: net.value.dataSync() as Float32Array,
      length,
      squashedBounds: this.squashedBounds,
    };
  }

  private release(): void {
    if (this.pending !== null) tf.dispose([this.pending.tensors, this.pending.net]);
    this.pending = null;
  }

  private checkTfReady(caller: string, observations: Float32Array | undefined, length: number): void {
    checkRows(caller, 'observations', observations, length, this.spec.observationSize);
    if (this.disposed) throw new Error(`ActorCritic.${caller}: the model was disposed`);
    assertBackendReady(`ActorCritic.${caller}`);
  }
}
