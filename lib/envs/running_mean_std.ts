/**
 * Running mean and variance of observations, for observation normalisation (Gymnasium's
 * `RunningMeanStd`, used by its `NormalizeObservation` wrapper and by SB3's `VecNormalize`).
 *
 * Statistics start from Gymnasium's prior: mean 0, var 1, count 1e-4 (a pseudo-count so the first
 * update is well defined). A batch with mean m_b, population variance v_b and n_b rows merges
 * with the running (m_a, v_a, n_a) by the parallel-variance formula (Chan, Golub and LeVeque 1979):
 *
 *   delta = m_b - m_a,  n = n_a + n_b
 *   mean  = m_a + delta * n_b / n
 *   var   = (v_a * n_a + v_b * n_b + delta^2 * n_a * n_b / n) / n
 *   count = n
 *
 * The numbers live in one caller-supplied Float64Array, layout `[count, mean[0..n), var[0..n)]`
 * (length 1 + 2n), so that A3C can put them in a SharedArrayBuffer read and updated by all worker
 * threads. Such updates race without locks, Hogwild style (as the shared network weights do): two
 * workers updating at once may lose part of one sample's contribution, or briefly pair a count
 * with a mean from a neighbouring update. Every value written is still a weighted average of
 * observed data, so the statistics stay close to the exact ones; no lock is worth the stall.
 */

/** Plain-JSON form of the statistics, e.g. for a checkpoint. */
export interface RunningMeanStdJSON {
  count: number;
  mean: number[];
  var: number[];
}

export interface RunningMeanStdOptions {
  /**
   * Where the numbers live, length 1 + 2 * size (layout above), e.g. a Float64Array over a
   * SharedArrayBuffer. A storage whose count is 0 (freshly allocated, all zeros) is initialised to
   * the prior; any other storage is attached as is, so a second instance over the same memory
   * sees (and adds to) the first one's statistics.
   */
  storage?: Float64Array;
  /** The prior's pseudo-count (Gymnasium's `RunningMeanStd(epsilon=1e-4)`), > 0. */
  initialCount?: number;
}

export interface NormalizeOptions {
  /** Added to the variance before the square root (Gymnasium's NormalizeObservation epsilon). */
  epsilon?: number;
  /** When given, each normalised value is clipped to [-clip, clip]. */
  clip?: number;
}

/** Gymnasium's default prior count for a new RunningMeanStd. */
export const DEFAULT_INITIAL_COUNT = 1e-4;
/** Gymnasium's default epsilon in (x - mean) / sqrt(var + epsilon). */
export const DEFAULT_NORMALIZE_EPSILON = 1e-8;

export class RunningMeanStd {
  /** Number of values per observation. */
  readonly size: number;
  /** The backing store, layout `[count, mean[0..size), var[0..size)]`. */
  readonly storage: Float64Array;

  constructor(size: number, options: RunningMeanStdOptions = {}) {
    if (!Number.isInteger(size) || size <= 0) {
      throw new Error(`RunningMeanStd size must be a positive integer, got ${size}`);
    }
    const initialCount = options.initialCount ?? DEFAULT_INITIAL_COUNT;
    if (!(initialCount > 0) || !Number.isFinite(initialCount)) {
      throw new Error(`RunningMeanStd initialCount must be a finite number > 0, got ${initialCount}`);
    }
    this.size = size;
    const length = RunningMeanStd.storageLength(size);
    if (options.storage) {
      if (options.storage.length !== length) {
        throw new Error(
          `RunningMeanStd storage for size ${size} must hold 1 + 2 * ${size} = ${length} values, got ${options.storage.length}`,
        );
      }
      this.storage = options.storage;
    } else {
      this.storage = new Float64Array(length);
    }
    if (this.storage[0] === 0) this.reset(initialCount);
  }

  /** Length of the storage for observations of `size` values: 1 + 2 * size. */
  static storageLength(size: number): number {
    return 1 + 2 * size;
  }

  /** Statistics from their JSON form (in a new, unshared storage). */
  static fromJSON(json: RunningMeanStdJSON): RunningMeanStd {
    const size = validateJSON(json);
    const rms = new RunningMeanStd(size);
    rms.load(json);
    return rms;
  }

  /** Effective number of samples seen, prior included. */
  get count(): number {
    return this.storage[0];
  }

  /** A copy of the running mean. */
  get mean(): Float64Array {
    return this.storage.slice(1, 1 + this.size);
  }

  /** A copy of the running (population) variance. */
  get var(): Float64Array {
    return this.storage.slice(1 + this.size, 1 + 2 * this.size);
  }

  /** Back to the prior: mean 0, var 1, count `initialCount`. */
  reset(initialCount = DEFAULT_INITIAL_COUNT): void {
    this.storage.fill(0, 1, 1 + this.size);
    this.storage.fill(1, 1 + this.size);
    this.storage[0] = initialCount;
  }

