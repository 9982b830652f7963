/**
 * The run folder: where one A3C training run keeps everything (the resolved config, the JSONL
 * logs of episodes, updates and evaluations, the `best` and `last` checkpoints), and the only way
 * the trainer touches it.
 *
 * Nothing already saved is lost: a new run refuses a folder that holds an earlier run (unless
 * `overwrite`, which removes that run's files and only those), every file is written atomically
 * or appended line by line with checked writes (lib/common/files.ts), and a run killed before
 * its first `last` checkpoint, or with a damaged `last`, resumes from `best`.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  FileWriteError,
  describeFileError,
  appendLine,
  isTemporaryName,
  removeStaleTemporaryFiles,
  writeFileAtomic,
} from '../common/files.js';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint.js';

/** The files of a run folder. */
export const RUN_FILES = {
  config: 'config.json',
  episodes: 'episodes.jsonl',
  updates: 'updates.jsonl',
  evaluations: 'evaluations.jsonl',
  best: 'best.ckpt',
  last: 'last.ckpt',
} as const;

/** Where an attempt abandoned by an early restart keeps its logs and `best`: `attempt-1/`, `attempt-2/`, ... */
export const ATTEMPT_FOLDER = /^attempt-\d+$/;

/** The JSONL logs: one JSON object per line. */
export type LogName = 'episodes' | 'updates' | 'evaluations';

/**
 * A problem with the run folder that the user must act on; the message says what to do.
 * `exitCode` for the CLI: 2 when the folder was refused (fix the flags: --resume, --overwrite,
 * --run-dir), 1 when a write failed (disk full, read-only, permission).
 */
export class RunFolderError extends Error {
  readonly exitCode: 1 | 2;
  constructor(message: string, options: { cause?: unknown; exitCode?: 1 | 2 } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RunFolderError';
    this.exitCode = options.exitCode ?? 2;
  }
}

export class RunFolder {
  /** Absolute path of the folder. */
  readonly dir: string;
  readonly lastPath: string;
  readonly bestPath: string;

  private constructor(dir: string) {
    this.dir = dir;
    this.lastPath = join(dir, RUN_FILES.last);
    this.bestPath = join(dir, RUN_FILES.best);
  }

  /**
   * A new run: refuses an empty or whitespace `runDir`, and a folder that holds any file of
   * RUN_FILES (or our temporary files) unless `overwrite`, which removes those files, and only
   * those, first. Creates the folder and writes config.json atomically.
   */
  static create(runDir: string, config: object, options: { overwrite?: boolean } = {}): RunFolder {
    const folder = new RunFolder(checkRunDir(runDir));
    if (existsSync(folder.dir) && !statSync(folder.dir).isDirectory())
      throw new RunFolderError(`Run folder ${folder.dir} is a file, not a folder; choose another --run-dir`);
    const earlier = folder.runFileNames();
    if (earlier.length > 0) {
      if (!options.overwrite) {
        throw new RunFolderError(
          `${folder.dir} already holds a run; resume it with --resume, start over with --overwrite ` +
            `(deletes its files: ${earlier.join(', ')}), or choose another --run-dir`,
        );
      }
      for (const name of earlier) folder.removeRunFile(name);
    }
    try {
      mkdirSync(folder.dir, { recursive: true });
    } catch (error) {
      throw new RunFolderError(`Cannot create the run folder ${folder.dir}: ${describeFileError(error)}`, {
        cause: error,
        exitCode: 1,
      });
    }
    folder.writeConfig(config);
    return folder;
  }

