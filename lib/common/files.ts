/**
 * Files that are never lost: the one place where the project writes what a run must keep
 * (checkpoints, config.json, the JSONL logs, videos).
 *
 * - `writeFileAtomic`: readers see the old content or the complete new content, never a part.
 *   The bytes go to a temporary file created exclusively (O_EXCL, so a planted file or symlink
 *   makes it fail instead of being followed) under an unpredictable name in the target's folder;
 *   every write's byte count is checked (a full disk returns short writes before ENOSPC, and
 *   ignoring the count renames a truncated file over a good one); then fsync, rename, fsync of
 *   the folder. On any failure the temporary file is removed and the previous file is untouched.
 * - `appendLine`: one JSON line per call for the logs, in one checked write; a short write is cut
 *   back so that no half line breaks the parsing of the file later.
 * - `removeStaleTemporaryFiles`: the temporary files a killed process left behind.
 * - `FileWriteError`: every failure above names the file and the cause in words.
 *
 * npm's `write-file-atomic` was considered and not used: it opens its temporary file with 'w'
 * (not exclusive) under a predictable murmur-hash name, ignores the count `writeSync` returns, and
 * does not fsync the folder.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** A write that did not happen; the message names the file and the cause in words. */
export class FileWriteError extends Error {
  constructor(
    message: string,
    /** The file that was to be written. */
    readonly path: string,
    /** The system error code (ENOSPC, EROFS, EACCES, ...), or SHORT_WRITE. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FileWriteError';
  }
}

/** The cause of a file system error in words, e.g. "the disk is full (ENOSPC)". */
export function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `the disk is full (${code})`;
    case 'EROFS':
      return 'the file system is read-only (EROFS)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'ENOENT':
      return 'its folder does not exist (ENOENT)';
    case 'ENOTDIR':
      return 'a part of its path is not a folder (ENOTDIR)';
    case 'EISDIR':
      return 'it is a folder (EISDIR)';
    case 'ELOOP':
      return 'it is a symbolic link (ELOOP)';
    case 'SHORT_WRITE':
      return (error as Error).message;
    case undefined:
      return error instanceof Error ? error.message : String(error);
    default:
      return `${code}: ${(error as Error).message}`;
  }
}

function writeError(path: string, error: unknown): FileWriteError {
  if (error instanceof FileWriteError) return error;
  const code = (error as NodeJS.ErrnoException)?.code ?? 'UNKNOWN';
  return new FileWriteError(`Cannot write ${path}: ${describeFileError(error)}`, path, code, { cause: error });
}

/** `fs.writeSync(fd, buffer, offset, length)`: replaceable so that tests can inject short writes. */
export type WriteSync = (fd: number, buffer: Uint8Array, offset: number, length: number) => number;

export interface WriteOptions {
  /** The write call (default `fs.writeSync`); tests pass one that writes less than asked. */
  writeSync?: WriteSync;
}

/**
 * Write all of `bytes` at the file position of `fd`, calling `write` again after a partial write
 * (POSIX allows them); a call that writes nothing is an error, since it would loop forever.
 */
function writeAll(fd: number, bytes: Uint8Array, write: WriteSync): void {
  let offset = 0;
  while (offset < bytes.length) {
    const written = write(fd, bytes, offset, bytes.length - offset);
    if (!(Number.isInteger(written) && written > 0)) {
      const error = new Error(
        `a write stopped after ${offset} of ${bytes.length} bytes (the disk is probably full)`,
      ) as NodeJS.ErrnoException;
      error.code = 'SHORT_WRITE';
      throw error;
    }
    offset += written;
  }
}

/** Temporary files: `.<target name>.<32 random hex digits>.a3c-tmp`, in the target's folder. */
const TEMPORARY_SUFFIX = '.a3c-tmp';
const TEMPORARY_NAME = /^\..*\.[0-9a-f]{32}\.a3c-tmp$/;
/** The temporary names of earlier versions: checkpoints and videos. */
const LEGACY_TEMPORARY_NAMES = [/^\.\d+-\d+-[0-9a-z]+\.tmp$/, /^\..+\.\d+\.\d+\.partial$/];

/** True for the name (not path) of a temporary file made by this module or an earlier version. */
export function isTemporaryName(name: string): boolean {
  return TEMPORARY_NAME.test(name) || LEGACY_TEMPORARY_NAMES.some((pattern) => pattern.test(name));
}

/**
 * Create a new, empty temporary file beside `target`, exclusively: its name carries 128 random
 * bits, and O_EXCL makes the creation fail rather than open something planted under that name.
 * The caller owns `fd` and must close it and rename or remove `path`.
 */
