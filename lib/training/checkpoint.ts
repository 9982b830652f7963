/**
 * Checkpoints: everything needed to evaluate a policy or resume its training, in one JSON file.
 *
 * A checkpoint holds the model (spec, named parameter layout, parameters), the observation
 * normalisation statistics (without them the policy sees different inputs and fails), Adam's
 * moments and step, the run's counters and random streams, the resolved config and a format
 * version. Float arrays are stored as base64 of little-endian Float32 (exact, 4x smaller than
 * decimal text).
 *
 * Saving goes through `writeFileAtomic` (lib/common/files.ts): a crash or a full disk leaves the
 * previous checkpoint intact. A checkpoint with a NaN or infinite parameter, moment or statistic
 * is refused rather than saved over a good one: a diverged run must not destroy its last good
 * state. Files of another format version are refused with a message that says so; there are no
 * migrations of older formats.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { A3CConfig } from '../config.js';
import { configFromJSON } from '../config.js';
import type { ModelSpec } from '../model/spec.js';
import { validateModelSpec } from '../model/spec.js';
import { paramLayout } from '../model/layout.js';
import type { RngState } from '../common/rng.js';
import type { RunningMeanStdJSON } from '../envs/running_mean_std.js';
import { describeFileError, writeFileAtomic } from '../common/files.js';

export const CHECKPOINT_FORMAT = 'a3c-ts-checkpoint';
/**
 * Version of the file layout. 2: `rewardStats` and `counters.lrLevel` are always present (version
 * 1 files could lack them and were patched on load).
 */
export const CHECKPOINT_VERSION = 2;
/** File name suffix of checkpoints: `runs/x/best.ckpt`, `runs/x/last.ckpt`. */
export const CHECKPOINT_EXTENSION = '.ckpt';

export interface CheckpointCounters {
  globalSteps: number;
  episodes: number;
  updates: number;
  skippedUpdates: number;
  /** Level of the adaptive learning rate (`targetKl`), 0 when it never moved. */
  lrLevel: number;
  /** Early restarts so far (lib/training/early_restart.ts); absent in older files, which is 0. */
  restarts?: number;
}

export interface Checkpoint {
  config: A3CConfig;
  modelSpec: ModelSpec;
  params: Float32Array;
  optimizer: { step: number; m: Float32Array; v: Float32Array } | null;
  observationStats: RunningMeanStdJSON | null;
  /** Return statistics of reward normalisation (training only; evaluation never scales rewards). */
  rewardStats: RunningMeanStdJSON | null;
  counters: CheckpointCounters;
  /** One random stream per worker, to resume the exact streams. */
  rng: RngState[];
  /** Wall-clock seconds of training so far (summed over resumes). */
  wallSeconds: number;
  /** Mean return over the last `bestWindow` episodes when this checkpoint was written. */
  meanReturn: number | null;
  /**
   * What `best` is chosen by, its value for the best model so far: the evaluation score (mean -
   * std of its deterministic episodes, `selectionScore`), or without evaluations the best moving
   * average of training returns.
   */
  bestScore: number | null;
}

/**
 * The checkpoint as stored: the in-memory `Checkpoint` with its typed arrays as base64 strings,
 * plus what a reader needs to reject a wrong file early (format, version, env, parameter names).
 */
interface CheckpointFile extends Omit<Checkpoint, 'params' | 'optimizer'> {
  format: string;
  version: number;
  createdAt: string;
  envId: string;
  paramNames: string[];
  params: string;
  optimizer: { step: number; m: string; v: string } | null;
}

/** A checkpoint that cannot be saved or loaded; the message names the file and what is wrong. */
export class CheckpointError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/**
 * `runs/x/best` and `runs/x/best.ckpt` both name the same checkpoint. A run folder is refused with
 * the checkpoints it holds: which one to use (the best evaluation or the end of the run) is the
 * user's choice.
 */
