/**
 * The A3C trainer (Mnih et al. 2016): owns the global model, starts `numWorkers` worker threads
 * that update it asynchronously, and turns their messages into events, metrics and checkpoints.
 *
 *   1. resolve and validate the config; create the run folder (or resume from its `last` checkpoint)
 *   2. initialise the global parameters and SharedAdam's state in shared memory
 *   3. start the workers (lib/worker.ts), each with its own env, local model and random stream
 *   4. while they train: report episodes/updates/progress, keep `best` and `last` checkpoints
 *   5. stop at totalSteps (or on error / abort), join every worker, write the final `last`
 */
import { Worker } from 'node:worker_threads';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveConfig } from '../config.js';
import type { A3CConfig } from '../config.js';
import { ActorCritic, defaultModelSpec } from '../model/actor_critic.js';
import type { ModelSpec } from '../model/actor_critic.js';
import { SharedAdam } from '../a3c/shared_adam.js';
import { makeEnv } from '../envs/registry.js';
import { Rng } from '../common/rng.js';
import { RunningMeanStd } from '../envs/running_mean_std.js';
import { Counter, createCounters } from './shared_memory.js';
import type { SharedCounters, WorkerInit, WorkerMessage } from './shared_memory.js';
import { loadCheckpoint, saveCheckpoint, CHECKPOINT_EXTENSION } from './checkpoint.js';
import type { Checkpoint } from './checkpoint.js';
import type { RngState } from '../common/rng.js';
import { evaluate, ModelPolicy, summarize } from './evaluate.js';
import { NormalizeObservation } from '../envs/wrappers.js';
import type { Env } from '../envs/env.js';

/** Events reported while training (the CLI's progress bar and the notebooks' live plots use them). */
export type TrainerEvent =
  | { type: 'start'; config: A3CConfig; runDir: string; resumedFrom: number }
  | {
      type: 'episode';
      workerId: number;
      episode: number;
      globalStep: number;
      episodeReturn: number;
      length: number;
      meanReturn: number;
      wallSeconds: number;
    }
  | {
      type: 'updates';
      workerId: number;
      globalStep: number;
      policyLoss: number;
      valueLoss: number;
      entropy: number;
      std: number;
      gradNorm: number;
      learningRate: number;
    }
  | {
      type: 'progress';
      globalStep: number;
      totalSteps: number;
      episodes: number;
      stepsPerSecond: number;
      meanReturn: number | null;
      wallSeconds: number;
      etaSeconds: number | null;
    }
  /** A periodic deterministic evaluation: `returns` holds the confirmation episodes too when it ran them. */
  | { type: 'evaluation'; globalStep: number; meanReturn: number; stdReturn: number; returns: number[]; best: boolean }
  | { type: 'checkpoint'; kind: 'best' | 'last'; path: string; globalStep: number; meanReturn: number | null }
  | { type: 'stop'; reason: 'done' | 'aborted' | 'error'; globalStep: number };

export interface TrainOptions {
  /** Folder of the run: config.json, episodes.jsonl, updates.jsonl, best.ckpt, last.ckpt. */
  runDir: string;
  /** Continue the run in `runDir` from its `last` checkpoint (config overrides may raise totalSteps). */
  resume?: boolean;
  /** Aborting stops every worker after its current rollout and writes `last` (Ctrl-C). */
  signal?: AbortSignal;
  onEvent?: (event: TrainerEvent) => void;
  /** Modules imported in the trainer and in every worker first, e.g. to register custom envs. */
  preload?: string[];
  /** Seconds between progress events. */
  progressIntervalSeconds?: number;
}

export interface TrainResult {
  runDir: string;
  config: A3CConfig;
  globalSteps: number;
  episodes: number;
  updates: number;
  skippedUpdates: number;
  wallSeconds: number;
  stepsPerSecond: number;
  /** What `best` was chosen by: the best evaluation mean, or the best moving average of training returns. */
  bestMeanReturn: number | null;
  bestCriterion: 'evaluation' | 'training';
  lastMeanReturn: number | null;
  aborted: boolean;
  bestPath: string | null;
  lastPath: string;
}

/** A worker failed; the run was stopped and `last` written. */
export class WorkerError extends Error {
  constructor(
    readonly workerId: number,
    message: string,
    readonly workerStack?: string,
  ) {
    super(`worker ${workerId} failed: ${message}`);
    this.name = 'WorkerError';
    // Show where it failed inside the worker thread, not where the trainer received the message.
    if (workerStack) this.stack = `${this.name}: ${this.message}\n${workerStack.split('\n').slice(1).join('\n')}`;
  }
}

