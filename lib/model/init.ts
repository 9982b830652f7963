/**
 * The initial parameters theta of the global actor-critic (before A3C's first step), written into
 * its flat array in layout order.
 *
 * CleanRL / Stable-Baselines3's choice, known to help on MuJoCo: orthogonal kernels with gain
 * sqrt(2) for hidden layers, 0.01 for the mean head (initial actions near the centre of the box,
 * whatever the observation) and 1 for the value head; zero biases; logStd = spec.initLogStd.
 * Computed in plain TypeScript from the seeded Rng, so the same seed gives the same parameters on
 * every backend and thread.
 */
import type { Rng } from '../common/rng.js';
import type { ParamEntry } from './layout.js';

const HIDDEN_GAIN = Math.SQRT2;
const MEAN_HEAD_GAIN = 0.01;
const VALUE_HEAD_GAIN = 1;

/** Fill `params` (zeros on entry) with the initial parameters of `layout`, drawn from `rng`. */
export function initialiseParams(
  params: Float32Array,
  layout: readonly ParamEntry[],
  { rng, initLogStd }: { rng: Rng; initLogStd: number },
): void {
  for (const entry of layout) {
    if (entry.name.endsWith('.kernel')) {
      const gain =
        entry.name === 'actor.mean.kernel'
          ? MEAN_HEAD_GAIN
          : entry.name === 'critic.value.kernel'
            ? VALUE_HEAD_GAIN
            : HIDDEN_GAIN;
      params.set(orthogonalKernel({ inSize: entry.shape[0], outSize: entry.shape[1], gain, rng }), entry.offset);
    } else if (entry.name === 'actor.logStd') {
      params.fill(initLogStd, entry.offset, entry.offset + entry.size);
    }
  }
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
