/**
 * Checkpoints: everything needed to evaluate a policy or resume its training, in one JSON file.
 *
 * A checkpoint holds the model (spec, named parameter layout, parameters), the observation
 * normalisation statistics (without them the policy sees different inputs and fails), Adam's
 * moments and step, the run's counters and random streams, the resolved config and a format
 * version. Float arrays are stored as base64 of little-endian Float32 (exact, 4x smaller than
 * decimal text).
 *
 * Writes are atomic: the file is written under a temporary name in the same folder, flushed to
 * disk, then renamed over the old one, so a crash mid-write leaves the previous checkpoint intact.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
  statSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { A3CConfig } from '../config.js';
import { configFromJSON } from '../config.js';
import type { ModelSpec } from '../model/actor_critic.js';
import { paramLayout } from '../model/actor_critic.js';
import type { RngState } from '../common/rng.js';
import type { RunningMeanStdJSON } from '../envs/running_mean_std.js';

export const CHECKPOINT_FORMAT = 'a3c-ts-checkpoint';
export const CHECKPOINT_VERSION = 1;
/** File name suffix of checkpoints: `runs/x/best.ckpt`, `runs/x/last.ckpt`. */
export const CHECKPOINT_EXTENSION = '.ckpt';

export interface CheckpointCounters {
  globalSteps: number;
  episodes: number;
  updates: number;
  skippedUpdates: number;
  /** Level of the adaptive learning rate (`targetKl`); absent in checkpoints made before it existed. */
  lrLevel?: number;
}

export interface Checkpoint {
  config: A3CConfig;
  modelSpec: ModelSpec;
  params: Float32Array;
  optimizer: { step: number; m: Float32Array; v: Float32Array } | null;
  observationStats: RunningMeanStdJSON | null;
  /** Return statistics of reward normalisation (training only; evaluation never scales rewards). */
  rewardStats?: RunningMeanStdJSON | null;
  counters: CheckpointCounters;
  /** One random stream per worker, to resume the exact streams. */
  rng: RngState[];
  /** Wall-clock seconds of training so far (summed over resumes). */
  wallSeconds: number;
  /** Mean return over the last `bestWindow` episodes when this checkpoint was written. */
  meanReturn: number | null;
  /** Best moving-average return of the run so far (what `best` is chosen by). */
  bestMeanReturn: number | null;
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

/** `runs/x/best` and `runs/x/best.ckpt` both name the same checkpoint. */
export function resolveCheckpointPath(path: string): string {
  if (existsSync(path) && statSync(path).isFile()) return path;
  if (!path.endsWith(CHECKPOINT_EXTENSION) && existsSync(path + CHECKPOINT_EXTENSION))
    return path + CHECKPOINT_EXTENSION;
  throw new Error(
    `Checkpoint not found: ${path} (a checkpoint is a file like runs/NAME/best.ckpt or runs/NAME/last.ckpt; the .ckpt suffix may be omitted)`,
  );
}

export function saveCheckpoint(path: string, checkpoint: Checkpoint): void {
  const layout = paramLayout(checkpoint.modelSpec);
  const expected = layout.reduce((n, entry) => n + entry.size, 0);
  if (checkpoint.params.length !== expected) {
    throw new Error(`saveCheckpoint: ${checkpoint.params.length} parameters do not match the model spec (${expected})`);
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
    rewardStats: checkpoint.rewardStats ?? null,
    counters: checkpoint.counters,
    rng: checkpoint.rng,
    wallSeconds: checkpoint.wallSeconds,
    meanReturn: checkpoint.meanReturn,
    bestMeanReturn: checkpoint.bestMeanReturn,
  };
  writeFileAtomic(path, JSON.stringify(file));
}

export interface LoadCheckpointOptions {
  /** When given, the checkpoint must be for this env. */
  envId?: string;
  /** When given, the checkpoint's model must have this architecture and these sizes. */
  modelSpec?: ModelSpec;
}

export function loadCheckpoint(pathOrPrefix: string, options: LoadCheckpointOptions = {}): Checkpoint {
  const path = resolveCheckpointPath(pathOrPrefix);
  let file: CheckpointFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as CheckpointFile;
  } catch (error) {
    throw new Error(`Checkpoint ${path} is not readable JSON: ${(error as Error).message}`);
  }
  if (file.format !== CHECKPOINT_FORMAT)
    throw new Error(`${path} is not an a3c-ts checkpoint (format "${String(file.format)}")`);
  if (file.version !== CHECKPOINT_VERSION) {
    throw new Error(
      `Checkpoint ${path} has format version ${file.version}; this library reads version ${CHECKPOINT_VERSION}`,
    );
  }
  if (options.envId !== undefined && file.envId !== options.envId) {
    throw new Error(`Checkpoint ${path} was trained on ${file.envId}, not ${options.envId}`);
  }
  if (options.modelSpec) assertSameModel(path, file.modelSpec, options.modelSpec);
  const layout = paramLayout(file.modelSpec);
  const names = layout.map((entry) => entry.name);
  if (names.join(',') !== file.paramNames.join(',')) {
    throw new Error(
      `Checkpoint ${path} has parameters [${file.paramNames.join(', ')}], expected [${names.join(', ')}]`,
    );
  }
  const params = decodeFloat32(file.params);
  const expected = layout.reduce((n, entry) => n + entry.size, 0);
  if (params.length !== expected)
    throw new Error(`Checkpoint ${path} holds ${params.length} parameters, its model spec needs ${expected}`);
  return {
    config: configFromJSON(file.config as unknown as Record<string, unknown>),
    modelSpec: file.modelSpec,
    params,
    optimizer: file.optimizer && {
      step: file.optimizer.step,
      m: decodeFloat32(file.optimizer.m),
      v: decodeFloat32(file.optimizer.v),
    },
    observationStats: file.observationStats,
    rewardStats: file.rewardStats ?? null,
    counters: file.counters,
    rng: file.rng,
    wallSeconds: file.wallSeconds,
    meanReturn: file.meanReturn,
    bestMeanReturn: file.bestMeanReturn,
  };
}

function assertSameModel(path: string, actual: ModelSpec, expected: ModelSpec): void {
  const describe = (s: ModelSpec) =>
    `${s.kind} model, ${s.observationSize} observations, ${s.actionSize} actions, hidden [${s.hiddenSizes.join(', ')}]`;
  const same =
    actual.kind === expected.kind &&
    actual.observationSize === expected.observationSize &&
    actual.actionSize === expected.actionSize &&
    actual.hiddenSizes.join(',') === expected.hiddenSizes.join(',');
  if (!same) throw new Error(`Checkpoint ${path} holds a ${describe(actual)}; expected a ${describe(expected)}`);
}

/** Write `text` to `path` so that readers only ever see the old or the complete new content. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(tmp, path);
  // Persist the rename itself (the directory entry), not just the file's bytes.
  try {
    const dirFd = openSync(dirname(path), 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
  } catch {
    /* some file systems do not allow fsync on directories; the rename is still atomic */
  }
}

export function encodeFloat32(values: Float32Array): string {
  const copy = new Float32Array(values);
  return Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength).toString('base64');
}

export function decodeFloat32(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) throw new Error('corrupt float32 array in checkpoint (length not a multiple of 4)');
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
