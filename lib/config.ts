/**
 * The one typed configuration of an A3C run: every setting, its default, its doc, its range and
 * its command-line flag, defined once in `CONFIG_SCHEMA` (the CLI, `scripts/sweep.ts` and the
 * validation are generated from it; CleanRL's `Args` play the same role).
 *
 * Defaults are the reference notebook's best run (lr 7e-4, gamma 0.99, GAE lambda 0.95, value
 * coefficient 0.5, separate 2x128 actor and critic with a tanh-squashed Gaussian, observation
 * normalisation, entropy coefficient 0.001) with measured changes, each explained in README's
 * "implementation details" and docs/tuning.md: a KL-adaptive learning rate (`targetKl`) on top of
 * a linear decay, an initial policy std of e^-2 (`initLogStd`), reward normalisation, no
 * gradient-norm clipping (the reference clips at 0.5) and 20-step rollouts (the reference uses
 * 40). `REFERENCE_CONFIG` holds the reference's values. `resolveConfig` validates every field
 * before anything starts.
 */
import { availableParallelism } from 'node:os';
import { defaultsOf, field, validate, type ValuesOf } from './common/schema.js';
import { envIds } from './envs/registry.js';
import { BACKEND_NAMES } from './model/backend.js';
import { MODEL_KINDS } from './model/actor_critic.js';

/**
 * The largest `totalSteps`: the shared step counters are 32-bit integers (Atomics on an
 * Int32Array), and the workers' last rollouts may run a little past the total.
 */
export const MAX_TOTAL_STEPS = 2_000_000_000;
/** Worker threads per core at most: each holds its own env, model and tfjs engine (about 130 MB). */
export const MAX_WORKERS_PER_CORE = 4;
/** The widest hidden layer: orthogonal initialisation costs width^3 (20,000 units took 11 minutes). */
export const MAX_HIDDEN_SIZE = 4096;

const CORES = availableParallelism();

