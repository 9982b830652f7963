/**
 * The evaluator that chooses `best` during training: every `evalIntervalSteps` the global model
 * plays `evalEpisodes` deterministic episodes with fixed seeds; a model that beats the best so
 * far plays `evalConfirmEpisodes` more (other fixed seeds), and becomes `best` only if the mean of
 * all of them still beats it. Five episodes can miss a gait that falls over one episode in five,
 * and the best of many short evaluations is biased up by the selection itself (README, item 14).
 *
 * Plain code on the trainer's thread, testable without worker threads.
 */
import type { A3CConfig } from '../config.js';
import type { Env } from '../envs/env.js';
import { RunningMeanStd, type RunningMeanStdJSON } from '../envs/running_mean_std.js';
import { NormalizeObservation } from '../envs/wrappers.js';
import { ActorCritic, type ModelSpec } from '../model/actor_critic.js';
import { evaluate, ModelPolicy, summarize } from './evaluate.js';

/** Reset seed of the first episode of every evaluation during training (episode i uses EVAL_SEED + i). */
export const EVAL_SEED = 1_000_000;

export interface EvaluatorResult {
  mean: number;
  std: number;
  /** Every episode's return, the confirmation episodes included when they ran. */
  returns: number[];
  /** Whether this model is the new `best`. */
  best: boolean;
}

export class Evaluator {
  constructor(
    /** The task env, unnormalised; the evaluator wraps it with each model's frozen statistics. */
    private readonly env: Env,
    private readonly modelSpec: ModelSpec,
    private readonly config: Pick<A3CConfig, 'evalEpisodes' | 'evalConfirmEpisodes' | 'obsClip'>,
  ) {}

  /**
   * Evaluate the model with these parameters (and observation statistics) against the best mean
   * so far (null before the first evaluation).
   */
  run(params: Float32Array, observationStats: RunningMeanStdJSON | null, bestSoFar: number | null): EvaluatorResult {
    const env = observationStats
      ? new NormalizeObservation(this.env, {
          rms: RunningMeanStd.fromJSON(observationStats),
          clip: Number.isFinite(this.config.obsClip) ? this.config.obsClip : undefined,
          frozen: true,
        })
      : this.env;
    const model = new ActorCritic(this.modelSpec, { params });
    try {
      const policy = new ModelPolicy(model);
      const { evalEpisodes, evalConfirmEpisodes } = this.config;
      const screen = evaluate(policy, env, { episodes: evalEpisodes, deterministic: true, seed: EVAL_SEED });
      let returns = screen.returns;
      if (evalConfirmEpisodes > 0 && beats(screen.mean, bestSoFar)) {
        const confirm = evaluate(policy, env, {
          episodes: evalConfirmEpisodes,
          deterministic: true,
          seed: EVAL_SEED + evalEpisodes,
        });
        returns = [...screen.returns, ...confirm.returns];
      }
      const { mean, std } = summarize(returns);
      return { mean, std, returns, best: beats(mean, bestSoFar) };
    } finally {
      model.dispose();
    }
  }

  close(): void {
    this.env.close();
  }
}

function beats(mean: number, bestSoFar: number | null): boolean {
  return bestSoFar === null || mean > bestSoFar;
}
