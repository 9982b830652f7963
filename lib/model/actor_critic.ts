/**
 * The A3C actor-critic pi(a|s; theta), V(s; theta) (Mnih et al. 2016, section 5.2 for continuous
 * actions: a Gaussian policy and a value head), with its parameters in ONE flat Float32Array.
 *
 * Two implementations of the same network read that array:
 * - a plain-TypeScript forward pass (`act`, `value`, `forward`), used at every environment step:
 *   one tfjs call costs ~170 us of overhead at batch 1, the loop below ~20 us;
 * - a TensorFlow.js graph (`forwardTf`, `computeGradients`), used once per rollout to get the
 *   gradients of the A3C loss (lib/losses.ts), written back in the same flat layout
 *   (lib/shared_adam.ts applies them to the global parameters).
 *
 * Architectures (ReLU hidden layers, state-independent log-std vector, as in the reference):
 *   'squashed'  separate actor and critic MLPs; u ~ N(mu(s), sigma), a = scale(tanh(u)) in the box.
 *   'separate'  separate actor and critic MLPs; a = u ~ N(mu(s), sigma), clipped to the box.
 *   'shared'    one trunk MLP feeding a mean head and a value head; plain Gaussian, clipped.
 * The log-prob of a squashed action includes the tanh and scale corrections (lib/distributions.ts);
 * the log-prob of a clipped action is that of the unclipped sample u.
 *
 * Initialisation (CleanRL / Stable-Baselines3's choice, known to help on MuJoCo): orthogonal
 * kernels with gain sqrt(2) for hidden layers, 0.01 for the mean head (initial actions near the
 * centre of the box, whatever the observation) and 1 for the value head; zero biases; logStd =
 * initLogStd. It is computed in plain TypeScript from the Rng, so the same seed gives the same
 * parameters on every backend and thread.
 */
import * as tf from '@tensorflow/tfjs';
import { assertBackendReady } from './backend.js';
import { HALF_LOG_2PI, diagonalGaussianKl, logOneMinusTanhSquared } from './distributions.js';
import { a3cLoss } from '../a3c/losses.js';
import type { A3CLossOutput } from '../a3c/losses.js';
import type { Rng } from '../common/rng.js';
import { allFinite } from '../a3c/shared_adam.js';

export type ModelKind = 'squashed' | 'separate' | 'shared';
export const MODEL_KINDS: readonly ModelKind[] = ['squashed', 'separate', 'shared'];

export interface ModelSpec {
  kind: ModelKind;
  observationSize: number;
  actionSize: number;
  /** Widths of the hidden ReLU layers of each MLP (actor and critic, or the shared trunk). */
  hiddenSizes: number[];
  /** The action box; 'squashed' maps tanh's (-1, 1) onto it, the others clip to it. */
  actionLow: number[];
  actionHigh: number[];
  /** Initial log standard deviation of the Gaussian, the same for every action dimension. */
  initLogStd: number;
}

/**
 * A complete, validated spec. Defaults: kind 'squashed' (the reference's best model), hidden
 * sizes [128, 128] (the reference's), initLogStd 0 (sigma = 1, the reference's torch.zeros).
 */
export function defaultModelSpec(
  o: {
    observationSize: number;
    actionSize: number;
    actionLow: ArrayLike<number>;
    actionHigh: ArrayLike<number>;
  } & Partial<Omit<ModelSpec, 'actionLow' | 'actionHigh'>>,
): ModelSpec {
  return validateModelSpec({
    kind: o.kind ?? 'squashed',
    observationSize: o.observationSize,
    actionSize: o.actionSize,
    hiddenSizes: o.hiddenSizes ?? [128, 128],
    actionLow: Array.from(o.actionLow ?? []),
    actionHigh: Array.from(o.actionHigh ?? []),
    initLogStd: o.initLogStd ?? 0,
  });
}

