/**
 * The run folder (lib/training/run_folder.ts): a new run never mixes with an earlier one, an
 * explicit overwrite removes only run files, resume falls back from a missing or damaged `last`
 * to `best`, and a log append on a full disk (a real tmpfs) is a clear error that leaves the
 * earlier lines parseable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_FILES, RunFolder, RunFolderError } from '../lib/training/run_folder.js';
import { createTemporaryFile } from '../lib/common/files.js';
import { makeCheckpoint } from './fixtures/checkpoint.js';
import { withTmpfs } from './fixtures/tmpfs.js';
import { closeSync } from 'node:fs';

const scratch = () => mkdtempSync(join(tmpdir(), 'a3c-run-'));
const config = { envId: 'HalfCheetah-v5', seed: 1 };

function isRunFolderError(pattern: RegExp) {
  return (error: Error) => {
    assert.ok(error instanceof RunFolderError, `expected a RunFolderError, got ${error}`);
    assert.equal(error.exitCode, 2, 'a refusal: the user fixes the flags');
    assert.match(error.message, pattern);
    return true;
  };
}

test('a new run refuses an empty or whitespace folder name', () => {
  for (const name of ['', '   ', '\t']) {
    assert.throws(() => RunFolder.create(name, config), isRunFolderError(/run folder name is empty.*runs\/NAME/));
  }
});

test('a new run creates its folder and writes config.json', () => {
  const dir = join(scratch(), 'runs', 'a');
  const folder = RunFolder.create(dir, config);
  assert.equal(folder.dir, dir);
  assert.equal(folder.lastPath, join(dir, 'last.ckpt'));
  assert.equal(folder.bestPath, join(dir, 'best.ckpt'));
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), config);
  assert.ok(folder.hasFile('config') && !folder.hasFile('best'));
});

test('a new run refuses a folder holding any file of an earlier run, even without checkpoints', () => {
  for (const name of [...Object.values(RUN_FILES), `.last.ckpt.${'0'.repeat(32)}.a3c-tmp`]) {
    const dir = scratch();
    writeFileSync(join(dir, name), 'from an earlier run');
    assert.throws(
      () => RunFolder.create(dir, config),
      isRunFolderError(
        new RegExp(
          `already holds a run; resume it with --resume, start over with --overwrite \\(deletes its files: ${name.replace(/\./g, '\\.')}\\)`,
        ),
      ),
    );
    assert.equal(readFileSync(join(dir, name), 'utf8'), 'from an earlier run', `${name} untouched`);
  }
});

test('overwrite removes the run files and nothing else', () => {
  const dir = scratch();
  for (const name of ['config.json', 'episodes.jsonl', 'last.ckpt', 'notes.txt']) writeFileSync(join(dir, name), 'old');
  const temporary = createTemporaryFile(join(dir, 'best.ckpt'));
  closeSync(temporary.fd);
  mkdirSync(join(dir, 'videos'));
  RunFolder.create(dir, config, { overwrite: true });
  assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'notes.txt', 'videos']);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), config);
});

test('resume loads last when it is there', () => {
  const dir = scratch();
  const folder = RunFolder.create(dir, config);
  const best = makeCheckpoint(1);
  const last = makeCheckpoint(2);
  assert.equal(folder.saveCheckpoint('best', best), join(dir, 'best.ckpt'));
  assert.equal(folder.saveCheckpoint('last', last), join(dir, 'last.ckpt'));
  const resumed = RunFolder.resume(dir);
  assert.equal(resumed.from, 'last');
  assert.equal(resumed.folder.dir, dir);
  assert.deepEqual(resumed.checkpoint.params, last.params);
  assert.equal(resumed.lastProblem, undefined);
});

test('resume falls back to best when last is missing (killed before the first last) or damaged', () => {
  const dir = scratch();
  const folder = RunFolder.create(dir, config);
  const best = makeCheckpoint(1);
  folder.saveCheckpoint('best', best);
  const missing = RunFolder.resume(dir);
  assert.equal(missing.from, 'best');
  assert.deepEqual(missing.checkpoint.params, best.params);
  assert.equal(missing.lastProblem, `${join(dir, 'last.ckpt')} does not exist`);

  writeFileSync(join(dir, 'last.ckpt'), '{"format":"a3c-ts-checkpoint","vers');
  const damaged = RunFolder.resume(dir);
  assert.equal(damaged.from, 'best');
  assert.deepEqual(damaged.checkpoint.params, best.params);
  assert.match(damaged.lastProblem ?? '', /last\.ckpt is not readable JSON/);
});

test('resume with neither checkpoint usable names both files and says how to start over', () => {
  const dir = scratch();
  RunFolder.create(dir, config);
  assert.throws(
    () => RunFolder.resume(dir),
    isRunFolderError(/last\.ckpt does not exist; .*best\.ckpt does not exist\. Start over with --overwrite/),
  );
  writeFileSync(join(dir, 'last.ckpt'), 'garbage');
  writeFileSync(join(dir, 'best.ckpt'), '');
  assert.throws(
    () => RunFolder.resume(dir),
    isRunFolderError(/last\.ckpt is not readable JSON.*; .*best\.ckpt is not readable JSON.*--overwrite/),
  );
  assert.throws(() => RunFolder.resume(join(dir, 'nope')), isRunFolderError(/is not a folder/));
  assert.throws(() => RunFolder.resume(' '), isRunFolderError(/name is empty/));
});

test('resume removes the temporary files of a killed run', () => {
  const dir = scratch();
  RunFolder.create(dir, config).saveCheckpoint('last', makeCheckpoint(1));
  const temporary = createTemporaryFile(join(dir, 'last.ckpt'));
  closeSync(temporary.fd);
  RunFolder.resume(dir);
  assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'last.ckpt']);
});

test('appending on a full disk (tmpfs): a clear error, and the earlier lines still parse', async (t) => {
  await withTmpfs(t, 64 * 1024, (dir) => {
    const folder = RunFolder.create(join(dir, 'run'), config);
    let error: unknown;
    let rows = 0;
    for (; rows < 10_000 && error === undefined; rows++) {
      try {
        folder.append('episodes', { global_step: rows, 'charts/episodic_return': -123.456 + rows, worker: rows % 2 });
      } catch (caught) {
        error = caught;
      }
    }
    assert.ok(error instanceof RunFolderError, `expected a RunFolderError, got ${String(error)}`);
    assert.equal(error.exitCode, 1, 'a failed write, not a refusal');
    assert.match(
      error.message,
      /^Cannot write .*run\/episodes\.jsonl: (the disk is full \(ENOSPC\)|only \d+ of \d+ bytes were written .*); free some disk space, then continue the run with --resume \(or start it over with --overwrite\)$/,
    );
    const lines = readFileSync(join(dir, 'run', 'episodes.jsonl'), 'utf8').split('\n');
    assert.equal(lines.pop(), '', 'the file ends with a whole line');
    assert.deepEqual(
      lines.map((line) => JSON.parse(line).global_step),
      Array.from({ length: rows - 1 }, (_, i) => i),
    );
  });
});
