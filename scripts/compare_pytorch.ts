/**
 * Training throughput of this project next to the PyTorch reference A3C, side by side on the same
 * machine in one run: the same env (HalfCheetah-v5), workers and env steps, one after the other.
 *
 *   node --import tsx scripts/compare_pytorch.ts [--workers 2] [--steps 150000] [--anchors ../shared/anchors] [--reference-config]
 *
 * --reference-config trains ours with the reference's exact settings (40-step rollouts, clip 0.5, ...)
 * instead of this project's defaults (20-step rollouts: twice the updates per env step).
 *
 * The reference lives outside the project (`../shared/anchors/`, see its README for its set-up:
 * Debian's python3-torch and libmujoco-dev, `make -C c`); this script only runs it.
 * Both figures are steady-state rates (start-up excluded): the reference's
 * `steps_per_s_steady_after_10s`, and ours from the first progress report past 5% of the steps.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { train } from '../lib/training/trainer.js';
import { REFERENCE_CONFIG } from '../lib/config.js';

const { values } = parseArgs({
  options: {
    workers: { type: 'string' },
    steps: { type: 'string' },
    anchors: { type: 'string' },
    'reference-config': { type: 'boolean' },
  },
});
const workers = Number(values.workers ?? 2);
const steps = Number(values.steps ?? 150_000);
const anchors = resolve(values.anchors ?? join(import.meta.dirname, '..', '..', 'shared', 'anchors'));
const script = join(anchors, 'py', 'a3c.py');
if (!existsSync(script)) {
  console.error(`The PyTorch reference is not at ${script}; pass --anchors DIR (see ../shared/anchors/README.md)`);
  process.exit(2);
}

const out = mkdtempSync(join(tmpdir(), 'a3c-torch-'));
console.log(`PyTorch reference: ${workers} workers, ${steps} env steps ...`);
const torch = spawnSync(
  '/usr/bin/python3',
  [script, '--workers', String(workers), '--max-steps', String(steps), '--eval-episodes', '0', '--out', out],
  { cwd: anchors, encoding: 'utf8' },
);
if (torch.status !== 0) {
  console.error(`The reference failed (exit ${torch.status}):\n${torch.stderr}`);
  process.exit(1);
}
const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
  steps_per_s_steady_after_10s: number;
  steps_per_s_overall: number;
  wall_s: number;
};
rmSync(out, { recursive: true, force: true });

const settings = values['reference-config'] ? REFERENCE_CONFIG : {};
console.log(
  `This project (${values['reference-config'] ? "the reference's settings" : 'its defaults'}): ${workers} workers, ${steps} env steps ...`,
);
const runDir = mkdtempSync(join(tmpdir(), 'a3c-ours-'));
let mark: { time: number; step: number } | null = null;
const ours = await train(
  { ...settings, envId: 'HalfCheetah-v5', numWorkers: workers, totalSteps: steps, seed: 1, evalIntervalSteps: 0 },
  {
    runDir,
    progressIntervalSeconds: 0.25,
    onEvent: (event) => {
      if (event.type === 'progress' && !mark && event.globalStep >= 0.05 * steps)
        mark = { time: performance.now(), step: event.globalStep };
    },
  },
);
const end = performance.now();
const m = mark as { time: number; step: number } | null;
const oursSteady = m ? (ours.globalSteps - m.step) / ((end - m.time) / 1000) : ours.stepsPerSecond;
rmSync(runDir, { recursive: true, force: true });

const rows = [
  [
    'PyTorch reference (torch.multiprocessing)',
    summary.steps_per_s_steady_after_10s,
    summary.steps_per_s_overall,
    summary.wall_s,
  ],
  ['this project (worker_threads, tfjs-wasm)', oursSteady, ours.stepsPerSecond, ours.wallSeconds],
] as const;
console.log(
  `\n${'implementation'.padEnd(44)}${'steady steps/s'.padStart(16)}${'overall steps/s'.padStart(17)}${'wall s'.padStart(9)}`,
);
for (const [name, steady, overall, wall] of rows) {
  console.log(
    `${name.padEnd(44)}${steady.toFixed(0).padStart(16)}${overall.toFixed(0).padStart(17)}${wall.toFixed(1).padStart(9)}`,
  );
}
console.log(
  `\nratio (this project / PyTorch), steady: ${(oursSteady / summary.steps_per_s_steady_after_10s).toFixed(2)}x, overall: ${(ours.stepsPerSecond / summary.steps_per_s_overall).toFixed(2)}x`,
);
