/**
 * The Gymnasium-style environment interface every task and wrapper implements.
 *
 * `reset({ seed })` starts an episode and returns `{ observation, info }`; `step(action)` returns
 * `{ observation, reward, terminated, truncated, info }`. `terminated` means the task reached a
 * terminal state (bootstrap from 0); `truncated` means it was cut short, e.g. by a time limit
 * (bootstrap from V(s_T)). After either, `reset()` must be called before the next `step()`.
 */
import type { Box } from './spaces.js';

/** Extra diagnostics returned with each reset/step, e.g. the reward terms (Humanoid also reports tendon lengths, an array). */
export type Info = Record<string, number | boolean | string | readonly number[]>;

export interface ResetOptions {
  /** Re-seed the env's random generator before this reset (same seed, same episode). */
  seed?: number;
  /** Task-specific reset options. */
  options?: Record<string, unknown>;
}

export interface ResetResult {
  observation: Float64Array;
  info: Info;
}

export interface StepResult {
  observation: Float64Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

export interface RenderSpec {
  /** Frames per second of a video of this env (Gymnasium's metadata["render_fps"]). */
  fps: number;
}

export interface Env {
  /** Registered id, e.g. "HalfCheetah-v5". */
  readonly id: string;
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  /** Seconds of simulated time per `step()`. */
  readonly dt: number;
  readonly metadata: RenderSpec;
  reset(options?: ResetOptions): ResetResult;
  step(action: ArrayLike<number>): StepResult;
  close(): void;
  /** The innermost env (a MuJoCo task), skipping wrappers. */
  readonly unwrapped: Env;
}