export const CONFIG_SCHEMA = {
  envId: field.text<string>({
    default: 'HalfCheetah-v5',
    doc: 'registered environment id (a3c envs lists them)',
    flag: 'env',
    metavar: 'ID',
    check: (id) =>
      envIds().includes(id)
        ? null
        : `must be a registered environment (${envIds().join(', ')}), got ${JSON.stringify(id)}`,
  }),
  totalSteps: field.int({
    // 2M: about two and a half to three minutes on 2 cores with 2 workers (up to five and a half with early restarts); README's Results give the distribution
    // (runs of 1.5M were often still climbing at the end, docs/tuning.md).
    default: 2_000_000,
    min: 1,
    max: MAX_TOTAL_STEPS,
    doc: 'env steps over all workers; training stops when the shared counter reaches it',
  }),
  numWorkers: field.int({
    default: CORES,
    min: 1,
    max: MAX_WORKERS_PER_CORE * CORES,
    doc: `worker threads, each with its own env and local model (default: the number of cores, ${CORES} here; at most ${MAX_WORKERS_PER_CORE} per core)`,
    flag: 'workers',
  }),
  seed: field.int({
    default: 1,
    min: 0,
    max: 2 ** 31 - 1,
    doc: "seed of the run: parameter initialisation, every worker's env and action sampling",
  }),
  nSteps: field.int({ default: 20, min: 1, max: 10_000, doc: "rollout length per update (the paper's t_max)" }),
  gamma: field.number({ default: 0.99, min: 0, max: 1, doc: 'discount factor' }),
  gaeLambda: field.number({
    default: 0.95,
    min: 0,
    max: 1,
    doc: 'GAE(lambda) of the advantage; 1 gives n-step advantages',
  }),
  lr: field.number({ default: 7e-4, min: 0, exclusiveMin: true, max: 1, doc: 'Adam learning rate' }),
  lrSchedule: field.oneOf(['constant', 'linear'] as const, {
    default: 'linear',
    doc: "'linear' decays the learning rate to 0 at totalSteps (keeps late updates from undoing learning)",
  }),
  targetKl: field.number({
    default: 0.01,
    min: 0,
    doc: 'KL per update the adaptive learning rate aims at, x1.5 steps within [target/2, 2 target]; 0 disables',
  }),
  adamBetas: field.list(field.number({ default: 0, min: 0, max: 0.999999, doc: '' }), {
    default: [0.9, 0.999],
    minLength: 2,
    maxLength: 2,
    doc: "Adam's beta1 and beta2, each in [0, 1)",
  }),
  adamEps: field.number({ default: 1e-8, min: 0, exclusiveMin: true, doc: "Adam's epsilon" }),
  entropyCoef: field.number({ default: 0.001, min: 0, doc: 'weight of the entropy bonus in the loss' }),
  valueCoef: field.number({ default: 0.5, min: 0, doc: 'weight of the value loss in the loss' }),
  maxGradNorm: field.number({
    default: Infinity,
    min: 0,
    exclusiveMin: true,
    allowInfinity: true,
    doc: 'clip the global gradient L2 norm to this before each Adam step',
  }),
  model: field.oneOf(MODEL_KINDS, {
    default: 'squashed',
    doc: "actor-critic: 'squashed' (separate nets, tanh-squashed Gaussian), 'separate' or 'shared' (lib/model/)",
  }),
  hiddenSizes: field.list(field.int({ default: 0, min: 1, max: MAX_HIDDEN_SIZE, doc: '' }), {
    default: [128, 128],
    minLength: 1,
    maxLength: 8,
    doc: 'hidden layer sizes of each MLP (actor and critic, or the shared trunk)',
    flag: 'hidden',
  }),
  initLogStd: field.number({
    default: -2,
    min: -20,
    max: 2,
    doc: 'initial log std of the Gaussian policy, before tanh (-2 is sigma 0.135; the reference starts at 0)',
  }),
  normalizeObservation: field.bool({
    default: true,
    doc: 'normalise observations by running mean and std shared by all workers',
  }),
  obsClip: field.number({
    default: 10,
    min: 0,
    exclusiveMin: true,
    allowInfinity: true,
    doc: 'clip normalised observations to [-obsClip, obsClip]',
  }),
  normalizeReward: field.bool({
    default: true,
    doc: 'divide rewards by the running std of the discounted return (shared by all workers)',
  }),
  rewardScale: field.number({
    default: 1,
    min: 0,
    exclusiveMin: true,
    doc: 'multiply rewards by this before computing returns (reported returns stay unscaled)',
  }),
  reproducible: field.bool({
    default: false,
    doc: 'workers update the shared model in a fixed round-robin order: the same seed gives the same run, bit for bit',
  }),
  backend: field.oneOf(BACKEND_NAMES, {
    default: 'wasm',
    doc: "tfjs backend of the gradients: 'wasm', 'cpu' or 'tensorflow' (tfjs-node, where installed)",
  }),
  bestWindow: field.int({
    default: 10,
    min: 1,
    max: 10_000,
    doc: 'episodes in the moving average of training returns (picks best when evaluation is off)',
  }),
  evalIntervalSteps: field.int({
    default: 50_000,
    min: 0,
    max: MAX_TOTAL_STEPS,
    doc: 'env steps between deterministic evaluations that pick best.ckpt; 0 disables them',
  }),
  evalEpisodes: field.int({ default: 5, min: 1, max: 1000, doc: 'episodes of each periodic evaluation (fixed seeds)' }),
  evalConfirmEpisodes: field.int({
    default: 10,
    min: 0,
    max: 1000,
    doc: 'more episodes for an evaluation that beats the best so far; best is picked on all of them',
  }),
  maxRestarts: field.int({
    default: 3,
    min: 0,
    max: 100,
    doc: 'times a run starts over with a new seed when its best evaluation is low at the early check (HalfCheetah-v5: below 2,000 at 700k steps; lib/training/early_restart.ts); 0 disables',
  }),
  checkpointIntervalSeconds: field.number({
    default: 60,
    min: 0,
    exclusiveMin: true,
    doc: 'seconds between last.ckpt saves during training (the final one is always written)',
  }),
  maxEpisodeSteps: field.int({
    default: 0,
    min: 0,
    max: 1_000_000,
    doc: "episode step limit (TimeLimit); 0 keeps the task's default",
  }),
};

export type A3CConfig = ValuesOf<typeof CONFIG_SCHEMA>;

/** The defaults, frozen. */
export const DEFAULT_CONFIG: Readonly<A3CConfig> = Object.freeze(defaultsOf(CONFIG_SCHEMA));

/** The reference notebook's settings where the defaults differ (`resolveConfig(REFERENCE_CONFIG)` reproduces it). */
export const REFERENCE_CONFIG: Readonly<Partial<A3CConfig>> = Object.freeze({
  nSteps: 40,
  maxGradNorm: 0.5,
  normalizeReward: false,
  lrSchedule: 'constant' as const,
  targetKl: 0,
  initLogStd: 0,
});

/** Thrown for an invalid configuration; the message lists every problem and what is allowed. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid A3C configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Merge `overrides` into the defaults, validate everything and return a frozen config.
 * Unknown keys are rejected too, so a typo never silently falls back to a default.
 */
export function resolveConfig(overrides: Partial<A3CConfig> = {}): Readonly<A3CConfig> {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const problems = validate(CONFIG_SCHEMA, defined);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ ...defaultsOf(CONFIG_SCHEMA), ...defined } as A3CConfig);
}

/**
 * JSON has no Infinity (JSON.stringify writes null): read back a config saved in a run folder or
 * checkpoint, restoring Infinity in the fields that allow it (e.g. "no clipping").
 */
export function configFromJSON(saved: Record<string, unknown>): A3CConfig {
  const copy = { ...saved };
  for (const [key, spec] of Object.entries(CONFIG_SCHEMA)) {
    if ('allowsInfinity' in spec && spec.allowsInfinity && copy[key] === null) copy[key] = Infinity;
  }
  return copy as unknown as A3CConfig;
}
