/**
 * ffmpeg, the encoder of the videos of lib/media/video.ts: where to find a working executable,
 * and how to inspect a written video with ffmpeg alone.
 *
 * `findFfmpeg()` tries the FFMPEG_PATH environment variable, the optional `ffmpeg-static`
 * package, `@ffmpeg-installer/ffmpeg` (ships a static binary), then `ffmpeg` on PATH; each
 * candidate must actually run. `probeVideo()` reads a video's stream header and counts its
 * frames by decoding it (ffprobe is not shipped by @ffmpeg-installer).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Where `findFfmpeg` looks, in its default order. */
export type FfmpegCandidate = 'env' | 'ffmpeg-static' | '@ffmpeg-installer/ffmpeg' | 'path';

export const FFMPEG_CANDIDATES: readonly FfmpegCandidate[] = [
  'env',
  'ffmpeg-static',
  '@ffmpeg-installer/ffmpeg',
  'path',
];

export interface FindFfmpegOptions {
  /** Which places to try, in order (default: all of FFMPEG_CANDIDATES). */
  candidates?: readonly FfmpegCandidate[];
}

const require = createRequire(import.meta.url);
/** Result of running `<path> -version` once per path: '' when it works, else why not. */
const verified = new Map<string, string>();

/**
 * Path of a working ffmpeg executable. Throws an Error listing what was tried and how to fix it
 * when none runs.
 */
export function findFfmpeg(options: FindFfmpegOptions = {}): string {
  const candidates = options.candidates ?? FFMPEG_CANDIDATES;
  const tried: string[] = [];
  for (const candidate of candidates) {
    if (!FFMPEG_CANDIDATES.includes(candidate)) {
      throw new Error(`Unknown ffmpeg candidate "${String(candidate)}"; allowed: ${FFMPEG_CANDIDATES.join(', ')}`);
    }
    const located = locate(candidate);
    if (typeof located !== 'string') {
      tried.push(`${candidate}: ${located.reason}`);
      continue;
    }
    const problem = runProblem(located);
    if (problem === '') return located;
    tried.push(`${candidate}: ${located} ${problem}`);
  }
  throw new Error(
    `No working ffmpeg found (tried ${tried.length > 0 ? tried.join('; ') : 'nothing'}). ` +
      'Set the FFMPEG_PATH environment variable to an ffmpeg executable, or install ffmpeg ' +
      '(e.g. `apt-get install ffmpeg`, `brew install ffmpeg`, or `npm install @ffmpeg-installer/ffmpeg`).',
  );
}

function locate(candidate: FfmpegCandidate): string | { reason: string } {
  switch (candidate) {
    case 'env': {
      const path = process.env.FFMPEG_PATH;
      return path ? path : { reason: 'FFMPEG_PATH is not set' };
    }
    case 'ffmpeg-static':
      // An optional dependency whose install step downloads the binary; often absent.
      try {
        const path = require('ffmpeg-static') as unknown;
        return typeof path === 'string' && path ? path : { reason: 'package has no binary' };
      } catch {
        return { reason: 'package not installed' };
      }
    case '@ffmpeg-installer/ffmpeg':
      try {
        const { path } = require('@ffmpeg-installer/ffmpeg') as { path?: unknown };
        return typeof path === 'string' && path ? path : { reason: 'package has no binary for this platform' };
      } catch {
        return { reason: 'package not installed (or no binary for this platform)' };
      }
    case 'path':
      return 'ffmpeg';
  }
}

/** '' if `path -version` runs and prints an ffmpeg banner, else the reason it does not. */
function runProblem(path: string): string {
  const known = verified.get(path);
  if (known !== undefined) return known;
  const result = spawnSync(path, ['-version'], {
    encoding: 'utf8',
    timeout: 15_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let problem = '';
  if (result.error) problem = `does not run (${(result.error as NodeJS.ErrnoException).code ?? result.error.message})`;
  else if (result.status !== 0) problem = `exits with status ${result.status}`;
  else if (!/ffmpeg version/i.test(result.stdout)) problem = 'is not ffmpeg';
  verified.set(path, problem);
  return problem;
}

export interface VideoInfo {
  /** Codec name as ffmpeg reports it, e.g. "h264". */
  codec: string;
  pixelFormat: string;
  width: number;
  height: number;
  fps: number;
  /** Frames counted by decoding the whole stream. */
  frames: number;
  durationSeconds: number;
}

/**
 * Inspect a video with ffmpeg alone (ffprobe is not shipped by @ffmpeg-installer): the stream
 * header of `ffmpeg -i`, and the frame count from decoding everything to the null muxer.
 */
export function probeVideo(path: string, options: { ffmpegPath?: string } = {}): VideoInfo {
  if (!existsSync(path)) throw new Error(`Video not found: ${path}`);
  const ffmpeg = options.ffmpegPath ?? findFfmpeg();
  const result = spawnSync(ffmpeg, ['-hide_banner', '-nostdin', '-i', path, '-map', '0:v:0', '-f', 'null', '-'], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const log = result.stderr ?? '';
  if (result.error || result.status !== 0) {
    throw new Error(
      `ffmpeg cannot read ${path}: ${result.error?.message ?? log.trim().split('\n').slice(-3).join(' ')}`,
    );
  }
  const stream = /Stream #\d+:\d+.*?: Video: (\w+)[^\n]*/.exec(log);
  if (!stream) throw new Error(`No video stream in ${path}`);
  const line = stream[0];
  const size = /, (\d+)x(\d+)/.exec(line);
  const fps = /([\d.]+) fps/.exec(line);
  const pixelFormat = /Video: \w+[^,]*, (\w+)/.exec(line);
  const duration = /Duration: (\d+):(\d+):([\d.]+)/.exec(log);
  const frameCounts = [...log.matchAll(/frame=\s*(\d+)/g)];
  return {
    codec: stream[1],
    pixelFormat: pixelFormat ? pixelFormat[1] : '',
    width: size ? Number(size[1]) : NaN,
    height: size ? Number(size[2]) : NaN,
    fps: fps ? Number(fps[1]) : NaN,
    frames: frameCounts.length > 0 ? Number(frameCounts[frameCounts.length - 1][1]) : 0,
    durationSeconds: duration ? Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]) : NaN,
  };
}
