/**
 * The TensorFlow.js backend that computes the A3C loss gradients (step 4 of the worker outline in lib/a3c/worker.ts), chosen
 * once per thread: each worker thread has its own tfjs engine.
 *
 * - 'wasm' (default): XNNPACK kernels in WebAssembly (SIMD when available). Lowest per-op
 *   overhead of the pure-JS options for the small matrices of a 2x128 MLP.
 * - 'cpu': plain-JavaScript kernels, no native code; the fallback that always works.
 * - 'tensorflow': the native TensorFlow C library, from the optional package
 *   @tensorflow/tfjs-node (it downloads a binary at install time and may be missing).
 *
 * Rollouts never call tfjs (lib/model/forward.ts is a plain-TypeScript forward pass), so the
 * backend only matters for `ActorCritic.forwardBatch` and `backward` (tf_graph.ts, backward.ts),
 * and for `forwardTf` and `computeGradients`, which use them.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type BackendName = 'wasm' | 'cpu' | 'tensorflow';
export const BACKEND_NAMES: readonly BackendName[] = ['wasm', 'cpu', 'tensorflow'];

/** The backend set by `initBackend` in this thread, or null before the first call. */
let active: BackendName | null = null;
/** Serialises concurrent `initBackend` calls within a thread. */
let pending: Promise<BackendName> = Promise.resolve('wasm');

/**
 * Select (and on first use, load) a tfjs backend in this thread; resolves to its name.
 * Idempotent: calling again with the backend already active does nothing. Calling with another
 * name switches backends (tensors made earlier are moved lazily by tfjs).
 */
export function initBackend(name: BackendName = 'wasm'): Promise<BackendName> {
  if (!BACKEND_NAMES.includes(name)) {
    return Promise.reject(
      new Error(`initBackend: unknown backend ${JSON.stringify(name)}; use one of ${BACKEND_NAMES.join(', ')}`),
    );
  }
  pending = pending.catch(() => active ?? 'wasm').then(() => (active === name ? name : select(name)));
  return pending;
}

/** Live tfjs tensors in this thread: must stay flat across updates (no leaks). */
export function liveTensorCount(): number {
  return tf.memory().numTensors;
}

/** The backend set by `initBackend` in this thread, or null if it was never called. */
export function activeBackend(): BackendName | null {
  return active;
}

/** Throws unless `initBackend` has completed in this thread (tfjs would otherwise pick one silently). */
export function assertBackendReady(caller: string): void {
  if (active === null || tf.getBackend() !== active) {
    throw new Error(
      `${caller} needs a TensorFlow.js backend: await initBackend('wasm' | 'cpu' | 'tensorflow') in this thread first`,
    );
  }
}

async function select(name: BackendName): Promise<BackendName> {
  // tfjs prints a banner recommending tfjs-node on the first tensor of the cpu backend; PROD mode
  // silences tfjs's informational warnings (it does not change any computation).
  tf.env().set('PROD', true);
  if (name === 'wasm') await registerWasm();
  if (name === 'tensorflow') await registerTensorflow();
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`initBackend: the tfjs '${name}' backend failed to initialise`);
  await tf.ready();
  active = name;
  return name;
}

let wasmRegistered = false;

async function registerWasm(): Promise<void> {
  if (wasmRegistered) return;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // The .wasm binaries sit in the package's dist/ folder. Resolve it from node_modules (not from
  // a URL relative to the bundle), which works the same on the main thread and in worker threads.
  const require = createRequire(import.meta.url);
  const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  wasm.setWasmPaths(`${dist}/`);
  wasmRegistered = true;
}

async function registerTensorflow(): Promise<void> {
  if (tf.findBackendFactory('tensorflow')) return;
  // A variable specifier keeps TypeScript from requiring the optional package's types.
  const optionalPackage = '@tensorflow/tfjs-node';
  try {
    await import(optionalPackage);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `initBackend('tensorflow') needs ${optionalPackage}, an optional dependency that is not installed ` +
        `or failed to install (it downloads a native TensorFlow binary). Use the 'wasm' or 'cpu' backend instead. (${reason})`,
    );
  }
  if (!tf.findBackendFactory('tensorflow')) {
    throw new Error(
      `${optionalPackage} loaded but registered no 'tensorflow' backend with this copy of @tensorflow/tfjs (two versions installed?). Use 'wasm' or 'cpu'.`,
    );
  }
}
