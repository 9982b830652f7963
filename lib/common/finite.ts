/**
 * The finiteness check that guards A3C step 6 (apply the gradients to the shared parameters).
 * One NaN or Infinity in a rollout's returns, its loss or its gradients would poison the global
 * parameters of every worker, so lib/a3c/worker.ts runs this check once per update, after step 4
 * (loss and gradients), and skips and counts an update that fails it. SharedAdam runs it too, but
 * only where a caller other than the worker (a notebook, a checkpoint) hands it numbers.
 */

/** True if every value is a finite number (no NaN, no +-Infinity). */
export function allFinite(values: ArrayLike<number>): boolean {
  // Fast path: a sum is finite iff no term is NaN or infinite, unless finite terms overflow,
  // which float32 values (<= 3.4e38 each) cannot do in a double for fewer than ~5e269 terms.
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  if (Number.isFinite(sum)) return true;
  if (values instanceof Float32Array) return false;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}
