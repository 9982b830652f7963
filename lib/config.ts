/**
 * The one typed configuration of an A3C run, with documented defaults (CleanRL's `Args`).
 *
 * Defaults are the reference notebook's best run (lr 7e-4, gamma 0.99, GAE lambda 0.95,
 * value coefficient 0.5, separate 2x128 actor and critic with a tanh-squashed Gaussian,
 * observation normalisation, entropy coefficient 0.001) with six measured changes, each explained
 * in README's "implementation details": a KL-adaptive learning rate (`targetKl`) on top of a
 * linear decay, an initial policy std of e^-2 (`initLogStd`), reward normalisation, no
 * gradient-norm clipping (the reference clips at 0.5) and 20-step rollouts (the reference uses 40).
 * `REFERENCE_CONFIG` holds the reference's exact values. `resolveConfig` validates every field
 * before anything starts.
 */
import { availableParallelism } from 'node:os';
import type { ModelKind } from './model/actor_critic.js';
import type { BackendName } from './model/backend.js';
import { envIds } from './envs/registry.js';

export interface A3CConfig {
  /** Registered environment id (see `envIds()`). */
  envId: string;
  /** Total environment steps over all workers; training stops when the shared counter reaches it. */
  totalSteps: number;
  /** Number of worker threads, each with its own local model (>= 1). */
  numWorkers: number;
  /**
   * Actor-learners per worker thread (>= 1): each has its own env and episode, and they take turns
   * (one rollout and one update each). numWorkers x envsPerWorker is A3C's number of parallel actors.
   */
  envsPerWorker: number;
  /** Seed of the run: parameter initialisation, every worker's env and action noise. */
  seed: number;
  /** Rollout length: environment steps per update (the paper's t_max), >= 1. */
  nSteps: number;
  /** Discount factor, in [0, 1]. */
  gamma: number;
  /** GAE(lambda) parameter for the policy advantage, in [0, 1]; 1 gives n-step advantages. */
  gaeLambda: number;
  /** Adam learning rate (> 0). */
  lr: number;
  /** 'constant', or 'linear' decay to 0 at `totalSteps` (keeps late updates from undoing learning). */
  lrSchedule: 'constant' | 'linear';
  /**
   * Target KL divergence between the policy before and after one update (> 0 enables, 0 disables):
   * the learning rate is multiplied by 1.5 up or down to keep the measured KL within
   * [target / 2, 2 target], on top of `lrSchedule` (lib/worker.ts, `adaptLearningRate`).
   */
  targetKl: number;
  /** Adam's beta1 and beta2, each in [0, 1). */
  adamBetas: [number, number];
  /** Adam's epsilon (> 0). */
  adamEps: number;
  /** Weight of the entropy bonus in the loss (>= 0). */
  entropyCoef: number;
  /** Weight of the value loss in the loss (>= 0). */
  valueCoef: number;
  /** Global gradient L2-norm clip before each Adam step (> 0; Infinity disables). */
  maxGradNorm: number;
  /** Actor-critic architecture: 'squashed' (separate, tanh-squashed Gaussian), 'separate' or 'shared'. */
  model: ModelKind;
  /** Hidden layer sizes of each MLP (actor and critic, or the shared trunk). */
  hiddenSizes: number[];
  /** Initial log standard deviation of the Gaussian policy (pre-tanh for 'squashed'; -2 is sigma 0.135). */
  initLogStd: number;
  /**
   * Correlation rho of the exploration noise between consecutive steps of one env, in [0, 1):
   * each dimension follows eps_t = rho eps_(t-1) + sqrt(1 - rho^2) xi_t (lib/noise.ts); every eps_t
   * is still N(0, 1), so the policy and its log-probability are unchanged. 0 = independent noise.
   */
  noiseCorrelation: number;
  /** Normalise observations with running mean/variance shared by all workers. */
  normalizeObservation: boolean;
  /** Clip normalised observations to [-obsClip, obsClip] (Infinity disables). */
  obsClip: number;
  /** Divide rewards by the running std of the discounted return (shared by all workers) before computing returns. */
  normalizeReward: boolean;
  /** Multiply rewards by this before computing returns (the reported returns stay unscaled). */
  rewardScale: number;
  /** Normalise the advantages of each rollout to mean 0, std 1 before the policy loss. */
  normalizeAdvantage: boolean;
  /** TensorFlow.js backend for the gradient computation: 'wasm', 'cpu' or 'tensorflow' (tfjs-node). */
  backend: BackendName;
  /** Episodes in the moving average of training returns reported as progress (and used to pick `best` when evaluation is off). */
  bestWindow: number;
  /**
   * Env steps between deterministic evaluations of the global model during training; the `best`
   * checkpoint is the best-evaluated model. 0 disables them (then `best` follows the moving
   * average of training returns).
   */
  evalIntervalSteps: number;
  /** Episodes of each evaluation during training (fixed seeds, so evaluations compare). */
  evalEpisodes: number;
  /**
   * Further episodes (other fixed seeds) run when an evaluation beats the best so far; `best` is
   * chosen by the mean over all of them, so one lucky handful of episodes cannot pick a policy
   * that falls over in others. 0 disables the confirmation.
   */
  evalConfirmEpisodes: number;
  /** Seconds between `last` checkpoints written during training (the final one is always written). */
  checkpointIntervalSeconds: number;
  /** Episode step limit (TimeLimit); 0 keeps the task's default. */
  maxEpisodeSteps: number;
}

