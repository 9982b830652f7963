#!/usr/bin/env node
/**
 * The `a3c` command line:
 *
 *   a3c train  --env HalfCheetah-v5 --workers 2 --total-steps 2000000 --seed 1 --run-dir runs/x [--resume]
 *   a3c eval   --checkpoint runs/x/best --episodes 10 [--stochastic] [--json] [--video out.mp4]
 *   a3c render --env HalfCheetah-v5 --policy random --video out.mp4 [--png frame.png]
 *   a3c main   (what `npm start` runs: train on HalfCheetah-v5 for 1M steps, evaluate, record a video)
 *   a3c envs   (list the registered environments)
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { train, WorkerError } from '../training/trainer.js';
import type { TrainerEvent } from '../training/trainer.js';
import { ConfigError, DEFAULT_CONFIG } from '../config.js';
import type { A3CConfig } from '../config.js';
import { evaluate, loadPolicy } from '../training/evaluate.js';
import type { EvaluationResult } from '../training/evaluate.js';
import { envIds, makeEnv } from '../envs/registry.js';
import { Rng } from '../common/rng.js';
import { recordEpisode } from '../media/video.js';
import type { Env } from '../envs/env.js';

const HELP = `Usage: a3c <command> [options]

Commands:
  train    Train A3C with parallel worker threads
  eval     Evaluate a checkpoint (and optionally record a video)
  render   Record a video of an env without a checkpoint (random or zero policy)
  main     Train HalfCheetah-v5 for 1M steps, evaluate the best checkpoint, record a video
  envs     List the registered environments

train options:
  --env ID               environment id (default ${DEFAULT_CONFIG.envId})
  --workers N            worker threads (default: number of cores, here ${DEFAULT_CONFIG.numWorkers})
  --total-steps N        env steps over all workers (default ${DEFAULT_CONFIG.totalSteps})
  --seed N               run seed (default ${DEFAULT_CONFIG.seed})
  --run-dir DIR          run folder (default runs/<env>-<seed>-<time>)
  --resume               continue the run in --run-dir from its last checkpoint
  --lr X  --n-steps N  --gamma X  --gae-lambda X  --entropy-coef X  --value-coef X
  --max-grad-norm X  --lr-schedule constant|linear  --model squashed|separate|shared
  --hidden 128,128  --backend wasm|cpu|tensorflow  --reward-scale X
  --init-log-std X       initial log std of the Gaussian, before tanh (default ${DEFAULT_CONFIG.initLogStd})
  --noise-correlation X  correlation of consecutive exploration noise, in [0, 1) (default ${DEFAULT_CONFIG.noiseCorrelation})
  --target-kl X          KL per update the adaptive learning rate aims at (0 disables; default ${DEFAULT_CONFIG.targetKl})
  --no-normalize-observation  --no-normalize-reward  --normalize-advantage
  --eval-interval-steps N  periodic deterministic evaluation that picks best.ckpt (0 disables; default ${DEFAULT_CONFIG.evalIntervalSteps})
  --eval-episodes N        episodes per periodic evaluation (default ${DEFAULT_CONFIG.evalEpisodes})
  --eval-confirm-episodes N  more episodes for an evaluation that beats the best so far (default ${DEFAULT_CONFIG.evalConfirmEpisodes})
  --envs-per-worker N      actor-learners (envs) per worker thread, taking turns (default ${DEFAULT_CONFIG.envsPerWorker})
  --preload MODULE         import a module first (e.g. one that registers a custom env)
  --json                 print the final summary as JSON

eval options:
  --checkpoint PATH      e.g. runs/x/best (the .ckpt suffix may be omitted)
  --episodes N           (default 10)
  --deterministic        mean action (the default); --stochastic samples actions
  --seed N               seed of the first episode (default 0)
  --video out.mp4        also record one deterministic episode
  --json                 print the results as JSON

render options:
  --env ID  --policy random|zero  --video out.mp4  --png frame.png  --seed N  --steps N
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'train':
      return trainCommand(rest);
    case 'eval':
      return evalCommand(rest);
    case 'render':
      return renderCommand(rest);
    case 'main':
      return mainCommand(rest);
    case 'envs':
      console.log(envIds().join('\n'));
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return command === undefined ? 1 : 0;
    default:
      console.error(`Unknown command "${command}". Commands: train, eval, render, main, envs, help.`);
      return 2;
  }
}

const TRAIN_OPTIONS = {
  env: { type: 'string' },
  workers: { type: 'string' },
  'total-steps': { type: 'string' },
  seed: { type: 'string' },
  'run-dir': { type: 'string' },
  resume: { type: 'boolean' },
  lr: { type: 'string' },
  'n-steps': { type: 'string' },
  gamma: { type: 'string' },
  'gae-lambda': { type: 'string' },
  'entropy-coef': { type: 'string' },
  'value-coef': { type: 'string' },
  'max-grad-norm': { type: 'string' },
  'lr-schedule': { type: 'string' },
  model: { type: 'string' },
  hidden: { type: 'string' },
  backend: { type: 'string' },
  'reward-scale': { type: 'string' },
  'init-log-std': { type: 'string' },
  'noise-correlation': { type: 'string' },
  'target-kl': { type: 'string' },
  'no-normalize-observation': { type: 'boolean' },
  'normalize-advantage': { type: 'boolean' },
  'no-normalize-reward': { type: 'boolean' },
  'eval-interval-steps': { type: 'string' },
  'eval-episodes': { type: 'string' },
  'eval-confirm-episodes': { type: 'string' },
  'envs-per-worker': { type: 'string' },
  preload: { type: 'string', multiple: true },
  json: { type: 'boolean' },
} as const;

/** Parse a numeric option strictly: "1e6" and "1_000_000" work, "abc" is an error. */
function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value.replace(/_/g, ''));
  if (value.trim() === '' || Number.isNaN(parsed)) throw new UsageError(`--${name} must be a number, got "${value}"`);
  return parsed;
}