/** Check every field and return a frozen copy with plain arrays (JSON- and worker-friendly). */
export function validateModelSpec(spec: ModelSpec): ModelSpec {
  const problems: string[] = [];
  const isPositiveInteger = (x: unknown) => Number.isInteger(x) && (x as number) > 0;
  if (!MODEL_KINDS.includes(spec?.kind))
    problems.push(`kind must be one of ${MODEL_KINDS.join(', ')}, got ${JSON.stringify(spec?.kind)}`);
  if (!isPositiveInteger(spec?.observationSize))
    problems.push(`observationSize must be a positive integer, got ${spec?.observationSize}`);
  if (!isPositiveInteger(spec?.actionSize))
    problems.push(`actionSize must be a positive integer, got ${spec?.actionSize}`);
  if (!Array.isArray(spec?.hiddenSizes) || !spec.hiddenSizes.every(isPositiveInteger)) {
    problems.push(`hiddenSizes must be an array of positive integers, got ${JSON.stringify(spec?.hiddenSizes)}`);
  }
  if (!Number.isFinite(spec?.initLogStd)) problems.push(`initLogStd must be a finite number, got ${spec?.initLogStd}`);
  const low = Array.from(spec?.actionLow ?? []);
  const high = Array.from(spec?.actionHigh ?? []);
  if (low.length !== spec?.actionSize || high.length !== spec?.actionSize) {
    problems.push(
      `actionLow and actionHigh must have actionSize (${spec?.actionSize}) entries, got ${low.length} and ${high.length}`,
    );
  } else {
    for (let i = 0; i < low.length; i++) {
      const finite = Number.isFinite(low[i]) && Number.isFinite(high[i]);
      if (spec.kind === 'squashed' ? !(finite && low[i] < high[i]) : !(low[i] <= high[i])) {
        problems.push(
          `action bound ${i} must satisfy low < high${spec.kind === 'squashed' ? ', both finite (tanh squashing needs a bounded box)' : ''}, got [${low[i]}, ${high[i]}]`,
        );
      }
    }
  }
  if (problems.length > 0) throw new Error(`Invalid model spec:\n  - ${problems.join('\n  - ')}`);
  return Object.freeze({
    kind: spec.kind,
    observationSize: spec.observationSize,
    actionSize: spec.actionSize,
    hiddenSizes: Object.freeze([...spec.hiddenSizes]) as number[],
    actionLow: Object.freeze(low) as number[],
    actionHigh: Object.freeze(high) as number[],
    initLogStd: spec.initLogStd,
  });
}

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

export interface ActOutput {
  /** Env-ready action, inside the action box. */
  action: Float64Array;
  /** The Gaussian sample u the log-prob is evaluated at (pre-tanh for 'squashed'); store it for the update. */
  rawAction: Float32Array;
  /** V(s). */
  value: number;
  /** log pi(action|s), corrected for tanh and the scale for 'squashed'. */
  logProb: number;
  /** Entropy of the base Gaussian. */
  entropy: number;
  /** The deterministic action (the Gaussian mean, squashed and scaled or clipped), env-ready. */
  mean: Float64Array;
}

export interface RolloutBatch {
  /** length * observationSize, row-major (a longer, preallocated buffer is fine: rows past `length` are ignored). */
  observations: Float32Array;
  /** length * actionSize: the `rawAction`s returned by `act`. */
  rawActions: Float32Array;
  /** n-step returns R_t, the value targets. */
  returns: Float32Array;
  /** Advantages A_t (used as given: no normalisation here). */
  advantages: Float32Array;
  /** Number of transitions, >= 1. */
  length: number;
}

export interface LossCoefficients {
  valueCoef: number;
  entropyCoef: number;
}

export interface LossInfo {
  totalLoss: number;
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  /** Mean of exp(logStd) over the action dimensions. */
  std: number;
}

/** A dense layer inside the flat parameter array. */
interface Dense {
  kernel: number;
  bias: number;
  inSize: number;
  outSize: number;
}

/** Where each part of the network lives in the flat array (derived from the layout). */
interface Architecture {
  /** Hidden layers of the actor ('shared': of the trunk). */
  actorHidden: Dense[];
  /** Hidden layers of the critic; empty and unused for 'shared' (the value head reads the trunk). */
  criticHidden: Dense[];
  meanHead: Dense;
  valueHead: Dense;
  logStd: number;
}

const HIDDEN_GAIN = Math.SQRT2;
const MEAN_HEAD_GAIN = 0.01;
const VALUE_HEAD_GAIN = 1;

export class ActorCritic {
  readonly spec: ModelSpec;
  readonly numParams: number;
  readonly layout: ParamEntry[];
  /** The local parameters, in `layout` order: the truth both forward passes read. */
  readonly params: Float32Array;

  private readonly arch: Architecture;
  /** Position of each named parameter in `layout`. */
  private readonly indexOf: Map<string, number>;
  private readonly shared: boolean;
  private readonly squashed: boolean;
  /** (high - low) / 2 and its log-det, for 'squashed'. */
  private readonly actionHalfRange: Float64Array;
  private readonly scaleLogDet: number;
  /** Scratch activations of the fast path, one buffer per layer (no allocation per step). */
  private readonly input: Float64Array;
  private readonly actorActivations: Float64Array[];
  private readonly criticActivations: Float64Array[];
  private readonly meanScratch: Float64Array;
  private readonly valueScratch = new Float64Array(1);
  /** Indices of the non-zero inputs of the layer being computed (see `dense`). */
  private readonly nonZero: Int32Array;
  private disposed = false;

