/**
 * What the A3C trainer and its worker threads share in memory (the messages they exchange are in
 * lib/training/protocol.ts).
 *
 * Shared (SharedArrayBuffer, no copies):
 * - the global parameters and Adam's moments and step (owned by `SharedAdam`),
 * - the observation-normalisation statistics (one `RunningMeanStd` for all workers, unlike the
 *   reference, where each process kept its own and the checkpoint saved one process's),
 * - the reward-normalisation statistics (one `RunningMeanStd` of the discounted return),
 * - the run's counters, at the named offsets below.
 */

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
  /** The adaptive learning-rate level k: the rate is multiplied by 1.5^k (lib/a3c/adaptive_lr.ts, `targetKl`). */
  LrLevel: 5,
  /** Reproducible mode: the turn t (worker t mod numWorkers holds it; lib/a3c/turn_gate.ts). */
  Turn: 6,
} as const;
export const COUNTER_SLOTS = 7;

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
