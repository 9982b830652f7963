/**
 * A3C steps 5 and 6 ("clip, then apply the gradients to the global parameters, asynchronously"): Adam whose
 * parameters, moments and step counter live in SharedArrayBuffers, updated lock-free by every
 * worker thread (Hogwild!, Recht et al. 2011), like the reference's SharedAdam over
 * torch.multiprocessing shared memory. Mnih et al. 2016 share the optimizer statistics across
 * threads too (their "shared RMSProp" was the most robust variant).
 *
 * The arithmetic is torch.optim.Adam's (amsgrad off, L2 weight decay), with t the shared step:
 *   g   <- g + weightDecay * theta
 *   m   <- beta1 * m + (1 - beta1) * g
 *   v   <- beta2 * v + (1 - beta2) * g^2
 *   theta <- theta - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * Without a lock two workers may interleave their element updates; as in Hogwild! this is
 * accepted: each write is a whole float32, and the gradients are sparse in their effect.
 *
 * Also: global gradient-norm clipping with torch.nn.utils.clip_grad_norm_'s semantics. The worker
 * skips an update whose gradients are not finite (lib/common/finite.ts); `step` checks them again
 * because notebooks and tests call it directly, and its memory is every worker's parameters.
 */
import { allFinite } from '../common/finite.js';

export interface AdamOptions {
  /** Learning rate (> 0); `step` may override it per call (schedules). */
  lr: number;
  /** Exponential decay rates of the first and second moments, each in [0, 1); default [0.9, 0.999]. */
  betas?: readonly number[];
  /** Added to the denominator for stability (> 0); default 1e-8. */
  eps?: number;
  /** L2 penalty added to the gradient like torch.optim.Adam (>= 0); default 0. */
  weightDecay?: number;
}

/** The shared memory of one SharedAdam: pass it to worker threads (structured clone keeps it shared). */
export interface SharedAdamBuffers {
  /** Float32 parameters. */
  params: SharedArrayBuffer;
  /** Float32 first moment m. */
  m: SharedArrayBuffer;
  /** Float32 second moment v. */
  v: SharedArrayBuffer;
  /** One Int32: the number of Adam steps applied so far by all threads. */
  step: SharedArrayBuffer;
}

/** A checkpointable copy of the optimizer state (plain arrays: JSON-friendly). */
export interface SharedAdamState {
  step: number;
  m: number[];
  v: number[];
}

/** Index of the step counter in the Int32 step buffer. */
const STEP_SLOT = 0;

interface ResolvedOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export class SharedAdam {
  /** The global parameters (a view of `buffers.params`). */
  readonly params: Float32Array;
  readonly buffers: SharedAdamBuffers;
  readonly numParams: number;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private readonly stepView: Int32Array;
  private readonly options: ResolvedOptions;

  private constructor(buffers: SharedAdamBuffers, options: AdamOptions) {
    this.options = resolveOptions(options);
    this.buffers = buffers;
    this.params = new Float32Array(buffers.params);
    this.m = new Float32Array(buffers.m);
    this.v = new Float32Array(buffers.v);
    this.stepView = new Int32Array(buffers.step);
    this.numParams = this.params.length;
  }