class UsageError extends Error {}

async function trainCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: TRAIN_OPTIONS, strict: true, allowPositionals: false });
  const overrides: Partial<A3CConfig> = {
    envId: values.env,
    numWorkers: numberOption('workers', values.workers),
    totalSteps: numberOption('total-steps', values['total-steps']),
    seed: numberOption('seed', values.seed),
    lr: numberOption('lr', values.lr),
    nSteps: numberOption('n-steps', values['n-steps']),
    gamma: numberOption('gamma', values.gamma),
    gaeLambda: numberOption('gae-lambda', values['gae-lambda']),
    entropyCoef: numberOption('entropy-coef', values['entropy-coef']),
    valueCoef: numberOption('value-coef', values['value-coef']),
    maxGradNorm: numberOption('max-grad-norm', values['max-grad-norm']),
    lrSchedule: values['lr-schedule'] as A3CConfig['lrSchedule'] | undefined,
    model: values.model as A3CConfig['model'] | undefined,
    hiddenSizes:
      values.hidden === undefined
        ? undefined
        : values.hidden.split(',').map((h) => numberOption('hidden', h) as number),
    backend: values.backend as A3CConfig['backend'] | undefined,
    rewardScale: numberOption('reward-scale', values['reward-scale']),
    initLogStd: numberOption('init-log-std', values['init-log-std']),
    noiseCorrelation: numberOption('noise-correlation', values['noise-correlation']),
    targetKl: numberOption('target-kl', values['target-kl']),
    normalizeObservation: values['no-normalize-observation'] ? false : undefined,
    normalizeAdvantage: values['normalize-advantage'] ? true : undefined,
    normalizeReward: values['no-normalize-reward'] ? false : undefined,
    evalIntervalSteps: numberOption('eval-interval-steps', values['eval-interval-steps']),
    evalEpisodes: numberOption('eval-episodes', values['eval-episodes']),
    evalConfirmEpisodes: numberOption('eval-confirm-episodes', values['eval-confirm-episodes']),
    envsPerWorker: numberOption('envs-per-worker', values['envs-per-worker']),
  };
  for (const key of Object.keys(overrides) as (keyof A3CConfig)[])
    if (overrides[key] === undefined) delete overrides[key];
  if (values.resume && !values['run-dir'])
    throw new UsageError('--resume needs --run-dir, the folder of the run to continue');
  const runDir =
    values['run-dir'] ?? defaultRunDir(overrides.envId ?? DEFAULT_CONFIG.envId, overrides.seed ?? DEFAULT_CONFIG.seed);
  const result = await trainWithProgress(overrides, {
    runDir,
    resume: values.resume ?? false,
    preload: values.preload ?? [],
  });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  return result.aborted ? 130 : 0;
}

function defaultRunDir(envId: string, seed: number): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  return join('runs', `${envId}-seed${seed}-${stamp}`);
}