  constructor(spec: ModelSpec, options: { rng?: Rng; params?: ArrayLike<number> } = {}) {
    this.spec = validateModelSpec(spec);
    this.layout = paramLayout(this.spec);
    const last = this.layout[this.layout.length - 1];
    this.numParams = last.offset + last.size;
    this.params = new Float32Array(this.numParams);
    this.shared = this.spec.kind === 'shared';
    this.squashed = this.spec.kind === 'squashed';
    this.arch = architecture(this.layout, this.spec);
    this.indexOf = new Map(this.layout.map((e, k) => [e.name, k]));

    const { actionSize, actionLow, actionHigh } = this.spec;
    this.actionHalfRange = new Float64Array(actionSize);
    let scaleLogDet = 0;
    for (let i = 0; i < actionSize; i++) {
      this.actionHalfRange[i] = (actionHigh[i] - actionLow[i]) / 2;
      if (this.squashed) scaleLogDet += Math.log(this.actionHalfRange[i]);
    }
    this.scaleLogDet = scaleLogDet;

    this.input = new Float64Array(this.spec.observationSize);
    this.actorActivations = this.arch.actorHidden.map((d) => new Float64Array(d.outSize));
    this.criticActivations = this.arch.criticHidden.map((d) => new Float64Array(d.outSize));
    this.meanScratch = new Float64Array(actionSize);
    this.nonZero = new Int32Array(Math.max(this.spec.observationSize, ...this.spec.hiddenSizes));

    if (options.params !== undefined) this.setParams(options.params);
    else if (options.rng !== undefined) this.initialise(options.rng);
    else
      throw new Error('ActorCritic: pass options.rng (to initialise the parameters) or options.params (to copy them)');
  }

  /** Copy `flat` (e.g. the shared global parameters) into the local parameters. */
  setParams(flat: ArrayLike<number>): void {
    if (flat == null || flat.length !== this.numParams) {
      throw new Error(
        `ActorCritic.setParams: expected ${this.numParams} parameters for this spec, got ${flat?.length}`,
      );
    }
    // Checked before copying, so a rejected call leaves the parameters as they were.
    if (!allFinite(flat)) throw new Error('ActorCritic.setParams: the parameters contain NaN or Infinity');
    this.params.set(flat);
  }

  /**
   * Sample an action for one observation (plain TypeScript, no tfjs). With `deterministic`, the
   * action is the mean and rawAction the Gaussian mean (logProb is then that of the mean).
   * `noise` gives the standard-normal draws eps (one per action dimension) instead of drawing
   * them from `rng`, e.g. temporally correlated noise (lib/noise.ts); u = mu + sigma * eps either way.
   */
  act(
    observation: ArrayLike<number>,
    rng: Rng,
    options: { deterministic?: boolean; noise?: ArrayLike<number> } = {},
  ): ActOutput {
    this.loadInput('act', observation);
    const given = options.noise;
    if (given !== undefined && given.length !== this.spec.actionSize) {
      throw new Error(
        `ActorCritic.act: noise must have ${this.spec.actionSize} numbers (one per action dimension), got ${given.length}`,
      );
    }
    if (given !== undefined && !allFinite(given)) throw new Error('ActorCritic.act: noise contains NaN or Infinity');
    if (!options.deterministic && given === undefined && typeof rng?.normal !== 'function') {
      throw new Error('ActorCritic.act: pass an Rng to sample from (or options.noise, or options.deterministic)');
    }
    const { actionSize, actionLow, actionHigh } = this.spec;
    const meanRaw = this.meanScratch;
    const value = this.forwardInput(meanRaw);
    const logStd = this.params.subarray(this.arch.logStd, this.arch.logStd + actionSize);

    const rawAction = new Float32Array(actionSize);
    const action = new Float64Array(actionSize);
    const mean = new Float64Array(actionSize);
    let logProb = 0;
    let entropy = 0;
    for (let i = 0; i < actionSize; i++) {
      const std = Math.exp(logStd[i]);
      const noise = options.deterministic ? 0 : given !== undefined ? given[i] : rng.normal();
      // Round u to float32 first: the update evaluates the log-prob at the stored float32 sample.
      const u = Math.fround(meanRaw[i] + std * noise);
      rawAction[i] = u;
      const z = (u - meanRaw[i]) / std;
      logProb += -0.5 * z * z - logStd[i] - HALF_LOG_2PI;
      entropy += 0.5 + HALF_LOG_2PI + logStd[i];
      if (this.squashed) {
        logProb -= logOneMinusTanhSquared(u);
        action[i] = actionLow[i] + (Math.tanh(u) + 1) * this.actionHalfRange[i];
        mean[i] = actionLow[i] + (Math.tanh(meanRaw[i]) + 1) * this.actionHalfRange[i];
      } else {
        action[i] = Math.min(Math.max(u, actionLow[i]), actionHigh[i]);
        mean[i] = Math.min(Math.max(meanRaw[i], actionLow[i]), actionHigh[i]);
      }
    }
    logProb -= this.scaleLogDet;
    if (!Number.isFinite(value) || !Number.isFinite(logProb)) {
      throw new Error(
        `ActorCritic.act: the forward pass gave a non-finite ${Number.isFinite(value) ? 'log-prob' : 'value'}; the parameters have diverged`,
      );
    }
    return { action, rawAction, value, logProb, entropy, mean };
  }

