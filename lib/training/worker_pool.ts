/**
 * The worker threads of a run: starts one `worker_thread` per `WorkerInit`, hands their messages
 * to the trainer, and joins them. Once the run is over for any reason (the step target reached,
 * a stop request, a worker that finished or failed), every other worker gets a bounded grace
 * period to finish its rollout; a worker still running after it is terminated and reported by id,
 * so a hung env step can never hang the run.
 */
import { Worker } from 'node:worker_threads';
import type { RngState } from '../common/rng.js';
import type { WorkerInit, WorkerMessage } from './protocol.js';
import { Counter } from './shared_memory.js';

/** A worker failed (threw, crashed or hung); the run was stopped and `last` written. */
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

export interface WorkerPoolOptions {
  /** Seconds a worker gets to stop once the run is over before it is terminated. */
  graceSeconds: number;
  /** The step target: reaching it ends the run (and starts the grace period). */
  totalSteps: number;
  onMessage: (message: WorkerMessage) => void;
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

export class WorkerPool {
  /** The first failure (a worker that threw, crashed or hung), or null. */
  failure: WorkerError | null = null;
  /** Each worker's random stream where it stopped (its start state until it reports one). */
  readonly finalRngs: RngState[];
  private readonly workers: Worker[] = [];
  private readonly stopped = new Set<number>();
  private readonly exited: Promise<void>[] = [];

  constructor(
    inits: WorkerInit[],
    private readonly counters: Int32Array,
    private readonly options: WorkerPoolOptions,
  ) {
    this.finalRngs = inits.map((init) => init.rng);
    const entry = workerEntry();
    for (const init of inits) this.start(init, entry);
  }

  /** Ask every worker to stop after its current rollout. */
  requestStop(): void {
    Atomics.store(this.counters, Counter.Stop, 1); // seen by every worker's next Atomics.load
  }

  /** Wait until every worker has exited; workers still running after the grace period are terminated. */
  async join(): Promise<void> {
    let graceTimer: NodeJS.Timeout | undefined;
    const watch = setInterval(() => {
      if (graceTimer || !this.runIsOver()) return;
      graceTimer = setTimeout(() => this.terminateStragglers(), this.options.graceSeconds * 1000);
    }, 100);
    try {
      await Promise.all(this.exited);
    } finally {
      clearInterval(watch);
      if (graceTimer) clearTimeout(graceTimer);
    }
  }

  private runIsOver(): boolean {
    return (
      Atomics.load(this.counters, Counter.Stop) === 1 ||
      Atomics.load(this.counters, Counter.GlobalSteps) >= this.options.totalSteps ||
      this.stopped.size > 0
    );
  }

  private terminateStragglers(): void {
    this.workers.forEach((worker, workerId) => {
      if (this.stopped.has(workerId)) return;
      this.failure ??= new WorkerError(
        workerId,
        `did not stop within ${this.options.graceSeconds} s after the run ended (hung, e.g. in an env step); it was terminated`,
      );
      void worker.terminate();
    });
  }

  private start(init: WorkerInit, entry: { script: URL | string; eval: boolean }): void {
    const { workerId } = init;
    const worker = new Worker(entry.script, { workerData: init, eval: entry.eval });
    this.workers.push(worker);
    this.exited.push(
      new Promise<void>((resolveExit) => {
        worker.on('message', (message: WorkerMessage) => this.receive(message));
        worker.on('error', (error) => this.fail(new WorkerError(workerId, error.message, error.stack)));
        worker.on('exit', (code) => {
          if (!this.stopped.has(workerId) && code !== 0)
            this.fail(new WorkerError(workerId, `thread exited with code ${code} before finishing`));
          this.stopped.add(workerId);
          this.requestStop();
          resolveExit();
        });
      }),
    );
  }

  private receive(message: WorkerMessage): void {
    if (message.type === 'stopped') {
      this.stopped.add(message.workerId);
      this.finalRngs[message.workerId] = message.rng;
    } else if (message.type === 'error') {
      this.fail(new WorkerError(message.workerId, message.message, message.stack));
    }
    this.options.onMessage(message);
  }

  private fail(error: WorkerError): void {
    this.failure ??= error;
    this.requestStop();
  }
}