/** Train with a live progress bar, Ctrl-C handling and a summary; returns the trainer's result. */
async function trainWithProgress(
  overrides: Partial<A3CConfig>,
  options: { runDir: string; resume: boolean; preload: string[] },
) {
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write(
        '\nStopping: workers finish their rollout, then the last checkpoint is written (Ctrl-C again to force quit)\n',
      );
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  const interactive = process.stderr.isTTY === true;
  const bar = new SingleBar({
    format:
      '{bar} {percentage}% | {value}/{total} steps | {sps} steps/s | {episodes} episodes | mean return {ret} | ETA {eta_formatted}',
    barsize: 24,
    hideCursor: interactive,
    noTTYOutput: !interactive,
    notTTYSchedule: 10_000,
    etaBuffer: 50,
    stream: process.stderr,
  });
  let barStarted = false;
  let runDir = options.runDir;
  const onEvent = (event: TrainerEvent) => {
    switch (event.type) {
      case 'start':
        runDir = event.runDir;
        process.stderr.write(
          `Training A3C on ${event.config.envId} with ${event.config.numWorkers} workers for ${event.config.totalSteps} steps (seed ${event.config.seed})\nRun folder: ${event.runDir}${event.resumedFrom > 0 ? ` (resumed at step ${event.resumedFrom})` : ''}\n`,
        );
        bar.start(event.config.totalSteps, event.resumedFrom, { sps: '-', episodes: 0, ret: '-' });
        barStarted = true;
        break;
      case 'progress':
        bar.update(Math.min(event.globalStep, event.totalSteps), {
          sps: Math.round(event.stepsPerSecond),
          episodes: event.episodes,
          ret: event.meanReturn === null ? '-' : event.meanReturn.toFixed(1),
        });
        break;
      case 'stop':
        if (barStarted) bar.stop();
        break;
      default:
        break;
    }
  };
  try {
    const result = await train(overrides, { ...options, signal: controller.signal, onEvent });
    process.stderr.write(
      `${result.aborted ? 'Stopped' : 'Done'}: ${result.globalSteps} steps, ${result.episodes} episodes in ${result.wallSeconds.toFixed(0)} s ` +
        `(${result.stepsPerSecond.toFixed(0)} steps/s); ${bestText(result)}\n` +
        `Checkpoints: ${result.bestPath ?? '(no best yet)'}, ${result.lastPath}\n` +
        (result.aborted ? `Resume with: npx a3c train --run-dir ${runDir} --resume\n` : ''),
    );
    return result;
  } finally {
    if (barStarted) bar.stop();
    process.off('SIGINT', onSigint);
  }
}

function bestText(result: {
  bestMeanReturn: number | null;
  bestCriterion: 'evaluation' | 'training';
  config: A3CConfig;
}): string {
  if (result.bestMeanReturn === null) return 'no best model yet';
  return result.bestCriterion === 'evaluation'
    ? `best deterministic evaluation ${result.bestMeanReturn.toFixed(1)} (mean of ${result.config.evalEpisodes}${result.config.evalConfirmEpisodes > 0 ? ` + ${result.config.evalConfirmEpisodes}` : ''} episodes)`
    : `best mean training return ${result.bestMeanReturn.toFixed(1)} over ${result.config.bestWindow} episodes`;
}

const EVAL_OPTIONS = {
  checkpoint: { type: 'string' },
  episodes: { type: 'string' },
  deterministic: { type: 'boolean' },
  stochastic: { type: 'boolean' },
  seed: { type: 'string' },
  video: { type: 'string' },
  json: { type: 'boolean' },
} as const;

async function evalCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: EVAL_OPTIONS, strict: true, allowPositionals: false });
  if (!values.checkpoint) throw new UsageError('eval needs --checkpoint PATH (e.g. runs/x/best)');
  if (values.deterministic && values.stochastic)
    throw new UsageError('--deterministic and --stochastic exclude each other');
  const episodes = numberOption('episodes', values.episodes) ?? 10;
  const seed = numberOption('seed', values.seed) ?? 0;
  const deterministic = !values.stochastic;
  const result = await evaluateCheckpoint(values.checkpoint, {
    episodes,
    seed,
    deterministic,
    video: values.video,
    quiet: values.json ?? false,
  });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  return 0;
}

