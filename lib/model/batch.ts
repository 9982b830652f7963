/**
 * The rollout as A3C step 4 reads it (observations, the stored samples u, returns R_t and
 * advantages A_t), the loss coefficients and the loss report, with the shape checks that give
 * the model's tfjs methods their error messages. Finiteness is not checked here: a non-finite
 * number gives a non-finite loss, which the worker skips (lib/common/finite.ts).
 */

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

/** Throws unless `values` is a Float32Array holding at least `length` rows of `width` numbers. */
export function checkRows(
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
    throw new Error(`${caller}: ${name} holds ${values.length} numbers, need ${length} x ${width} = ${length * width}`);
}

/** Shape checks of a whole batch for a model with these sizes, and of the coefficients. */
export function checkBatch(
  caller: string,
  batch: RolloutBatch,
  sizes: { observationSize: number; actionSize: number },
  coefficients: LossCoefficients,
): void {
  const n = batch?.length;
  checkRows(caller, 'batch.observations', batch?.observations, n, sizes.observationSize);
  checkRows(caller, 'batch.rawActions', batch.rawActions, n, sizes.actionSize);
  checkRows(caller, 'batch.returns', batch.returns, n, 1);
  checkRows(caller, 'batch.advantages', batch.advantages, n, 1);
  const { valueCoef, entropyCoef } = coefficients ?? ({} as LossCoefficients);
  if (!(Number.isFinite(valueCoef) && valueCoef >= 0))
    throw new Error(`${caller}: valueCoef must be a finite number >= 0, got ${valueCoef}`);
  if (!(Number.isFinite(entropyCoef) && entropyCoef >= 0))
    throw new Error(`${caller}: entropyCoef must be a finite number >= 0, got ${entropyCoef}`);
}
