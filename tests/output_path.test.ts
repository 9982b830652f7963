/**
 * Output paths (lib/common/output_path.ts): `eval --video X` and `render --png X` may not replace a
 * checkpoint, an input, a folder, a symlink or a file of another kind; `overwrite` allows the
 * replaceable ones and never a folder or an input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { OutputPathError, checkOutputPath } from '../lib/common/output_path.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'a3c-out-'));
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const MP4 = Buffer.concat([Buffer.from([0, 0, 0, 16]), Buffer.from('ftypisom')]);

function refused(pattern: RegExp) {
  return (error: Error) => {
    assert.ok(error instanceof OutputPathError, `expected an OutputPathError, got ${error}`);
    assert.equal(error.exitCode, 2);
    assert.match(error.message, pattern);
    return true;
  };
}

test('a new file in an existing folder, or a file of the same kind, may be written', () => {
  const dir = scratch();
  assert.equal(checkOutputPath(join(dir, 'new.mp4'), { kind: 'video' }), join(dir, 'new.mp4'));
  writeFileSync(join(dir, 'old.mp4'), MP4);
  writeFileSync(join(dir, 'old.png'), PNG);
  writeFileSync(join(dir, 'empty.png'), '');
  writeFileSync(join(dir, 'result.json'), '{"mean": 1}');
  assert.equal(checkOutputPath(join(dir, 'old.mp4'), { kind: 'video' }), join(dir, 'old.mp4'));
  assert.equal(checkOutputPath(join(dir, 'old.png'), { kind: 'png' }), join(dir, 'old.png'));
  assert.equal(checkOutputPath(join(dir, 'empty.png'), { kind: 'png' }), join(dir, 'empty.png'));
  assert.equal(checkOutputPath(join(dir, 'result.json'), { kind: 'json' }), join(dir, 'result.json'));
});

test('an empty name, a missing folder and an unknown kind are clear errors', () => {
  const dir = scratch();
  assert.throws(() => checkOutputPath(' ', { kind: 'png' }), refused(/png output path is empty.*frame\.png/));
  assert.throws(
    () => checkOutputPath(join(dir, 'nope', 'x.mp4'), { kind: 'video' }),
    refused(/its folder .*nope does not exist/),
  );
  assert.throws(
    () => checkOutputPath(join(dir, 'x'), { kind: 'gif' as 'png' }),
    /unknown kind "gif"; allowed: video, png, checkpoint, json/,
  );
});

test('a checkpoint (by name or by content) is refused unless overwrite', () => {
  const dir = scratch();
  writeFileSync(join(dir, 'best.ckpt'), '{}');
  writeFileSync(join(dir, 'renamed.png'), '{"format":"a3c-ts-checkpoint","version":2,"params":"..."}');
  for (const name of ['best.ckpt', 'renamed.png']) {
    assert.throws(
      () => checkOutputPath(join(dir, name), { kind: 'png' }),
      refused(/^Refusing to write the png to .*: it is a checkpoint; choose another output file, or pass --overwrite/),
    );
    assert.equal(checkOutputPath(join(dir, name), { kind: 'png', overwrite: true }), join(dir, name));
  }
  writeFileSync(join(dir, 'last.ckpt'), '{"format":"a3c-ts-checkpoint"}');
  assert.throws(
    () => checkOutputPath(join(dir, 'last.ckpt'), { kind: 'checkpoint' }),
    refused(/a checkpoint exists there/),
  );
});

test('an input of the command is refused even with overwrite, however it is spelled', () => {
  const dir = scratch();
  const input = join(dir, 'best.ckpt');
  writeFileSync(input, '{"format":"a3c-ts-checkpoint"}');
  symlinkSync(input, join(dir, 'alias.mp4'));
  const spellings = [input, relative(process.cwd(), input), join(dir, '.', 'best.ckpt'), join(dir, 'alias.mp4')];
  for (const path of spellings) {
    assert.throws(
      () => checkOutputPath(path, { kind: 'video', inputs: [input], overwrite: true }),
      refused(/it is one of this command's inputs/),
    );
  }
});

test('a folder is always refused; a symlink and a file of another kind need overwrite', () => {
  const dir = scratch();
  mkdirSync(join(dir, 'frames'));
  assert.throws(
    () => checkOutputPath(join(dir, 'frames'), { kind: 'png', overwrite: true }),
    refused(/it is a folder; give a file name such as frame\.png/),
  );
  writeFileSync(join(dir, 'config.json'), '{"seed": 1}');
  symlinkSync(join(dir, 'config.json'), join(dir, 'link.png'));
  assert.throws(
    () => checkOutputPath(join(dir, 'link.png'), { kind: 'png' }),
    refused(/it is a symbolic link \(to .*config\.json\)/),
  );
  assert.equal(checkOutputPath(join(dir, 'link.png'), { kind: 'png', overwrite: true }), join(dir, 'link.png'));
  assert.throws(
    () => checkOutputPath(join(dir, 'config.json'), { kind: 'png' }),
    refused(/it exists and is not a png file, so its content would be lost/),
  );
  assert.equal(checkOutputPath(join(dir, 'config.json'), { kind: 'png', overwrite: true }), join(dir, 'config.json'));
  assert.throws(() => checkOutputPath('/dev/null', { kind: 'video', overwrite: true }), refused(/not a regular file/));
});