async function evaluateCheckpoint(
  checkpointPath: string,
  options: { episodes: number; seed: number; deterministic: boolean; video?: string; quiet: boolean },
): Promise<EvaluationResult & { checkpoint: string; envId: string; video?: string }> {
  const { checkpoint, policy, env } = await loadPolicy(checkpointPath, { seed: options.seed });
  try {
    const log = (line: string) => {
      if (!options.quiet) console.log(line);
    };
    log(
      `Evaluating ${checkpointPath} on ${checkpoint.config.envId} (trained ${checkpoint.counters.globalSteps} steps), ${options.episodes} episodes, ${options.deterministic ? 'deterministic' : 'stochastic'} actions`,
    );
    const result = evaluate(policy, env, {
      episodes: options.episodes,
      deterministic: options.deterministic,
      seed: options.seed,
      onEpisode: ({ index, episodeReturn, length }) =>
        log(
          `  episode ${String(index + 1).padStart(2)}: return ${episodeReturn.toFixed(1).padStart(8)}  length ${length}`,
        ),
    });
    log(
      `Mean return ${result.mean.toFixed(1)} +- ${result.std.toFixed(1)} (min ${result.min.toFixed(1)}, max ${result.max.toFixed(1)})`,
    );
    let video: string | undefined;
    if (options.video) {
      const recorded = await recordEpisode({
        env,
        policy: (observation) => policy.act(observation, { deterministic: true }),
        path: options.video,
        seed: options.seed,
      });
      video = recorded.path;
      log(`Video: ${recorded.path} (${recorded.frames} frames, episode return ${recorded.episodeReturn.toFixed(1)})`);
    }
    return { ...result, checkpoint: checkpointPath, envId: checkpoint.config.envId, video };
  } finally {
    env.close();
    policy.model.dispose();
  }
}

const RENDER_OPTIONS = {
  env: { type: 'string' },
  policy: { type: 'string' },
  video: { type: 'string' },
  png: { type: 'string' },
  seed: { type: 'string' },
  steps: { type: 'string' },
} as const;

async function renderCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: RENDER_OPTIONS, strict: true, allowPositionals: false });
  const envId = values.env ?? DEFAULT_CONFIG.envId;
  const policyName = values.policy ?? 'random';
  if (policyName !== 'random' && policyName !== 'zero')
    throw new UsageError(
      `--policy must be "random" or "zero" (use "a3c eval --checkpoint PATH --video out.mp4" for a trained policy), got "${policyName}"`,
    );
  if (!values.video && !values.png) throw new UsageError('render needs --video out.mp4 and/or --png frame.png');
  const seed = numberOption('seed', values.seed) ?? 0;
  const steps = numberOption('steps', values.steps);
  const env: Env = await makeEnv(envId, steps ? { maxEpisodeSteps: steps } : {});
  try {
    const rng = new Rng(seed);
    const policy = (_observation: Float64Array) =>
      policyName === 'zero' ? new Float64Array(env.actionSpace.size) : env.actionSpace.sample(rng);
    if (values.png) {
      const { savePng } = await import('../media/png.js');
      const { createRenderer } = await import('../media/render.js');
      env.reset({ seed });
      const renderer = createRenderer(env, {});
      try {
        savePng(values.png, renderer.render(), renderer.width, renderer.height);
      } finally {
        renderer.close();
      }
      console.log(`Frame: ${values.png}`);
    }
    if (values.video) {
      const recorded = await recordEpisode({ env, policy, path: values.video, seed });
      console.log(
        `Video: ${recorded.path} (${recorded.frames} frames, episode return ${recorded.episodeReturn.toFixed(1)})`,
      );
    }
  } finally {
    env.close();
  }
  return 0;
}

/** `npm start`: the main job with defaults. */
async function mainCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { 'run-dir': { type: 'string' }, 'total-steps': { type: 'string' } },
    strict: true,
  });
  const runDir = resolve(values['run-dir'] ?? defaultRunDir(DEFAULT_CONFIG.envId, DEFAULT_CONFIG.seed));
  const result = await trainWithProgress(
    { totalSteps: numberOption('total-steps', values['total-steps']) ?? 1_000_000 },
    { runDir, resume: false, preload: [] },
  );
  if (result.aborted) return 130;
  const checkpoint = result.bestPath ?? result.lastPath;
  mkdirSync(runDir, { recursive: true });
  await evaluateCheckpoint(checkpoint, {
    episodes: 10,
    seed: 0,
    deterministic: true,
    video: join(runDir, 'episode.mp4'),
    quiet: false,
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (
      error instanceof UsageError ||
      error instanceof ConfigError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(`a3c: ${(error as Error).message}\nRun "a3c help" for the options.`);
      process.exit(2);
    }
    if (error instanceof WorkerError) {
      console.error(
        `a3c: training failed, ${error.message}\n${error.workerStack ?? ''}\nThe last checkpoint was written; fix the cause and resume with --resume.`,
      );
      process.exit(1);
    }
    console.error(`a3c: ${(error as Error).message ?? String(error)}`);
    process.exit(1);
  },
);
