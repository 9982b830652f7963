/**
 * Seeded random numbers, the same stream on every machine.
 *
 * Wraps pure-rand's xoroshiro128+ generator (53-bit uniform doubles) and adds the two draws the
 * project needs: uniform in [low, high) and standard normal (Box-Muller, caching the second value).
 * `spawn()` gives statistically independent streams (one per worker) from one seed, and the state
 * exports to plain numbers so a checkpoint can resume the exact stream.
 */
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

/** A serialisable generator state (see `Rng.getState` / `Rng.fromState`). */
export interface RngState {
  generator: number[];
  spareNormal: number | null;
}

export class Rng {
  private generator: JumpableRandomGenerator;
  private spareNormal: number | null = null;

  /** `seed` is any integer; it is reduced to 32 bits as pure-rand does. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng seed must be a finite number, got ${seed}`);
    // Small consecutive seeds (0, 1, 2, ...) give nearly equal initial states; hash the seed
    // first and discard a few draws so that seed 1 and seed 2 start far apart.
    this.generator = xoroshiro128plus(fmix32(Math.trunc(seed) | 0));
    for (let i = 0; i < 8; i++) this.generator.next();
  }

  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.generator = xoroshiro128plusFromState(state.generator);
    rng.spareNormal = state.spareNormal;
    return rng;
  }

  getState(): RngState {
    return { generator: [...this.generator.getState()], spareNormal: this.spareNormal };
  }

  /**
   * An independent stream (e.g. one per worker): the stream 2^64 draws ahead of this one. This
   * generator then jumps 2^64 draws further, past the child, so that its own later draws are not
   * the child's; successive calls give non-overlapping streams, and a saved state spawns on from
   * where it was.
   */
  spawn(): Rng {
    this.generator.jump();
    const child = Rng.fromState(this.getState());
    child.spareNormal = null;
    this.generator.jump();
    return child;
  }

  /** Uniform double in [0, 1). */
  random(): number {
    return uniformFloat64(this.generator);
  }

  /** Uniform double in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** Standard normal N(0, 1), Box-Muller transform. */
  normal(): number {
    if (this.spareNormal !== null) {
      const value = this.spareNormal;
      this.spareNormal = null;
      return value;
    }
    // 1 - random() lies in (0, 1], so the log is finite.
    const u = 1 - this.random();
    const v = this.random();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [0, n). */
  integer(n: number): number {
    return Math.floor(this.random() * n);
  }
}

/** MurmurHash3's 32-bit finaliser: a bijective mix of all the seed's bits. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