  /** V(s) for one observation (plain TypeScript, no tfjs), e.g. the bootstrap value V(s_T). */
  value(observation: ArrayLike<number>): number {
    this.loadInput('value', observation);
    return this.criticForward();
  }

  /**
   * The plain-TypeScript twin of `forwardTf` for one observation: the Gaussian mean (pre-tanh),
   * logStd and V(s).
   */
  forward(observation: ArrayLike<number>): { mean: Float64Array; logStd: Float64Array; value: number } {
    this.loadInput('forward', observation);
    const mean = new Float64Array(this.spec.actionSize);
    const value = this.forwardInput(mean);
    const logStd = Float64Array.from(this.params.subarray(this.arch.logStd, this.arch.logStd + this.spec.actionSize));
    return { mean, logStd, value };
  }

  /** The tfjs forward pass over `length` observations (row-major): Gaussian means, logStd and values. */
  forwardTf(
    observations: Float32Array,
    length: number,
  ): { mean: Float32Array; logStd: Float32Array; value: Float32Array } {
    this.checkRows('forwardTf', 'observations', observations, length, this.spec.observationSize);
    this.checkTfReady('forwardTf');
    return tf.tidy(() => {
      const net = this.forwardGraph(this.uploadParams(), this.uploadObservations(observations, length));
      return {
        mean: net.mean.dataSync() as Float32Array,
        logStd: this.params.slice(this.arch.logStd, this.arch.logStd + this.spec.actionSize),
        value: net.value.dataSync() as Float32Array,
      };
    });
  }

  /**
   * Gradients of the A3C loss (lib/losses.ts) on one rollout with respect to every parameter,
   * in the `layout` order, and the loss terms. Leaves no tensors behind.
   *
   * How: a tfjs forward pass keeps every layer's activations; the loss and its gradients with
   * respect to the outputs (means, logStd, values) are computed in closed form on the host
   * (`a3cLoss`); then tfjs back-propagates through the dense layers, layer by layer:
   *   dz = dh * [h_out > 0],   dW = h_in^T dz,   db = 1^T dz,   dh_in = dz W^T
   * Each transpose is an explicit kernel so that every product is a plain [n, k] x [k, m]
   * matMul: on the wasm backend only those run in XNNPACK, while the transposed products that
   * tf.grads emits fall back to a scalar loop. Measured on the 2x128 squashed model with 40-step
   * rollouts (bench/models.bench.ts, wasm): 0.9 ms, against 4.3 ms for `computeGradientsAutodiff`.
   *
   * If the forward pass overflows (diverged parameters), the loss terms and every gradient are
   * NaN rather than an exception, so that the caller can skip the update (see `allFinite`).
   */
  computeGradients(
    batch: RolloutBatch,
    coefficients: LossCoefficients,
  ): { gradients: Float32Array; info: LossInfo; means: Float32Array } {
    const { n, valueCoef, entropyCoef } = this.checkBatch('computeGradients', batch, coefficients);
    const { actionSize } = this.spec;
    const logStd = this.params.subarray(this.arch.logStd, this.arch.logStd + actionSize);
    const gradients = new Float32Array(this.numParams);
    // The policy means on the rollout, returned for the KL of the update (policyKl).
    let means: Float32Array = new Float32Array(0);
    let loss: A3CLossOutput | undefined;
    tf.tidy(() => {
      const p = this.uploadParams();
      const net = this.forwardGraph(p, this.uploadObservations(batch.observations, n));
      const mean = net.mean.dataSync() as Float32Array;
      means = mean;
      const value = net.value.dataSync();
      if (!allFinite(mean) || !allFinite(value)) return;
      loss = a3cLoss({
        mean,
        logStd,
        value,
        rawActions: batch.rawActions,
        returns: batch.returns,
        advantages: batch.advantages,
        length: n,
        valueCoef,
        entropyCoef,
        squashedBounds: this.squashed ? { low: this.spec.actionLow, high: this.spec.actionHigh } : null,
      });
      const ones = tf.ones([1, n]) as tf.Tensor2D;
      const results: { name: string; tensor: tf.Tensor }[] = [];
      const get = (name: string) => p[this.indexOf.get(name)!] as tf.Tensor2D;
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
      const deep = this.spec.hiddenSizes.length > 0;
      const dMean = tf.tensor2d(loss.dMean, [n, actionSize]);
      const dValue = tf.tensor2d(loss.dValue, [n, 1]);
      const actorFeatures = net.actor[net.actor.length - 1];
      const criticFeatures = net.critic[net.critic.length - 1];
      const dActor = backDense('actor.mean', actorFeatures, dMean, deep);
      const dCritic = backDense('critic.value', criticFeatures, dValue, deep);
      if (this.shared) {
        backMlp('trunk', net.actor, dActor && dCritic ? (tf.add(dActor, dCritic) as tf.Tensor2D) : null);
      } else {
        backMlp('actor', net.actor, dActor);
        backMlp('critic', net.critic, dCritic);
      }
      for (const { name, tensor } of results)
        gradients.set(tensor.dataSync() as Float32Array, this.layout[this.indexOf.get(name)!].offset);
    });
    const std = meanExp(logStd);
    if (loss === undefined) {
      gradients.fill(Number.NaN);
      return {
        gradients,
        info: { totalLoss: Number.NaN, policyLoss: Number.NaN, valueLoss: Number.NaN, entropy: Number.NaN, std },
        means,
      };
    }
    const { totalLoss, policyLoss, valueLoss, entropy, dLogStd } = loss;
    gradients.set(dLogStd, this.arch.logStd);
    return { gradients, info: { totalLoss, policyLoss, valueLoss, entropy, std }, means };
  }

