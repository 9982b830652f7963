/**
 * What `train()` takes and tells: its options, the events it reports while the workers train (the
 * CLI's progress bar and the notebooks' live plots listen to them) and its result.
 */
import type { A3CConfig } from '../config.js';
import type { EarlyCheck } from './early_restart.js';
import type { WorkerMessage } from './protocol.js';

export type UpdatesReport = Pick<
  Extract<WorkerMessage, { type: 'updates' }>,
  'type' | 'workerId' | 'globalStep' | 'policyLoss' | 'valueLoss' | 'entropy' | 'std' | 'gradNorm' | 'learningRate'
>;

/** Events reported while training (the CLI's progress bar and the notebooks' live plots use them). */
export type TrainerEvent =
  | {
      type: 'start';
      config: A3CConfig;
      runDir: string;
      resumedFrom: number;
      /** On resume: which checkpoint the run continues from, and why `last` was not used when it is `best`. */
      resumedCheckpoint?: { kind: 'last' | 'best'; lastProblem?: string };
      /** The best score so far: the resumed checkpoint's, or null for a new run. */
      bestScore: number | null;
    }
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
  /** A worker's means over its updates since its previous report (as in updates.jsonl). */
  | UpdatesReport
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
  | {
      type: 'evaluation';
      globalStep: number;
      meanReturn: number;
      stdReturn: number;
      /** What `best` is chosen by: meanReturn - stdReturn (`selectionScore`). */
      score: number;
      returns: number[];
      best: boolean;
    }
  | { type: 'checkpoint'; kind: 'best' | 'last'; path: string; globalStep: number; meanReturn: number | null }
  /**
   * An early restart (lib/training/early_restart.ts): the attempt's best score at `globalStep` was
   * below `minScore`; its logs and `best` moved to `setAsideTo`, and a new attempt starts from
   * step 0 with `seed`.
   */
  | {
      type: 'restart';
      globalStep: number;
      bestScore: number | null;
      minScore: number;
      restarts: number;
      seed: number;
      setAsideTo: string;
    }
  | { type: 'stop'; reason: 'done' | 'aborted' | 'error'; globalStep: number };

export interface TrainOptions {
  /** Folder of the run: config.json, episodes.jsonl, updates.jsonl, best.ckpt, last.ckpt. */
  runDir: string;
  /** Continue the run in `runDir` from its `last` checkpoint (config overrides may raise totalSteps). */
  resume?: boolean;
  /** Start over in a folder that holds a run: its run files (only those) are deleted first. */
  overwrite?: boolean;
  /** Aborting stops every worker after its current rollout and writes `last` (Ctrl-C). */
  signal?: AbortSignal;
  onEvent?: (event: TrainerEvent) => void;
  /** Modules imported in the trainer and in every worker first, e.g. to register custom envs. */
  preload?: string[];
  /** Seconds between progress events. */
  progressIntervalSeconds?: number;
  /** Seconds a worker gets to stop once the run is over before it is terminated (default 30). */
  stopGraceSeconds?: number;
  /** Replaces the task's early check (lib/training/early_restart.ts; null: none). For tests and experiments. */
  earlyCheck?: EarlyCheck | null;
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
  /** What `best` was chosen by: the best evaluation score (mean - std, `selectionScore`), or the best moving average of training returns. */
  bestScore: number | null;
  /** Early restarts the run took (lib/training/early_restart.ts); `best` is the last attempt's. */
  restarts: number;
  bestCriterion: 'evaluation' | 'training';
  lastMeanReturn: number | null;
  aborted: boolean;
  bestPath: string | null;
  lastPath: string;
}