export function resolveCheckpointPath(path: string): string {
  if (isFile(path)) return path;
  if (!path.endsWith(CHECKPOINT_EXTENSION) && isFile(path + CHECKPOINT_EXTENSION)) return path + CHECKPOINT_EXTENSION;
  const inFolder = ['best', 'last'].filter((name) => isFile(join(path, name + CHECKPOINT_EXTENSION)));
  if (inFolder.length > 0) {
    const choices = inFolder.map(
      (name) => `${join(path, name)} (${name === 'best' ? 'the best evaluation' : 'the end of the run'})`,
    );
    throw new CheckpointError(`${path} is a run folder, not a checkpoint: pass ${choices.join(' or ')}`, path);
  }
  throw new CheckpointError(
    `Checkpoint not found: ${path} (a checkpoint is a file like runs/NAME/best.ckpt or runs/NAME/last.ckpt; the .ckpt suffix may be omitted)`,
    path,
  );
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Write `checkpoint` to `path` atomically. Throws a CheckpointError (parameter count, non-finite
 * values) or a FileWriteError (disk full, read-only, ...); `path` is then left as it was.
 */
export function saveCheckpoint(path: string, checkpoint: Checkpoint): void {
  const layout = paramLayout(checkpoint.modelSpec);
  const expected = layout.reduce((n, entry) => n + entry.size, 0);
  if (checkpoint.params.length !== expected) {
    throw new CheckpointError(
      `saveCheckpoint: ${checkpoint.params.length} parameters do not match the model spec (${expected}); ${path} was not written`,
      path,
    );
  }
  const nonFinite = findNonFinite(checkpoint);
  if (nonFinite !== null) {
    throw new CheckpointError(
      `Refusing to save checkpoint ${path}: ${nonFinite} is not finite (training diverged); the previous file is kept`,
      path,
    );
  }
  const file: CheckpointFile = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    createdAt: new Date().toISOString(),
    envId: checkpoint.config.envId,
    config: checkpoint.config,
    modelSpec: checkpoint.modelSpec,
    paramNames: layout.map((entry) => entry.name),
    params: encodeFloat32(checkpoint.params),
    optimizer: checkpoint.optimizer && {
      step: checkpoint.optimizer.step,
      m: encodeFloat32(checkpoint.optimizer.m),
      v: encodeFloat32(checkpoint.optimizer.v),
    },
    observationStats: checkpoint.observationStats,
    rewardStats: checkpoint.rewardStats,
    counters: checkpoint.counters,
    rng: checkpoint.rng,
    wallSeconds: checkpoint.wallSeconds,
    meanReturn: checkpoint.meanReturn,
    bestScore: checkpoint.bestScore,
  };
  writeFileAtomic(path, JSON.stringify(file));
}

/**
 * The first value that JSON or a resumed run cannot use (NaN, +-Infinity), as "params[12]", or
 * null. JSON would silently store NaN as null, and Adam's moments would spread it everywhere.
 */
export function findNonFinite(checkpoint: Checkpoint): string | null {
  const arrays: [string, ArrayLike<number> | undefined][] = [
    ['params', checkpoint.params],
    ['optimizer.m', checkpoint.optimizer?.m],
    ['optimizer.v', checkpoint.optimizer?.v],
    ['observationStats.mean', checkpoint.observationStats?.mean],
    ['observationStats.var', checkpoint.observationStats?.var],
    ['rewardStats.mean', checkpoint.rewardStats?.mean],
    ['rewardStats.var', checkpoint.rewardStats?.var],
  ];
  for (const [name, values] of arrays) {
    if (values === undefined) continue;
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return `${name}[${i}] (${values[i]})`;
  }
  const numbers: [string, number | null | undefined][] = [
    ['optimizer.step', checkpoint.optimizer?.step],
    ['observationStats.count', checkpoint.observationStats?.count],
    ['rewardStats.count', checkpoint.rewardStats?.count],
    ['wallSeconds', checkpoint.wallSeconds],
    ['meanReturn', checkpoint.meanReturn],
    ['bestScore', checkpoint.bestScore],
    ...Object.entries(checkpoint.counters).map(([key, value]): [string, number] => [`counters.${key}`, value]),
  ];
  for (const [name, value] of numbers) {
    if (value !== undefined && value !== null && !Number.isFinite(value)) return `${name} (${value})`;
  }
  return null;
}

export interface LoadCheckpointOptions {
  /** When given, the checkpoint must be for this env. */
  envId?: string;
  /** When given, the checkpoint's model must have this architecture and these sizes. */
  modelSpec?: ModelSpec;
}

/** Read a checkpoint; every error is a CheckpointError that names the file and what is wrong. */
export function loadCheckpoint(pathOrPrefix: string, options: LoadCheckpointOptions = {}): Checkpoint {
  const path = resolveCheckpointPath(pathOrPrefix);
  const fail = (what: string) => new CheckpointError(`Checkpoint ${path} ${what}`, path);
  const file = readCheckpointFile(path);
  if (options.envId !== undefined && file.envId !== options.envId)
    throw fail(`was trained on ${file.envId}, not ${options.envId}`);
  try {
    validateModelSpec(file.modelSpec);
  } catch (error) {
    throw fail(`holds an invalid model spec: ${(error as Error).message}`);
  }
  if (options.modelSpec) assertSameModel(path, file.modelSpec, options.modelSpec);
  const layout = paramLayout(file.modelSpec);
  const names = layout.map((entry) => entry.name);
  if (names.join(',') !== file.paramNames.join(','))
    throw fail(`has parameters [${file.paramNames.join(', ')}], expected [${names.join(', ')}]`);
  const decode = (text: string, what: string) => {
    try {
      return decodeFloat32(text);
    } catch (error) {
      throw fail(`is damaged: its ${what}: ${(error as Error).message}`);
    }
  };
  const params = decode(file.params, 'parameters');
  const expected = layout.reduce((n, entry) => n + entry.size, 0);
  if (params.length !== expected) throw fail(`holds ${params.length} parameters, its model spec needs ${expected}`);
  const checkpoint: Checkpoint = {
    config: configFromJSON(file.config as unknown as Record<string, unknown>),
    modelSpec: file.modelSpec,
    params,
    optimizer: file.optimizer && {
      step: file.optimizer.step,
      m: decode(file.optimizer.m, 'Adam moments m'),
      v: decode(file.optimizer.v, 'Adam moments v'),
    },
    observationStats: file.observationStats,
    rewardStats: file.rewardStats,
    counters: file.counters,
    rng: file.rng,
    wallSeconds: file.wallSeconds,
    meanReturn: file.meanReturn,
    // Files written before best was chosen by a score hold the best mean as `bestMeanReturn`; a
    // run resumed from one compares scores against that mean, so its best is kept unless beaten.
    bestScore: file.bestScore ?? (file as { bestMeanReturn?: number | null }).bestMeanReturn ?? null,
  };
  const nonFinite = findNonFinite(checkpoint);
  if (nonFinite !== null) throw fail(`is damaged: ${nonFinite} is not finite`);
  return checkpoint;
}

