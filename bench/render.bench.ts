/**
 * Rendering and video speed, one thread: frames/s of the software renderer at 480x480 on the
 * states of a random HalfCheetah-v5 episode (targets: >= 60 frames/s), and the wall time to
 * render and encode a whole 1000-step episode to H.264 (target: <= 25 s).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../lib/envs/env.js';
import { makeEnv } from '../lib/envs/registry.js';
import { createRenderer } from '../lib/media/render.js';
import { Rng } from '../lib/common/rng.js';
import { recordEpisode } from '../lib/media/video.js';
import type { BenchContext, BenchRow } from './types.js';

const SIZE = 480;

export default async function benchRender(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const env = await makeEnv('HalfCheetah-v5');
  try {
    for (const antialias of [true, false]) {
      const frames = ctx.quick ? 20 : 300;
      const { fps, best } = renderRate(env, frames, antialias);
      rows.push({
        section: 'render',
        name: `HalfCheetah-v5 frames ${SIZE}x${SIZE}, render only${antialias ? '' : ', no anti-aliasing'}, 1 thread`,
        value: fps,
        unit: 'frames/s',
        notes: `${frames} frames of a random episode; fastest 10-frame stretch ${best.toFixed(0)} frames/s`,
      });
    }

    const steps = ctx.quick ? 100 : 1000;
    const folder = mkdtempSync(join(tmpdir(), 'a3c-bench-render-'));
    try {
      ctx.log(`  recording a ${steps}-step episode at ${SIZE}x${SIZE} ...`);
      const rng = new Rng(1);
      const start = performance.now();
      const result = await recordEpisode({
        env,
        path: join(folder, 'episode.mp4'),
        seed: 0,
        maxSteps: steps,
        width: SIZE,
        height: SIZE,
        policy: () => env.actionSpace.sample(rng),
      });
      const seconds = (performance.now() - start) / 1000;
      rows.push({
        section: 'render',
        name: `HalfCheetah-v5 ${steps}-step episode, render + H.264 encode ${SIZE}x${SIZE}`,
        value: seconds,
        unit: 's',
        notes: `${result.frames} frames, ${(result.frames / seconds).toFixed(1)} frames/s, ffmpeg libx264 veryfast`,
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  } finally {
    env.close();
  }
  return rows;
}

/** Frames/s of rendering the states of a random episode (stepping is not timed). */
function renderRate(env: Env, frames: number, antialias: boolean): { fps: number; best: number } {
  const renderer = createRenderer(env, { width: SIZE, height: SIZE, antialias });
  const frame = new Uint8Array(SIZE * SIZE * 3);
  const rng = new Rng(0);
  try {
    env.reset({ seed: 0 });
    // Warm-up: let the JIT compile the inner loops before timing.
    for (let i = 0; i < 20; i++) renderer.render(frame);
    let total = 0;
    let stretch = 0;
    let best = 0;
    for (let i = 0; i < frames; i++) {
      const step = env.step(env.actionSpace.sample(rng));
      if (step.terminated || step.truncated) env.reset();
      const start = performance.now();
      renderer.render(frame);
      const elapsed = performance.now() - start;
      total += elapsed;
      stretch += elapsed;
      if ((i + 1) % 10 === 0) {
        best = Math.max(best, 10 / (stretch / 1000));
        stretch = 0;
      }
    }
    return { fps: frames / (total / 1000), best };
  } finally {
    renderer.close();
  }
}
