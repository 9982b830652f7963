/** Public API of the library: everything the notebooks and the CLI import. */
export * from './core.js';
export * from './spaces.js';
export * from './rng.js';
export * from './mujoco.js';
