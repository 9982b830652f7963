/**
 * What an actor-critic is (the A3C network of Mnih et al. 2016, section 5.2, for continuous
 * actions): its kind, its sizes, its action box and its initial policy std. A plain, frozen,
 * JSON-friendly object that the trainer builds from the config, sends to every worker and writes
 * into every checkpoint.
 *
 * Kinds (ReLU hidden layers, a state-independent log-std vector, as in the reference):
 *   'squashed'  separate actor and critic MLPs; u ~ N(mu(s), sigma), a = scale(tanh(u)) in the box.
 *   'separate'  separate actor and critic MLPs; a = u ~ N(mu(s), sigma), clipped to the box.
 *   'shared'    one trunk MLP feeding a mean head and a value head; plain Gaussian, clipped.
 */

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
 * A complete, validated spec. Defaults: kind 'squashed' (the reference's best model) and hidden
 * sizes [128, 128] (the reference's). `initLogStd` has no default here: its one default is the
 * config's (`DEFAULT_CONFIG.initLogStd`, lib/config.ts; the reference's is REFERENCE_CONFIG's 0).
 */
export function defaultModelSpec(
  o: {
    observationSize: number;
    actionSize: number;
    actionLow: ArrayLike<number>;
    actionHigh: ArrayLike<number>;
    initLogStd: number;
  } & Partial<Omit<ModelSpec, 'actionLow' | 'actionHigh' | 'initLogStd'>>,
): ModelSpec {
  return validateModelSpec({
    kind: o.kind ?? 'squashed',
    observationSize: o.observationSize,
    actionSize: o.actionSize,
    hiddenSizes: o.hiddenSizes ?? [128, 128],
    actionLow: Array.from(o.actionLow ?? []),
    actionHigh: Array.from(o.actionHigh ?? []),
    initLogStd: o.initLogStd,
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
  problems.push(...boundProblems(spec, low, high));
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

/** The action box must have one [low, high] per action; tanh squashing needs it bounded. */
function boundProblems(spec: ModelSpec, low: number[], high: number[]): string[] {
  if (low.length !== spec?.actionSize || high.length !== spec?.actionSize) {
    return [
      `actionLow and actionHigh must have actionSize (${spec?.actionSize}) entries, got ${low.length} and ${high.length}`,
    ];
  }
  const problems: string[] = [];
  for (let i = 0; i < low.length; i++) {
    const finite = Number.isFinite(low[i]) && Number.isFinite(high[i]);
    if (spec.kind === 'squashed' ? !(finite && low[i] < high[i]) : !(low[i] <= high[i])) {
      problems.push(
        `action bound ${i} must satisfy low < high${spec.kind === 'squashed' ? ', both finite (tanh squashing needs a bounded box)' : ''}, got [${low[i]}, ${high[i]}]`,
      );
    }
  }
  return problems;
}