/** Reset seed of the first episode of every evaluation during training (episode i uses EVAL_SEED + i). */
const EVAL_SEED = 1_000_000;

/** Seconds a worker gets to finish its rollout after a stop request before it is terminated. */
const STOP_GRACE_SECONDS = 30;

export async function train(overrides: Partial<A3CConfig>, options: TrainOptions): Promise<TrainResult> {
  const preload = (options.preload ?? []).map((p) =>
    p.startsWith('file:') ? p : new URL(p, `file://${resolve('.')}/`).href,
  );
  for (const url of preload) await import(url);
  const runDir = resolve(options.runDir);
  const lastPath = join(runDir, `last${CHECKPOINT_EXTENSION}`);
  const bestPath = join(runDir, `best${CHECKPOINT_EXTENSION}`);
  const emit = options.onEvent ?? (() => {});

  // 1. Config and run folder. A new run never overwrites an existing one.
  let resumed: Checkpoint | null = null;
  let config: Readonly<A3CConfig>;
  if (options.resume) {
    if (!existsSync(lastPath))
      throw new Error(`Cannot resume: ${lastPath} does not exist (start a new run without --resume)`);
    resumed = loadCheckpoint(lastPath);
    const allowed: (keyof A3CConfig)[] = ['totalSteps', 'numWorkers', 'backend', 'checkpointIntervalSeconds'];
    const changed = (Object.keys(overrides) as (keyof A3CConfig)[]).filter(
      (k) =>
        overrides[k] !== undefined &&
        !allowed.includes(k) &&
        JSON.stringify(overrides[k]) !== JSON.stringify(resumed!.config[k]),
    );
    if (changed.length > 0) {
      throw new Error(`Cannot change ${changed.join(', ')} when resuming; only ${allowed.join(', ')} may change`);
    }
    config = resolveConfig({ ...resumed.config, ...pick(overrides, allowed) });
  } else {
    config = resolveConfig(overrides);
    if (existsSync(lastPath) || existsSync(bestPath)) {
      throw new Error(`${runDir} already holds a run; resume it with --resume, or choose another --run-dir`);
    }
  }
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);

  // 2. Global model and optimizer state in shared memory.
  const probe = await makeEnv(config.envId);
  const modelSpec: ModelSpec = defaultModelSpec({
    observationSize: probe.observationSpace.size,
    actionSize: probe.actionSpace.size,
    actionLow: probe.actionSpace.low,
    actionHigh: probe.actionSpace.high,
    kind: config.model,
    hiddenSizes: config.hiddenSizes,
    initLogStd: config.initLogStd,
  });
  const observationSize = probe.observationSpace.size;
  probe.close();

  const rootRng = new Rng(config.seed);
  const initial = resumed ? resumed.params : new ActorCritic(modelSpec, { rng: rootRng.spawn() }).params;
  const adamOptions = { lr: config.lr, betas: config.adamBetas, eps: config.adamEps };
  const adam = SharedAdam.create(initial, adamOptions);
  if (resumed) {
    if (!resumed.optimizer) throw new Error(`Cannot resume from ${lastPath}: it holds no optimizer state`);
    adam.importState({
      step: resumed.optimizer.step,
      m: Array.from(resumed.optimizer.m),
      v: Array.from(resumed.optimizer.v),
    });
  }
  const counters: SharedCounters = createCounters(
    resumed
      ? {
          GlobalSteps: resumed.counters.globalSteps,
          Episodes: resumed.counters.episodes,
          Updates: resumed.counters.updates,
          SkippedUpdates: resumed.counters.skippedUpdates,
          LrLevel: resumed.counters.lrLevel ?? 0,
        }
      : {},
  );
  let observationStats: SharedArrayBuffer | null = null;
  let rms: RunningMeanStd | null = null;
  if (config.normalizeObservation) {
    observationStats = new SharedArrayBuffer((1 + 2 * observationSize) * Float64Array.BYTES_PER_ELEMENT);
    rms = new RunningMeanStd(observationSize, { storage: new Float64Array(observationStats) });
    if (resumed?.observationStats) rms.load(resumed.observationStats);
  }
  let rewardStats: SharedArrayBuffer | null = null;
  let rewardRms: RunningMeanStd | null = null;
  if (config.normalizeReward) {
    rewardStats = new SharedArrayBuffer(3 * Float64Array.BYTES_PER_ELEMENT);
    rewardRms = new RunningMeanStd(1, { storage: new Float64Array(rewardStats) });
    if (resumed?.rewardStats) rewardRms.load(resumed.rewardStats);
  }
  const workerRngs: RngState[] = Array.from(
    { length: config.numWorkers },
    (_, i) => resumed?.rng[i] ?? rootRng.spawn().getState(),
  );

  // Episode statistics for `best` and progress.
  const recentReturns: number[] = [];
  let bestMeanReturn = resumed?.bestMeanReturn ?? null;
  const meanRecent = () =>
    recentReturns.length === 0 ? null : recentReturns.reduce((a, b) => a + b, 0) / recentReturns.length;
  const priorWallSeconds = resumed?.wallSeconds ?? 0;
  const startTime = performance.now();
  const wallSeconds = () => priorWallSeconds + (performance.now() - startTime) / 1000;
  const startSteps = Atomics.load(counters.view, Counter.GlobalSteps);

  const snapshot = (
    rngs: RngState[],
    frozen?: { params: Float32Array; observationStats: Checkpoint['observationStats'] },
  ): Checkpoint => {
    const state = adam.exportState();
    return {
      config,
      modelSpec,
      params: frozen ? frozen.params : new Float32Array(adam.params),
      optimizer: { step: state.step, m: Float32Array.from(state.m), v: Float32Array.from(state.v) },
      observationStats: frozen ? frozen.observationStats : rms ? rms.toJSON() : null,
      rewardStats: rewardRms ? rewardRms.toJSON() : null,
      counters: {
        globalSteps: Atomics.load(counters.view, Counter.GlobalSteps),
        episodes: Atomics.load(counters.view, Counter.Episodes),
        updates: Atomics.load(counters.view, Counter.Updates),
        skippedUpdates: Atomics.load(counters.view, Counter.SkippedUpdates),
        lrLevel: Atomics.load(counters.view, Counter.LrLevel),
      },
      rng: rngs,
      wallSeconds: wallSeconds(),
      meanReturn: meanRecent(),
      bestMeanReturn,
    };
  };
  const writeCheckpoint = (kind: 'best' | 'last', rngs: RngState[], frozen?: Parameters<typeof snapshot>[1]) => {
    const path = kind === 'best' ? bestPath : lastPath;
    const checkpoint = snapshot(rngs, frozen);
    saveCheckpoint(path, checkpoint);
    emit({
      type: 'checkpoint',
      kind,
      path,
      globalStep: checkpoint.counters.globalSteps,
      meanReturn: checkpoint.meanReturn,
    });
  };

  // Periodic deterministic evaluation of the global model on the trainer's thread: `best` is the
  // best-evaluated model. Training returns are noisy (sampled actions, a policy that changes
  // during the episode) and A3C can collapse late, so the final model is often not the best.
  const evaluating = config.evalIntervalSteps > 0;
  const evalEnvBase: Env | null = evaluating
    ? await makeEnv(config.envId, config.maxEpisodeSteps > 0 ? { maxEpisodeSteps: config.maxEpisodeSteps } : {})
    : null;
  const evalsLog = join(runDir, 'evaluations.jsonl');
  let nextEvalStep = evaluating
    ? (Math.floor(Atomics.load(counters.view, Counter.GlobalSteps) / config.evalIntervalSteps) + 1) *
      config.evalIntervalSteps
    : Infinity;
  const runEvaluation = (globalStep: number) => {
    if (!evalEnvBase) return;
    const params = new Float32Array(adam.params);
    const observationStats = rms ? rms.toJSON() : null;
    const env: Env = observationStats
      ? new NormalizeObservation(evalEnvBase, {
          rms: RunningMeanStd.fromJSON(observationStats),
          clip: Number.isFinite(config.obsClip) ? config.obsClip : undefined,
          frozen: true,
        })
      : evalEnvBase;
    const model = new ActorCritic(modelSpec, { params });
    try {
      const policy = new ModelPolicy(model);
      const screen = evaluate(policy, env, { episodes: config.evalEpisodes, deterministic: true, seed: EVAL_SEED });
      let returns = screen.returns;
      // A candidate for `best` plays more episodes first: a policy that falls over in one episode
      // of ten can pass five, and the first evaluation's mean is biased up by the selection itself.
      if (config.evalConfirmEpisodes > 0 && (bestMeanReturn === null || screen.mean > bestMeanReturn)) {
        const confirm = evaluate(policy, env, {
          episodes: config.evalConfirmEpisodes,
          deterministic: true,
          seed: EVAL_SEED + config.evalEpisodes,
        });
        returns = [...screen.returns, ...confirm.returns];
      }
      const { mean, std } = summarize(returns);
      const best = bestMeanReturn === null || mean > bestMeanReturn;
      appendFileSync(
        evalsLog,
        `${JSON.stringify({ global_step: globalStep, wall_seconds: round(wallSeconds(), 3), 'eval/mean_return': mean, 'eval/std_return': std, 'eval/episodes': returns.length, 'eval/returns': returns })}\n`,
      );
      emit({ type: 'evaluation', globalStep, meanReturn: mean, stdReturn: std, returns, best });
      if (best) {
        bestMeanReturn = mean;
        writeCheckpoint('best', finalRngs, { params, observationStats });
      }
    } finally {
      model.dispose();
    }
  };

  const episodesLog = join(runDir, 'episodes.jsonl');
  const updatesLog = join(runDir, 'updates.jsonl');
  emit({ type: 'start', config, runDir, resumedFrom: startSteps });

  // 3. Workers.
  const finalRngs = [...workerRngs];
  const workers: Worker[] = [];
  const exited: Promise<void>[] = [];
  let failure: WorkerError | null = null;
  let aborted = false;
  const requestStop = () => Atomics.store(counters.view, Counter.Stop, 1); // seen by every worker's next Atomics.load
  const onAbort = () => {
    aborted = true;
    requestStop();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  let lastCheckpointTime = performance.now();
  const entry = workerEntry();
  for (let workerId = 0; workerId < config.numWorkers; workerId++) {
    const init: WorkerInit = {
      workerId,
      config,
      modelSpec,
      adamBuffers: adam.buffers,
      counters: counters.buffer,
      observationStats,
      rewardStats,
      rng: workerRngs[workerId],
      envSeed: config.seed * 1000 + workerId + Atomics.load(counters.view, Counter.Episodes),
      preload,
    };
    const worker = new Worker(entry.script, { workerData: init, eval: entry.eval });
    workers.push(worker);
    let stopped = false;
    exited.push(
      new Promise<void>((resolveExit) => {
        worker.on('message', (message: WorkerMessage) => {
          switch (message.type) {
            case 'episode': {
              recentReturns.push(message.episodeReturn);
              if (recentReturns.length > config.bestWindow) recentReturns.shift();
              const episode = Atomics.load(counters.view, Counter.Episodes);
              const mean = meanRecent() ?? message.episodeReturn;
              appendFileSync(
                episodesLog,
                `${JSON.stringify({
                  global_step: message.globalStep,
                  episode,
                  worker: message.workerId,
                  wall_seconds: round(wallSeconds(), 3),
                  'charts/episodic_return': message.episodeReturn,
                  'charts/episodic_length': message.length,
                  ...Object.fromEntries(Object.entries(message.infoMeans).map(([k, v]) => [`episode/mean_${k}`, v])),
                })}\n`,
              );
              emit({
                type: 'episode',
                workerId: message.workerId,
                episode,
                globalStep: message.globalStep,
                episodeReturn: message.episodeReturn,
                length: message.length,
                meanReturn: mean,
                wallSeconds: wallSeconds(),
              });
              if (
                !evaluating &&
                recentReturns.length >= config.bestWindow &&
                (bestMeanReturn === null || mean > bestMeanReturn)
              ) {
                bestMeanReturn = mean;
                writeCheckpoint('best', finalRngs);
              }
              break;
            }
            case 'updates': {
              const elapsed = wallSeconds() - priorWallSeconds;
              appendFileSync(
                updatesLog,
                `${JSON.stringify({
                  global_step: message.globalStep,
                  worker: message.workerId,
                  wall_seconds: round(wallSeconds(), 3),
                  'losses/policy_loss': message.policyLoss,
                  'losses/value_loss': message.valueLoss,
                  'losses/entropy': message.entropy,
                  'policy/std': message.std,
                  'policy/kl': message.kl,
                  'losses/grad_norm': message.gradNorm,
                  'charts/learning_rate': message.learningRate,
                  'charts/updates': message.count,
                  'charts/skipped_updates': message.skipped,
                  'debug/num_tensors': message.numTensors,
                  'charts/steps_per_second': elapsed > 0 ? (message.globalStep - startSteps) / elapsed : 0,
                })}\n`,
              );
              emit({
                type: 'updates',
                workerId: message.workerId,
                globalStep: message.globalStep,
                policyLoss: message.policyLoss,
                valueLoss: message.valueLoss,
                entropy: message.entropy,
                std: message.std,
                gradNorm: message.gradNorm,
                learningRate: message.learningRate,
              });
              break;
            }
            case 'stopped':
              stopped = true;
              finalRngs[message.workerId] = message.rng;
              break;
            case 'error':
              failure ??= new WorkerError(message.workerId, message.message, message.stack);
              requestStop();
              break;
            case 'ready':
              break;
          }
        });
        worker.on('error', (error) => {
          failure ??= new WorkerError(workerId, error.message, error.stack);
          requestStop();
        });
        worker.on('exit', (code) => {
          if (!stopped && !failure && code !== 0)
            failure = new WorkerError(workerId, `thread exited with code ${code} before finishing`);
          if (!stopped) requestStop();
          resolveExit();
        });
      }),
    );
  }

  // 4. Progress and periodic `last` checkpoints while the workers run.
  const progressMs = (options.progressIntervalSeconds ?? 1) * 1000;
  const ticker = setInterval(() => {
    const globalStep = Atomics.load(counters.view, Counter.GlobalSteps);
    const elapsed = wallSeconds() - priorWallSeconds;
    const stepsPerSecond = elapsed > 0 ? (globalStep - startSteps) / elapsed : 0;
    emit({
      type: 'progress',
      globalStep,
      totalSteps: config.totalSteps,
      episodes: Atomics.load(counters.view, Counter.Episodes),
      stepsPerSecond,
      meanReturn: meanRecent(),
      wallSeconds: wallSeconds(),
      etaSeconds: stepsPerSecond > 0 ? Math.max(0, config.totalSteps - globalStep) / stepsPerSecond : null,
    });
    if (globalStep >= nextEvalStep && globalStep < config.totalSteps) {
      nextEvalStep = (Math.floor(globalStep / config.evalIntervalSteps) + 1) * config.evalIntervalSteps;
      runEvaluation(globalStep);
    }
    if (performance.now() - lastCheckpointTime >= config.checkpointIntervalSeconds * 1000) {
      lastCheckpointTime = performance.now();
      writeCheckpoint('last', finalRngs);
    }
  }, progressMs);

  // 5. Join every worker; a worker that does not stop within the grace period is terminated.
  const allExited = Promise.all(exited);
  let graceTimer: NodeJS.Timeout | undefined;
  const watchStop = setInterval(() => {
    if (Atomics.load(counters.view, Counter.Stop) === 1 && !graceTimer) {
      graceTimer = setTimeout(() => workers.forEach((w) => void w.terminate()), STOP_GRACE_SECONDS * 1000);
    }
  }, 100);
  await allExited;
  clearInterval(ticker);
  clearInterval(watchStop);
  if (graceTimer) clearTimeout(graceTimer);
  options.signal?.removeEventListener('abort', onAbort);

  const globalSteps = Atomics.load(counters.view, Counter.GlobalSteps);
  // The final model gets its evaluation too (it may be the best one).
  if (!failure && !aborted && evaluating) runEvaluation(globalSteps);
  evalEnvBase?.close();
  writeCheckpoint('last', finalRngs);
  const stopReason = failure ? 'error' : aborted ? 'aborted' : 'done';
  emit({ type: 'stop', reason: stopReason, globalStep: globalSteps });
  if (failure) throw failure;

  const elapsed = wallSeconds() - priorWallSeconds;
  return {
    runDir,
    config,
    globalSteps,
    episodes: Atomics.load(counters.view, Counter.Episodes),
    updates: Atomics.load(counters.view, Counter.Updates),
    skippedUpdates: Atomics.load(counters.view, Counter.SkippedUpdates),
    wallSeconds: wallSeconds(),
    stepsPerSecond: elapsed > 0 ? (globalSteps - startSteps) / elapsed : 0,
    bestMeanReturn,
    bestCriterion: evaluating ? 'evaluation' : 'training',
    lastMeanReturn: meanRecent(),
    aborted,
    bestPath: existsSync(bestPath) ? bestPath : null,
    lastPath,
  };
}

/**
 * The worker script: compiled JS next to this file; or, when the library itself runs from its
 * TypeScript sources (tests, benchmarks through tsx), a small bootstrap that registers tsx in the
 * thread first (Node 20 does not apply `--import tsx` to a worker's .ts entry point).
 */
function workerEntry(): { script: URL | string; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { script: new URL('./worker_thread.js', import.meta.url), eval: false };
  const tsx = import.meta.resolve('tsx/esm/api');
  const source = new URL('./worker_thread.ts', import.meta.url).href;
  return {
    script: `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`,
    eval: true,
  };
}

function pick<T extends object, K extends keyof T>(object: Partial<T>, keys: K[]): Partial<T> {
  const out: Partial<T> = {};
  for (const key of keys) if (object[key] !== undefined) out[key] = object[key];
  return out;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