  /**
   * Mean over `length` observations of KL(old || current policy), where `oldMeans` (length x
   * actionSize, pre-tanh, e.g. the `means` of `computeGradients`) and `oldLogStd` are an earlier
   * policy's outputs on the same observations. Plain TypeScript (the actor only). A3C has no trust
   * region: this measures how far the policy moves per update (the input of `targetKl`, lib/worker.ts).
   */
  policyKl(
    observations: Float32Array,
    length: number,
    oldMeans: ArrayLike<number>,
    oldLogStd: ArrayLike<number>,
  ): number {
    const { observationSize, actionSize } = this.spec;
    this.checkRows('policyKl', 'observations', observations, length, observationSize);
    if (oldMeans == null || oldMeans.length < length * actionSize)
      throw new Error(`policyKl: oldMeans must hold ${length} x ${actionSize} numbers, got ${oldMeans?.length}`);
    const logStd = this.params.subarray(this.arch.logStd, this.arch.logStd + actionSize);
    const mean = this.meanScratch;
    const oldMean = new Float64Array(actionSize);
    let sum = 0;
    for (let t = 0; t < length; t++) {
      this.loadInput('policyKl', observations.subarray(t * observationSize, (t + 1) * observationSize));
      const features = runHidden(this.params, this.arch.actorHidden, this.input, this.actorActivations, this.nonZero);
      dense(this.params, this.arch.meanHead, features, mean, false, this.nonZero);
      for (let i = 0; i < actionSize; i++) oldMean[i] = oldMeans[t * actionSize + i];
      sum += diagonalGaussianKl({ mean: oldMean, logStd: oldLogStd }, { mean, logStd });
    }
    return sum / length;
  }

  /**
   * The same gradients as `computeGradients`, computed the textbook way: the loss written with
   * tfjs ops and differentiated by tf.grads. Slower (see `computeGradients`); kept as an
   * independent reference for tests and benchmarks.
   */
  computeGradientsAutodiff(
    batch: RolloutBatch,
    coefficients: LossCoefficients,
  ): { gradients: Float32Array; info: LossInfo } {
    const { n, valueCoef, entropyCoef } = this.checkBatch('computeGradientsAutodiff', batch, coefficients);
    const { actionSize } = this.spec;
    const gradients = new Float32Array(this.numParams);
    const parts: number[] = [];
    tf.tidy(() => {
      const x = this.uploadObservations(batch.observations, n);
      const u = tf.tensor2d(batch.rawActions.subarray(0, n * actionSize), [n, actionSize]);
      const returns = tf.tensor2d(batch.returns.subarray(0, n), [n, 1]);
      const advantages = tf.tensor2d(batch.advantages.subarray(0, n), [n, 1]);
      // The squash correction of log pi depends only on u: a constant per row.
      const correction = new Float32Array(n);
      if (this.squashed) {
        const scale = this.spec.actionLow.reduce(
          (sum, low, i) => sum + Math.log((this.spec.actionHigh[i] - low) / 2),
          0,
        );
        for (let t = 0; t < n; t++) {
          correction[t] = scale;
          for (let i = 0; i < actionSize; i++)
            correction[t] += logOneMinusTanhSquared(batch.rawActions[t * actionSize + i]);
        }
      }
      const correctionTensor = tf.tensor2d(correction, [n, 1]);
      let kept: tf.Tensor[] = [];
      const grads = tf.grads((...p: tf.Tensor[]) => {
        const get = (name: string) => p[this.indexOf.get(name)!];
        const dense = (h: tf.Tensor2D, prefix: string, activation: 'relu' | 'linear') =>
          tf.fused.matMul({
            a: h,
            b: get(`${prefix}.kernel`) as tf.Tensor2D,
            bias: get(`${prefix}.bias`),
            activation,
          }) as tf.Tensor2D;
        const mlp = (prefix: string) =>
          this.spec.hiddenSizes.reduce((h, _, i) => dense(h, `${prefix}.${i}`, 'relu'), x);
        const actorFeatures = mlp(this.shared ? 'trunk' : 'actor');
        const criticFeatures = this.shared ? actorFeatures : mlp('critic');
        const mean = dense(actorFeatures, 'actor.mean', 'linear');
        const value = dense(criticFeatures, 'critic.value', 'linear');
        const logStd = get('actor.logStd');
        const z = tf.div(tf.sub(u, mean), tf.exp(logStd));
        const gaussianLogProb = tf.sub(
          tf.mul(tf.sum(tf.square(z), 1, true), -0.5),
          tf.add(tf.sum(logStd), actionSize * HALF_LOG_2PI),
        );
        const logProb = tf.sub(gaussianLogProb, correctionTensor);
        const policyLoss = tf.neg(tf.mean(tf.mul(logProb, advantages)));
        const valueLoss = tf.mean(tf.squaredDifference(returns, value));
        const entropy = tf.add(tf.sum(logStd), actionSize * (0.5 + HALF_LOG_2PI));
        kept = [policyLoss, valueLoss, entropy].map((t) => tf.keep(t));
        return tf.sub(tf.add(policyLoss, tf.mul(valueLoss, valueCoef)), tf.mul(entropy, entropyCoef)) as tf.Scalar;
      })(this.uploadParams());
      for (const t of kept) parts.push(t.dataSync()[0]);
      tf.dispose(kept);
      grads.forEach((g, k) => gradients.set(g.dataSync() as Float32Array, this.layout[k].offset));
    });
    const [policyLoss, valueLoss, entropy] = parts;
    const logStd = this.params.subarray(this.arch.logStd, this.arch.logStd + actionSize);
    return {
      gradients,
      info: {
        totalLoss: policyLoss + valueCoef * valueLoss - entropyCoef * entropy,
        policyLoss,
        valueLoss,
        entropy,
        std: meanExp(logStd),
      },
    };
  }

