/**
 * What a worker reports between two messages to the trainer: the means of its loss terms, its
 * policy's KL per update, its learning rate, and the updates it skipped (non-finite data or
 * losses), with the guard that stops a worker whose updates keep being skipped.
 */
import { liveTensorCount } from '../model/backend.js';
import type { WorkerMessage } from '../training/protocol.js';

/**
 * Updates skipped in a row (non-finite data or losses) before the worker gives up with an error:
 * one bad step is skipped and counted, but an env that keeps producing them is broken.
 */
export const MAX_CONSECUTIVE_SKIPS = 100;

/** Running means of the loss terms between two reports. */
export class UpdateReport {
  count = 0;
  skipped = 0;
  private consecutiveSkips = 0;
  private klCount = 0;
  private klSum = 0;
  private sums = { policyLoss: 0, valueLoss: 0, entropy: 0, std: 0, gradNorm: 0, learningRate: 0 };

  /** Count a skipped update; throws once MAX_CONSECUTIVE_SKIPS have been skipped in a row. */
  skip(): void {
    this.skipped += 1;
    this.consecutiveSkips += 1;
    if (this.consecutiveSkips >= MAX_CONSECUTIVE_SKIPS) {
      throw new Error(
        `${MAX_CONSECUTIVE_SKIPS} updates in a row were skipped: the env keeps returning non-finite observations or absurd rewards, or the losses are not finite (see charts/skipped_updates)`,
      );
    }
  }

  addKl(kl: number): void {
    this.klCount += 1;
    this.klSum += kl;
  }

  add(
    info: { policyLoss: number; valueLoss: number; entropy: number; std: number },
    gradNorm: number,
    learningRate: number,
  ): void {
    this.count += 1;
    this.consecutiveSkips = 0;
    this.sums.policyLoss += info.policyLoss;
    this.sums.valueLoss += info.valueLoss;
    this.sums.entropy += info.entropy;
    this.sums.std += info.std;
    this.sums.gradNorm += gradNorm;
    this.sums.learningRate += learningRate;
  }

  flush(workerId: number, globalStep: number): WorkerMessage {
    const n = Math.max(1, this.count);
    const message: WorkerMessage = {
      type: 'updates',
      workerId,
      globalStep,
      count: this.count,
      skipped: this.skipped,
      policyLoss: this.sums.policyLoss / n,
      valueLoss: this.sums.valueLoss / n,
      entropy: this.sums.entropy / n,
      std: this.sums.std / n,
      gradNorm: this.sums.gradNorm / n,
      learningRate: this.sums.learningRate / n,
      kl: this.klCount > 0 ? this.klSum / this.klCount : 0,
      numTensors: liveTensorCount(),
    };
    this.count = 0;
    this.skipped = 0;
    this.klCount = 0;
    this.klSum = 0;
    for (const key of Object.keys(this.sums) as (keyof typeof this.sums)[]) this.sums[key] = 0;
    return message;
  }
}