/** Read, parse and check the envelope (format, version, field types) of a checkpoint file. */
function readCheckpointFile(path: string): CheckpointFile {
  const fail = (what: string) => new CheckpointError(`Checkpoint ${path} ${what}`, path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw fail(`cannot be read: ${describeFileError(error)}`);
  }
  let file: CheckpointFile;
  try {
    file = JSON.parse(text) as CheckpointFile;
  } catch (error) {
    throw fail(`is not readable JSON (truncated or damaged): ${(error as Error).message}`);
  }
  if (typeof file !== 'object' || file === null || file.format !== CHECKPOINT_FORMAT)
    throw fail(`is not an a3c-ts checkpoint (format "${String(file?.format)}")`);
  if (file.version !== CHECKPOINT_VERSION) {
    const age = typeof file.version === 'number' && file.version > CHECKPOINT_VERSION ? 'a newer' : 'an older';
    throw fail(
      `was written by ${age} version of a3c-ts (format ${String(file.version)}); this version reads format ${CHECKPOINT_VERSION}`,
    );
  }
  const problems = fieldProblems(file);
  if (problems.length > 0) throw fail(`is damaged: ${problems.join('; ')}`);
  return file;
}

/** Fields of a CheckpointFile that are missing or of the wrong type. */
function fieldProblems(file: CheckpointFile): string[] {
  const isObject = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
  const isStats = (x: unknown) => x === null || (isObject(x) && Array.isArray((x as RunningMeanStdJSON).mean));
  const optimizer = file.optimizer as CheckpointFile['optimizer'] | undefined;
  const checks: [string, boolean][] = [
    ['envId must be a string', typeof file.envId === 'string'],
    ['config must be an object', isObject(file.config)],
    ['modelSpec must be an object', isObject(file.modelSpec)],
    ['paramNames must be a list of names', Array.isArray(file.paramNames)],
    ['params must be a base64 string', typeof file.params === 'string'],
    [
      'optimizer must be null or {step, m, v}',
      optimizer === null ||
        (isObject(optimizer) && typeof optimizer?.m === 'string' && typeof optimizer?.v === 'string'),
    ],
    ['observationStats must be null or statistics', isStats(file.observationStats)],
    ['rewardStats must be null or statistics', isStats(file.rewardStats)],
    [
      'counters must hold globalSteps, episodes, updates, skippedUpdates and lrLevel',
      isObject(file.counters) &&
        ['globalSteps', 'episodes', 'updates', 'skippedUpdates', 'lrLevel'].every(
          (key) => typeof (file.counters as unknown as Record<string, unknown>)[key] === 'number',
        ),
    ],
    [
      'counters.restarts must be a whole number when present',
      !isObject(file.counters) ||
        file.counters.restarts === undefined ||
        (Number.isInteger(file.counters.restarts) && file.counters.restarts >= 0),
    ],
    ['rng must be a list of generator states', Array.isArray(file.rng)],
    ['wallSeconds must be a number', typeof file.wallSeconds === 'number'],
  ];
  return checks.filter(([, ok]) => !ok).map(([problem]) => problem);
}

function assertSameModel(path: string, actual: ModelSpec, expected: ModelSpec): void {
  const describe = (s: ModelSpec) =>
    `${s.kind} model, ${s.observationSize} observations, ${s.actionSize} actions, hidden [${s.hiddenSizes.join(', ')}]`;
  const same =
    actual.kind === expected.kind &&
    actual.observationSize === expected.observationSize &&
    actual.actionSize === expected.actionSize &&
    actual.hiddenSizes.join(',') === expected.hiddenSizes.join(',');
  if (!same)
    throw new CheckpointError(`Checkpoint ${path} holds a ${describe(actual)}; expected a ${describe(expected)}`, path);
}

export function encodeFloat32(values: Float32Array): string {
  const copy = new Float32Array(values);
  return Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength).toString('base64');
}

export function decodeFloat32(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) throw new Error(`corrupt float32 data (${bytes.length} bytes, not a multiple of 4)`);
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
