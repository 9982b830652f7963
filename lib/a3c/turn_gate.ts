/**
 * Reproducible mode (`reproducible: true`): the workers take their turns at the shared model in a
 * fixed round-robin order through one shared counter, so a seed, a config, a backend and a machine
 * give the same run bit for bit.
 *
 * With Hogwild updates (the default) the order in which workers apply their gradients and read
 * the parameters depends on thread timing, so no run can be repeated. Here turn t belongs to
 * worker t mod numWorkers; during its turn a worker applies its pending update, syncs its local
 * model, and records its steps; then it passes the turn on and collects its next rollout while
 * the others take theirs. Rollouts and gradients still run in parallel; only the short
 * apply-and-sync is serialised. Each update is computed from parameters exactly numWorkers - 1
 * updates old, the same staleness for every update.
 */
import { Counter } from '../training/shared_memory.js';

export class TurnGate {
  constructor(
    private readonly counters: Int32Array,
    private readonly workerId: number,
    private readonly numWorkers: number,
    private readonly totalSteps: number,
  ) {}

  /**
   * Block until it is this worker's turn. Returns false instead when the run is over (the step
   * target reached during another worker's turn, or a stop request), so no worker waits forever.
   */
  wait(): boolean {
    for (;;) {
      // Atomics.load: the turn and the counters as the previous turn's holder left them.
      const turn = Atomics.load(this.counters, Counter.Turn);
      if (Atomics.load(this.counters, Counter.Stop) === 1) return false;
      if (Atomics.load(this.counters, Counter.GlobalSteps) >= this.totalSteps) return false;
      if (turn % this.numWorkers === this.workerId) return true;
      // Atomics.wait: sleep until the turn counter changes (or 50 ms pass, to notice a stop request).
      Atomics.wait(this.counters, Counter.Turn, turn, 50);
    }
  }

  /** Pass the turn to the next worker and wake it. */
  release(): void {
    // Atomics.add then notify: everything this worker wrote during its turn happens-before the
    // next worker's Atomics.load of the turn.
    Atomics.add(this.counters, Counter.Turn, 1);
    Atomics.notify(this.counters, Counter.Turn);
  }
}
