/**
 * Regenerates the pictures of a real A3C run that README and docs/tuning.md show, so they always
 * show what the code does: the learning curve (each worker's episode returns against the global step counter T, the
 * moving average over all workers, and the deterministic evaluations of the global model) and a
 * frame of the trained cheetah in mid-stride.
 *
 * The curve is the same plotly figure the notebooks draw (`episodeReturnTraces` in
 * lib/notebook/plot.ts), rendered offline in headless Chromium and saved as a PNG; the frame comes
 * from the software renderer (lib/media/render.ts, lib/render/) after `frameStep` steps of the
 * policy's mean action.
 *
 *   node --import tsx scripts/make_readme_assets.ts --run runs/<name> [--checkpoint PATH]
 *        [--out assets] [--frame-step 300] [--window 20] [--runs runs/a,runs/b,runs/c]
 *
 * Writes <out>/readme_learning_curve.png and <out>/readme_cheetah.png; with --runs also
 * <out>/readme_learning_curves.png, the moving average and evaluations of several runs in one figure.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { loadPolicy } from '../lib/training/evaluate.js';
import { createRenderer } from '../lib/media/render.js';
import { savePng } from '../lib/media/png.js';
import {
  episodeReturnTraces,
  figureHtml,
  figureLayout,
  lineTrace,
  movingAverage,
  plotlyScript,
} from '../lib/notebook/notebook.js';
import type { EpisodePoint, Figure } from '../lib/notebook/notebook.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from './check_notebooks_browser.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const LEARNING_CURVE_FILE = 'readme_learning_curve.png';
export const CHEETAH_FRAME_FILE = 'readme_cheetah.png';
export const LEARNING_CURVES_FILE = 'readme_learning_curves.png';

export interface ReadmeAssetsOptions {
  /** Run folder with episodes.jsonl (and evaluations.jsonl when the run evaluated). */
  runDir: string;
  /** Checkpoint to render; default `<runDir>/best.ckpt`. */
  checkpoint?: string;
  /** Output folder; default assets/. */
  outDir?: string;
  /** Env steps of the mean action before the frame is taken (>= 0); default 300. */
  frameStep?: number;
  /** Episodes in the moving average; default 20. */
  window?: number;
  chromiumPath?: string;
  /** More run folders (seeds of one setting) for the several-runs figure. */
  runs?: string[];
}

export interface EvaluationPoint {
  globalStep: number;
  meanReturn: number;
}

/** Parses a JSON-lines log of the trainer (one object per line; blank lines skipped). */
export function readJsonLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, number }) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`${file}:${number} is not valid JSON`);
      }
    });
}

/** The episodes of an episodes.jsonl, as the plot helpers take them. */
export function episodesFromLog(rows: Record<string, unknown>[], file = 'episodes.jsonl'): EpisodePoint[] {
  return rows.map((row, i) => {
    const point = { workerId: row.worker, globalStep: row.global_step, episodeReturn: row['charts/episodic_return'] };
    if (
      !Number.isInteger(point.workerId) ||
      !Number.isFinite(point.globalStep) ||
      !Number.isFinite(point.episodeReturn)
    ) {
      throw new Error(`${file} line ${i + 1}: expected numeric "worker", "global_step" and "charts/episodic_return"`);
    }
    return point as EpisodePoint;
  });
}

/** The learning-curve figure: per-worker returns, their moving average, and evaluations as markers. */
export function learningCurveFigure(options: {
  episodes: readonly EpisodePoint[];
  evaluations: readonly EvaluationPoint[];
  window: number;
  title: string;
}): Figure {
  const traces = episodeReturnTraces(options.episodes, { window: options.window });
  if (options.evaluations.length > 0) {
    traces.push({
      type: 'scatter',
      mode: 'markers',
      x: options.evaluations.map((e) => e.globalStep),
      y: options.evaluations.map((e) => e.meanReturn),
      name: 'evaluation (mean action)',
      marker: { color: '#d62728', size: 7 },
    });
  }
  const layout = {
    ...figureLayout({
      title: options.title,
      xTitle: 'environment steps (all workers)',
      yTitle: 'episode return',
      height: 450,
    }),
    width: 900,
  };
  return { traces, layout, config: { staticPlot: true, responsive: false } };
}

