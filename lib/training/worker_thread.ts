/**
 * Entry point of an A3C worker thread: wires `runWorker` (lib/a3c/worker.ts) to `parentPort`.
 * Any error, in set-up or in training, is sent to the trainer with the worker's id before the
 * thread exits, so the trainer can report it and stop the others.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runWorker } from '../a3c/worker.js';
import type { WorkerInit, WorkerMessage } from './protocol.js';

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('lib/training/worker_thread.js must be started as a worker thread');
const post = (message: WorkerMessage) => port.postMessage(message);

try {
  for (const url of init.preload) await import(url);
  await runWorker(init, post);
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  post({ type: 'error', workerId: init.workerId, message: e.message, stack: e.stack });
}
