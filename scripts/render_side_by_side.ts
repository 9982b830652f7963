/**
 * The software renderer side by side with its own code at another git revision: both ray casters
 * draw the same scenes, once each per frame in alternating order (so neither draws on caches the
 * other just warmed), timed in CPU time on one thread; then their pixels are compared.
 *
 *   node --import tsx scripts/render_side_by_side.ts --rev 61a0492^ --frames 1000
 *   node --import tsx scripts/render_side_by_side.ts --rev HEAD --episode checkpoint --frames 180
 *
 * Options: --rev (default HEAD: the committed renderer against the working tree), --frames
 * (default 500), --episode random (random actions, seed 1) or checkpoint (the shipped
 * checkpoint's deterministic episode), --size (default 480), --env (default HalfCheetah-v5; any
 * registered task, random episodes only). lib/render/ of the revision is taken
 * with `git archive` into a temporary folder (removed at the end; it needs only its own files),
 * and both renderers are compiled there with the pinned TypeScript, as `npm install` builds dist/.
 *
 * Why not `npm run bench`: frames per second of one renderer vary by 10-20% from run to run on a
 * shared machine, more than the differences worth measuring; drawing the same frames with both in
 * one process cancels most of that. (Drawing each scene with one caster twice in a row would not:
 * its second draw finds its buffers in cache, which made an earlier comparison look 15% better
 * than it was.)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '../lib/common/rng.js';
import { envIds, makeEnv } from '../lib/envs/registry.js';
import { createRenderer } from '../lib/media/render.js';
import type { RayScene } from '../lib/render/scene.js';
import { loadPolicy } from '../lib/training/evaluate.js';

const { values } = parseArgs({
  options: {
    rev: { type: 'string', default: 'HEAD' },
    frames: { type: 'string', default: '500' },
    episode: { type: 'string', default: 'random' },
    size: { type: 'string', default: '480' },
    env: { type: 'string', default: 'HalfCheetah-v5' },
  },
  strict: true,
});
const fail = (message: string): never => {
  console.error(`render_side_by_side: ${message}`);
  process.exit(2);
};
const frames = Number(values.frames);
const size = Number(values.size);
if (!Number.isInteger(frames) || frames < 1) fail(`--frames must be an integer >= 1, got ${values.frames}`);
if (!Number.isInteger(size) || size < 16 || size > 4096)
  fail(`--size must be an integer in 16..4096, got ${values.size}`);
if (values.episode !== 'random' && values.episode !== 'checkpoint') {
  fail(`--episode must be random or checkpoint, got ${values.episode}`);
}
if (values.episode === 'checkpoint' && values.env !== 'HalfCheetah-v5') {
  fail(`--episode checkpoint plays the shipped HalfCheetah-v5 checkpoint; use --episode random for ${values.env}`);
}
if (!envIds().includes(values.env as string)) fail(`--env must be one of ${envIds().join(', ')}, got ${values.env}`);

/** Frames each renderer draws before timing starts. */
const WARM_UP = 30;

interface Caster {
  render(scene: RayScene, out: Uint8Array): void;
}

/**
 * Compile lib/render under `source` with the pinned TypeScript into `target` and load its ray
 * caster. Users run compiled code (dist/), and tsx does not time the same: loaded through it,
 * the renderer of commit f4272c7 read 0.81x of 61a0492^'s, where the same pair compiled read
 * 0.90-0.97x.
 */
async function compiledCaster(source: string, target: string): Promise<Caster> {
  const files = readdirSync(join(source, 'lib/render'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(source, 'lib/render', name));
  const options = ['--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext'];
  execFileSync(
    process.execPath,
    [
      'node_modules/typescript/bin/tsc',
      ...options,
      '--types',
      'node',
      '--skipLibCheck',
      '--rootDir',
      join(source, 'lib'),
      '--outDir',
      target,
      ...files,
    ],
    { stdio: 'inherit' },
  );
  const module = await import(pathToFileURL(join(target, 'render/raycaster.js')).href);
  return new module.RayCaster({ width: size, height: size });
}

const folder = mkdtempSync(join(tmpdir(), 'render-rev-'));
try {
  // ES modules, as in the repository: compiled and loaded as such, not through tsx's CommonJS path.
  writeFileSync(join(folder, 'package.json'), '{ "type": "module" }\n');
  try {
    const archive = execFileSync('git', ['archive', values.rev as string, 'lib/render'], { maxBuffer: 1 << 28 });
    execFileSync('tar', ['-x', '-C', folder], { input: archive });
  } catch {
    rmSync(folder, { recursive: true, force: true });
    fail(`could not take lib/render at git revision ${JSON.stringify(values.rev)} (run from the repository)`);
  }
  const theirs = await compiledCaster(folder, join(folder, 'theirs'));
  const ours = await compiledCaster('.', join(folder, 'ours'));

  const loaded = values.episode === 'checkpoint' ? await loadPolicy('assets/halfcheetah_a3c.ckpt') : null;
  const env = loaded?.env ?? (await makeEnv(values.env as string));
  const renderer = createRenderer(env, { width: size, height: size });
  const rng = new Rng(1);
  const mine = new Uint8Array(size * size * 3);
  const other = new Uint8Array(size * size * 3);
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  const timed = (caster: Caster, scene: RayScene, out: Uint8Array): number => {
    const start = cpuMs();
    caster.render(scene, out);
    return cpuMs() - start;
  };
  let [oursMs, theirsMs, maxDiff, sumDiff] = [0, 0, 0, 0];
  let observation = env.reset({ seed: 0 }).observation;
  // Untimed warm-up: both renderers reach V8's optimising compiler before the clock starts.
  for (let i = 0; i < WARM_UP; i++) {
    theirs.render(renderer.currentScene(), other);
    ours.render(renderer.currentScene(), mine);
  }
  for (let i = 0; i < frames; i++) {
    if (i > 0) {
      const action = loaded ? loaded.policy.act(observation, { deterministic: true }) : env.actionSpace.sample(rng);
      const step = env.step(action);
      // A random episode that ends (a fallen Hopper) starts again: every frame is drawn.
      observation = step.terminated || step.truncated ? env.reset({ seed: i }).observation : step.observation;
    }
    const scene = renderer.currentScene();
    if (i % 2 === 0) {
      oursMs += timed(ours, scene, mine);
      theirsMs += timed(theirs, scene, other);
    } else {
      theirsMs += timed(theirs, scene, other);
      oursMs += timed(ours, scene, mine);
    }
    for (let k = 0; k < mine.length; k++) {
      const d = Math.abs(mine[k] - other[k]);
      sumDiff += d;
      if (d > maxDiff) maxDiff = d;
    }
  }
  renderer.close();
  env.close();
  console.log(
    `${frames} frames ${size}x${size} (${values.env}, ${values.episode} episode), CPU time: working tree ${(oursMs / 1000).toFixed(1)} s, ` +
      `${values.rev} ${(theirsMs / 1000).toFixed(1)} s; speed of the working tree ${(theirsMs / oursMs).toFixed(3)}x`,
  );
  console.log(
    `pixels: max difference ${maxDiff}, mean ${(sumDiff / (frames * mine.length)).toFixed(5)} levels per channel`,
  );
} finally {
  rmSync(folder, { recursive: true, force: true });
}
