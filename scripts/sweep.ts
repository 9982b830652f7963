/**
 * Several training runs of one setting, one after the other, each evaluated the way README's
 * Results are: 10 deterministic episodes of the run's `best` checkpoint (evaluation seed 100, as
 * every tuning row in README; `npx a3c eval` defaults to seed 0, which changes only the initial
 * states' noise). Prints one line per run
 * and a summary (median, how many runs pass a threshold), and appends every run to a JSONL file
 * so that sweeps interrupted or made on different days can be pooled.
 *
 *   node --import tsx scripts/sweep.ts --name defaults --seeds 101,102,103,104
 *   node --import tsx scripts/sweep.ts --name lam09 --seeds 1-8 --gae-lambda 0.9 --hidden 64,64
 *
 * Why a script and not a test: one HalfCheetah run is a minute or more, and A3C's outcome varies
 * from run to run (two Hogwild workers make even a fixed seed irreproducible), so a setting is
 * judged by the distribution over several runs, never by one.
 *
 * Options: --name, --seeds, --threshold (2500), --out (runs/sweeps; run folders go to
 * OUT/NAME_sSEED, results to OUT/results.jsonl), and every flag of `a3c train`'s A3C
 * configuration, parsed by the same generated parser (`--help` lists them); the sweep runs 2
 * workers (`npm start` on a 2-core machine) and the config's defaults otherwise.
 */
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { field } from '../lib/common/schema.js';
import { CONFIG_SCHEMA, resolveConfig, type A3CConfig } from '../lib/config.js';
import { HelpRequested, helpText, parseFlags, type CommandSpec } from '../lib/cli/flags.js';
import { train } from '../lib/training/trainer.js';
import { describeDistribution, distribution } from './distribution.js';
import { evaluate, loadPolicy } from '../lib/training/evaluate.js';

const SWEEP_COMMAND = {
  name: 'sweep',
  summary: "Several seeds of one setting, each run's best checkpoint evaluated on 10 deterministic episodes.",
  groups: {
    'sweep options': {
      name: field.text<string | undefined>({
        default: undefined,
        doc: 'names the run folders (required)',
        metavar: 'NAME',
      }),
      seeds: field.text<string | undefined>({
        default: undefined,
        doc: 'e.g. 1,2,5 or 1-4 or 1-3,7 (required)',
        metavar: 'LIST',
      }),
      threshold: field.number({
        default: 2500,
        doc: 'count the runs whose evaluation reaches this (2,500 and 3,000 are always counted)',
      }),
      out: field.text<string>({
        default: join('runs', 'sweeps'),
        doc: 'folder of the run folders and results.jsonl',
        metavar: 'DIR',
      }),
    },
    'A3C configuration (lib/config.ts)': CONFIG_SCHEMA,
  },
} satisfies CommandSpec;

function fail(message: string): never {
  console.error(`sweep: ${message}`);
  process.exit(2);
}

function parseCommandLine() {
  try {
    return parseFlags(SWEEP_COMMAND, process.argv.slice(2));
  } catch (error) {
    if (error instanceof HelpRequested) {
      console.log(helpText(SWEEP_COMMAND));
      process.exit(0);
    }
    return fail((error as Error).message);
  }
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

const flags = parseCommandLine();
const values = flags['sweep options'];
const settings: Partial<A3CConfig> = flags['A3C configuration (lib/config.ts)'];
const name = values.name ?? fail('--name is required (it names the run folders)');
if (!/^[\w.-]+$/.test(name)) fail(`--name may hold letters, digits, _ . - only, got "${name}"`);
const seeds = parseSeeds(values.seeds ?? fail('--seeds is required, e.g. --seeds 1-4'));
const threshold = values.threshold ?? 2500;
const outDir = values.out ?? join('runs', 'sweeps');
const base: Partial<A3CConfig> = { numWorkers: 2, totalSteps: CONFIG_SCHEMA.totalSteps.default, ...settings };
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
        if (event.type === 'restart') evaluations.push(Number.NaN); // printed as "restart" below
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
    restarts: run.restarts,
    bestEval10: evaluation.mean,
    bestEval10Std: evaluation.std,
    evaluations,
  };
  appendFileSync(join(outDir, 'results.jsonl'), `${JSON.stringify(record)}\n`);
  console.log(
    `  seed ${seed}: ${evaluation.mean.toFixed(1)} +- ${evaluation.std.toFixed(1)} (${run.wallSeconds.toFixed(0)} s, ${run.stepsPerSecond.toFixed(0)} steps/s); periodic evaluations ${evaluations.map((e) => (Number.isNaN(e) ? '| restart |' : e)).join(' ')}`,
  );
}
const thresholds = [...new Set([2500, 3000, threshold])].sort((a, b) => a - b);
console.log(`${name}: ${describeDistribution(distribution(results, thresholds))}`);
console.log(
  `sorted: ${[...results]
    .sort((a, b) => a - b)
    .map((r) => r.toFixed(0))
    .join(', ')}`,
);