  /**
   * Continue a run: loads `last` if it is present and loadable, else `best` (a kill before the
   * first `last`, or a damaged `last`); `from` says which, and `lastProblem` why `last` was not
   * used. A RunFolderError names both files when neither is usable. Removes stale temporary files.
   */
  static resume(runDir: string): {
    folder: RunFolder;
    checkpoint: Checkpoint;
    from: 'last' | 'best';
    lastProblem?: string;
  } {
    const folder = new RunFolder(checkRunDir(runDir));
    if (!existsSync(folder.dir) || !statSync(folder.dir).isDirectory())
      throw new RunFolderError(`Cannot resume: ${folder.dir} is not a folder (start a new run without --resume)`);
    removeStaleTemporaryFiles(folder.dir);
    const problems: string[] = [];
    for (const from of ['last', 'best'] as const) {
      const path = from === 'last' ? folder.lastPath : folder.bestPath;
      if (!existsSync(path)) {
        problems.push(`${path} does not exist`);
        continue;
      }
      try {
        const checkpoint = loadCheckpoint(path);
        if (!checkpoint.optimizer) throw new Error(`Checkpoint ${path} holds no optimizer state`);
        return from === 'last' ? { folder, checkpoint, from } : { folder, checkpoint, from, lastProblem: problems[0] };
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    throw new RunFolderError(
      `Cannot resume the run in ${folder.dir}: ${problems.join('; ')}. ` +
        'Start over with --overwrite (deletes this run), or choose another --run-dir',
    );
  }

  /** Write the resolved config as config.json (atomically). */
  writeConfig(config: object): void {
    this.guard(() => writeFileAtomic(join(this.dir, RUN_FILES.config), `${JSON.stringify(config, null, 2)}\n`));
  }

  /** Save the `best` or `last` checkpoint atomically; returns its path. */
  saveCheckpoint(kind: 'best' | 'last', checkpoint: Checkpoint): string {
    const path = kind === 'best' ? this.bestPath : this.lastPath;
    this.guard(() => saveCheckpoint(path, checkpoint));
    return path;
  }

  /**
   * Set aside the attempt that an early restart abandons: its logs and `best` move to
   * `attempt-N/` (N = 1 for the first attempt), so the next attempt starts with empty logs and
   * its own `best`. `last` stays until the next attempt overwrites it: a run killed in between
   * resumes the abandoned attempt, whose next evaluation restarts it again. Returns the folder.
   */
  setAsideAttempt(attempt: number): string {
    const target = join(this.dir, `attempt-${attempt}`);
    this.guard(() => {
      try {
        mkdirSync(target);
        for (const name of ['episodes', 'updates', 'evaluations', 'best'] as const) {
          if (this.hasFile(name)) renameSync(join(this.dir, RUN_FILES[name]), join(target, RUN_FILES[name]));
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
        const message = `Cannot set aside the abandoned attempt in ${target}: ${describeFileError(error)}`;
        throw new FileWriteError(message, target, code, { cause: error });
      }
    });
    return target;
  }

  /** Append one row as a JSON line to a log (checked; a failure leaves only whole lines). */
  append(log: LogName, row: Record<string, unknown>): void {
    this.guard(() => appendLine(join(this.dir, RUN_FILES[log]), JSON.stringify(row)));
  }

  hasFile(name: keyof typeof RUN_FILES): boolean {
    return existsSync(join(this.dir, RUN_FILES[name]));
  }

  /** Names in the folder that belong to a run: RUN_FILES and our temporary files. */
  private runFileNames(): string[] {
    if (!existsSync(this.dir)) return [];
    const runFiles: readonly string[] = Object.values(RUN_FILES);
    return readdirSync(this.dir).filter(
      (name) => runFiles.includes(name) || isTemporaryName(name) || ATTEMPT_FOLDER.test(name),
    );
  }

  /**
   * Remove one run file (a symlink is removed itself, never followed), or an `attempt-N` folder
   * that holds run files only; any other folder is refused.
   */
  private removeRunFile(name: string): void {
    const path = join(this.dir, name);
    if (lstatSync(path).isDirectory()) {
      const runFiles: readonly string[] = Object.values(RUN_FILES);
      const own = ATTEMPT_FOLDER.test(name) && readdirSync(path).every((file) => runFiles.includes(file));
      if (!own) throw new RunFolderError(`Cannot start over in ${this.dir}: ${path} is a folder; remove it yourself`);
    }
    try {
      rmSync(path, { force: true, recursive: true });
    } catch (error) {
      throw new RunFolderError(`Cannot remove ${path} to start over: ${describeFileError(error)}`, {
        cause: error,
        exitCode: 1,
      });
    }
  }

  /** Turn a failed write into a RunFolderError that names the file, the cause and what to do. */
  private guard(write: () => void): void {
    try {
      write();
    } catch (error) {
      if (!(error instanceof FileWriteError)) throw error;
      const hint = ['ENOSPC', 'EDQUOT', 'SHORT_WRITE'].includes(error.code)
        ? 'free some disk space, then continue the run with --resume (or start it over with --overwrite)'
        : 'choose a --run-dir where you may write';
      throw new RunFolderError(`${error.message}; ${hint}`, { cause: error, exitCode: 1 });
    }
  }
}

/** The absolute run folder, or a RunFolderError for an empty or whitespace name. */
function checkRunDir(runDir: string): string {
  if (typeof runDir !== 'string' || runDir.trim() === '') {
    throw new RunFolderError(
      `The run folder name is empty (${JSON.stringify(runDir)}); give --run-dir a folder such as runs/NAME`,
    );
  }
  return resolve(runDir);
}