  /**
   * End the tfjs side of the model. It holds no tensors between calls (each call uploads the
   * parameters and disposes everything), so this only marks it: the plain-TypeScript methods keep
   * working, the tfjs ones throw.
   */
  dispose(): void {
    this.disposed = true;
  }

  /**
   * The tfjs forward pass on parameter tensors `p` (layout order). Keeps each MLP's activations
   * [x, h_1, ..., h_L] for back-propagation ('shared': critic === actor, the trunk).
   */
  private forwardGraph(
    p: tf.Tensor[],
    x: tf.Tensor2D,
  ): { actor: tf.Tensor2D[]; critic: tf.Tensor2D[]; mean: tf.Tensor2D; value: tf.Tensor2D } {
    const get = (name: string) => p[this.indexOf.get(name)!];
    const mlp = (prefix: string) => {
      const activations = [x];
      this.spec.hiddenSizes.forEach((_, i) => {
        activations.push(
          denseKernel(
            activations[i],
            get(`${prefix}.${i}.kernel`) as tf.Tensor2D,
            get(`${prefix}.${i}.bias`) as tf.Tensor1D,
            true,
          ),
        );
      });
      return activations;
    };
    const actor = mlp(this.shared ? 'trunk' : 'actor');
    const critic = this.shared ? actor : mlp('critic');
    const mean = denseKernel(
      actor[actor.length - 1],
      get('actor.mean.kernel') as tf.Tensor2D,
      get('actor.mean.bias') as tf.Tensor1D,
      false,
    );
    const value = denseKernel(
      critic[critic.length - 1],
      get('critic.value.kernel') as tf.Tensor2D,
      get('critic.value.bias') as tf.Tensor1D,
      false,
    );
    return { actor, critic, mean, value };
  }

  /** The parameters as tensors, one per layout entry (call inside a tidy). */
  private uploadParams(): tf.Tensor[] {
    return this.layout.map((e) => tf.tensor(this.params.subarray(e.offset, e.offset + e.size), e.shape, 'float32'));
  }

  private uploadObservations(observations: Float32Array, length: number): tf.Tensor2D {
    const size = this.spec.observationSize;
    return tf.tensor2d(observations.subarray(0, length * size), [length, size]);
  }

  private checkBatch(
    caller: string,
    batch: RolloutBatch,
    coefficients: LossCoefficients,
  ): { n: number; valueCoef: number; entropyCoef: number } {
    const n = batch?.length;
    this.checkRows(caller, 'batch.observations', batch?.observations, n, this.spec.observationSize);
    this.checkRows(caller, 'batch.rawActions', batch.rawActions, n, this.spec.actionSize);
    this.checkRows(caller, 'batch.returns', batch.returns, n, 1);
    this.checkRows(caller, 'batch.advantages', batch.advantages, n, 1);
    const { valueCoef, entropyCoef } = coefficients ?? ({} as LossCoefficients);
    if (!(Number.isFinite(valueCoef) && valueCoef >= 0))
      throw new Error(`${caller}: valueCoef must be a finite number >= 0, got ${valueCoef}`);
    if (!(Number.isFinite(entropyCoef) && entropyCoef >= 0))
      throw new Error(`${caller}: entropyCoef must be a finite number >= 0, got ${entropyCoef}`);
    this.checkTfReady(caller);
    return { n, valueCoef, entropyCoef };
  }