export function createTemporaryFile(target: string): { path: string; fd: number } {
  const absolute = resolve(target);
  // File names are limited to 255 bytes; keep the target's name recognisable but short.
  const stem = basename(absolute).slice(0, 100);
  for (let attempt = 0; ; attempt++) {
    const path = join(dirname(absolute), `.${stem}.${randomBytes(16).toString('hex')}${TEMPORARY_SUFFIX}`);
    try {
      return { path, fd: openSync(path, 'wx', 0o666) };
    } catch (error) {
      // A collision of 128 random bits means someone is guessing; a few retries cost nothing.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw writeError(target, error);
    }
  }
}

/**
 * Replace `path` with `data` atomically (see the file header). Throws a FileWriteError naming the
 * file and the cause; the previous file is then untouched and no temporary file is left.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteOptions = {}): void {
  const target = resolve(path);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const write: WriteSync = options.writeSync ?? ((fd, buffer, offset, length) => writeSync(fd, buffer, offset, length));
  const temporary = createTemporaryFile(target);
  let fd: number | null = temporary.fd;
  try {
    writeAll(fd, bytes, write);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    // rename replaces a symlink at `target` itself; it never writes through it.
    renameSync(temporary.path, target);
  } catch (error) {
    if (fd !== null) closeQuietly(fd);
    rmSync(temporary.path, { force: true });
    throw writeError(target, error);
  }
  syncFolder(dirname(target));
}

/** Persist a rename (the folder entry), not only the file's bytes. */
function syncFolder(folder: string): void {
  let fd: number;
  try {
    fd = openSync(folder, 'r');
  } catch {
    return; // a folder we cannot open for reading cannot be synced; the rename is still atomic
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    // Some file systems do not support fsync on a folder (EINVAL); a real I/O error must show.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EBADF') throw writeError(folder, error);
  } finally {
    closeQuietly(fd);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* the error that brought us here is the one to report */
  }
}

/**
 * Append `line` and a newline to `path` (created if missing; a symlink is refused), in one checked
 * write. If the write fails or is short, the file is cut back to its previous size, so every line
 * in it stays whole; if the file ends in a half line (an older writer's), a newline goes first so
 * that the new line parses. Throws a FileWriteError naming the file and the cause.
 */
export function appendLine(path: string, line: string, options: WriteOptions = {}): void {
  const target = resolve(path);
  if (line.includes('\n')) throw new Error(`appendLine: the line for ${target} contains a newline`);
  const write: WriteSync = options.writeSync ?? ((fd, buffer, offset, length) => writeSync(fd, buffer, offset, length));
  let fd: number;
  try {
    // Read-write so that the last byte can be checked through the same descriptor.
    fd = openSync(target, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o666);
  } catch (error) {
    throw writeError(target, error);
  }
  let size = 0;
  try {
    size = fstatSync(fd).size;
    const prefix = size > 0 && !endsWithNewline(fd, size) ? '\n' : '';
    const bytes = Buffer.from(`${prefix}${line}\n`, 'utf8');
    const written = write(fd, bytes, 0, bytes.length);
    if (written !== bytes.length) {
      // A short append happens when the disk fills up; the next write would say ENOSPC.
      const error = new Error(
        `only ${written} of ${bytes.length} bytes were written (the disk is probably full)`,
      ) as NodeJS.ErrnoException;
      error.code = 'SHORT_WRITE';
      throw error;
    }
  } catch (error) {
    try {
      ftruncateSync(fd, size);
    } catch {
      /* nothing more can be done; the error below says why the line is missing */
    }
    throw writeError(target, error);
  } finally {
    closeQuietly(fd);
  }
}

/** Whether the last byte of the file open as `fd` (of `size` bytes) is a newline. */
function endsWithNewline(fd: number, size: number): boolean {
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] === 0x0a;
}

/**
 * Remove the temporary files that killed processes left in `folder` (only names of our temporary
 * pattern, only regular files: a symlink or folder of that name is left alone and never
 * followed). Call it only when no other process writes into the folder. Returns the removed names.
 */
export function removeStaleTemporaryFiles(folder: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(folder)) {
    if (!isTemporaryName(name)) continue;
    const path = join(folder, name);
    try {
      if (!lstatSync(path).isFile()) continue;
      unlinkSync(path);
      removed.push(name);
    } catch (error) {
      // Gone already (another cleaner) is fine; anything else the caller should hear about.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw writeError(path, error);
    }
  }
  return removed;
}
