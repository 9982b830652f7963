/**
 * Videos (lib/video.ts): a recorded HalfCheetah episode is a valid H.264 MP4 with the expected
 * frame count, size and frame rate (checked by decoding it with ffmpeg), with its index (moov)
 * ahead of the media data for streaming; a missing ffmpeg is a clear error; a failed recording
 * leaves neither a partial file nor damage to an existing one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../lib/envs/env.js';
import { makeEnv } from '../lib/envs/registry.js';
import { Rng } from '../lib/common/rng.js';
import { VideoWriter, findFfmpeg, probeVideo, recordEpisode } from '../lib/media/video.js';

/** Top-level MP4 boxes in file order: 4-byte big-endian size, then a 4-letter type. */
function topLevelBoxes(bytes: Buffer): string[] {
  const types: string[] = [];
  for (let offset = 0; offset + 8 <= bytes.length; ) {
    const size = bytes.readUInt32BE(offset);
    types.push(bytes.toString('latin1', offset + 4, offset + 8));
    if (size < 8) break;
    offset += size;
  }
  return types;
}

describe('recording HalfCheetah', () => {
  let folder: string;
  let env: Env;
  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'video-test-'));
    env = await makeEnv('HalfCheetah-v5');
  });
  after(() => {
    env.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('30 frames of a random policy at 20 fps: H.264, 30 frames, 96x64, 1.5 s', async () => {
    const rng = new Rng(3);
    const path = join(folder, 'random.mp4');
    const result = await recordEpisode({
      env,
      path,
      seed: 0,
      maxSteps: 29,
      width: 96,
      height: 64,
      policy: () => Float64Array.from({ length: 6 }, () => rng.uniform(-1, 1)),
    });
    // The reset frame plus one frame per step.
    assert.equal(result.length, 29);
    assert.equal(result.frames, 30);
    assert.equal(result.path, path);
    assert.ok(Number.isFinite(result.episodeReturn));
    assert.equal(env.metadata.fps, 20);
    const info = probeVideo(path);
    assert.equal(info.codec, 'h264');
    assert.equal(info.pixelFormat, 'yuv420p');
    assert.equal(info.width, 96);
    assert.equal(info.height, 64);
    assert.equal(info.fps, 20);
    assert.equal(info.frames, 30);
    assert.ok(Math.abs(info.durationSeconds - 30 / 20) < 0.06, `duration ${info.durationSeconds}`);
    const boxes = topLevelBoxes(readFileSync(path));
    assert.equal(boxes[0], 'ftyp');
    assert.ok(
      boxes.indexOf('moov') >= 0 && boxes.indexOf('moov') < boxes.indexOf('mdat'),
      `faststart box order ${boxes.join(' ')}`,
    );
    assert.deepEqual(
      readdirSync(folder).filter((name) => name.includes('.partial')),
      [],
    );
  });

  test('a policy that fails mid-episode leaves an existing file untouched and no partial file', async () => {
    const path = join(folder, 'precious.mp4');
    writeFileSync(path, 'an earlier good video');
    let calls = 0;
    await assert.rejects(
      recordEpisode({
        env,
        path,
        seed: 1,
        maxSteps: 50,
        width: 32,
        height: 32,
        policy: () => {
          if (++calls === 5) throw new Error('policy exploded');
          return new Float64Array(6);
        },
      }),
      /policy exploded/,
    );
    assert.equal(readFileSync(path, 'utf8'), 'an earlier good video');
    assert.deepEqual(
      readdirSync(folder).filter((name) => name.includes('.partial')),
      [],
    );
  });

  test('an ffmpeg failure is reported with its own message; the target stays as it was', async () => {
    const path = join(folder, 'kept.mp4');
    writeFileSync(path, 'keep me');
    // A well-formed preset name that x264 does not know: only ffmpeg can tell.
    const writer = await VideoWriter.open(path, { width: 32, height: 32, fps: 20, preset: 'nosuchpreset' });
    const frame = new Uint8Array(32 * 32 * 3);
    await assert.rejects(async () => {
      for (let i = 0; i < 20; i++) await writer.writeFrame(frame);
      await writer.close();
    }, /ffmpeg.*invalid preset 'nosuchpreset'/s);
    assert.equal(readFileSync(path, 'utf8'), 'keep me');
    assert.deepEqual(
      readdirSync(folder).filter((name) => name.includes('.partial')),
      [],
    );
  });

  test('bad frames and sizes are clear errors', async () => {
    await assert.rejects(
      VideoWriter.open(join(folder, 'odd.mp4'), { width: 33, height: 32, fps: 20 }),
      /even integers/,
    );
    await assert.rejects(
      VideoWriter.open(join(folder, 'missing', 'x.mp4'), { width: 32, height: 32, fps: 20 }),
      /does not exist/,
    );
    const writer = await VideoWriter.open(join(folder, 'short.mp4'), { width: 32, height: 32, fps: 20 });
    await assert.rejects(writer.writeFrame(new Uint8Array(10)), /needs 3072 RGB bytes, got 10/);
    await writer.abort();
    await assert.rejects(writer.writeFrame(new Uint8Array(32 * 32 * 3)), /aborted/);
  });
});

describe('finding ffmpeg', () => {
  const saved = process.env.FFMPEG_PATH;
  after(() => {
    if (saved === undefined) delete process.env.FFMPEG_PATH;
    else process.env.FFMPEG_PATH = saved;
  });

  test('FFMPEG_PATH to a missing file with the other candidates disabled: an error that says how to fix it', () => {
    process.env.FFMPEG_PATH = join(tmpdir(), 'no-such-dir', 'ffmpeg');
    assert.throws(
      () => findFfmpeg({ candidates: ['env'] }),
      (error: Error) => {
        assert.match(error.message, /No working ffmpeg found/);
        assert.match(error.message, /no-such-dir/);
        assert.match(error.message, /Set the FFMPEG_PATH environment variable/);
        assert.match(error.message, /install ffmpeg/);
        return true;
      },
    );
  });

  test('a broken FFMPEG_PATH falls through to the next candidate that runs', () => {
    process.env.FFMPEG_PATH = join(tmpdir(), 'no-such-dir', 'ffmpeg');
    const path = findFfmpeg({ candidates: ['env', '@ffmpeg-installer/ffmpeg'] });
    assert.match(path, /ffmpeg/);
    assert.notEqual(path, process.env.FFMPEG_PATH);
  });

  test('an ffmpegPath that does not exist fails when the writer starts', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'video-test-'));
    try {
      await assert.rejects(
        VideoWriter.open(join(folder, 'x.mp4'), { width: 32, height: 32, fps: 20, ffmpegPath: join(folder, 'nope') }),
        /Cannot start ffmpeg.*FFMPEG_PATH/,
      );
      assert.deepEqual(readdirSync(folder), []);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
