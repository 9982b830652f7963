/**
 * Public API of the library: everything the notebooks and the CLI import, folder by folder in the
 * order the data flows (env -> model -> A3C worker -> training -> rendering).
 */

// Settings and shared utilities.
export * from './common/rng.js';
export * from './common/finite.js';
export * from './common/schema.js';
export * from './config.js';

// envs/: MuJoCo, the Gymnasium-style Env and spaces, the tasks, wrappers and normalisation, the registry.
export * from './envs/env.js';
export * from './envs/spaces.js';
export * from './envs/mujoco.js';
export * from './envs/mujoco_env.js';
export * from './envs/tasks/half_cheetah.js';
export * from './envs/tasks/inverted_pendulum.js';
export * from './envs/task_options.js';
export * from './envs/task_terms.js';
export * from './envs/tasks/planar_walker.js';
export * from './envs/tasks/hopper.js';
export * from './envs/tasks/walker2d.js';
export * from './envs/tasks/swimmer.js';
export * from './envs/tasks/inverted_double_pendulum.js';
export * from './envs/tasks/reacher.js';
export * from './envs/tasks/pusher.js';
export * from './envs/tasks/ant.js';
export * from './envs/tasks/humanoid.js';
export * from './envs/tasks/humanoid_standup.js';
export * from './envs/running_mean_std.js';
export * from './envs/reward_normalizer.js';
export * from './envs/wrappers.js';
export * from './envs/registry.js';

// model/: the actor-critic, its probability math and the tfjs backend (lib/model/index.ts lists its files).
export * from './model/index.js';

// a3c/: the worker's steps: rollout, returns and GAE, loss, SharedAdam, the adaptive rate, the loop.
export * from './a3c/rollout.js';
export * from './a3c/returns.js';
export * from './a3c/losses.js';
export * from './a3c/shared_adam.js';
export * from './a3c/adaptive_lr.js';
export * from './a3c/worker.js';

// training/: shared state, messages, run folder, metrics, evaluation, the worker pool, train().
export * from './training/shared_memory.js';
export * from './training/protocol.js';
export * from './training/shared_state.js';
export * from './training/checkpoint.js';
export * from './training/run_folder.js';
export * from './training/metrics.js';
export * from './training/evaluate.js';
export * from './training/evaluator.js';
export * from './training/worker_pool.js';
export * from './training/trainer.js';

// media/ and notebook/: frames, PNGs, videos, and the notebooks' plots and players.
export * from './media/render.js';
export * from './media/png.js';
export * from './media/video.js';
export * from './media/ffmpeg.js';
export * from './notebook/notebook.js';
