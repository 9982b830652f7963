/**
 * The A3C trainer (Mnih et al. 2016): owns the global model, starts `numWorkers` worker threads
 * that update it asynchronously, and turns their messages into events, metrics and checkpoints.
 * `train()` reads as its outline:
 *
 *   1. resolve and validate the config; open the run folder (new, or resumed from a checkpoint)
 *   2. create the shared state: global parameters, SharedAdam's moments, counters, statistics
 *   3. start the worker pool (lib/a3c/worker.ts in each thread)
 *   4. while they train: report progress, evaluate and keep `best`, save `last` periodically;
 *      a run still poor at the early check starts over from a new seed (early_restart.ts)
 *   5. stop at totalSteps (or on error / abort), join every worker, write the final `last`
 */
import { resolve } from 'node:path';
import { resolveConfig, type A3CConfig } from '../config.js';
import { makeEnv } from '../envs/registry.js';
import type { RunningMeanStdJSON } from '../envs/running_mean_std.js';
import { defaultModelSpec, type ModelSpec } from '../model/actor_critic.js';
import type { Checkpoint } from './checkpoint.js';
import { earlyCheckFor, failsEarlyCheck, type EarlyCheck } from './early_restart.js';
import { Evaluator } from './evaluator.js';
import { episodeRow, evaluationRow, updateRow } from './metrics.js';
import type { WorkerMessage } from './protocol.js';
import { RunFolder } from './run_folder.js';
import type { TrainerEvent, TrainOptions, TrainResult } from './events.js';
import { TrainingState } from './shared_state.js';
import { WorkerPool } from './worker_pool.js';

export { WorkerError } from './worker_pool.js';
export type { TrainerEvent, TrainOptions, TrainResult } from './events.js';

/** Seconds a worker gets to finish its rollout once the run is over, before it is terminated. */
const STOP_GRACE_SECONDS = 30;

/** Config fields a resumed run may change; the others define the run. */
const RESUMABLE: readonly (keyof A3CConfig)[] = ['totalSteps', 'numWorkers', 'backend', 'checkpointIntervalSeconds'];

export async function train(overrides: Partial<A3CConfig>, options: TrainOptions): Promise<TrainResult> {
  const preload = (options.preload ?? []).map((p) =>
    p.startsWith('file:') ? p : new URL(p, `file://${resolve('.')}/`).href,
  );
  for (const url of preload) await import(url);
  const emit = options.onEvent ?? (() => {});

  // 1. Config and run folder. A new run never writes into an earlier run's folder.
  const { config, folder, resumed, resumedCheckpoint } = openRun(overrides, options);

  // 2. Shared state: global parameters, Adam's moments, counters, normalisation statistics.
  const modelSpec = await modelSpecFor(config);
  let state = new TrainingState(config, modelSpec, resumed);
  const evaluator =
    config.evalIntervalSteps > 0
      ? new Evaluator(await makeEnv(config.envId, episodeLimit(config)), modelSpec, config)
      : null;
  const resumedFrom = state.count('GlobalSteps');
  emit({ type: 'start', config, runDir: folder.dir, resumedFrom, resumedCheckpoint, bestScore: state.bestScore });
  try {
    for (;;) {
      // 3-4. One attempt: the worker pool trains while the session reports, evaluates and saves.
      const run = new RunSession(state, folder, evaluator, emit, options.earlyCheck);
      const { failure, aborted } = await trainAttempt(run, state, preload, options);
      // An early restart (lib/training/early_restart.ts): set this attempt aside, start a new one.
      if (run.restartDue && !failure && !aborted && !run.writeFailure) {
        const restarts = state.restarts + 1;
        const setAsideTo = folder.setAsideAttempt(restarts);
        const wallSeconds = run.wallSeconds();
        state = new TrainingState(config, modelSpec, null, { restarts, wallSeconds });
        emit({ type: 'restart', ...run.restartDue, restarts, seed: state.seed, setAsideTo });
        continue;
      }
      // 5. Report the final counters (the last tick is up to a progress interval old; a short run
      // may have had none since its workers started), evaluate the final model, write the final `last`.
      run.reportProgress();
      if (!failure && !aborted) run.evaluate(state.count('GlobalSteps'));
      run.save('last');
      const reason = failure ? 'error' : aborted ? 'aborted' : 'done';
      emit({ type: 'stop', reason, globalStep: state.count('GlobalSteps') });
      if (failure) throw failure;
      if (run.writeFailure) throw run.writeFailure;
      return run.result(aborted);
    }
  } finally {
    evaluator?.close();
  }
}

