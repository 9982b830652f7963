/**
 * Every run of a sweep in one figure, so a reader sees the whole distribution and not only the
 * good runs: on the left each run's periodic evaluations (deterministic, 5 episodes, against the
 * global step counter), on the right each run's final result (10 deterministic episodes of its
 * `best` checkpoint, as `scripts/sweep.ts` measured it) with the 2,500 and 3,000 lines. Runs are
 * coloured by their final result, so a curve that ends red is a run that ended below 2,500.
 * Prints the distribution (`scripts/distribution.ts`) and the per-run figures.
 *
 *   node --import tsx scripts/plot_sweep.ts --name heldout --file assets/readme_sweep.png
 *        [--out runs/sweeps] [--title TEXT]
 *
 * `--out` is the sweep's folder (results.jsonl and the run folders NAME_sSEED).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Figure, PlotTrace } from '../lib/notebook/notebook.js';
import { figureLayout } from '../lib/notebook/notebook.js';
import { describeDistribution, distribution } from './distribution.js';
import { readJsonLines, renderFigurePng } from './make_readme_assets.js';

export interface SweepRun {
  seed: number;
  totalSteps: number;
  wallSeconds: number;
  /** 10 deterministic episodes of the run's best checkpoint. */
  finalReturn: number;
  /** The periodic evaluations during training. */
  evaluations: { globalStep: number; meanReturn: number }[];
}

/** The runs of sweep `name` in `outDir`, in seed order; the last record of a seed wins. */
export function readSweep(outDir: string, name: string): SweepRun[] {
  const resultsFile = path.join(outDir, 'results.jsonl');
  if (!existsSync(resultsFile)) throw new Error(`${resultsFile} does not exist: run scripts/sweep.ts first`);
  const bySeed = new Map<number, SweepRun>();
  for (const row of readJsonLines(resultsFile)) {
    if (row.name !== name) continue;
    const seed = Number(row.seed);
    const evaluationsFile = path.join(outDir, `${name}_s${seed}`, 'evaluations.jsonl');
    const evaluations = existsSync(evaluationsFile)
      ? readJsonLines(evaluationsFile).map((e) => ({
          globalStep: Number(e.global_step),
          meanReturn: Number(e['eval/mean_return']),
        }))
      : [];
    bySeed.set(seed, {
      seed,
      totalSteps: Number(row.totalSteps),
      wallSeconds: Number(row.wallSeconds),
      finalReturn: Number(row.bestEval10),
      evaluations,
    });
  }
  if (bySeed.size === 0) throw new Error(`${resultsFile} holds no run of a sweep named "${name}"`);
  return [...bySeed.values()].sort((a, b) => a.seed - b.seed);
}

/** Green at or above 3,000, orange from 2,500, red below. */
export function outcomeColor(finalReturn: number): string {
  if (finalReturn >= 3000) return '#2ca02c';
  if (finalReturn >= 2500) return '#ff7f0e';
  return '#d62728';
}

export function sweepFigure(runs: readonly SweepRun[], title: string): Figure {
  const curves: PlotTrace[] = runs.map((run) => ({
    type: 'scatter',
    mode: 'lines',
    x: run.evaluations.map((e) => e.globalStep),
    y: run.evaluations.map((e) => e.meanReturn),
    name: `seed ${run.seed}`,
    line: { color: outcomeColor(run.finalReturn), width: 1 },
    opacity: 0.6,
    showlegend: false,
  }));
  const ranked = [...runs].sort((a, b) => a.finalReturn - b.finalReturn);
  const finals: PlotTrace[] = ranked.map((run, i) => ({
    type: 'scatter',
    mode: 'markers',
    x: [i + 1],
    y: [run.finalReturn],
    name: `seed ${run.seed}`,
    marker: { color: outcomeColor(run.finalReturn), size: 8 },
    xaxis: 'x2',
    yaxis: 'y2',
    showlegend: false,
  }));
  const threshold = (y: number) => ({
    type: 'line',
    xref: 'x2 domain',
    yref: 'y2',
    x0: 0,
    x1: 1,
    y0: y,
    y1: y,
    line: { color: '#888', width: 1, dash: 'dash' },
  });
  const base = figureLayout({
    title,
    xTitle: 'environment steps (all workers)',
    yTitle: 'periodic evaluation',
    height: 450,
  });
  // Both panels on one scale, so a curve's level reads against the final results.
  const returns = runs.flatMap((run) => [run.finalReturn, ...run.evaluations.map((e) => e.meanReturn)]);
  const range = [Math.min(0, ...returns) - 100, Math.max(5000, ...returns) + 100];
  const layout = {
    ...base,
    width: 900,
    xaxis: { ...(base.xaxis as object), domain: [0, 0.66] },
    yaxis: { ...(base.yaxis as object), range },
    xaxis2: { title: { text: 'runs, ranked' }, domain: [0.74, 1], anchor: 'y2' },
    yaxis2: { title: { text: 'best checkpoint, 10 episodes' }, anchor: 'x2', range },
    shapes: [threshold(2500), threshold(3000)],
  };
  return { traces: [...curves, ...finals], layout, config: { staticPlot: true, responsive: false } };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      name: { type: 'string' },
      file: { type: 'string' },
      out: { type: 'string', default: path.join('runs', 'sweeps') },
      title: { type: 'string' },
    },
  });
  if (values.name === undefined || values.file === undefined) {
    throw new Error(
      'usage: node --import tsx scripts/plot_sweep.ts --name NAME --file OUT.png [--out runs/sweeps] [--title TEXT]',
    );
  }
  const runs = readSweep(values.out, values.name);
  const summary = describeDistribution(
    distribution(
      runs.map((run) => run.finalReturn),
      [2500, 3000],
    ),
  );
  for (const run of runs) {
    console.log(
      `seed ${run.seed}: ${run.finalReturn.toFixed(1)} (${run.totalSteps} steps, ${run.wallSeconds.toFixed(0)} s)`,
    );
  }
  console.log(summary);
  const steps = runs[0].totalSteps;
  const title =
    values.title ??
    `A3C on HalfCheetah-v5, ${runs.length} seeds of ${(steps / 1e6).toFixed(1)}M steps: ${summary.split(': ')[1].split(';')[0]}`;
  await renderFigurePng(sweepFigure(runs, title), values.file);
  console.log(`wrote ${values.file}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
