/**
 * Gymnasium's `Box` space: an n-dimensional box with per-element bounds.
 * `toString()` prints like Gymnasium, e.g. `Box(-1.0, 1.0, (6,), float32)`.
 */
import type { Rng } from '../common/rng.js';

export type DType = 'float32' | 'float64';

export class Box {
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly shape: readonly number[];
  readonly dtype: DType;

  /** `low`/`high` are scalars (broadcast to `shape`) or arrays of length prod(shape). */
  constructor(
    low: number | ArrayLike<number>,
    high: number | ArrayLike<number>,
    shape: readonly number[],
    dtype: DType = 'float32',
  ) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (!shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(`Box shape must be positive integers, got (${shape.join(', ')})`);
    }
    this.shape = [...shape];
    this.dtype = dtype;
    this.low = broadcast(low, size, 'low');
    this.high = broadcast(high, size, 'high');
    for (let i = 0; i < size; i++) {
      if (!(this.low[i] <= this.high[i])) {
        throw new Error(
          `Box bounds must satisfy low <= high, got low[${i}]=${this.low[i]} > high[${i}]=${this.high[i]}`,
        );
      }
    }
  }

  /** Number of elements (product of the shape). */
  get size(): number {
    return this.low.length;
  }

  /**
   * A random element: uniform where both bounds are finite, like Gymnasium (which also samples
   * normal / exponential draws on unbounded dimensions).
   */
  sample(rng: Rng): Float64Array {
    const out = new Float64Array(this.size);
    for (let i = 0; i < out.length; i++) {
      const lo = this.low[i];
      const hi = this.high[i];
      const loFinite = Number.isFinite(lo);
      const hiFinite = Number.isFinite(hi);
      if (loFinite && hiFinite) out[i] = rng.uniform(lo, hi);
      else if (!loFinite && !hiFinite) out[i] = rng.normal();
      else if (loFinite) out[i] = lo - Math.log(1 - rng.random());
      else out[i] = hi + Math.log(1 - rng.random());
    }
    if (this.dtype === 'float32') {
      // Round to float32 and keep the value inside the bounds after rounding.
      for (let i = 0; i < out.length; i++) {
        out[i] = Math.min(Math.max(Math.fround(out[i]), this.low[i]), this.high[i]);
      }
    }
    return out;
  }

  /** True when `x` has the right length, is finite where the bounds are, and lies within them. */
  contains(x: ArrayLike<number>): boolean {
    if (x.length !== this.size) return false;
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (Number.isNaN(v) || v < this.low[i] || v > this.high[i]) return false;
    }
    return true;
  }

  /** Clip each element into the box. */
  clip(x: ArrayLike<number>): Float64Array {
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = Math.min(Math.max(x[i], this.low[i]), this.high[i]);
    return out;
  }

  toString(): string {
    const format = (v: number) => formatNumber(v, this.dtype);
    const bound = (values: Float64Array) => {
      const first = values[0];
      return values.every((v) => v === first) ? format(first) : `[${Array.from(values, format).join(' ')}]`;
    };
    const shape = this.shape.length === 1 ? `(${this.shape[0]},)` : `(${this.shape.join(', ')})`;
    return `Box(${bound(this.low)}, ${bound(this.high)}, ${shape}, ${this.dtype})`;
  }

  toJSON(): { low: number[]; high: number[]; shape: number[]; dtype: DType } {
    return { low: Array.from(this.low), high: Array.from(this.high), shape: [...this.shape], dtype: this.dtype };
  }
}

function broadcast(value: number | ArrayLike<number>, size: number, name: string): Float64Array {
  if (typeof value === 'number') return new Float64Array(size).fill(value);
  if (value.length !== size) throw new Error(`Box ${name} has ${value.length} elements, expected ${size}`);
  return Float64Array.from(value);
}

/**
 * Python-like float formatting: 1 -> "1.0", Infinity -> "inf". A float32 bound prints as the
 * shortest decimal that rounds to the same float32, as numpy does: Humanoid's -0.4 is stored as
 * -0.4000000059604645 in a double, and prints as -0.4.
 */
function formatNumber(v: number, dtype: DType): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Number.isInteger(v)) return v.toFixed(1);
  if (dtype === 'float32' && Math.fround(v) === v) {
    for (let digits = 1; digits < 17; digits++) {
      const short = Number(v.toPrecision(digits));
      if (Math.fround(short) === v) return String(short);
    }
  }
  return String(v);
}
