/**
 * Videos of episodes, the way to watch what A3C learned: rendered RGB frames (lib/media/render.ts) are
 * piped as raw rgb24 to ffmpeg, which encodes H.264 in an MP4 file
 * (`-c:v libx264 -pix_fmt yuv420p -movflags +faststart`, played by browsers and notebooks), at the
 * env's render fps (Gymnasium's metadata["render_fps"], 20 for HalfCheetah).
 *
 * ffmpeg is found by `findFfmpeg()` (lib/media/ffmpeg.ts, which also has `probeVideo`).
 *
 * Nothing is lost or hijacked: the output path is checked first (`checkOutputPath`: never a
 * checkpoint, an input of the command, a folder or a symlink unless `overwrite`), ffmpeg writes a
 * temporary file that we created exclusively under an unpredictable name beside the target
 * (lib/common/files.ts), and only a complete video is renamed over the target. A failed recording
 * leaves neither a partial file nor damage to an existing one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, fstatSync, lstatSync, renameSync, rmSync } from 'node:fs';
import { createTemporaryFile, describeFileError } from '../common/files.js';
import { OutputPathError, checkOutputPath } from '../common/output_path.js';
import type { Env } from '../envs/env.js';
import { createRenderer, type CameraOptions } from './render.js';
import { findFfmpeg } from './ffmpeg.js';

export interface VideoWriterOptions {
  /** Frame width in pixels (even, as yuv420p needs). */
  width: number;
  /** Frame height in pixels (even). */
  height: number;
  /** Frames per second of the video, e.g. env.metadata.fps. */
  fps: number;
  /** x264 constant rate factor, 0 (lossless) to 51 (worst); default 23. */
  crf?: number;
  /**
   * x264 speed/size preset (ultrafast ... veryslow); default 'veryfast': for rendered frames it
   * gives files as small as 'medium' for about half the encoding time.
   */
  preset?: string;
  /** ffmpeg executable to use instead of `findFfmpeg()`. */
  ffmpegPath?: string;
  /** Files the command reads (e.g. the evaluated checkpoint): the video may never replace one. */
  inputs?: readonly string[];
  /** Replace a checkpoint, a symlink or a non-video file at the path (never a folder or an input). */
  overwrite?: boolean;
}

/** Frames queued for ffmpeg before `writeFrame` waits: rendering overlaps encoding up to here. */
const QUEUED_FRAMES = 4;

/**
 * An H.264 MP4 being written by ffmpeg. `await VideoWriter.open(path, options)`, then
 * `await writeFrame(rgb)` per frame (it waits when ffmpeg falls behind), then `await close()`,
 * which renames the finished file into place, or `abort()`.
 */
export class VideoWriter {
  readonly path: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  private readonly temporary: string;
  /** Device and inode of the temporary file we created: only that file is ever renamed. */
  private readonly temporaryId: { dev: number; ino: number };
  private readonly outputRules: { inputs?: readonly string[]; overwrite?: boolean };
  private readonly process: ChildProcess;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private spawnError: Error | undefined;
  private stderr = '';
  private frames = 0;
  private state: 'open' | 'closed' | 'aborted' = 'open';

