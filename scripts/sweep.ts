/**
 * Several training runs of one setting, one after the other, each evaluated the way README's
 * Results are: 10 deterministic episodes of the run's `best` checkpoint (evaluation seed 100, as
 * every tuning row in README; `npx a3c eval` defaults to seed 0, which changes only the initial
 * states' noise). Prints one line per run
 * and a summary (median, how many runs pass a threshold), and appends every run to a JSONL file
 * so that sweeps interrupted or made on different days can be pooled.
 *
 *   node --import tsx scripts/sweep.ts --name defaults --seeds 101,102,103,104
 *   node --import tsx scripts/sweep.ts --name lam09 --seeds 1-8 --set gaeLambda=0.9 --set hiddenSizes=64,64
 *
 * Why a script and not a test: one HalfCheetah run is a minute or more, and A3C's outcome varies
 * from run to run (two Hogwild workers make even a fixed seed irreproducible), so a setting is
 * judged by the distribution over several runs, never by one.
 *
 * Options: --env (HalfCheetah-v5), --workers (2), --total-steps (1000000), --threshold (2500),
 * --out (runs/sweeps; run folders go to OUT/NAME_sSEED, results to OUT/results.jsonl),
 * --set KEY=VALUE (any A3CConfig field, repeatable; numbers, true/false, comma lists, Infinity).
 */
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { train } from '../lib/training/trainer.js';
import { evaluate, loadPolicy } from '../lib/training/evaluate.js';
import { resolveConfig, type A3CConfig } from '../lib/config.js';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    seeds: { type: 'string' },
    set: { type: 'string', multiple: true },
    env: { type: 'string' },
    workers: { type: 'string' },
    'total-steps': { type: 'string' },
    threshold: { type: 'string' },
    out: { type: 'string' },
  },
  strict: true,
});

function fail(message: string): never {
  console.error(`sweep: ${message}`);
  process.exit(2);
}

/** "1,2,5" or "1-4" or "1-3,7". */
function parseSeeds(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',')) {
    const range = /^(\d+)-(\d+)$/.exec(part.trim());
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (to < from) fail(`seed range ${part} is empty`);
      for (let s = from; s <= to; s++) seeds.push(s);
    } else if (/^\d+$/.test(part.trim())) seeds.push(Number(part));
    else fail(`--seeds takes integers and ranges like 1,2,5 or 1-4, got "${part}"`);
  }
  return seeds;
}

/** KEY=VALUE to a config override: numbers, booleans, Infinity, comma lists of numbers, else a string. */
function parseSetting(text: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) fail(`--set takes KEY=VALUE, got "${text}"`);
  const key = text.slice(0, eq);
  const raw = text.slice(eq + 1);
  const scalar = (s: string): unknown =>
    s === 'true'
      ? true
      : s === 'false'
        ? false
        : s === 'Infinity'
          ? Infinity
          : s !== '' && Number.isFinite(Number(s))
            ? Number(s)
            : s;
  if (key === 'hiddenSizes' || key === 'adamBetas') return [key, raw.split(',').map((s) => Number(s))];
  return [key, scalar(raw)];
}

const name = values.name ?? fail('--name is required (it names the run folders)');
if (!/^[\w.-]+$/.test(name)) fail(`--name may hold letters, digits, _ . - only, got "${name}"`);
const seeds = parseSeeds(values.seeds ?? fail('--seeds is required, e.g. --seeds 1-4'));
const threshold = Number(values.threshold ?? 2500);
const outDir = values.out ?? join('runs', 'sweeps');
const settings = Object.fromEntries((values.set ?? []).map(parseSetting)) as Partial<A3CConfig>;
const base: Partial<A3CConfig> = {
  envId: values.env ?? 'HalfCheetah-v5',
  numWorkers: Number(values.workers ?? 2),
  totalSteps: Number(values['total-steps'] ?? 1_000_000),
  ...settings,
};
try {
  resolveConfig({ ...base, seed: seeds[0] }); // every problem reported before the first run starts
} catch (error) {
  fail((error as Error).message);
}
for (const seed of seeds) {
  const runDir = join(outDir, `${name}_s${seed}`);
  if (existsSync(runDir)) fail(`${runDir} exists; pick another --name or remove it (a sweep never overwrites a run)`);
}
mkdirSync(outDir, { recursive: true });

const EVAL_SEED = 100;
const results: number[] = [];
console.log(
  `sweep ${name}: ${seeds.length} run(s) of ${JSON.stringify(settings)}, ${base.totalSteps} steps, ${base.numWorkers} workers`,
);
for (const seed of seeds) {
  const runDir = join(outDir, `${name}_s${seed}`);
  const evaluations: number[] = [];
  const run = await train(
    { ...base, seed },
    {
      runDir,
      onEvent: (event) => {
        if (event.type === 'evaluation') evaluations.push(Math.round(event.meanReturn));
      },
    },
  );
  const { policy, env } = await loadPolicy(join(runDir, 'best'));
  const evaluation = evaluate(policy, env, { episodes: 10, deterministic: true, seed: EVAL_SEED });
  env.close();
  policy.model.dispose();
  results.push(evaluation.mean);
  const record = {
    name,
    seed,
    settings,
    totalSteps: base.totalSteps,
    numWorkers: base.numWorkers,
    wallSeconds: run.wallSeconds,
    stepsPerSecond: run.stepsPerSecond,
    bestEval10: evaluation.mean,
    bestEval10Std: evaluation.std,
    evaluations,
  };
  appendFileSync(join(outDir, 'results.jsonl'), `${JSON.stringify(record)}\n`);
  console.log(
    `  seed ${seed}: ${evaluation.mean.toFixed(1)} +- ${evaluation.std.toFixed(1)} (${run.wallSeconds.toFixed(0)} s, ${run.stepsPerSecond.toFixed(0)} steps/s); periodic evaluations ${evaluations.join(' ')}`,
  );
}
const sorted = [...results].sort((a, b) => a - b);
const mid = sorted.length >> 1;
const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
const passing = results.filter((r) => r > threshold).length;
console.log(
  `${name}: median ${median.toFixed(1)}, ${passing} of ${results.length} above ${threshold}; sorted ${sorted.map((r) => r.toFixed(0)).join(', ')}`,
);