  private checkTfReady(caller: string): void {
    if (this.disposed) throw new Error(`ActorCritic.${caller}: the model was disposed`);
    assertBackendReady(`ActorCritic.${caller}`);
  }

  private checkRows(
    caller: string,
    name: string,
    values: Float32Array | undefined,
    length: number,
    width: number,
  ): void {
    if (!Number.isInteger(length) || length < 1)
      throw new Error(`${caller}: length must be an integer >= 1, got ${length}`);
    if (!(values instanceof Float32Array)) throw new Error(`${caller}: ${name} must be a Float32Array`);
    if (values.length < length * width)
      throw new Error(
        `${caller}: ${name} holds ${values.length} numbers, need ${length} x ${width} = ${length * width}`,
      );
    for (let i = 0; i < length * width; i++) {
      if (!Number.isFinite(values[i]))
        throw new Error(`${caller}: ${name}[${i}] is ${values[i]}; all inputs must be finite`);
    }
  }

  /** Validate one observation and copy it into the input scratch buffer. */
  private loadInput(caller: string, observation: ArrayLike<number>): void {
    const size = this.spec.observationSize;
    if (observation == null || observation.length !== size) {
      throw new Error(`ActorCritic.${caller}: observation must have ${size} numbers, got ${observation?.length}`);
    }
    for (let i = 0; i < size; i++) {
      const x = observation[i];
      if (!Number.isFinite(x))
        throw new Error(`ActorCritic.${caller}: observation[${i}] is ${x}; observations must be finite`);
      // The tfjs path sees float32 observations; round here too so both paths agree.
      this.input[i] = Math.fround(x);
    }
  }

  /** Fast path on `this.input`: writes the Gaussian mean into `meanOut`, returns V(s). */
  private forwardInput(meanOut: Float64Array): number {
    const features = runHidden(this.params, this.arch.actorHidden, this.input, this.actorActivations, this.nonZero);
    dense(this.params, this.arch.meanHead, features, meanOut, false, this.nonZero);
    if (this.shared) {
      dense(this.params, this.arch.valueHead, features, this.valueScratch, false, this.nonZero);
      return this.valueScratch[0];
    }
    return this.criticForward();
  }

  /** V(s) on `this.input`. */
  private criticForward(): number {
    const hidden = this.shared ? this.arch.actorHidden : this.arch.criticHidden;
    const activations = this.shared ? this.actorActivations : this.criticActivations;
    const features = runHidden(this.params, hidden, this.input, activations, this.nonZero);
    dense(this.params, this.arch.valueHead, features, this.valueScratch, false, this.nonZero);
    return this.valueScratch[0];
  }

