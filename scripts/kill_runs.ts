/**
 * Kill-at-random-times check of the run folder's guarantees: N training runs are killed with
 * SIGKILL at a random moment (from before the first checkpoint to well into training, with
 * checkpoints every second so some kills land during a write); after each kill every checkpoint in
 * the folder must load, and the folder must be resumable (`--resume`) or, when the run was killed
 * before any checkpoint existed, restartable (`--overwrite`). Prints one line per run and a summary.
 *
 *   node --import tsx scripts/kill_runs.ts [--runs 20] [--seed 1] [--max-seconds 8]
 *
 * It runs the built CLI (dist/cli/main.js), as a user would; `npm run build` first.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '../lib/common/rng.js';
import { loadCheckpoint } from '../lib/training/checkpoint.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const TRAIN = ['--env', 'InvertedPendulum-v5', '--workers', '2', '--checkpoint-interval-seconds', '1'];

const { values } = parseArgs({
  options: { runs: { type: 'string' }, seed: { type: 'string' }, 'max-seconds': { type: 'string' } },
});
const runs = Number(values.runs ?? 20);
const maxSeconds = Number(values['max-seconds'] ?? 8);
const rng = new Rng(Number(values.seed ?? 1));

/** Start a long run and SIGKILL it after `seconds`. */
async function killedRun(runDir: string, seconds: number): Promise<void> {
  const child = spawn(process.execPath, [CLI, 'train', ...TRAIN, '--total-steps', '10000000', '--run-dir', runDir], {
    stdio: 'ignore',
  });
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
}

/** Every .ckpt in the folder loads; returns the names of those that do not. */
function unreadable(runDir: string): string[] {
  if (!existsSync(runDir)) return [];
  return readdirSync(runDir)
    .filter((name) => name.endsWith('.ckpt'))
    .filter((name) => {
      try {
        loadCheckpoint(join(runDir, name));
        return false;
      } catch {
        return true;
      }
    });
}

/** The step count `--resume` will start from: `last`'s when it loads, else `best`'s (0 without either). */
function stepsSoFar(runDir: string): number {
  for (const name of ['last', 'best']) {
    try {
      return loadCheckpoint(join(runDir, name)).counters.globalSteps;
    } catch {
      // missing or unreadable: resume falls back to the next one
    }
  }
  return 0;
}

function cli(args: string[]): { code: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: run.status, stderr: run.stderr };
}

const outcomes = { resumed: 0, restarted: 0, failed: 0, unreadable: 0 };
for (let i = 1; i <= runs; i++) {
  const runDir = join(mkdtempSync(join(tmpdir(), 'a3c-kill-')), 'run');
  const seconds = 0.2 + rng.uniform(0, maxSeconds);
  await killedRun(runDir, seconds);
  const files = existsSync(runDir) ? readdirSync(runDir).sort().join(' ') : '(no folder)';
  const broken = unreadable(runDir);
  outcomes.unreadable += broken.length;
  // Continue for 2,000 more steps; a folder without any checkpoint is started over explicitly.
  const resume = cli(['train', '--run-dir', runDir, '--resume', '--total-steps', String(stepsSoFar(runDir) + 2000)]);
  let outcome: keyof typeof outcomes = 'failed';
  let detail = '';
  if (resume.code === 0 || resume.code === 130) outcome = 'resumed';
  else {
    detail = resume.stderr.trim().split('\n')[0];
    const restart = cli(['train', ...TRAIN, '--total-steps', '2000', '--run-dir', runDir, '--overwrite']);
    if (restart.code === 0) outcome = 'restarted';
    else detail += ` | restart: ${restart.stderr.trim().split('\n')[0]}`;
  }
  outcomes[outcome] += 1;
  console.log(
    `run ${String(i).padStart(2)}: killed after ${seconds.toFixed(2)} s; files: ${files}; unreadable: ${broken.length}; ${outcome}${detail ? ` (${detail})` : ''}`,
  );
}
console.log(
  `${runs} runs killed: ${outcomes.resumed} resumed, ${outcomes.restarted} restarted, ${outcomes.failed} neither; ${outcomes.unreadable} unreadable checkpoints`,
);
process.exit(outcomes.failed === 0 && outcomes.unreadable === 0 ? 0 : 1);