/** The defaults, frozen. */
export const DEFAULT_CONFIG: Readonly<A3CConfig> = Object.freeze({
  envId: 'HalfCheetah-v5',
  totalSteps: 1_000_000,
  numWorkers: availableParallelism(),
  envsPerWorker: 1,
  seed: 1,
  nSteps: 20,
  gamma: 0.99,
  gaeLambda: 0.95,
  lr: 7e-4,
  lrSchedule: 'linear',
  targetKl: 0.01,
  adamBetas: [0.9, 0.999] as [number, number],
  adamEps: 1e-8,
  entropyCoef: 0.001,
  valueCoef: 0.5,
  maxGradNorm: Infinity,
  model: 'squashed' as ModelKind,
  hiddenSizes: [128, 128],
  initLogStd: -2,
  noiseCorrelation: 0,
  normalizeObservation: true,
  obsClip: 10,
  normalizeReward: true,
  rewardScale: 1,
  normalizeAdvantage: false,
  backend: 'wasm' as BackendName,
  bestWindow: 10,
  evalIntervalSteps: 50_000,
  evalEpisodes: 5,
  evalConfirmEpisodes: 10,
  checkpointIntervalSeconds: 60,
  maxEpisodeSteps: 0,
});

/** The reference notebook's settings where the defaults differ (`resolveConfig(REFERENCE_CONFIG)` reproduces it). */
export const REFERENCE_CONFIG: Readonly<Partial<A3CConfig>> = Object.freeze({
  nSteps: 40,
  maxGradNorm: 0.5,
  normalizeReward: false,
  lrSchedule: 'constant' as const,
  targetKl: 0,
  initLogStd: 0,
  noiseCorrelation: 0,
});