  /** Add one sample (a batch of one: batch mean x, batch variance 0, batch count 1). */
  update(x: ArrayLike<number>): void {
    this.checkLength(x, 'update');
    const s = this.storage;
    const n = this.size;
    const count = s[0];
    const total = count + 1;
    for (let i = 0; i < n; i++) {
      const mean = s[1 + i];
      const delta = x[i] - mean;
      s[1 + i] = mean + delta / total;
      s[1 + n + i] = (s[1 + n + i] * count + (delta * delta * count) / total) / total;
    }
    s[0] = total;
  }

  /** Add a batch of samples at once (one Chan merge with the batch's mean and variance). */
  updateBatch(rows: readonly ArrayLike<number>[]): void {
    const batchCount = rows.length;
    if (batchCount === 0) return;
    const n = this.size;
    const batchMean = new Float64Array(n);
    const batchVar = new Float64Array(n);
    for (const row of rows) {
      this.checkLength(row, 'updateBatch');
      for (let i = 0; i < n; i++) batchMean[i] += row[i];
    }
    for (let i = 0; i < n; i++) batchMean[i] /= batchCount;
    for (const row of rows) {
      for (let i = 0; i < n; i++) batchVar[i] += (row[i] - batchMean[i]) ** 2;
    }
    for (let i = 0; i < n; i++) batchVar[i] /= batchCount;
    this.merge(batchMean, batchVar, batchCount);
  }

  /**
   * (x - mean) / sqrt(var + epsilon), optionally clipped to [-clip, clip], written to `out`
   * (a new array unless given; `out` may be `x` itself).
   */
  normalize(x: ArrayLike<number>, out?: Float64Array, options: NormalizeOptions = {}): Float64Array {
    this.checkLength(x, 'normalize');
    const epsilon = options.epsilon ?? DEFAULT_NORMALIZE_EPSILON;
    const clip = options.clip;
    if (clip !== undefined && !(clip > 0)) throw new Error(`normalize clip must be > 0, got ${clip}`);
    const result = out ?? new Float64Array(this.size);
    if (result.length !== this.size) {
      throw new Error(`normalize output must have ${this.size} values, got ${result.length}`);
    }
    const s = this.storage;
    const n = this.size;
    for (let i = 0; i < n; i++) {
      let value = (x[i] - s[1 + i]) / Math.sqrt(s[1 + n + i] + epsilon);
      if (clip !== undefined) value = Math.min(Math.max(value, -clip), clip);
      result[i] = value;
    }
    return result;
  }

  toJSON(): RunningMeanStdJSON {
    return { count: this.count, mean: Array.from(this.mean), var: Array.from(this.var) };
  }

  /** Overwrite the statistics (in place, so every instance sharing the storage sees them). */
  load(json: RunningMeanStdJSON): void {
    const size = validateJSON(json);
    if (size !== this.size) {
      throw new Error(`Cannot load statistics of ${size} values into a RunningMeanStd of size ${this.size}`);
    }
    this.storage.set(json.mean, 1);
    this.storage.set(json.var, 1 + this.size);
    this.storage[0] = json.count;
  }

  private merge(batchMean: Float64Array, batchVar: Float64Array, batchCount: number): void {
    const s = this.storage;
    const n = this.size;
    const count = s[0];
    const total = count + batchCount;
    for (let i = 0; i < n; i++) {
      const mean = s[1 + i];
      const delta = batchMean[i] - mean;
      s[1 + i] = mean + (delta * batchCount) / total;
      const m2 = s[1 + n + i] * count + batchVar[i] * batchCount + (delta * delta * count * batchCount) / total;
      s[1 + n + i] = m2 / total;
    }
    s[0] = total;
  }

  private checkLength(x: ArrayLike<number>, method: string): void {
    if (x.length !== this.size) {
      throw new Error(`RunningMeanStd.${method} expects ${this.size} values, got ${x.length}`);
    }
  }
}

/** Check a JSON statistics object and return its size. */
function validateJSON(json: RunningMeanStdJSON): number {
  if (!json || !Array.isArray(json.mean) || !Array.isArray(json.var)) {
    throw new Error('Running statistics must be {count: number, mean: number[], var: number[]}');
  }
  const size = json.mean.length;
  if (size === 0 || json.var.length !== size) {
    throw new Error(
      `Running statistics need mean and var of the same non-zero length, got ${size} and ${json.var.length}`,
    );
  }
  if (!(json.count > 0) || !Number.isFinite(json.count)) {
    throw new Error(`Running statistics count must be a finite number > 0, got ${json.count}`);
  }
  json.mean.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new Error(`Running statistics mean[${i}] must be finite, got ${v}`);
  });
  json.var.forEach((v, i) => {
    if (!(v >= 0) || !Number.isFinite(v))
      throw new Error(`Running statistics var[${i}] must be finite and >= 0, got ${v}`);
  });
  return size;
}