/**
 * Steps 3 and 4 for one attempt: write `last` at once (a run killed before its first periodic
 * save can be resumed), start the workers, tick until they have all stopped (totalSteps, an
 * abort, an error, an early restart) and join them.
 */
async function trainAttempt(
  run: RunSession,
  state: TrainingState,
  preload: string[],
  options: TrainOptions,
): Promise<{ failure: Error | null; aborted: boolean }> {
  run.save('last');
  if (run.writeFailure) throw run.writeFailure;
  const { config } = state;
  const pool = new WorkerPool(
    Array.from({ length: config.numWorkers }, (_, workerId) => state.workerInit(workerId, preload)),
    state.counters.view,
    {
      graceSeconds: options.stopGraceSeconds ?? STOP_GRACE_SECONDS,
      totalSteps: config.totalSteps,
      onMessage: (m) => run.handle(m),
    },
  );
  run.pool = pool;
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    pool.requestStop();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  const ticker = setInterval(() => run.tick(), (options.progressIntervalSeconds ?? 1) * 1000);
  try {
    await pool.join();
  } finally {
    clearInterval(ticker);
    options.signal?.removeEventListener('abort', onAbort);
  }
  return { failure: pool.failure, aborted };
}

/** Step 1: the resolved config and the run folder, new or resumed. */
function openRun(
  overrides: Partial<A3CConfig>,
  options: TrainOptions,
): {
  config: Readonly<A3CConfig>;
  folder: RunFolder;
  resumed: Checkpoint | null;
  resumedCheckpoint?: { kind: 'last' | 'best'; lastProblem?: string };
} {
  if (!options.resume) {
    const config = resolveConfig(overrides);
    return {
      config,
      folder: RunFolder.create(options.runDir, config, { overwrite: options.overwrite }),
      resumed: null,
    };
  }
  const { folder, checkpoint, from, lastProblem } = RunFolder.resume(options.runDir);
  const changed = (Object.keys(overrides) as (keyof A3CConfig)[]).filter(
    (k) =>
      overrides[k] !== undefined &&
      !RESUMABLE.includes(k) &&
      JSON.stringify(overrides[k]) !== JSON.stringify(checkpoint.config[k]),
  );
  if (changed.length > 0) {
    throw new Error(`Cannot change ${changed.join(', ')} when resuming; only ${RESUMABLE.join(', ')} may change`);
  }
  const resumable = Object.fromEntries(
    RESUMABLE.filter((k) => overrides[k] !== undefined).map((k) => [k, overrides[k]]),
  );
  const config = resolveConfig({ ...checkpoint.config, ...resumable });
  folder.writeConfig(config);
  return { config, folder, resumed: checkpoint, resumedCheckpoint: { kind: from, lastProblem } };
}

/** The model's sizes come from the task's spaces. */
async function modelSpecFor(config: Readonly<A3CConfig>): Promise<ModelSpec> {
  const probe = await makeEnv(config.envId);
  try {
    return defaultModelSpec({
      observationSize: probe.observationSpace.size,
      actionSize: probe.actionSpace.size,
      actionLow: probe.actionSpace.low,
      actionHigh: probe.actionSpace.high,
      kind: config.model,
      hiddenSizes: config.hiddenSizes,
      initLogStd: config.initLogStd,
    });
  } finally {
    probe.close();
  }
}

function episodeLimit(config: Readonly<A3CConfig>): { maxEpisodeSteps?: number } {
  return config.maxEpisodeSteps > 0 ? { maxEpisodeSteps: config.maxEpisodeSteps } : {};
}

/**
 * One training session's bookkeeping on the trainer's thread: the workers' messages become log
 * lines and events; the ticker reports progress, runs the periodic evaluations and saves `last`.
 */