  private constructor(
    path: string,
    temporary: { path: string; dev: number; ino: number },
    ffmpeg: string,
    args: string[],
    options: VideoWriterOptions,
  ) {
    this.path = path;
    this.temporary = temporary.path;
    this.temporaryId = { dev: temporary.dev, ino: temporary.ino };
    this.outputRules = { inputs: options.inputs, overwrite: options.overwrite };
    this.width = options.width;
    this.height = options.height;
    this.fps = options.fps;
    this.process = spawn(ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.process.stderr?.setEncoding('utf8');
    this.process.stderr?.on('data', (chunk: string) => {
      // Keep the end: the reason for a failure comes last.
      this.stderr = (this.stderr + chunk).slice(-8000);
    });
    // A write after ffmpeg died fails with EPIPE; the exit status explains why, so only note it.
    this.process.stdin?.on('error', () => undefined);
    this.exited = new Promise((resolveExit) => {
      this.process.on('error', (error) => {
        this.spawnError = error;
        this.exitStatus ??= { code: null, signal: null };
        resolveExit(this.exitStatus);
      });
      this.process.on('close', (code, signal) => {
        this.exitStatus ??= { code, signal };
        resolveExit(this.exitStatus);
      });
    });
  }

  /**
   * Start ffmpeg writing `path` (its folder must exist; see `checkOutputPath` for the paths that
   * are refused); the file appears on `close()`.
   */
  static async open(path: string, options: VideoWriterOptions): Promise<VideoWriter> {
    checkVideoOptions(options);
    const target = checkOutputPath(path, { kind: 'video', inputs: options.inputs, overwrite: options.overwrite });
    const ffmpeg = options.ffmpegPath ?? findFfmpeg();
    // ffmpeg opens the file by name (faststart reopens it to move the index forward), so we create
    // it first, exclusively and under a random name: `-y` below only ever replaces our own file.
    const created = createTemporaryFile(target);
    let stats: { dev: number; ino: number };
    try {
      stats = fstatSync(created.fd);
    } finally {
      closeSync(created.fd);
    }
    const temporary = created.path;
    const args = [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${options.width}x${options.height}`,
      '-r',
      String(options.fps),
      '-i',
      'pipe:0',
      '-an',
      '-c:v',
      'libx264',
      '-preset',
      options.preset ?? 'veryfast',
      '-crf',
      String(options.crf ?? 23),
      '-pix_fmt',
      'yuv420p',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      temporary,
    ];
    const writer = new VideoWriter(target, { path: temporary, dev: stats.dev, ino: stats.ino }, ffmpeg, args, options);
    await Promise.race([once(writer.process, 'spawn'), writer.exited]);
    if (writer.spawnError) {
      writer.removeTemporary();
      throw new Error(
        `Cannot start ffmpeg (${ffmpeg}): ${writer.spawnError.message}. Set FFMPEG_PATH to a working ffmpeg.`,
      );
    }
    return writer;
  }

  /** Frames written so far. */
  get frameCount(): number {
    return this.frames;
  }

  /**
   * Queue one frame (width * height * 3 RGB bytes, row 0 at the top; copied, so the caller may
   * reuse its buffer). Resolves once ffmpeg has room for more.
   */
  async writeFrame(rgb: Uint8Array): Promise<void> {
    if (this.state !== 'open') throw new Error(`VideoWriter for ${this.path} is ${this.state}`);
    const expected = this.width * this.height * 3;
    if (!(rgb instanceof Uint8Array) || rgb.length !== expected) {
      throw new Error(`A ${this.width}x${this.height} video frame needs ${expected} RGB bytes, got ${rgb?.length}`);
    }
    if (this.exitStatus) throw this.stopped();
    const stdin = this.process.stdin!;
    stdin.write(Buffer.from(rgb));
    this.frames++;
    if (stdin.writableLength > QUEUED_FRAMES * expected) {
      await Promise.race([once(stdin, 'drain').catch(() => undefined), this.exited]);
      if (this.exitStatus) throw this.stopped();
    }
  }

  /** ffmpeg quit while frames were still coming: clean up and explain. */
  private stopped(): Error {
    this.state = 'aborted';
    this.removeTemporary();
    return this.failure('ffmpeg stopped before the video was complete');
  }

  /**
   * Finish the video: wait for ffmpeg, then move the file into place. Throws (with ffmpeg's
   * messages) if encoding failed; the target is then left untouched.
   */
  async close(): Promise<{ path: string; frames: number }> {
    if (this.state !== 'open') throw new Error(`VideoWriter for ${this.path} is already ${this.state}`);
    if (this.frames === 0) {
      await this.abort();
      throw new Error(`No frames were written to ${this.path}; nothing to encode`);
    }
    this.state = 'closed';
    this.process.stdin?.end();
    const { code, signal } = await this.exited;
    if (this.spawnError || code !== 0) {
      this.removeTemporary();
      throw this.failure(signal ? `ffmpeg was killed by ${signal}` : `ffmpeg exited with code ${code}`);
    }
    try {
      // The target may have changed while we recorded (a checkpoint saved there, a link planted).
      checkOutputPath(this.path, { kind: 'video', ...this.outputRules });
      const stats = lstatSync(this.temporary);
      if (!stats.isFile() || stats.dev !== this.temporaryId.dev || stats.ino !== this.temporaryId.ino)
        throw new Error(`the temporary file ${this.temporary} was replaced by something else while recording`);
      renameSync(this.temporary, this.path);
    } catch (error) {
      this.removeTemporary();
      if (error instanceof OutputPathError) throw error;
      throw new Error(`Cannot move the finished video to ${this.path}: ${describeFileError(error)}`, { cause: error });
    }
    return { path: this.path, frames: this.frames };
  }

  /** Stop ffmpeg and delete the partial file; the target is left untouched. Safe to call twice. */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    if (!this.exitStatus) {
      this.process.stdin?.destroy();
      this.process.kill('SIGKILL');
    }
    await this.exited;
    this.removeTemporary();
  }

  private failure(what: string): Error {
    const details = this.spawnError?.message ?? this.stderr.trim();
    return new Error(`${what} while encoding ${this.path}${details ? `: ${details}` : ''}`);
  }

  private removeTemporary(): void {
    rmSync(this.temporary, { force: true });
  }
}

function checkVideoOptions(options: VideoWriterOptions): void {
  const { width, height, fps, crf, preset } = options;
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 2 ||
    height < 2 ||
    width % 2 !== 0 ||
    height % 2 !== 0
  ) {
    throw new Error(`Video width and height must be even integers >= 2 (H.264 yuv420p), got ${width}x${height}`);
  }
  if (!(Number.isFinite(fps) && fps > 0)) throw new Error(`Video fps must be a positive number, got ${fps}`);
  if (crf !== undefined && !Number.isFinite(crf))
    throw new Error(`Video crf must be a number (x264: 0..51), got ${crf}`);
  if (preset !== undefined && !/^[a-z]+$/.test(preset))
    throw new Error(`Video preset must be an x264 preset name such as 'medium', got ${preset}`);
}

export interface RecordEpisodeOptions {
  /** A MuJoCo env (wrappers allowed): frames come from `env.unwrapped.sim`. */
  env: Env;
  /** The action for an observation (may be async, e.g. a tfjs model). */
  policy: (observation: Float64Array) => ArrayLike<number> | Promise<ArrayLike<number>>;
  /** Where the MP4 goes (its folder must exist). */
  path: string;
  /** Seed of the episode's reset (default: the env's own stream). */
  seed?: number;
  /** Stop after this many steps even if the episode goes on (default 1000, the tasks' time limit). */
  maxSteps?: number;
  /** Frame size in pixels (default 480 x 480, as Gymnasium; even). */
  width?: number;
  height?: number;
  /** Camera (default: the model's "track" camera, see lib/media/render.ts). */
  camera?: CameraOptions;
  /** Video frame rate (default: env.metadata.fps, one video frame per env step). */
  fps?: number;
  crf?: number;
  preset?: string;
  ffmpegPath?: string;
  /** Files the command reads (e.g. its checkpoint): the video may never replace one. */
  inputs?: readonly string[];
  /** Replace a checkpoint, a symlink or a non-video file at `path` (never a folder or an input). */
  overwrite?: boolean;
  /** Called after each frame is written, with the number written so far and at most (`maxSteps` + 1): for a progress bar. */
  onFrame?: (frames: number, maxFrames: number) => void;
}

export interface RecordedEpisode {
  /** Frames in the video: the initial state plus one per step. */
  frames: number;
  /** Sum of the rewards of the recorded steps. */
  episodeReturn: number;
  /** Steps taken. */
  length: number;
  /** Absolute path of the video. */
  path: string;
}

/**
 * Play one episode with `policy` and record it: a frame of the reset state, then one after each
 * step, until the episode terminates or is truncated, or `maxSteps`. If anything fails, the
 * partial video is deleted and an existing file at `path` is kept.
 */
export async function recordEpisode(options: RecordEpisodeOptions): Promise<RecordedEpisode> {
  const { env, policy, path, seed } = options;
  const maxSteps = options.maxSteps ?? 1000;
  if (!Number.isInteger(maxSteps) || maxSteps < 0)
    throw new Error(`maxSteps must be a non-negative integer, got ${maxSteps}`);
  if (typeof policy !== 'function') throw new Error('recordEpisode needs a policy: (observation) => action');
  const width = options.width ?? 480;
  const height = options.height ?? 480;
  const fps = options.fps ?? env.metadata.fps;
  const renderer = createRenderer(env, { width, height, camera: options.camera });
  let writer: VideoWriter | undefined;
  try {
    writer = await VideoWriter.open(path, {
      width,
      height,
      fps,
      crf: options.crf,
      preset: options.preset,
      ffmpegPath: options.ffmpegPath,
      inputs: options.inputs,
      overwrite: options.overwrite,
    });
    const frame = new Uint8Array(width * height * 3);
    let { observation } = env.reset(seed === undefined ? {} : { seed });
    await writer.writeFrame(renderer.render(frame));
    options.onFrame?.(1, maxSteps + 1);
    let episodeReturn = 0;
    let length = 0;
    while (length < maxSteps) {
      const action = await policy(observation);
      const step = env.step(action);
      episodeReturn += step.reward;
      length++;
      observation = step.observation;
      await writer.writeFrame(renderer.render(frame));
      options.onFrame?.(length + 1, maxSteps + 1);
      if (step.terminated || step.truncated) break;
    }
    const { frames, path: written } = await writer.close();
    return { frames, episodeReturn, length, path: written };
  } catch (error) {
    await writer?.abort();
    throw error;
  } finally {
    renderer.close();
  }
}
