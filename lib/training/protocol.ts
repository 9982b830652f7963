/**
 * The messages between the A3C trainer and its worker threads: what a worker is started with
 * (`WorkerInit`, its `workerData`) and what it reports (`WorkerMessage`, one discriminated union).
 * The stop request goes through the shared Stop counter (lib/training/shared_memory.ts), not a message.
 */
import type { A3CConfig } from '../config.js';
import type { SharedAdamBuffers } from '../a3c/shared_adam.js';
import type { RngState } from '../common/rng.js';
import type { ModelSpec } from '../model/actor_critic.js';

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