/** One run of the several-runs figure: a label (e.g. "seed 1"), its episodes and evaluations. */
export interface RunCurve {
  label: string;
  episodes: readonly EpisodePoint[];
  evaluations: readonly EvaluationPoint[];
}

const RUN_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b'];

/** Several runs in one figure: each run's moving average of training returns, and its evaluations as markers of the same colour. */
export function learningCurvesFigure(options: { runs: readonly RunCurve[]; window: number; title: string }): Figure {
  const traces = options.runs.flatMap((run, k) => {
    const color = RUN_COLORS[k % RUN_COLORS.length];
    const sorted = [...run.episodes].sort((a, b) => a.globalStep - b.globalStep);
    return [
      lineTrace(
        movingAverage(
          sorted.map((e) => e.episodeReturn),
          options.window,
        ),
        {
          x: sorted.map((e) => e.globalStep),
          name: `${run.label}: training (mean of last ${options.window})`,
          color,
          width: 2,
        },
      ),
      {
        type: 'scatter' as const,
        mode: 'markers' as const,
        x: run.evaluations.map((e) => e.globalStep),
        y: run.evaluations.map((e) => e.meanReturn),
        name: `${run.label}: evaluation`,
        marker: { color, size: 6, symbol: 'circle-open' },
      },
    ];
  });
  const layout = {
    ...figureLayout({
      title: options.title,
      xTitle: 'environment steps (all workers)',
      yTitle: 'episode return',
      height: 450,
    }),
    width: 900,
  };
  return { traces, layout, config: { staticPlot: true, responsive: false } };
}

/** Episodes, evaluations and config of a run folder. */
function readRun(runDir: string): {
  episodes: EpisodePoint[];
  evaluations: EvaluationPoint[];
  config: { envId?: string; numWorkers?: number; seed?: number };
} {
  const episodesFile = path.join(runDir, 'episodes.jsonl');
  if (!existsSync(episodesFile))
    throw new Error(`${episodesFile} does not exist: a run must be a training run folder (runs/<name>)`);
  const episodes = episodesFromLog(readJsonLines(episodesFile), episodesFile);
  if (episodes.length === 0) throw new Error(`${episodesFile} holds no episodes`);
  const evaluationsFile = path.join(runDir, 'evaluations.jsonl');
  const evaluations: EvaluationPoint[] = existsSync(evaluationsFile)
    ? readJsonLines(evaluationsFile).map((row) => ({
        globalStep: Number(row.global_step),
        meanReturn: Number(row['eval/mean_return']),
      }))
    : [];
  const config = JSON.parse(readFileSync(path.join(runDir, 'config.json'), 'utf8')) as {
    envId?: string;
    numWorkers?: number;
    seed?: number;
  };
  return { episodes, evaluations, config };
}

/** Draws a figure in headless Chromium, offline, and saves the plot area as a PNG. */
export async function renderFigurePng(figure: Figure, file: string, chromiumPath = CHROMIUM_PATH): Promise<void> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium not found at ${chromiumPath}; install it (bash scripts/install-jupyter.sh installs Debian's chromium) or pass chromiumPath`,
    );
  }
  const browser = await chromium.launch({ executablePath: chromiumPath, args: [...CHROMIUM_FLAGS] });
  try {
    const page = await browser.newPage({ viewport: { width: 940, height: 520 }, deviceScaleFactor: 1 });
    await page.setContent(
      `<!doctype html><html><body style="margin:10px;background:#fff">${plotlyScript()}${figureHtml(figure)}</body></html>`,
    );
    const plotArea = page.locator('[data-a3c-plot]').first();
    await plotArea.locator('svg.main-svg').first().waitFor({ timeout: 30_000 });
    mkdirSync(path.dirname(file), { recursive: true });
    await plotArea.screenshot({ path: file });
  } finally {
    await browser.close();
  }
}