class RunSession {
  readonly startSteps: number;
  pool: WorkerPool | null = null;
  /** The first file that could not be written (disk full, a diverged checkpoint): it stops the run. */
  writeFailure: Error | null = null;
  private readonly startTime = performance.now();
  private readonly recentReturns: number[] = [];
  private lastCheckpointTime = performance.now();
  private nextEvalStep: number;
  private readonly waitingEpisodes = new Map<number, Extract<WorkerMessage, { type: 'episode' }>>();
  private nextEpisode: number;
  /** The early check still ahead of this attempt, if any (lib/training/early_restart.ts). */
  private earlyCheck: EarlyCheck | null;
  /** Set when the early check failed: the workers were asked to stop, and train() starts over. */
  restartDue: { globalStep: number; bestScore: number | null; minScore: number } | null = null;

  constructor(
    private readonly state: TrainingState,
    private readonly folder: RunFolder,
    private readonly evaluator: Evaluator | null,
    readonly emit: (event: TrainerEvent) => void,
    earlyCheck?: EarlyCheck | null,
  ) {
    this.earlyCheck = evaluator ? earlyCheckFor(state.config, state.restarts, earlyCheck) : null;
    this.startSteps = state.count('GlobalSteps');
    this.nextEpisode = state.count('Episodes') + 1;
    const interval = state.config.evalIntervalSteps;
    // In reproducible mode the workers send the models to evaluate (`snapshot` messages) instead.
    this.nextEvalStep =
      evaluator && !state.config.reproducible ? (Math.floor(this.startSteps / interval) + 1) * interval : Infinity;
  }

  wallSeconds(): number {
    return this.state.priorWallSeconds + (performance.now() - this.startTime) / 1000;
  }

  stepsPerSecond(globalStep: number): number {
    const elapsed = (performance.now() - this.startTime) / 1000;
    return elapsed > 0 ? (globalStep - this.startSteps) / elapsed : 0;
  }

  meanRecent(): number | null {
    const r = this.recentReturns;
    return r.length === 0 ? null : r.reduce((a, b) => a + b, 0) / r.length;
  }

  handle(message: WorkerMessage): void {
    if (message.type === 'episode') this.inOrder(message);
    else if (message.type === 'snapshot') {
      this.evaluate(message.globalStep, { params: message.params, observationStats: message.observationStats });
    } else if (message.type === 'updates') {
      const row = updateRow(message, this.wallSeconds(), this.stepsPerSecond(message.globalStep));
      this.guarded(() => this.folder.append('updates', row));
      const { workerId, globalStep, policyLoss, valueLoss, entropy, std, gradNorm, learningRate } = message;
      this.emit({ type: 'updates', workerId, globalStep, policyLoss, valueLoss, entropy, std, gradNorm, learningRate });
    }
  }

  /**
   * Episodes in the order of their index. With Hogwild workers that is arrival order; in
   * reproducible mode messages from different threads may arrive in any order, so they wait here
   * until every earlier episode has been logged, and episodes.jsonl is the same on every run.
   */
  private inOrder(message: Extract<WorkerMessage, { type: 'episode' }>): void {
    if (!this.state.config.reproducible) {
      this.onEpisode(message);
      return;
    }
    this.waitingEpisodes.set(message.episode, message);
    for (
      let next = this.waitingEpisodes.get(this.nextEpisode);
      next;
      next = this.waitingEpisodes.get(this.nextEpisode)
    ) {
      this.waitingEpisodes.delete(this.nextEpisode);
      this.nextEpisode += 1;
      this.onEpisode(next);
    }
  }

  private onEpisode(message: Extract<WorkerMessage, { type: 'episode' }>): void {
    const { config } = this.state;
    this.recentReturns.push(message.episodeReturn);
    if (this.recentReturns.length > config.bestWindow) this.recentReturns.shift();
    const { episode } = message;
    const mean = this.meanRecent() ?? message.episodeReturn;
    this.guarded(() => this.folder.append('episodes', episodeRow(message, episode, this.wallSeconds())));
    const { workerId, globalStep, episodeReturn, length } = message;
    this.emit({
      type: 'episode',
      workerId,
      episode,
      globalStep,
      episodeReturn,
      length,
      meanReturn: mean,
      wallSeconds: this.wallSeconds(),
    });
    // Without periodic evaluations, `best` follows the moving average of training returns.
    const best = this.state.bestScore;
    if (!this.evaluator && this.recentReturns.length >= config.bestWindow && (best === null || mean > best)) {
      this.state.bestScore = mean;
      this.save('best');
    }
  }

