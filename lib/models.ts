/**
 * The A3C actor-critic pi(a|s; theta), V(s; theta) (Mnih et al. 2016, section 5.2 for continuous
 * actions: a Gaussian policy and a value head), with its parameters in ONE flat Float32Array.
 *
 * Two implementations of the same network read that array:
 * - a plain-TypeScript forward pass (`act`, `value`, `forward`), used at every environment step:
 *   one tfjs call costs ~170 us of overhead at batch 1, the loop below ~20 us;
 * - a TensorFlow.js graph (`forwardTf`, `computeGradients`), used once per rollout to get the
 *   gradients of the A3C loss, written back in the same flat layout (lib/shared_adam.ts adds
 *   them to the global parameters).
 *
 * Architectures (ReLU hidden layers, state-independent log-std vector, as in the reference):
 *   'squashed'  separate actor and critic MLPs; u ~ N(mu(s), sigma), a = scale(tanh(u)) in the box.
 *   'separate'  separate actor and critic MLPs; a = u ~ N(mu(s), sigma), clipped to the box.
 *   'shared'    one trunk MLP feeding a mean head and a value head; plain Gaussian, clipped.
 * The log-prob of a squashed action includes the tanh and scale corrections (lib/distributions.ts).
 *
 * Loss of one rollout of length n (minimised), with given advantages A_t and returns R_t:
 *   policyLoss = -(1/n) sum_t log pi(u_t|s_t) A_t
 *   valueLoss  =  (1/n) sum_t (R_t - V(s_t))^2
 *   entropy    =  entropy of the base Gaussian (state-independent: sum_i 1/2 + log(2 pi)/2 + logStd_i)
 *   total      =  policyLoss + valueCoef * valueLoss - entropyCoef * entropy
 *
 * Initialisation (CleanRL / Stable-Baselines3's choice, known to help on MuJoCo): orthogonal
 * kernels with gain sqrt(2) for hidden layers, 0.01 for the mean head (initial actions near the
 * centre of the box, whatever the observation) and 1 for the value head; zero biases; logStd =
 * initLogStd. It is computed in plain TypeScript from the Rng, so the same seed gives the same
 * parameters on every backend and thread.
 */
