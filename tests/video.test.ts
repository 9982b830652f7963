/**
 * Videos (lib/media/video.ts, lib/media/ffmpeg.ts): a recorded HalfCheetah episode is a valid H.264 MP4 with the expected
 * frame count, size and frame rate (checked by decoding it with ffmpeg), the episode's return and
 * the renderer's picture as its first frame, with its index (moov)
 * ahead of the media data for streaming; a missing ffmpeg is a clear error; a failed recording
 * leaves neither a partial file nor damage to an existing one; planted symlinks cannot redirect
 * the output, and a checkpoint or an input is never replaced by a video.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Env } from '../lib/envs/env.js';
import { makeEnv } from '../lib/envs/registry.js';
import { Rng } from '../lib/common/rng.js';
import { VideoWriter, recordEpisode } from '../lib/media/video.js';
import { findFfmpeg, probeVideo } from '../lib/media/ffmpeg.js';
import { renderFrame } from '../lib/media/render.js';

/** The start of an MP4 file (an 'ftyp' box), standing for an earlier good video. */
function earlierVideo(text: string): Buffer {
  return Buffer.concat([Buffer.from([0, 0, 0, 16]), Buffer.from('ftypisom\0\0\0\0'), Buffer.from(text)]);
}

/** Temporary files of the writer, ours or an older version's. */
const temporaryFiles = (folder: string) =>
  readdirSync(folder).filter((name) => name.endsWith('.partial') || name.endsWith('.a3c-tmp'));

/** Frame `index` of a video as RGB bytes, decoded by ffmpeg. */
function decodeFrame(path: string, index: number): Uint8Array {
  const args = ['-hide_banner', '-nostdin', '-i', path, '-vf', `select=eq(n\\,${index})`, '-frames:v', '1'];
  const result = spawnSync(findFfmpeg(), [...args, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    maxBuffer: 1 << 24,
  });
  assert.equal(result.status, 0, String(result.stderr));
  return new Uint8Array(result.stdout);
}