  private initialise(rng: Rng): void {
    const p = this.params;
    for (const entry of this.layout) {
      if (entry.name.endsWith('.kernel')) {
        const gain =
          entry.name === 'actor.mean.kernel'
            ? MEAN_HEAD_GAIN
            : entry.name === 'critic.value.kernel'
              ? VALUE_HEAD_GAIN
              : HIDDEN_GAIN;
        p.set(orthogonalKernel({ inSize: entry.shape[0], outSize: entry.shape[1], gain, rng }), entry.offset);
      } else if (entry.name === 'actor.logStd') {
        p.fill(this.spec.initLogStd, entry.offset, entry.offset + entry.size);
      }
    }
  }
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

function meanExp(xs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += Math.exp(xs[i]);
  return sum / xs.length;
}

/**
 * A random [inSize, outSize] kernel with orthonormal columns (inSize >= outSize) or rows
 * (inSize < outSize), times `gain`, like torch.nn.init.orthogonal_ (Saxe et al. 2014): the QR
 * decomposition of a Gaussian matrix, with the signs fixed so that R has a positive diagonal,
 * which is exactly what Gram-Schmidt produces. Row-major Float64Array.
 */
export function orthogonalKernel({
  inSize,
  outSize,
  gain,
  rng,
}: {
  inSize: number;
  outSize: number;
  gain: number;
  rng: Rng;
}): Float64Array {
  if (!(Number.isInteger(inSize) && inSize > 0 && Number.isInteger(outSize) && outSize > 0)) {
    throw new Error(`orthogonalKernel: sizes must be positive integers, got ${inSize} x ${outSize}`);
  }
  if (!Number.isFinite(gain)) throw new Error(`orthogonalKernel: gain must be finite, got ${gain}`);
  const n = Math.max(inSize, outSize);
  const k = Math.min(inSize, outSize);
  const columns: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = rng.normal();
    // Modified Gram-Schmidt, done twice ("twice is enough", Giraud et al. 2005) so the columns
    // stay orthogonal to double precision.
    for (let pass = 0; pass < 2; pass++) {
      for (const q of columns) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += c[i] * q[i];
        for (let i = 0; i < n; i++) c[i] -= dot * q[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += c[i] * c[i];
    norm = Math.sqrt(norm);
    if (!(norm > 1e-12)) throw new Error('orthogonalKernel: degenerate random draw');
    for (let i = 0; i < n; i++) c[i] /= norm;
    columns.push(c);
  }
  const kernel = new Float64Array(inSize * outSize);
  for (let i = 0; i < inSize; i++) {
    for (let j = 0; j < outSize; j++) {
      kernel[i * outSize + j] = gain * (inSize >= outSize ? columns[j][i] : columns[i][j]);
    }
  }
  return kernel;
}

function architecture(layout: ParamEntry[], spec: ModelSpec): Architecture {
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

/** Run ReLU layers from `input`; returns the last activation (or `input` if there are none). */
function runHidden(
  p: Float32Array,
  layers: Dense[],
  input: Float64Array,
  activations: Float64Array[],
  nonZero: Int32Array,
): Float64Array {
  let h = input;
  for (let l = 0; l < layers.length; l++) {
    dense(p, layers[l], h, activations[l], true, nonZero);
    h = activations[l];
  }
  return h;
}

/**
 * out = x @ W + b (optionally ReLU), W row-major [in, out] at p[layer.kernel]; `nonZero` is
 * scratch of at least `in` entries.
 *
 * Why the shape of this loop: it adds rows of W scaled by x_i, so W is read contiguously. After
 * a ReLU about half of x is exactly 0, and those rows are skipped (half the work). The remaining
 * rows are taken 8 (then 4) at a time so that out[j] is loaded and stored once per 8 rows, not
 * once per row; this is ~2x faster than one row at a time in V8.
 */
function dense(
  p: Float32Array,
  layer: Dense,
  x: Float64Array,
  out: Float64Array,
  relu: boolean,
  nonZero: Int32Array,
): void {
  const { kernel, bias, inSize, outSize } = layer;
  for (let j = 0; j < outSize; j++) out[j] = p[bias + j];
  let m = 0;
  for (let i = 0; i < inSize; i++) if (x[i] !== 0) nonZero[m++] = i;
  let k = 0;
  for (; k + 8 <= m; k += 8) {
    const i0 = nonZero[k],
      i1 = nonZero[k + 1],
      i2 = nonZero[k + 2],
      i3 = nonZero[k + 3];
    const i4 = nonZero[k + 4],
      i5 = nonZero[k + 5],
      i6 = nonZero[k + 6],
      i7 = nonZero[k + 7];
    const x0 = x[i0],
      x1 = x[i1],
      x2 = x[i2],
      x3 = x[i3],
      x4 = x[i4],
      x5 = x[i5],
      x6 = x[i6],
      x7 = x[i7];
    const r0 = kernel + i0 * outSize,
      r1 = kernel + i1 * outSize,
      r2 = kernel + i2 * outSize,
      r3 = kernel + i3 * outSize;
    const r4 = kernel + i4 * outSize,
      r5 = kernel + i5 * outSize,
      r6 = kernel + i6 * outSize,
      r7 = kernel + i7 * outSize;
    for (let j = 0; j < outSize; j++) {
      out[j] +=
        x0 * p[r0 + j] +
        x1 * p[r1 + j] +
        x2 * p[r2 + j] +
        x3 * p[r3 + j] +
        x4 * p[r4 + j] +
        x5 * p[r5 + j] +
        x6 * p[r6 + j] +
        x7 * p[r7 + j];
    }
  }
  for (; k + 4 <= m; k += 4) {
    const i0 = nonZero[k],
      i1 = nonZero[k + 1],
      i2 = nonZero[k + 2],
      i3 = nonZero[k + 3];
    const x0 = x[i0],
      x1 = x[i1],
      x2 = x[i2],
      x3 = x[i3];
    const r0 = kernel + i0 * outSize,
      r1 = kernel + i1 * outSize,
      r2 = kernel + i2 * outSize,
      r3 = kernel + i3 * outSize;
    for (let j = 0; j < outSize; j++) out[j] += x0 * p[r0 + j] + x1 * p[r1 + j] + x2 * p[r2 + j] + x3 * p[r3 + j];
  }
  for (; k < m; k++) {
    const xi = x[nonZero[k]];
    const row = kernel + nonZero[k] * outSize;
    for (let j = 0; j < outSize; j++) out[j] += xi * p[row + j];
  }
  if (relu) for (let j = 0; j < outSize; j++) if (out[j] < 0) out[j] = 0;
}
