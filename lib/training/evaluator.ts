/**
 * The evaluator that chooses `best` during training: every `evalIntervalSteps` the global model
 * plays `evalEpisodes` deterministic episodes with fixed seeds; a model whose score beats the best
 * so far plays `evalConfirmEpisodes` more (other fixed seeds), and becomes `best` only if the score
 * of all of them still beats it. Five episodes can miss a gait that falls over one episode in
 * five, and the best of many short evaluations is biased up by the selection itself (README,
 * implementation detail 13).
 *
 * The score is the mean return minus one standard deviation (`selectionScore`): a gait that
 * falls over now and then loses to a slightly slower one that never does. Chosen by the mean
 * alone, a run kept a model at 4,329 whose 15 episodes held a 2,314 over one at 4,255 whose worst
 * was 4,068; its final evaluation was 3,326 +- 1,178 (docs/tuning.md, "The default budget and the choice of `best`").
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

/** What `best` is chosen by: the mean of the returns minus their (population) standard deviation. */
export function selectionScore(returns: readonly number[]): number {
  const { mean, std } = summarize([...returns]);
  return mean - std;
}

export interface EvaluatorResult {
  mean: number;
  std: number;
  /** `selectionScore` of `returns`. */
  score: number;
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
   * Evaluate the model with these parameters (and observation statistics) against the best score
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
      if (evalConfirmEpisodes > 0 && beats(selectionScore(screen.returns), bestSoFar)) {
        const confirm = evaluate(policy, env, {
          episodes: evalConfirmEpisodes,
          deterministic: true,
          seed: EVAL_SEED + evalEpisodes,
        });
        returns = [...screen.returns, ...confirm.returns];
      }
      const { mean, std } = summarize(returns);
      const score = selectionScore(returns);
      return { mean, std, score, returns, best: beats(score, bestSoFar) };
    } finally {
      model.dispose();
    }
  }

  close(): void {
    this.env.close();
  }
}

function beats(score: number, bestSoFar: number | null): boolean {
  return bestSoFar === null || score > bestSoFar;
}
