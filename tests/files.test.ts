/**
 * Safe writes (lib/common/files.ts): an atomic write that checks every byte count, on an injected
 * short write and on a real full disk (a 200 KB tmpfs); JSONL appends that never leave a half
 * line; the cleanup of temporary files left by killed processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileWriteError,
  appendLine,
  createTemporaryFile,
  isTemporaryName,
  removeStaleTemporaryFiles,
  writeFileAtomic,
  type WriteSync,
} from '../lib/common/files.js';
import { fillDisk, withTmpfs } from './fixtures/tmpfs.js';
import { closeSync, writeSync } from 'node:fs';

const scratch = () => mkdtempSync(join(tmpdir(), 'a3c-files-'));

/** A writeSync that writes at most `limits[i]` bytes on its i-th call (the rest: all asked). */
function limitedWrites(limits: number[]): WriteSync {
  let call = 0;
  return (fd, buffer, offset, length) => {
    const limit = limits[call++] ?? length;
    return limit === 0 ? 0 : writeSync(fd, buffer, offset, Math.min(limit, length));
  };
}

/** Every line of a JSONL file parses. */
function parseLines(path: string): unknown[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

test('writeFileAtomic replaces the file and leaves no temporary file', () => {
  const dir = scratch();
  const path = join(dir, 'file.json');
  writeFileAtomic(path, 'old');
  writeFileAtomic(path, new Uint8Array([110, 101, 119]));
  assert.equal(readFileSync(path, 'utf8'), 'new');
  assert.deepEqual(readdirSync(dir), ['file.json']);
});

test('writeFileAtomic into a missing folder: a FileWriteError naming the file and the cause', () => {
  const dir = scratch();
  const path = join(dir, 'no-such-dir', 'file.json');
  assert.throws(
    () => writeFileAtomic(path, 'new'),
    (error: Error) =>
      error instanceof FileWriteError &&
      error.message === `Cannot write ${path}: its folder does not exist (ENOENT)` &&
      error.code === 'ENOENT',
  );
});

test('an injected short write is an error: the old file stays, no temporary file is left', () => {
  const dir = scratch();
  const path = join(dir, 'last.ckpt');
  writeFileAtomic(path, 'the good checkpoint');
  // The first write stores 5 of 1000 bytes, the second stores nothing, as a full disk does.
  assert.throws(
    () => writeFileAtomic(path, 'x'.repeat(1000), { writeSync: limitedWrites([5, 0]) }),
    (error: Error) =>
      error instanceof FileWriteError &&
      error.code === 'SHORT_WRITE' &&
      error.message.startsWith(`Cannot write ${path}: a write stopped after 5 of 1000 bytes`),
  );
  assert.equal(readFileSync(path, 'utf8'), 'the good checkpoint');
  assert.deepEqual(readdirSync(dir), ['last.ckpt']);
});

test('partial writes that make progress are continued until every byte is written', () => {
  const dir = scratch();
  const path = join(dir, 'data.bin');
  const data = 'abcdefghij'.repeat(100);
  writeFileAtomic(path, data, { writeSync: limitedWrites([1, 7, 300]) });
  assert.equal(readFileSync(path, 'utf8'), data);
});

test('a real full disk (200 KB tmpfs): writeFileAtomic says "disk is full" and keeps the old file', async (t) => {
  await withTmpfs(t, 200 * 1024, (dir) => {
    const path = join(dir, 'best.ckpt');
    const old = 'o'.repeat(64 * 1024);
    writeFileAtomic(path, old);
    // 136 KB are free: the kernel stores part of the 200 KB (a short write), then says ENOSPC.
    assert.throws(
      () => writeFileAtomic(path, 'n'.repeat(200 * 1024)),
      /^FileWriteError: Cannot write .*best\.ckpt: the disk is full \(ENOSPC\)$/m,
    );
    assert.equal(readFileSync(path, 'utf8'), old, 'the previous file is untouched');
    assert.deepEqual(readdirSync(dir), ['best.ckpt'], 'the temporary file is removed');
  });
});

test('a read-only file system (a tmpfs remounted read-only): "read-only" in words, the old file kept', async (t) => {
  await withTmpfs(t, 64 * 1024, (dir) => {
    const path = join(dir, 'config.json');
    writeFileAtomic(path, '{"seed": 1}');
    const remount = spawnSync('mount', ['-o', 'remount,ro', dir], { encoding: 'utf8' });
    if (remount.status !== 0) return t.skip(`cannot remount read-only: ${remount.stderr.trim()}`);
    assert.throws(
      () => writeFileAtomic(path, '{"seed": 2}'),
      (error: Error) =>
        error instanceof FileWriteError &&
        error.message === `Cannot write ${path}: the file system is read-only (EROFS)`,
    );
    assert.throws(() => appendLine(join(dir, 'episodes.jsonl'), '{}'), /episodes\.jsonl: the file system is read-only/);
    assert.equal(readFileSync(path, 'utf8'), '{"seed": 1}');
  });
});

test('temporary files have unpredictable names, are created exclusively and are recognised', () => {
  const dir = scratch();
  const a = createTemporaryFile(join(dir, 'video.mp4'));
  const b = createTemporaryFile(join(dir, 'video.mp4'));
  closeSync(a.fd);
  closeSync(b.fd);
  assert.notEqual(a.path, b.path);
  for (const { path } of [a, b]) {
    const name = path.slice(dir.length + 1);
    assert.match(name, /^\.video\.mp4\.[0-9a-f]{32}\.a3c-tmp$/);
    assert.ok(isTemporaryName(name));
  }
  assert.ok(!isTemporaryName('video.mp4') && !isTemporaryName('.hidden'));
});

test('writeFileAtomic onto a symlink replaces the link and never writes through it', () => {
  const dir = scratch();
  const outside = join(scratch(), 'unrelated.txt');
  writeFileSync(outside, 'not yours');
  symlinkSync(outside, join(dir, 'config.json'));
  writeFileAtomic(join(dir, 'config.json'), '{}');
  assert.equal(readFileSync(outside, 'utf8'), 'not yours');
  assert.ok(lstatSync(join(dir, 'config.json')).isFile());
});

test('appendLine appends whole lines, refuses a line with a newline, repairs a half last line', () => {
  const dir = scratch();
  const path = join(dir, 'episodes.jsonl');
  appendLine(path, '{"a":1}');
  appendLine(path, '{"a":2}');
  assert.throws(() => appendLine(path, '{"a":\n3}'), /contains a newline/);
  appendFileSync(path, '{"half":'); // what an older writer left when killed mid-write
  appendLine(path, '{"a":4}');
  assert.equal(readFileSync(path, 'utf8'), '{"a":1}\n{"a":2}\n{"half":\n{"a":4}\n');
});

test('a short append is cut back: the file keeps only whole lines', () => {
  const dir = scratch();
  const path = join(dir, 'updates.jsonl');
  appendLine(path, '{"step":1}');
  assert.throws(
    () => appendLine(path, '{"step":2,"loss":0.5}', { writeSync: limitedWrites([7]) }),
    (error: Error) =>
      error instanceof FileWriteError &&
      error.message === `Cannot write ${path}: only 7 of 22 bytes were written (the disk is probably full)`,
  );
  assert.equal(readFileSync(path, 'utf8'), '{"step":1}\n');
  appendLine(path, '{"step":3}');
  assert.deepEqual(parseLines(path), [{ step: 1 }, { step: 3 }]);
});

test('appendLine refuses to write through a symlink', () => {
  const dir = scratch();
  const outside = join(scratch(), 'unrelated.txt');
  writeFileSync(outside, 'not yours');
  symlinkSync(outside, join(dir, 'episodes.jsonl'));
  assert.throws(() => appendLine(join(dir, 'episodes.jsonl'), '{}'), /symbolic link \(ELOOP\)/);
  assert.equal(readFileSync(outside, 'utf8'), 'not yours');
});

test('appends on a real full disk: a clear error, and every line written so far parses', async (t) => {
  await withTmpfs(t, 200 * 1024, (dir) => {
    const path = join(dir, 'episodes.jsonl');
    fillDisk(dir);
    // Free one page: the lines fill it, and the one that does not fit is written in part.
    const filler = join(dir, 'filler.bin');
    truncateSync(filler, statSync(filler).size - 4096);
    let error: unknown;
    for (let i = 0; i < 100 && error === undefined; i++) {
      try {
        appendLine(path, JSON.stringify({ episode: i, return: 1000 + i, padding: 'p'.repeat(100) }));
      } catch (caught) {
        error = caught;
      }
    }
    assert.ok(parseLines(path).length > 0, 'some lines fitted before the disk was full');
    assert.ok(error instanceof FileWriteError, `expected a FileWriteError, got ${String(error)}`);
    assert.match((error as Error).message, /^Cannot write .*episodes\.jsonl: (the disk is full|only \d+ of \d+ bytes)/);
    parseLines(path);
  });
});

test('removeStaleTemporaryFiles removes only our regular temporary files, never via a link', () => {
  const dir = scratch();
  const outsideDir = scratch();
  const temporary = createTemporaryFile(join(dir, 'last.ckpt'));
  closeSync(temporary.fd);
  writeFileSync(join(dir, '.1733130000000-4242-k3j2h1.tmp'), 'a checkpoint temp of version 0.1');
  writeFileSync(join(dir, '.episode.mp4.4242.0.partial'), 'a video temp of version 0.1');
  writeFileSync(join(dir, 'best.ckpt'), 'keep');
  writeFileSync(join(dir, '.notes.tmp'), 'keep: not our pattern');
  // A symlink and a folder that carry our pattern's name: left alone, their targets untouched.
  const linkName = `.x.${'a'.repeat(32)}.a3c-tmp`;
  writeFileSync(join(outsideDir, 'precious'), 'keep');
  symlinkSync(join(outsideDir, 'precious'), join(dir, linkName));
  const folderName = `.y.${'b'.repeat(32)}.a3c-tmp`;
  mkdirSync(join(dir, folderName));
  const removed = removeStaleTemporaryFiles(dir).sort();
  assert.deepEqual(
    removed,
    ['.1733130000000-4242-k3j2h1.tmp', '.episode.mp4.4242.0.partial', temporary.path.slice(dir.length + 1)].sort(),
  );
  assert.deepEqual(readdirSync(dir).sort(), ['.notes.tmp', folderName, linkName, 'best.ckpt'].sort());
  assert.equal(readFileSync(join(outsideDir, 'precious'), 'utf8'), 'keep');
});
