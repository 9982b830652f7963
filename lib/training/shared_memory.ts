/**
 * What the A3C trainer and its worker threads share, and the messages they exchange.
 *
 * Shared (SharedArrayBuffer, no copies):
 * - the global parameters and Adam's moments and step (owned by `SharedAdam`),
 * - the observation-normalisation statistics (one `RunningMeanStd` for all workers, unlike the
 *   reference, where each process kept its own and the saved model had none of them),
 * - the run's counters, at the named offsets below.
 * Everything else travels as messages: one discriminated union in each direction.
 */
import type { A3CConfig } from '../config.js';
import type { SharedAdamBuffers } from '../a3c/shared_adam.js';
import type { RngState } from '../common/rng.js';
import type { ModelSpec } from '../model/actor_critic.js';

/** Offsets into the Int32 counters array. Every access goes through `Atomics`. */
export const Counter = {
  /** Environment steps taken by all workers together. */
  GlobalSteps: 0,
  /** Episodes finished by all workers together. */
  Episodes: 1,
  /** Adam steps applied to the global parameters. */
  Updates: 2,
  /** Updates skipped because the loss or a gradient was not finite. */
  SkippedUpdates: 3,
  /** Set to 1 by the trainer to ask every worker to stop after its current rollout. */
  Stop: 4,
  /** The adaptive learning-rate level k: the rate is multiplied by 1.5^k (lib/worker.ts, `targetKl`). */
  LrLevel: 5,
} as const;
export const COUNTER_SLOTS = 6;

export interface SharedCounters {
  buffer: SharedArrayBuffer;
  view: Int32Array;
}

export function createCounters(initial: Partial<Record<keyof typeof Counter, number>> = {}): SharedCounters {
  const buffer = new SharedArrayBuffer(COUNTER_SLOTS * Int32Array.BYTES_PER_ELEMENT);
  const view = new Int32Array(buffer);
  for (const [name, value] of Object.entries(initial)) view[Counter[name as keyof typeof Counter]] = value ?? 0;
  return { buffer, view };
}

/** Everything a worker thread is started with (`workerData`). */
export interface WorkerInit {
  workerId: number;
  config: A3CConfig;
  modelSpec: ModelSpec;
  adamBuffers: SharedAdamBuffers;
  counters: SharedArrayBuffer;
  /** Storage of the shared RunningMeanStd ([count, mean..., var...]), when normalising. */
  observationStats: SharedArrayBuffer | null;
  /** Storage of the shared return statistics ([count, mean, var]), when normalising rewards. */
  rewardStats: SharedArrayBuffer | null;
  /** The worker's own random stream (env resets and action noise). */
  rng: RngState;
  /** Seed for the worker's first env reset. */
  envSeed: number;
  /** Module URLs imported before the worker starts, e.g. to register custom environments. */
  preload: string[];
}

/** Worker -> trainer. */
export type WorkerMessage =
  | { type: 'ready'; workerId: number }
  | {
      type: 'episode';
      workerId: number;
      /** Undiscounted, unscaled sum of the env's rewards. */
      episodeReturn: number;
      length: number;
      globalStep: number;
      /** Mean of each numeric info term over the episode (e.g. reward_forward). */
      infoMeans: Record<string, number>;
    }
  | {
      type: 'updates';
      workerId: number;
      globalStep: number;
      /** Means over the updates since the worker's previous report. */
      count: number;
      policyLoss: number;
      valueLoss: number;
      entropy: number;
      std: number;
      gradNorm: number;
      learningRate: number;
      /** Mean KL(policy before || after) per update, over the states of each update's rollout. */
      kl: number;
      skipped: number;
      /** Live tfjs tensors in the worker's thread (a leak shows as growth). */
      numTensors: number;
    }
  | { type: 'stopped'; workerId: number; rng: RngState }
  | { type: 'error'; workerId: number; message: string; stack?: string };

/** Trainer -> worker (the stop request itself goes through the shared Stop counter). */
export type TrainerMessage = { type: 'start' };
