/**
 * The trainer's shared state, created once per attempt of a run (anew after an early restart):
 * the global parameters and SharedAdam's moments, the run's counters, the observation and reward
 * statistics (all in SharedArrayBuffers the workers attach to), each worker's random stream, and
 * the best result so far. `snapshot` turns it into a `Checkpoint`; the constructor, given a
 * checkpoint, restores it on `--resume`.
 */
import { SharedAdam } from '../a3c/shared_adam.js';
import { Rng, type RngState } from '../common/rng.js';
import type { A3CConfig } from '../config.js';
import { RunningMeanStd, type RunningMeanStdJSON } from '../envs/running_mean_std.js';
import { ActorCritic, type ModelSpec } from '../model/actor_critic.js';
import type { Checkpoint } from './checkpoint.js';
import type { WorkerInit } from './protocol.js';
import { attemptSeed } from './early_restart.js';
import { Counter, createCounters, type SharedCounters } from './shared_memory.js';

export class TrainingState {
  readonly adam: SharedAdam;
  readonly counters: SharedCounters;
  /** The shared observation statistics (null without observation normalisation). */
  readonly observationRms: RunningMeanStd | null;
  /** The shared statistics of the discounted return (null without reward normalisation). */
  readonly rewardRms: RunningMeanStd | null;
  /** Each worker's random stream: where it starts, then where it stopped (for `last`). */
  readonly workerRngs: RngState[];
  bestScore: number | null;
  /** Wall time of the run before this session (resumed runs continue their clock). */
  readonly priorWallSeconds: number;

  /** Early restarts before this attempt (lib/training/early_restart.ts); its seed follows from it. */
  readonly restarts: number;
  /** The seed this attempt started from: `config.seed` until the first restart. */
  readonly seed: number;

  /**
   * A new run, a resumed one (`resumed`), or a new attempt after an early restart (`restart`:
   * the restarts so far, and the wall time already spent, which the run's clock keeps).
   */
  constructor(
    readonly config: Readonly<A3CConfig>,
    readonly modelSpec: ModelSpec,
    resumed: Checkpoint | null,
    restart?: { restarts: number; wallSeconds: number },
  ) {
    this.restarts = resumed?.counters.restarts ?? restart?.restarts ?? 0;
    this.seed = attemptSeed(config.seed, this.restarts);
    const rootRng = new Rng(this.seed);
    const initial = resumed ? resumed.params : new ActorCritic(modelSpec, { rng: rootRng.spawn() }).params;
    this.adam = SharedAdam.create(initial, { lr: config.lr, betas: config.adamBetas, eps: config.adamEps });
    if (resumed?.optimizer) {
      const { step, m, v } = resumed.optimizer;
      this.adam.importState({ step, m: Array.from(m), v: Array.from(v) });
    } else if (resumed) {
      throw new Error('Cannot resume: the checkpoint holds no optimizer state');
    }
    const c = resumed?.counters;
    this.counters = createCounters(
      c
        ? {
            GlobalSteps: c.globalSteps,
            Episodes: c.episodes,
            Updates: c.updates,
            SkippedUpdates: c.skippedUpdates,
            LrLevel: c.lrLevel,
          }
        : {},
    );
    this.observationRms = config.normalizeObservation
      ? sharedRms(modelSpec.observationSize, resumed?.observationStats ?? null)
      : null;
    this.rewardRms = config.normalizeReward ? sharedRms(1, resumed?.rewardStats ?? null) : null;
    this.workerRngs = Array.from(
      { length: config.numWorkers },
      (_, i) => resumed?.rng[i] ?? rootRng.spawn().getState(),
    );
    this.bestScore = resumed?.bestScore ?? null;
    this.priorWallSeconds = resumed?.wallSeconds ?? restart?.wallSeconds ?? 0;
  }

  /** A counter's current value (Atomics.load: the workers' latest writes). */
  count(name: keyof typeof Counter): number {
    return Atomics.load(this.counters.view, Counter[name]);
  }

  /** What worker `workerId` is started with: views of the shared buffers, its stream and its first reset seed. */
  workerInit(workerId: number, preload: string[]): WorkerInit {
    return {
      workerId,
      config: this.config,
      modelSpec: this.modelSpec,
      adamBuffers: this.adam.buffers,
      counters: this.counters.buffer,
      observationStats: storageOf(this.observationRms),
      rewardStats: storageOf(this.rewardRms),
      rng: this.workerRngs[workerId],
      envSeed: this.seed * 1000 + workerId + this.count('Episodes'),
      preload,
    };
  }

  /**
   * The run as a checkpoint. `frozen` gives the parameters and statistics of an evaluated model
   * (a `best` candidate), which the workers may have moved on from since.
   */
  snapshot(
    run: { wallSeconds: number; meanReturn: number | null },
    frozen?: { params: Float32Array; observationStats: RunningMeanStdJSON | null },
  ): Checkpoint {
    const state = this.adam.exportState();
    return {
      config: this.config,
      modelSpec: this.modelSpec,
      params: frozen ? frozen.params : new Float32Array(this.adam.params),
      optimizer: { step: state.step, m: Float32Array.from(state.m), v: Float32Array.from(state.v) },
      observationStats: frozen ? frozen.observationStats : (this.observationRms?.toJSON() ?? null),
      rewardStats: this.rewardRms?.toJSON() ?? null,
      counters: {
        globalSteps: this.count('GlobalSteps'),
        episodes: this.count('Episodes'),
        updates: this.count('Updates'),
        skippedUpdates: this.count('SkippedUpdates'),
        lrLevel: this.count('LrLevel'),
        ...(this.restarts > 0 ? { restarts: this.restarts } : {}),
      },
      rng: [...this.workerRngs],
      wallSeconds: run.wallSeconds,
      meanReturn: run.meanReturn,
      bestScore: this.bestScore,
    };
  }
}

/** A RunningMeanStd over a SharedArrayBuffer ([count, mean..., var...]) that workers can attach to. */
function sharedRms(size: number, saved: RunningMeanStdJSON | null): RunningMeanStd {
  const buffer = new SharedArrayBuffer((1 + 2 * size) * Float64Array.BYTES_PER_ELEMENT);
  const rms = new RunningMeanStd(size, { storage: new Float64Array(buffer) });
  if (saved) rms.load(saved);
  return rms;
}

function storageOf(rms: RunningMeanStd | null): SharedArrayBuffer | null {
  return rms ? (rms.storage.buffer as SharedArrayBuffer) : null;
}
