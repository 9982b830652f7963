/**
 * The plain-TypeScript forward pass of the actor-critic, run at every environment step of A3C
 * step 2 (the rollout): sample a ~ pi(.|s) with its log-prob, and V(s) for the bootstrap. One
 * tfjs call costs ~170 us of overhead at batch 1, these loops ~20 us. It reads the same flat
 * parameters as the tfjs graph (tf_graph.ts); tests hold the two equal to float32 precision.
 *
 * The log-prob of a squashed action includes the tanh and scale corrections (distributions.ts);
 * the log-prob of a clipped action is that of the unclipped sample u.
 */
import { HALF_LOG_2PI, logOneMinusTanhSquared } from './distributions.js';
import { dense, runHidden } from './dense.js';
import type { Architecture } from './layout.js';
import type { ModelSpec } from './spec.js';

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

/** The network on one observation at a time, with preallocated activations (no allocation per step). */
export class PlainForward {
  /** The observation being evaluated, rounded to float32 as the tfjs path sees it. */
  private readonly input: Float64Array;
  private readonly actorActivations: Float64Array[];
  private readonly criticActivations: Float64Array[];
  private readonly valueScratch = new Float64Array(1);
  /** Indices of the non-zero inputs of the layer being computed (see `dense`). */
  private readonly nonZero: Int32Array;
  private readonly shared: boolean;

  constructor(
    spec: ModelSpec,
    private readonly arch: Architecture,
    private readonly params: Float32Array,
  ) {
    this.input = new Float64Array(spec.observationSize);
    this.actorActivations = arch.actorHidden.map((d) => new Float64Array(d.outSize));
    this.criticActivations = arch.criticHidden.map((d) => new Float64Array(d.outSize));
    this.nonZero = new Int32Array(Math.max(spec.observationSize, ...spec.hiddenSizes));
    this.shared = spec.kind === 'shared';
  }

  /** Validate one observation and make it the input of the next calls. */
  load(caller: string, observation: ArrayLike<number>): void {
    const size = this.input.length;
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

  /** Writes the Gaussian mean (pre-tanh) into `meanOut` and returns V(s). */
  meanAndValue(meanOut: Float64Array): number {
    const features = this.actorFeatures();
    dense(this.params, this.arch.meanHead, features, meanOut, false, this.nonZero);
    if (this.shared) {
      dense(this.params, this.arch.valueHead, features, this.valueScratch, false, this.nonZero);
      return this.valueScratch[0];
    }
    return this.value();
  }

  /** The Gaussian mean only (the actor), into `meanOut`. */
  mean(meanOut: Float64Array): void {
    dense(this.params, this.arch.meanHead, this.actorFeatures(), meanOut, false, this.nonZero);
  }

  /** V(s). */
  value(): number {
    const hidden = this.shared ? this.arch.actorHidden : this.arch.criticHidden;
    const activations = this.shared ? this.actorActivations : this.criticActivations;
    const features = runHidden(this.params, hidden, this.input, activations, this.nonZero);
    dense(this.params, this.arch.valueHead, features, this.valueScratch, false, this.nonZero);
    return this.valueScratch[0];
  }

  private actorFeatures(): Float64Array {
    return runHidden(this.params, this.arch.actorHidden, this.input, this.actorActivations, this.nonZero);
  }
}

/** Turns the Gaussian's mean and log-std into an env-ready action and its log-prob. */
export class ActionSampler {
  private readonly squashed: boolean;
  /** (high - low) / 2 and, for 'squashed', the log-det of that scale. */
  private readonly halfRange: Float64Array;
  private readonly scaleLogDet: number;

  constructor(private readonly spec: ModelSpec) {
    this.squashed = spec.kind === 'squashed';
    this.halfRange = Float64Array.from(spec.actionLow, (low, i) => (spec.actionHigh[i] - low) / 2);
    this.scaleLogDet = this.squashed ? this.halfRange.reduce((sum, h) => sum + Math.log(h), 0) : 0;
  }

  /**
   * u = mu + sigma * eps with eps_i = noise(i), then a = scale(tanh(u)) ('squashed') or u clipped
   * to the box; log pi(a|s) and the entropy of the base Gaussian.
   */
  sample(meanRaw: Float64Array, logStd: ArrayLike<number>, value: number, noise: (i: number) => number): ActOutput {
    const { actionSize, actionLow, actionHigh } = this.spec;
    const rawAction = new Float32Array(actionSize);
    const action = new Float64Array(actionSize);
    const mean = new Float64Array(actionSize);
    let logProb = 0;
    let entropy = 0;
    for (let i = 0; i < actionSize; i++) {
      const std = Math.exp(logStd[i]);
      // Round u to float32 first: the update evaluates the log-prob at the stored float32 sample.
      const u = Math.fround(meanRaw[i] + std * noise(i));
      rawAction[i] = u;
      const z = (u - meanRaw[i]) / std;
      logProb += -0.5 * z * z - logStd[i] - HALF_LOG_2PI;
      entropy += 0.5 + HALF_LOG_2PI + logStd[i];
      if (this.squashed) {
        logProb -= logOneMinusTanhSquared(u);
        action[i] = actionLow[i] + (Math.tanh(u) + 1) * this.halfRange[i];
        mean[i] = actionLow[i] + (Math.tanh(meanRaw[i]) + 1) * this.halfRange[i];
      } else {
        action[i] = Math.min(Math.max(u, actionLow[i]), actionHigh[i]);
        mean[i] = Math.min(Math.max(meanRaw[i], actionLow[i]), actionHigh[i]);
      }
    }
    logProb -= this.scaleLogDet;
    // A NaN action would reach the physics: stop here, where the cause can still be named.
    if (!Number.isFinite(value) || !Number.isFinite(logProb)) {
      throw new Error(
        `ActorCritic.act: the forward pass gave a non-finite ${Number.isFinite(value) ? 'log-prob' : 'value'}; the noise is not finite or the parameters have diverged`,
      );
    }
    return { action, rawAction, value, logProb, entropy, mean };
  }
}