/** Mean absolute difference per channel value of two RGB frames. */
const meanDifference = (a: Uint8Array, b: Uint8Array) =>
  a.reduce((sum, v, i) => sum + Math.abs(v - b[i]), 0) / a.length;

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
    const reported: [number, number][] = [];
    const result = await recordEpisode({
      env,
      path,
      seed: 0,
      maxSteps: 29,
      width: 96,
      height: 64,
      policy: () => Float64Array.from({ length: 6 }, () => rng.uniform(-1, 1)),
      onFrame: (frames, maxFrames) => reported.push([frames, maxFrames]),
    });
    // The reset frame plus one frame per step, each reported once written (the CLI's progress bar).
    assert.equal(result.length, 29);
    assert.equal(result.frames, 30);
    assert.deepEqual(
      reported,
      Array.from({ length: 30 }, (_, i) => [i + 1, 30]),
    );
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
    assert.deepEqual(temporaryFiles(folder), []);

    // The same episode replayed without recording: the same return, and the video's first frame
    // is the renderer's picture of the reset state (H.264 is lossy: close, not equal; the frame
    // upside down or with red and blue swapped is much further).
    const replay = new Rng(3);
    env.reset({ seed: 0 });
    const expected = renderFrame(env, { width: 96, height: 64 });
    let episodeReturn = 0;
    for (let t = 0; t < 29; t++)
      episodeReturn += env.step(Float64Array.from({ length: 6 }, () => replay.uniform(-1, 1))).reward;
    assert.equal(result.episodeReturn, episodeReturn);
    const first = decodeFrame(path, 0);
    assert.equal(first.length, 96 * 64 * 3);
    const error = meanDifference(first, expected);
    assert.ok(error < 4, `first frame ${error} levels from the render`);
    const flipped = expected.map((_, i) => expected[(63 - Math.floor(i / (96 * 3))) * 96 * 3 + (i % (96 * 3))]);
    assert.ok(meanDifference(first, flipped) > 5 * error, 'not upside down');
    // Red minus blue on the pixels that have a colour (the cheetah's brown; 4:2:0 chroma halves it here): a swap flips its sign.
    const warmth = (f: Uint8Array) =>
      expected.reduce(
        (sum, _, i) => (i % 3 === 0 && expected[i] - expected[i + 2] > 40 ? sum + f[i] - f[i + 2] : sum),
        0,
      );
    assert.ok(
      warmth(expected) > 0 && warmth(first) > 0.25 * warmth(expected),
      `red and blue in order: ${warmth(first)} vs ${warmth(expected)}`,
    );
  });

  test('a policy that fails mid-episode leaves an existing file untouched and no partial file', async () => {
    const path = join(folder, 'precious.mp4');
    writeFileSync(path, earlierVideo('an earlier good video'));
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
    assert.deepEqual(readFileSync(path), earlierVideo('an earlier good video'));
    assert.deepEqual(temporaryFiles(folder), []);
  });

  test('an ffmpeg failure is reported with its own message; the target stays as it was', async () => {
    const path = join(folder, 'kept.mp4');
    writeFileSync(path, earlierVideo('keep me'));
    // A well-formed preset name that x264 does not know: only ffmpeg can tell.
    const writer = await VideoWriter.open(path, { width: 32, height: 32, fps: 20, preset: 'nosuchpreset' });
    const frame = new Uint8Array(32 * 32 * 3);
    await assert.rejects(async () => {
      for (let i = 0; i < 20; i++) await writer.writeFrame(frame);
      await writer.close();
    }, /ffmpeg.*invalid preset 'nosuchpreset'/s);
    assert.deepEqual(readFileSync(path), earlierVideo('keep me'));
    assert.deepEqual(temporaryFiles(folder), []);
  });

  test('symlinks planted at the temporary names of version 0.1 redirect nothing', async () => {
    // Version 0.1 wrote `.NAME.PID.N.partial` with ffmpeg -y, which follows a link planted there.
    const outside = mkdtempSync(join(tmpdir(), 'video-outside-'));
    const victim = join(outside, 'victim.txt');
    writeFileSync(victim, 'an unrelated file');
    for (let n = 0; n < 200; n++) symlinkSync(victim, join(folder, `.hijack.mp4.${process.pid}.${n}.partial`));
    const path = join(folder, 'hijack.mp4');
    await recordEpisode({ env, path, seed: 0, maxSteps: 4, width: 32, height: 32, policy: () => new Float64Array(6) });
    assert.equal(readFileSync(victim, 'utf8'), 'an unrelated file');
    assert.ok(lstatSync(path).isFile(), 'the video is a regular file, not a link');
    assert.equal(probeVideo(path).frames, 5);
    assert.deepEqual(
      readdirSync(folder).filter((name) => name.endsWith('.a3c-tmp')),
      [],
    );
    for (const name of readdirSync(folder)) if (name.startsWith('.hijack.mp4.')) rmSync(join(folder, name));
    rmSync(outside, { recursive: true, force: true });
  });

  test('a symlink at the output path is refused; with overwrite the link, not its target, is replaced', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'video-outside-'));
    const victim = join(outside, 'victim.txt');
    writeFileSync(victim, 'an unrelated file');
    const path = join(folder, 'linked.mp4');
    symlinkSync(victim, path);
    const options = { env, path, seed: 0, maxSteps: 2, width: 32, height: 32, policy: () => new Float64Array(6) };
    await assert.rejects(
      recordEpisode(options),
      new RegExp(
        `^OutputPathError: Refusing to write the video to ${path}: it is a symbolic link \\(to ${victim}\\); .*--overwrite`,
      ),
    );
    assert.equal(readFileSync(victim, 'utf8'), 'an unrelated file');
    await recordEpisode({ ...options, overwrite: true });
    assert.equal(readFileSync(victim, 'utf8'), 'an unrelated file');
    assert.ok(lstatSync(path).isFile());
    assert.equal(probeVideo(path).frames, 3);
    rmSync(outside, { recursive: true, force: true });
  });

  test('a video never replaces a checkpoint, nor the input it was asked to read', async () => {
    const checkpoint = join(folder, 'best.ckpt');
    writeFileSync(checkpoint, '{"format":"a3c-ts-checkpoint","version":2}');
    const options = { env, seed: 0, maxSteps: 2, width: 32, height: 32, policy: () => new Float64Array(6) };
    await assert.rejects(recordEpisode({ ...options, path: checkpoint }), /it is a checkpoint; .*--overwrite/);
    // `eval --checkpoint X --video X`: X is an input, refused even with overwrite.
    await assert.rejects(
      recordEpisode({ ...options, path: checkpoint, inputs: [checkpoint], overwrite: true }),
      /it is one of this command's inputs/,
    );
    assert.equal(readFileSync(checkpoint, 'utf8'), '{"format":"a3c-ts-checkpoint","version":2}');
    assert.deepEqual(temporaryFiles(folder), []);
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
