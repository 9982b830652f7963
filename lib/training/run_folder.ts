/**
 * The run folder of a training run: config.json, the JSONL metric logs, best.ckpt and last.ckpt.
 * A new run never writes into a folder that holds an earlier run's files; `resume` continues from
 * `last` (or `best`, when `last` is missing or unreadable).
 */
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Checkpoint, loadCheckpoint, saveCheckpoint, writeFileAtomic } from './checkpoint.js';

export const RUN_FILES = {
  config: 'config.json',
  episodes: 'episodes.jsonl',
  updates: 'updates.jsonl',
  evaluations: 'evaluations.jsonl',
  best: 'best.ckpt',
  last: 'last.ckpt',
} as const;
export type LogName = 'episodes' | 'updates' | 'evaluations';

/** A run folder that cannot be used as asked; the message says what to do. */
export class RunFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFolderError';
  }
}

export class RunFolder {
  readonly lastPath: string;
  readonly bestPath: string;

  private constructor(readonly dir: string) {
    this.lastPath = join(dir, RUN_FILES.last);
    this.bestPath = join(dir, RUN_FILES.best);
  }

  /** A new run in `runDir`, which must not hold an earlier run; writes config.json. */
  static create(runDir: string, config: object): RunFolder {
    if (runDir.trim() === '') throw new RunFolderError('the run folder name is empty; give --run-dir a folder');
    const folder = new RunFolder(resolve(runDir));
    if (folder.hasFile('last') || folder.hasFile('best')) {
      throw new RunFolderError(
        `${folder.dir} already holds a run; resume it with --resume, or choose another --run-dir`,
      );
    }
    mkdirSync(folder.dir, { recursive: true });
    folder.writeConfig(config);
    return folder;
  }

  /** Continue the run in `runDir` from its `last` checkpoint. */
  static resume(runDir: string): { folder: RunFolder; checkpoint: Checkpoint; from: 'last' | 'best' } {
    const folder = new RunFolder(resolve(runDir));
    if (!folder.hasFile('last')) {
      throw new RunFolderError(`Cannot resume: ${folder.lastPath} does not exist (start a new run without --resume)`);
    }
    return { folder, checkpoint: loadCheckpoint(folder.lastPath), from: 'last' };
  }

  hasFile(name: keyof typeof RUN_FILES): boolean {
    return existsSync(join(this.dir, RUN_FILES[name]));
  }

  writeConfig(config: object): void {
    writeFileAtomic(join(this.dir, RUN_FILES.config), `${JSON.stringify(config, null, 2)}\n`);
  }

  saveCheckpoint(kind: 'best' | 'last', checkpoint: Checkpoint): string {
    const path = kind === 'best' ? this.bestPath : this.lastPath;
    saveCheckpoint(path, checkpoint);
    return path;
  }

  append(log: LogName, row: Record<string, unknown>): void {
    appendFileSync(join(this.dir, RUN_FILES[log]), `${JSON.stringify(row)}\n`);
  }
}
