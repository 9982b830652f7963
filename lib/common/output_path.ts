/**
 * Output paths that cannot destroy what a user keeps: `checkOutputPath` is asked before a video,
 * a PNG or another output file is written, so that `eval --checkpoint X --video X` or
 * `render --png runs/x/best.ckpt` is refused instead of replacing the checkpoint.
 *
 * Refused unless `overwrite` is asked for: an existing checkpoint (a `.ckpt` name or the JSON
 * signature of one), a symbolic link (a planted link would redirect the output), and an existing
 * file that is not of the output's kind (`--png config.json`). Always refused: an empty name, a
 * folder, something that is not a regular file (a device, a pipe), one of the command's inputs
 * (compared by real path, so a link or `./x` does not hide it), and a path whose folder does not
 * exist. An existing file of the same kind (re-recording `episode.mp4`) is replaced.
 */
import { closeSync, constants, lstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** What is being written; decides which existing files count as the same kind. */
export type OutputKind = 'video' | 'png' | 'checkpoint' | 'json';

export const OUTPUT_KINDS: readonly OutputKind[] = ['video', 'png', 'checkpoint', 'json'];

const EXAMPLES: Record<OutputKind, string> = {
  video: 'episode.mp4',
  png: 'frame.png',
  checkpoint: 'runs/NAME/best.ckpt',
  json: 'result.json',
};

/** A refused output path; the CLI exits with `exitCode` (2, a usage error). */
export class OutputPathError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'OutputPathError';
  }
}

export interface CheckOutputPathOptions {
  /** What is written: 'video' (MP4), 'png', 'checkpoint', 'json'. */
  kind: OutputKind;
  /** Files the command reads (e.g. its checkpoint); the output may never be one of them. */
  inputs?: readonly string[];
  /** Replace a checkpoint, a symlink or a file of another kind (never a folder or an input). */
  overwrite?: boolean;
}

/**
 * Check that writing `path` loses nothing (see the file header); returns its absolute path.
 * Throws an OutputPathError saying what the path is and what to do.
 */
export function checkOutputPath(path: string, options: CheckOutputPathOptions): string {
  const { kind, inputs = [], overwrite = false } = options;
  if (!OUTPUT_KINDS.includes(kind))
    throw new Error(`checkOutputPath: unknown kind "${String(kind)}"; allowed: ${OUTPUT_KINDS.join(', ')}`);
  if (typeof path !== 'string' || path.trim() === '') {
    throw new OutputPathError(`The ${kind} output path is empty; give a file name such as ${EXAMPLES[kind]}`);
  }
  const target = resolve(path);
  const refuse = (why: string, fix: string) =>
    new OutputPathError(`Refusing to write the ${kind} to ${target}: ${why}; ${fix}`);
  const input = matchingInput(target, inputs);
  if (input !== undefined) throw refuse(`it is one of this command's inputs (${input})`, 'choose another output file');
  const stats = lstatOrNull(target);
  if (stats === null) {
    const folder = dirname(target);
    if (!statOrNull(folder)?.isDirectory()) throw refuse(`its folder ${folder} does not exist`, 'create it first');
    return target;
  }
  if (statOrNull(target)?.isDirectory()) throw refuse('it is a folder', `give a file name such as ${EXAMPLES[kind]}`);
  // The CLI's flag; library callers pass `overwrite: true`.
  const askOverwrite = 'choose another output file, or pass --overwrite to replace it';
  if (stats.isSymbolicLink()) {
    if (!overwrite) throw refuse(`it is a symbolic link (to ${linkTarget(target)})`, askOverwrite);
    // With overwrite the link itself is replaced by the new file; what it points to is untouched.
    return target;
  }
  if (!stats.isFile()) throw refuse('it is not a regular file', 'choose another output file');
  if (overwrite) return target;
  const head = readHead(target);
  if (kind !== 'checkpoint' && (target.endsWith('.ckpt') || isCheckpointHead(head)))
    throw refuse('it is a checkpoint', askOverwrite);
  if (head.length > 0 && !isKind(kind, head))
    throw refuse(`it exists and is not a ${kind} file, so its content would be lost`, askOverwrite);
  if (kind === 'checkpoint') throw refuse('a checkpoint exists there', askOverwrite);
  return target;
}

/** The input that names the same file as `target` (by real path), if any. */
function matchingInput(target: string, inputs: readonly string[]): string | undefined {
  const real = realOrResolved(target);
  return inputs.find((input) => {
    const other = realOrResolved(resolve(input));
    return other === real || resolve(input) === target;
  });
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function linkTarget(path: string): string {
  return realOrResolved(path) === path ? 'a missing file' : realOrResolved(path);
}

/** The first bytes of a regular file, read without following a link. */
function readHead(path: string): Buffer {
  const head = Buffer.alloc(64);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    // Unreadable: treat as a file of another kind, which needs overwrite.
    return Buffer.from('?');
  }
  try {
    return head.subarray(0, readSync(fd, head, 0, head.length, 0));
  } finally {
    closeSync(fd);
  }
}

/** The JSON checkpoints of lib/training/checkpoint.ts start with their format name. */
function isCheckpointHead(head: Buffer): boolean {
  return /^\s*\{\s*"format"\s*:\s*"a3c-ts-checkpoint"/.test(head.toString('latin1'));
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function isKind(kind: OutputKind, head: Buffer): boolean {
  switch (kind) {
    case 'video':
      // An ISO media file (MP4) starts with a box whose type is 'ftyp'.
      return head.toString('latin1', 4, 8) === 'ftyp';
    case 'png':
      return head.subarray(0, 8).equals(PNG_SIGNATURE);
    case 'checkpoint':
      return isCheckpointHead(head);
    case 'json':
      return /^\s*[[{]/.test(head.toString('latin1'));
  }
}