  /** Every progress interval: an event, an evaluation when one is due, `last` when it is due. */
  tick(): void {
    const { config } = this.state;
    const globalStep = this.reportProgress();
    if (globalStep >= this.nextEvalStep && globalStep < config.totalSteps) {
      this.nextEvalStep = (Math.floor(globalStep / config.evalIntervalSteps) + 1) * config.evalIntervalSteps;
      this.evaluate(globalStep);
    }
    if (performance.now() - this.lastCheckpointTime >= config.checkpointIntervalSeconds * 1000) {
      this.lastCheckpointTime = performance.now();
      this.save('last');
    }
  }

  /** A progress event with the counters as they are now; returns the global step. */
  reportProgress(): number {
    const { config } = this.state;
    const globalStep = this.state.count('GlobalSteps');
    const stepsPerSecond = this.stepsPerSecond(globalStep);
    this.emit({
      type: 'progress',
      globalStep,
      totalSteps: config.totalSteps,
      episodes: this.state.count('Episodes'),
      stepsPerSecond,
      meanReturn: this.meanRecent(),
      wallSeconds: this.wallSeconds(),
      etaSeconds: stepsPerSecond > 0 ? Math.max(0, config.totalSteps - globalStep) / stepsPerSecond : null,
    });
    return globalStep;
  }

  /** A deterministic evaluation of the global model (or of a worker's snapshot of it); a new best becomes `best.ckpt`. */
  evaluate(globalStep: number, model?: { params: Float32Array; observationStats: RunningMeanStdJSON | null }): void {
    if (!this.evaluator) return;
    const params = model?.params ?? new Float32Array(this.state.adam.params);
    const observationStats = model ? model.observationStats : (this.state.observationRms?.toJSON() ?? null);
    const result = this.evaluator.run(params, observationStats, this.state.bestScore);
    this.guarded(() => this.folder.append('evaluations', evaluationRow(globalStep, this.wallSeconds(), result)));
    const { mean, std, score, returns, best } = result;
    this.emit({ type: 'evaluation', globalStep, meanReturn: mean, stdReturn: std, score, returns, best });
    if (best) {
      this.state.bestScore = score;
      this.save('best', { params, observationStats });
    }
    const check = this.earlyCheck;
    if (check && globalStep >= check.steps) {
      this.earlyCheck = null;
      if (failsEarlyCheck(check, globalStep, this.state.bestScore)) {
        this.restartDue = { globalStep, bestScore: this.state.bestScore, minScore: check.minScore };
        this.pool?.requestStop();
      }
    }
  }

  save(kind: 'best' | 'last', frozen?: Parameters<TrainingState['snapshot']>[1]): void {
    if (this.pool) this.state.workerRngs.splice(0, Infinity, ...this.pool.finalRngs);
    const checkpoint = this.state.snapshot({ wallSeconds: this.wallSeconds(), meanReturn: this.meanRecent() }, frozen);
    let path = '';
    this.guarded(() => {
      path = this.folder.saveCheckpoint(kind, checkpoint);
    });
    if (path === '') return;
    this.emit({
      type: 'checkpoint',
      kind,
      path,
      globalStep: checkpoint.counters.globalSteps,
      meanReturn: checkpoint.meanReturn,
    });
  }

  /**
   * Run a write; its failure (RunFolderError, CheckpointError) stops the workers and is thrown
   * by train() at the end: worker messages and timers must not throw.
   */
  private guarded(write: () => void): void {
    if (this.writeFailure) return;
    try {
      write();
    } catch (error) {
      this.writeFailure = error as Error;
      this.pool?.requestStop();
    }
  }

  result(aborted: boolean): TrainResult {
    const { config } = this.state;
    const globalSteps = this.state.count('GlobalSteps');
    return {
      runDir: this.folder.dir,
      config,
      globalSteps,
      episodes: this.state.count('Episodes'),
      updates: this.state.count('Updates'),
      skippedUpdates: this.state.count('SkippedUpdates'),
      wallSeconds: this.wallSeconds(),
      stepsPerSecond: this.stepsPerSecond(globalSteps),
      bestScore: this.state.bestScore,
      restarts: this.state.restarts,
      bestCriterion: this.evaluator ? 'evaluation' : 'training',
      lastMeanReturn: this.meanRecent(),
      aborted,
      bestPath: this.folder.hasFile('best') ? this.folder.bestPath : null,
      lastPath: this.folder.lastPath,
    };
  }
}