const MODEL_KINDS: readonly ModelKind[] = ['squashed', 'separate', 'shared'];
const BACKENDS: readonly BackendName[] = ['wasm', 'cpu', 'tensorflow'];

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
  const problems: string[] = [];
  for (const key of Object.keys(overrides)) {
    if (!(key in DEFAULT_CONFIG))
      problems.push(`unknown option "${key}"; known options: ${Object.keys(DEFAULT_CONFIG).join(', ')}`);
  }
  const defined = Object.fromEntries(
    Object.entries(overrides).filter(([, v]) => v !== undefined),
  ) as Partial<A3CConfig>;
  const c: A3CConfig = {
    ...DEFAULT_CONFIG,
    adamBetas: [...DEFAULT_CONFIG.adamBetas],
    hiddenSizes: [...DEFAULT_CONFIG.hiddenSizes],
    ...defined,
  };

  const ids = envIds();
  if (!ids.includes(c.envId))
    problems.push(`envId "${c.envId}" is not a registered environment; known: ${ids.join(', ')}`);
  integer('totalSteps', c.totalSteps, 1);
  integer('numWorkers', c.numWorkers, 1);
  integer('envsPerWorker', c.envsPerWorker, 1);
  integer('seed', c.seed, 0);
  integer('nSteps', c.nSteps, 1);
  inRange('gamma', c.gamma, 0, 1);
  inRange('gaeLambda', c.gaeLambda, 0, 1);
  positive('lr', c.lr);
  nonNegative('targetKl', c.targetKl);
  if (c.lrSchedule !== 'constant' && c.lrSchedule !== 'linear')
    problems.push(`lrSchedule must be "constant" or "linear", got ${JSON.stringify(c.lrSchedule)}`);
  if (
    !Array.isArray(c.adamBetas) ||
    c.adamBetas.length !== 2 ||
    !c.adamBetas.every((b) => typeof b === 'number' && b >= 0 && b < 1)
  ) {
    problems.push(`adamBetas must be two numbers in [0, 1), got ${JSON.stringify(c.adamBetas)}`);
  }
  positive('adamEps', c.adamEps);
  nonNegative('entropyCoef', c.entropyCoef);
  nonNegative('valueCoef', c.valueCoef);
  if (!(typeof c.maxGradNorm === 'number' && c.maxGradNorm > 0))
    problems.push(`maxGradNorm must be > 0 (Infinity disables clipping), got ${c.maxGradNorm}`);
  if (!MODEL_KINDS.includes(c.model))
    problems.push(`model must be one of ${MODEL_KINDS.join(', ')}, got ${JSON.stringify(c.model)}`);
  if (
    !Array.isArray(c.hiddenSizes) ||
    c.hiddenSizes.length === 0 ||
    !c.hiddenSizes.every((h) => Number.isInteger(h) && h >= 1)
  ) {
    problems.push(`hiddenSizes must be a non-empty list of positive integers, got ${JSON.stringify(c.hiddenSizes)}`);
  }
  finite('initLogStd', c.initLogStd);
  if (!(typeof c.noiseCorrelation === 'number' && c.noiseCorrelation >= 0 && c.noiseCorrelation < 1)) {
    problems.push(`noiseCorrelation must be in [0, 1) (0 = independent noise), got ${String(c.noiseCorrelation)}`);
  }
  if (typeof c.normalizeObservation !== 'boolean') problems.push(`normalizeObservation must be true or false`);
  if (!(typeof c.obsClip === 'number' && c.obsClip > 0))
    problems.push(`obsClip must be > 0 (Infinity disables), got ${c.obsClip}`);
  positive('rewardScale', c.rewardScale);
  if (typeof c.normalizeReward !== 'boolean') problems.push(`normalizeReward must be true or false`);
  if (typeof c.normalizeAdvantage !== 'boolean') problems.push(`normalizeAdvantage must be true or false`);
  if (!BACKENDS.includes(c.backend))
    problems.push(`backend must be one of ${BACKENDS.join(', ')}, got ${JSON.stringify(c.backend)}`);
  integer('bestWindow', c.bestWindow, 1);
  integer('evalIntervalSteps', c.evalIntervalSteps, 0);
  integer('evalEpisodes', c.evalEpisodes, 1);
  integer('evalConfirmEpisodes', c.evalConfirmEpisodes, 0);
  positive('checkpointIntervalSeconds', c.checkpointIntervalSeconds);
  integer('maxEpisodeSteps', c.maxEpisodeSteps, 0);

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(c);

  function finite(name: string, value: unknown): void {
    if (typeof value !== 'number' || !Number.isFinite(value))
      problems.push(`${name} must be a finite number, got ${String(value)}`);
  }
  function positive(name: string, value: unknown): void {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
      problems.push(`${name} must be a number > 0, got ${String(value)}`);
  }
  function nonNegative(name: string, value: unknown): void {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      problems.push(`${name} must be a number >= 0, got ${String(value)}`);
  }
  function inRange(name: string, value: unknown, low: number, high: number): void {
    if (typeof value !== 'number' || !(value >= low && value <= high))
      problems.push(`${name} must be in [${low}, ${high}], got ${String(value)}`);
  }
  function integer(name: string, value: unknown, min: number): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
      problems.push(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
}

/** Step of the adaptive learning rate (`targetKl`): the rate is lr x LR_FACTOR^level. */
export const LR_FACTOR = 1.5;
/** Bounds of the adaptive level: the multiplier stays within [1.5^-12, 1.5^4], about [0.008, 5]. */
export const LR_LEVEL_MIN = -12;
export const LR_LEVEL_MAX = 4;

/**
 * The learning rate at `globalStep` under the configured schedule, times LR_FACTOR^adaptiveLevel
 * (the adaptive level of `targetKl`; 0 without it). The linear schedule decays
 * towards 0 but stays positive (lr / totalSteps at the last step), since the last rollouts of
 * the workers may end past totalSteps and Adam needs lr > 0.
 */
export function learningRateAt(
  config: Pick<A3CConfig, 'lr' | 'lrSchedule' | 'totalSteps'>,
  globalStep: number,
  adaptiveLevel = 0,
): number {
  const adaptive = LR_FACTOR ** adaptiveLevel;
  if (config.lrSchedule === 'constant') return config.lr * adaptive;
  const step = Math.min(Math.max(globalStep, 0), config.totalSteps - 1);
  return config.lr * adaptive * (1 - step / config.totalSteps);
}

/**
 * JSON has no Infinity (JSON.stringify writes null): read back a config saved in a run folder or
 * checkpoint, restoring the "disabled" Infinity of `maxGradNorm` and `obsClip`.
 */
export function configFromJSON(saved: Record<string, unknown>): A3CConfig {
  const copy = { ...saved } as Record<string, unknown>;
  for (const key of ['maxGradNorm', 'obsClip']) if (copy[key] === null) copy[key] = Infinity;
  // Runs saved before noiseCorrelation existed used independent noise, whatever today's default.
  if (!('noiseCorrelation' in copy)) copy.noiseCorrelation = 0;
  if (!('envsPerWorker' in copy)) copy.envsPerWorker = 1;
  if (!('evalConfirmEpisodes' in copy)) copy.evalConfirmEpisodes = 0;
  if (!('targetKl' in copy)) copy.targetKl = 0;
  return copy as unknown as A3CConfig;
}