import * as tf from '@tensorflow/tfjs';
import { assertBackendReady } from './backend.js';
import { HALF_LOG_2PI, logOneMinusTanhSquared } from './distributions.js';
import type { Rng } from './rng.js';

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
export function defaultModelSpec(o: { observationSize: number; actionSize: number; actionLow: ArrayLike<number>; actionHigh: ArrayLike<number> } & Partial<Omit<ModelSpec, 'actionLow' | 'actionHigh'>>): ModelSpec {
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
  if (!MODEL_KINDS.includes(spec?.kind)) problems.push(`kind must be one of ${MODEL_KINDS.join(', ')}, got ${JSON.stringify(spec?.kind)}`);
  if (!isPositiveInteger(spec?.observationSize)) problems.push(`observationSize must be a positive integer, got ${spec?.observationSize}`);
  if (!isPositiveInteger(spec?.actionSize)) problems.push(`actionSize must be a positive integer, got ${spec?.actionSize}`);
  if (!Array.isArray(spec?.hiddenSizes) || !spec.hiddenSizes.every(isPositiveInteger)) {
    problems.push(`hiddenSizes must be an array of positive integers, got ${JSON.stringify(spec?.hiddenSizes)}`);
  }
  if (!Number.isFinite(spec?.initLogStd)) problems.push(`initLogStd must be a finite number, got ${spec?.initLogStd}`);
  const low = Array.from(spec?.actionLow ?? []);
  const high = Array.from(spec?.actionHigh ?? []);
  if (low.length !== spec?.actionSize || high.length !== spec?.actionSize) {
    problems.push(`actionLow and actionHigh must have actionSize (${spec?.actionSize}) entries, got ${low.length} and ${high.length}`);
  } else {
    for (let i = 0; i < low.length; i++) {
      const finite = Number.isFinite(low[i]) && Number.isFinite(high[i]);
      if (spec.kind === 'squashed' ? !(finite && low[i] < high[i]) : !(low[i] <= high[i])) {
        problems.push(`action bound ${i} must satisfy low < high${spec.kind === 'squashed' ? ', both finite (tanh squashing needs a bounded box)' : ''}, got [${low[i]}, ${high[i]}]`);
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
    else throw new Error('ActorCritic: pass options.rng (to initialise the parameters) or options.params (to copy them)');
  }

  /** Copy `flat` (e.g. the shared global parameters) into the local parameters. */
  setParams(flat: ArrayLike<number>): void {
    if (flat == null || flat.length !== this.numParams) {
      throw new Error(`ActorCritic.setParams: expected ${this.numParams} parameters for this spec, got ${flat?.length}`);
    }
    this.params.set(flat);
    if (!allFiniteFloat32(this.params)) throw new Error('ActorCritic.setParams: the parameters contain NaN or Infinity');
  }

  /**
   * Sample an action for one observation (plain TypeScript, no tfjs). With `deterministic`, the
   * action is the mean and rawAction the Gaussian mean (logProb is then that of the mean).
   */
  act(observation: ArrayLike<number>, rng: Rng, options: { deterministic?: boolean } = {}): ActOutput {
    this.loadInput('act', observation);
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
      const noise = options.deterministic ? 0 : rng.normal();
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
      throw new Error(`ActorCritic.act: the forward pass gave a non-finite ${Number.isFinite(value) ? 'log-prob' : 'value'}; the parameters have diverged`);
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
  forwardTf(observations: Float32Array, length: number): { mean: Float32Array; logStd: Float32Array; value: Float32Array } {
    this.checkRows('forwardTf', 'observations', observations, length, this.spec.observationSize);
    this.checkTfReady('forwardTf');
    return tf.tidy(() => {
      const x = tf.tensor2d(observations.subarray(0, length * this.spec.observationSize), [length, this.spec.observationSize]);
      const out = this.graph(this.uploadParams(), x);
      return {
        mean: out.mean.dataSync() as Float32Array,
        logStd: out.logStd.dataSync() as Float32Array,
        value: out.value.dataSync() as Float32Array,
      };
    });
  }

  /**
   * Gradients of the A3C loss (file header) on one rollout with respect to every parameter, in
   * the `layout` order, and the loss terms. Leaves no tensors behind.
   */
  computeGradients(batch: RolloutBatch, coefficients: LossCoefficients): { gradients: Float32Array; info: LossInfo } {
    const { observationSize, actionSize } = this.spec;
    const n = batch?.length;
    this.checkRows('computeGradients', 'batch.observations', batch?.observations, n, observationSize);
    this.checkRows('computeGradients', 'batch.rawActions', batch.rawActions, n, actionSize);
    this.checkRows('computeGradients', 'batch.returns', batch.returns, n, 1);
    this.checkRows('computeGradients', 'batch.advantages', batch.advantages, n, 1);
    const { valueCoef, entropyCoef } = coefficients ?? ({} as LossCoefficients);
    if (!(Number.isFinite(valueCoef) && valueCoef >= 0)) throw new Error(`computeGradients: valueCoef must be a finite number >= 0, got ${valueCoef}`);
    if (!(Number.isFinite(entropyCoef) && entropyCoef >= 0)) throw new Error(`computeGradients: entropyCoef must be a finite number >= 0, got ${entropyCoef}`);
    this.checkTfReady('computeGradients');

    // The parts of the loss that do not depend on the parameters are computed here, in double
    // precision; tfjs only differentiates what does. Per row t, with z = (u - mu) / sigma:
    //   log pi(u_t) = -|z_t|^2 / 2 - sum(logStd) - A log(2 pi) / 2 [- tanh and scale corrections]
    // so  policyLoss = sum_t w_t |z_t|^2 + meanAdv * sum(logStd) + policyConstant
    // with w_t = A_t / (2n), meanAdv = mean_t A_t and policyConstant collecting the rest.
    const advantages = batch.advantages;
    const weights = new Float32Array(n);
    let meanAdvantage = 0;
    let correctionTerm = 0;
    for (let t = 0; t < n; t++) {
      weights[t] = advantages[t] / (2 * n);
      meanAdvantage += advantages[t] / n;
      if (this.squashed) {
        let correction = 0;
        for (let i = 0; i < actionSize; i++) correction += logOneMinusTanhSquared(batch.rawActions[t * actionSize + i]);
        correctionTerm += (correction * advantages[t]) / n;
      }
    }
    const policyConstant = meanAdvantage * (actionSize * HALF_LOG_2PI + this.scaleLogDet) + correctionTerm;
    const entropyConstant = actionSize * (0.5 + HALF_LOG_2PI);

    const gradients = new Float32Array(this.numParams);
    let quadratic = 0;
    let sumLogStd = 0;
    let sumSquaredError = 0;
    tf.tidy(() => {
      const params = this.uploadParams();
      const x = tf.tensor2d(batch.observations.subarray(0, n * observationSize), [n, observationSize]);
      const u = tf.tensor2d(batch.rawActions.subarray(0, n * actionSize), [n, actionSize]);
      const returns = tf.tensor2d(batch.returns.subarray(0, n), [n, 1]);
      const w = tf.tensor2d(weights, [n, 1]);
      // d(total)/d(sum logStd) from the policy term (meanAdv) and the entropy bonus (-entropyCoef).
      const logStdCoef = tf.scalar(meanAdvantage - entropyCoef);
      const valueLossCoef = tf.scalar(valueCoef / n);
      let parts: tf.Scalar[] = [];
      const grads = tf.grads((...p: tf.Tensor[]) => {
        const out = this.graph(p, x);
        const z = tf.mul(tf.sub(u, out.mean), tf.exp(tf.neg(out.logStd)));
        const quad = tf.sum(tf.mul(tf.square(z), w)) as tf.Scalar;
        const logStdSum = tf.sum(out.logStd) as tf.Scalar;
        const sse = tf.sum(tf.squaredDifference(out.value2d, returns)) as tf.Scalar;
        // Kept past the gradient's own tidy so the loss terms can be read below.
        parts = [tf.keep(quad), tf.keep(logStdSum), tf.keep(sse)];
        return tf.addN([quad, tf.mul(logStdSum, logStdCoef), tf.mul(sse, valueLossCoef)]) as tf.Scalar;
      })(params);
      [quadratic, sumLogStd, sumSquaredError] = parts.map((s) => s.dataSync()[0]);
      tf.dispose(parts);
      for (let k = 0; k < grads.length; k++) gradients.set(grads[k].dataSync(), this.layout[k].offset);
    });

    const policyLoss = quadratic + meanAdvantage * sumLogStd + policyConstant;
    const valueLoss = sumSquaredError / n;
    const entropy = sumLogStd + entropyConstant;
    const logStd = this.params.subarray(this.arch.logStd, this.arch.logStd + actionSize);
    let std = 0;
    for (let i = 0; i < actionSize; i++) std += Math.exp(logStd[i]) / actionSize;
    return {
      gradients,
      info: { totalLoss: policyLoss + valueCoef * valueLoss - entropyCoef * entropy, policyLoss, valueLoss, entropy, std },
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
   * The tfjs graph on parameter tensors `p` (in layout order): Gaussian mean [n, A], logStd [A],
   * value [n] and value2d [n, 1].
   */
  private graph(p: tf.Tensor[], x: tf.Tensor2D): { mean: tf.Tensor2D; logStd: tf.Tensor1D; value: tf.Tensor1D; value2d: tf.Tensor2D } {
    const get = (name: string) => p[this.indexOf.get(name)!];
    const layer = (input: tf.Tensor2D, prefix: string, relu: boolean, inputGradient: boolean) =>
      denseTf({ x: input, kernel: get(`${prefix}.kernel`) as tf.Tensor2D, bias: get(`${prefix}.bias`) as tf.Tensor1D, relu, inputGradient });
    const mlp = (prefix: string) => {
      let h = x;
      // The observations need no gradient: the first layer skips computing one.
      this.spec.hiddenSizes.forEach((_, i) => (h = layer(h, `${prefix}.${i}`, true, i > 0)));
      return h;
    };
    const deep = this.spec.hiddenSizes.length > 0;
    const actorFeatures = mlp(this.shared ? 'trunk' : 'actor');
    const criticFeatures = this.shared ? actorFeatures : mlp('critic');
    const mean = layer(actorFeatures, 'actor.mean', false, deep);
    const value2d = layer(criticFeatures, 'critic.value', false, deep);
    return { mean, logStd: get('actor.logStd') as tf.Tensor1D, value: tf.reshape(value2d, [-1]) as tf.Tensor1D, value2d };
  }

  /** The parameters as tensors, one per layout entry (call inside a tidy). */
  private uploadParams(): tf.Tensor[] {
    return this.layout.map((e) => tf.tensor(this.params.subarray(e.offset, e.offset + e.size), e.shape, 'float32'));
  }

  private checkTfReady(caller: string): void {
    if (this.disposed) throw new Error(`ActorCritic.${caller}: the model was disposed`);
    assertBackendReady(`ActorCritic.${caller}`);
  }

  private checkRows(caller: string, name: string, values: Float32Array | undefined, length: number, width: number): void {
    if (!Number.isInteger(length) || length < 1) throw new Error(`${caller}: length must be an integer >= 1, got ${length}`);
    if (!(values instanceof Float32Array)) throw new Error(`${caller}: ${name} must be a Float32Array`);
    if (values.length < length * width) throw new Error(`${caller}: ${name} holds ${values.length} numbers, need ${length} x ${width} = ${length * width}`);
    for (let i = 0; i < length * width; i++) {
      if (!Number.isFinite(values[i])) throw new Error(`${caller}: ${name}[${i}] is ${values[i]}; all inputs must be finite`);
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
      if (!Number.isFinite(x)) throw new Error(`ActorCritic.${caller}: observation[${i}] is ${x}; observations must be finite`);
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
        const gain = entry.name === 'actor.mean.kernel' ? MEAN_HEAD_GAIN : entry.name === 'critic.value.kernel' ? VALUE_HEAD_GAIN : HIDDEN_GAIN;
        p.set(orthogonalKernel({ inSize: entry.shape[0], outSize: entry.shape[1], gain, rng }), entry.offset);
      } else if (entry.name === 'actor.logStd') {
        p.fill(this.spec.initLogStd, entry.offset, entry.offset + entry.size);
      }
    }
  }
}

type CustomGradientFunction = Parameters<typeof tf.customGrad>[0];

/**
 * One dense layer y = x W + b (ReLU'd if `relu`) in tfjs, with its gradient written by hand.
 *
 * Why not tf.fused.matMul and autodiff: on the wasm backend only a plain, untransposed
 * [n, k] x [k, m] product runs in XNNPACK; the products with a transposed operand that autodiff
 * emits for the gradient (dy W^T and x^T dy) fall back to a scalar triple loop that was 70% of
 * the update time. Here the forward pass is one fused kernel (product, bias and ReLU), and the
 * backward pass transposes explicitly so that every product takes the fast path:
 *   dz = dy * [y > 0],   dW = (x^T) dz,   db = 1^T dz,   dx = dz (W^T)
 * dx is skipped when the input needs no gradient (the observations).
 */
function denseTf({ x, kernel, bias, relu, inputGradient }: { x: tf.Tensor2D; kernel: tf.Tensor2D; bias: tf.Tensor1D; relu: boolean; inputGradient: boolean }): tf.Tensor2D {
  // The kernel takes rank-3 (batched) operands, as tf.fused.matMul would pass them.
  const forward = (input: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => {
    const [n, k] = input.shape;
    const m = w.shape[1];
    const a3 = tf.reshape(input, [1, n, k]);
    const b3 = tf.reshape(w, [1, k, m]);
    const y3 = tf.engine().runKernel('_FusedMatMul', { a: a3, b: b3, bias: b }, { transposeA: false, transposeB: false, activation: relu ? 'relu' : 'linear' }) as tf.Tensor3D;
    return tf.reshape(y3, [n, m]) as tf.Tensor2D;
  };
  const parameterGradients = (input: tf.Tensor2D, y: tf.Tensor2D, dy: tf.Tensor2D) => {
    const dz = relu ? tf.mul(dy, tf.step(y)) : dy;
    const ones = tf.ones([1, dz.shape[0]]);
    return { dz, dW: tf.matMul(tf.transpose(input), dz), db: tf.reshape(tf.matMul(ones, dz), [-1]) };
  };
  if (inputGradient) {
    const f = tf.customGrad(((input: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
      const y = forward(input, w, b);
      save([input, w, y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor2D, [savedInput, savedW, savedY]: tf.Tensor[]) => {
          const { dz, dW, db } = parameterGradients(savedInput as tf.Tensor2D, savedY as tf.Tensor2D, dy);
          return [tf.matMul(dz, tf.transpose(savedW)), dW, db];
        },
      };
    }) as unknown as CustomGradientFunction);
    return f(x, kernel, bias) as tf.Tensor2D;
  }
  const g = tf.customGrad(((w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const y = forward(x, w, b);
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor2D, [savedY]: tf.Tensor[]) => {
        const { dW, db } = parameterGradients(x, savedY as tf.Tensor2D, dy);
        return [dW, db];
      },
    };
  }) as unknown as CustomGradientFunction);
  return g(kernel, bias) as tf.Tensor2D;
}

/**
 * A random [inSize, outSize] kernel with orthonormal columns (inSize >= outSize) or rows
 * (inSize < outSize), times `gain`, like torch.nn.init.orthogonal_ (Saxe et al. 2014): the QR
 * decomposition of a Gaussian matrix, with the signs fixed so that R has a positive diagonal,
 * which is exactly what Gram-Schmidt produces. Row-major Float64Array.
 */
export function orthogonalKernel({ inSize, outSize, gain, rng }: { inSize: number; outSize: number; gain: number; rng: Rng }): Float64Array {
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
    return { kernel: kernel.offset, bias: find(`${prefix}.bias`).offset, inSize: kernel.shape[0], outSize: kernel.shape[1] };
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
function runHidden(p: Float32Array, layers: Dense[], input: Float64Array, activations: Float64Array[], nonZero: Int32Array): Float64Array {
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
function dense(p: Float32Array, layer: Dense, x: Float64Array, out: Float64Array, relu: boolean, nonZero: Int32Array): void {
  const { kernel, bias, inSize, outSize } = layer;
  for (let j = 0; j < outSize; j++) out[j] = p[bias + j];
  let m = 0;
  for (let i = 0; i < inSize; i++) if (x[i] !== 0) nonZero[m++] = i;
  let k = 0;
  for (; k + 8 <= m; k += 8) {
    const i0 = nonZero[k], i1 = nonZero[k + 1], i2 = nonZero[k + 2], i3 = nonZero[k + 3];
    const i4 = nonZero[k + 4], i5 = nonZero[k + 5], i6 = nonZero[k + 6], i7 = nonZero[k + 7];
    const x0 = x[i0], x1 = x[i1], x2 = x[i2], x3 = x[i3], x4 = x[i4], x5 = x[i5], x6 = x[i6], x7 = x[i7];
    const r0 = kernel + i0 * outSize, r1 = kernel + i1 * outSize, r2 = kernel + i2 * outSize, r3 = kernel + i3 * outSize;
    const r4 = kernel + i4 * outSize, r5 = kernel + i5 * outSize, r6 = kernel + i6 * outSize, r7 = kernel + i7 * outSize;
    for (let j = 0; j < outSize; j++) {
      out[j] += x0 * p[r0 + j] + x1 * p[r1 + j] + x2 * p[r2 + j] + x3 * p[r3 + j] + x4 * p[r4 + j] + x5 * p[r5 + j] + x6 * p[r6 + j] + x7 * p[r7 + j];
    }
  }
  for (; k + 4 <= m; k += 4) {
    const i0 = nonZero[k], i1 = nonZero[k + 1], i2 = nonZero[k + 2], i3 = nonZero[k + 3];
    const x0 = x[i0], x1 = x[i1], x2 = x[i2], x3 = x[i3];
    const r0 = kernel + i0 * outSize, r1 = kernel + i1 * outSize, r2 = kernel + i2 * outSize, r3 = kernel + i3 * outSize;
    for (let j = 0; j < outSize; j++) out[j] += x0 * p[r0 + j] + x1 * p[r1 + j] + x2 * p[r2 + j] + x3 * p[r3 + j];
  }
  for (; k < m; k++) {
    const xi = x[nonZero[k]];
    const row = kernel + nonZero[k] * outSize;
    for (let j = 0; j < outSize; j++) out[j] += xi * p[row + j];
  }
  if (relu) for (let j = 0; j < outSize; j++) if (out[j] < 0) out[j] = 0;
}

function allFiniteFloat32(values: Float32Array): boolean {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return Number.isFinite(sum);
}