  /** Allocate shared memory holding `initialParams`, zero moments and step 0. */
  static create(initialParams: ArrayLike<number>, options: AdamOptions): SharedAdam {
    if (initialParams == null || typeof initialParams.length !== 'number' || initialParams.length === 0) {
      throw new Error('SharedAdam.create: initialParams must be a non-empty array of numbers');
    }
    if (!allFinite(initialParams)) throw new Error('SharedAdam.create: initialParams must all be finite numbers');
    const bytes = initialParams.length * Float32Array.BYTES_PER_ELEMENT;
    const buffers: SharedAdamBuffers = {
      params: new SharedArrayBuffer(bytes),
      m: new SharedArrayBuffer(bytes),
      v: new SharedArrayBuffer(bytes),
      step: new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT),
    };
    const adam = new SharedAdam(buffers, options);
    adam.params.set(initialParams);
    return adam;
  }

  /** Use the shared memory of an existing SharedAdam (typically in a worker thread). */
  static attach(buffers: SharedAdamBuffers, options: AdamOptions): SharedAdam {
    for (const key of ['params', 'm', 'v', 'step'] as const) {
      if (!(buffers?.[key] instanceof SharedArrayBuffer))
        throw new Error(`SharedAdam.attach: buffers.${key} must be a SharedArrayBuffer`);
    }
    const bytes = buffers.params.byteLength;
    if (bytes === 0 || bytes % 4 !== 0 || buffers.m.byteLength !== bytes || buffers.v.byteLength !== bytes) {
      throw new Error(
        `SharedAdam.attach: params, m and v must be equal non-empty Float32 buffers, got ${bytes}, ${buffers.m.byteLength}, ${buffers.v.byteLength} bytes`,
      );
    }
    if (buffers.step.byteLength < Int32Array.BYTES_PER_ELEMENT)
      throw new Error('SharedAdam.attach: buffers.step must hold one Int32');
    return new SharedAdam(buffers, options);
  }

  /** Adam steps applied so far by all threads. */
  get stepCount(): number {
    // Atomics.load: the latest value written by any thread's Atomics.add.
    return Atomics.load(this.stepView, STEP_SLOT);
  }

  /**
   * Apply one Adam step to the shared parameters in place and return its step number t (1 for
   * the first step of the run). `options.lr` overrides the learning rate for this step.
   */
  step(gradients: ArrayLike<number>, options: { lr?: number } = {}): number {
    if (gradients == null || gradients.length !== this.numParams) {
      throw new Error(`SharedAdam.step: expected ${this.numParams} gradients, got ${gradients?.length}`);
    }
    const lr = options.lr ?? this.options.lr;
    if (!(Number.isFinite(lr) && lr > 0)) throw new Error(`SharedAdam.step: lr must be a finite number > 0, got ${lr}`);
    if (!allFinite(gradients))
      throw new Error('SharedAdam.step: gradients contain NaN or Infinity; skip this update (see allFinite)');

    // Atomics.add: every step gets a distinct t, and the count ends at the total over all threads.
    const t = Atomics.add(this.stepView, STEP_SLOT, 1) + 1;
    const { beta1, beta2, eps, weightDecay } = this.options;
    const stepSize = lr / (1 - beta1 ** t);
    const inverseBiasCorrection2Sqrt = 1 / Math.sqrt(1 - beta2 ** t);
    const oneMinusBeta1 = 1 - beta1;
    const oneMinusBeta2 = 1 - beta2;
    const { params, m, v } = this;
    const size = params.length;
    for (let i = 0; i < size; i++) {
      const g = weightDecay === 0 ? gradients[i] : gradients[i] + weightDecay * params[i];
      const mi = beta1 * m[i] + oneMinusBeta1 * g;
      const vi = beta2 * v[i] + oneMinusBeta2 * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] -= (stepSize * mi) / (Math.sqrt(vi) * inverseBiasCorrection2Sqrt + eps);
    }
    return t;
  }

  /** A copy of the step count and moments, for a checkpoint. */
  exportState(): SharedAdamState {
    return { step: this.stepCount, m: Array.from(this.m), v: Array.from(this.v) };
  }

  /** Restore a checkpoint's step count and moments (arrays or typed arrays of numParams numbers). */
  importState(state: { step: number; m: ArrayLike<number>; v: ArrayLike<number> }): void {
    if (!(Number.isInteger(state?.step) && state.step >= 0 && state.step <= 0x7fffffff)) {
      throw new Error(`SharedAdam.importState: step must be an integer in [0, 2^31), got ${state?.step}`);
    }
    for (const key of ['m', 'v'] as const) {
      const xs = state[key];
      if (xs == null || xs.length !== this.numParams)
        throw new Error(`SharedAdam.importState: ${key} must hold ${this.numParams} numbers, got ${xs?.length}`);
      if (!allFinite(xs)) throw new Error(`SharedAdam.importState: ${key} must be finite numbers`);
    }
    for (let i = 0; i < this.numParams; i++) {
      if (state.v[i] < 0)
        throw new Error(`SharedAdam.importState: v[${i}] = ${state.v[i]} is negative; a second moment is >= 0`);
    }
    this.m.set(state.m);
    this.v.set(state.v);
    // Atomics.store: other threads see the restored count on their next Atomics.add.
    Atomics.store(this.stepView, STEP_SLOT, state.step);
  }
}

/**
 * Scale `gradients` in place so that their global L2 norm is at most `maxNorm`, like
 * torch.nn.utils.clip_grad_norm_: with coef = maxNorm / (norm + 1e-6), multiply by coef if it
 * is < 1. Returns the norm before clipping. `maxNorm = Infinity` only measures the norm.
 */
export function clipGradNorm(gradients: Float32Array, maxNorm: number): number {
  if (!(gradients instanceof Float32Array)) throw new Error('clipGradNorm: gradients must be a Float32Array');
  if (typeof maxNorm !== 'number' || !(maxNorm > 0))
    throw new Error(`clipGradNorm: maxNorm must be a number > 0 (Infinity disables clipping), got ${maxNorm}`);
  let sumSquares = 0;
  for (let i = 0; i < gradients.length; i++) sumSquares += gradients[i] * gradients[i];
  const norm = Math.sqrt(sumSquares);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (let i = 0; i < gradients.length; i++) gradients[i] *= coef;
  }
  return norm;
}

function resolveOptions(options: AdamOptions): ResolvedOptions {
  const { lr, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0 } = options ?? ({} as AdamOptions);
  if (!(Number.isFinite(lr) && lr > 0)) throw new Error(`SharedAdam: lr must be a finite number > 0, got ${lr}`);
  if (!Array.isArray(betas) || betas.length !== 2 || !betas.every((b) => typeof b === 'number' && b >= 0 && b < 1)) {
    throw new Error(`SharedAdam: betas must be two numbers in [0, 1), got ${JSON.stringify(betas)}`);
  }
  if (!(Number.isFinite(eps) && eps > 0)) throw new Error(`SharedAdam: eps must be a finite number > 0, got ${eps}`);
  if (!(Number.isFinite(weightDecay) && weightDecay >= 0))
    throw new Error(`SharedAdam: weightDecay must be a finite number >= 0, got ${weightDecay}`);
  return { lr, beta1: betas[0], beta2: betas[1], eps, weightDecay };
}