/** Renders the trained policy's cheetah after `frameStep` steps of its mean action (seed 0). */
export async function renderCheetahFrame(
  checkpoint: string,
  file: string,
  frameStep: number,
): Promise<{ width: number; height: number }> {
  const { policy, env } = await loadPolicy(checkpoint);
  try {
    let { observation } = env.reset({ seed: 0 });
    for (let t = 0; t < frameStep; t++) {
      const step = env.step(policy.act(observation, { deterministic: true }));
      if (step.terminated || step.truncated)
        throw new Error(`the episode ended after ${t + 1} steps, before --frame-step ${frameStep}`);
      observation = step.observation;
    }
    const renderer = createRenderer(env, { width: 640, height: 360 });
    try {
      savePng(file, renderer.render(), renderer.width, renderer.height);
      return { width: renderer.width, height: renderer.height };
    } finally {
      renderer.close();
    }
  } finally {
    env.close();
  }
}

export async function makeReadmeAssets(
  options: ReadmeAssetsOptions,
): Promise<{ learningCurve: string; cheetahFrame: string }> {
  const runDir = path.resolve(options.runDir);
  const checkpoint = path.resolve(options.checkpoint ?? path.join(runDir, 'best.ckpt'));
  if (!existsSync(checkpoint)) throw new Error(`checkpoint ${checkpoint} does not exist; pass --checkpoint`);
  const frameStep = options.frameStep ?? 300;
  const window = options.window ?? 20;
  if (!Number.isInteger(frameStep) || frameStep < 0)
    throw new Error(`--frame-step must be an integer >= 0, got ${frameStep}`);
  if (!Number.isInteger(window) || window < 1) throw new Error(`--window must be a positive integer, got ${window}`);

  const { episodes, evaluations, config } = readRun(runDir);
  const title = `A3C on ${config.envId ?? 'the task'}, ${config.numWorkers ?? '?'} workers`;

  const outDir = path.resolve(options.outDir ?? path.join(ROOT, 'assets'));
  const learningCurve = path.join(outDir, LEARNING_CURVE_FILE);
  const cheetahFrame = path.join(outDir, CHEETAH_FRAME_FILE);
  await renderFigurePng(
    learningCurveFigure({ episodes, evaluations, window, title }),
    learningCurve,
    options.chromiumPath,
  );
  await renderCheetahFrame(checkpoint, cheetahFrame, frameStep);
  if (options.runs && options.runs.length > 0) {
    const runs = options.runs.map((dir) => {
      const run = readRun(path.resolve(dir));
      return {
        label: `seed ${run.config.seed ?? path.basename(dir)}`,
        episodes: run.episodes,
        evaluations: run.evaluations,
      };
    });
    const curvesTitle = `A3C on ${config.envId ?? 'the task'}, ${config.numWorkers ?? '?'} workers, ${runs.length} seeds`;
    await renderFigurePng(
      learningCurvesFigure({ runs, window, title: curvesTitle }),
      path.join(outDir, LEARNING_CURVES_FILE),
      options.chromiumPath,
    );
  }
  return { learningCurve, cheetahFrame };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      run: { type: 'string' },
      checkpoint: { type: 'string' },
      out: { type: 'string' },
      'frame-step': { type: 'string' },
      window: { type: 'string' },
      runs: { type: 'string' },
    },
  });
  if (values.run === undefined) {
    throw new Error(
      'usage: node --import tsx scripts/make_readme_assets.ts --run runs/<name> [--checkpoint PATH] [--out assets] [--frame-step 300] [--window 20] [--runs runs/a,runs/b]',
    );
  }
  const result = await makeReadmeAssets({
    runDir: values.run,
    checkpoint: values.checkpoint,
    outDir: values.out,
    frameStep: values['frame-step'] === undefined ? undefined : Number(values['frame-step']),
    window: values.window === undefined ? undefined : Number(values.window),
    runs: values.runs === undefined ? undefined : values.runs.split(',').filter((dir) => dir !== ''),
  });
  console.log(
    `wrote ${path.relative(process.cwd(), result.learningCurve)} and ${path.relative(process.cwd(), result.cheetahFrame)}`,
  );
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
