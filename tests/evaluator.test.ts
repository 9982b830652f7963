/**
 * The evaluator that picks `best` (lib/training/evaluator.ts), on the main thread without workers:
 * a model whose score (mean - std) beats the best so far plays the confirmation episodes and is
 * judged on all of them; one that does not plays only the screen. Expected figures come from `evaluate` itself with the
 * evaluator's fixed seeds, so the test checks the selection logic, not a number copied from a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Rng } from '../lib/common/rng.js';
import { makeEnv } from '../lib/envs/registry.js';
import { ActorCritic, defaultModelSpec } from '../lib/model/actor_critic.js';
import { evaluate, loadPolicy, ModelPolicy, summarize } from '../lib/training/evaluate.js';
import { EVAL_SEED, Evaluator, selectionScore } from '../lib/training/evaluator.js';

test('a new best is confirmed on more episodes; a model that does not beat the best plays only the screen', async () => {
  const env = await makeEnv('InvertedPendulum-v5', { maxEpisodeSteps: 50 });
  const spec = defaultModelSpec({
    observationSize: env.observationSpace.size,
    actionSize: env.actionSpace.size,
    actionLow: env.actionSpace.low,
    actionHigh: env.actionSpace.high,
    hiddenSizes: [8],
    initLogStd: -2,
  });
  // Seed 2: the screen's score (20.0) is above the 5 episodes' (19.37), so a confirmation can fail.
  const model = new ActorCritic(spec, { rng: new Rng(2) });
  const params = new Float32Array(model.params);
  const policy = new ModelPolicy(model);
  // What the evaluator must compute: 2 screen episodes from EVAL_SEED, 3 more from EVAL_SEED + 2.
  const screen = evaluate(policy, env, { episodes: 2, deterministic: true, seed: EVAL_SEED });
  const confirm = evaluate(policy, env, { episodes: 3, deterministic: true, seed: EVAL_SEED + 2 });
  const all = [...screen.returns, ...confirm.returns];
  model.dispose();

  const evaluator = new Evaluator(env, spec, { evalEpisodes: 2, evalConfirmEpisodes: 3, obsClip: 10 });
  const first = evaluator.run(params, null, null);
  assert.deepEqual(first.returns, all, 'no best yet: screen and confirmation episodes');
  assert.equal(first.mean, summarize(all).mean);
  assert.equal(first.score, summarize(all).mean - summarize(all).std);
  assert.equal(first.best, true);

  const screenScore = selectionScore(screen.returns);
  const beaten = evaluator.run(params, null, screenScore + 1);
  assert.deepEqual(beaten.returns, screen.returns, 'the screen did not beat the best: no confirmation');
  assert.equal(beaten.best, false);

  // The screen beats the best, but the score over all 5 episodes must beat it too: both outcomes.
  const allScore = selectionScore(all);
  assert.ok(allScore < screenScore, `the confirmation lowers the score here (${allScore} vs ${screenScore})`);
  const rejected = evaluator.run(params, null, (allScore + screenScore) / 2);
  assert.equal(rejected.returns.length, 5, 'the screen beat the best: confirmed');
  assert.equal(rejected.best, false, 'the 5 episodes did not');
  const kept = evaluator.run(params, null, allScore - 1);
  assert.deepEqual(kept.returns, all);
  assert.equal(kept.best, true);
  evaluator.close();
});

test('selectionScore: a gait that falls over now and then loses to a slightly slower one that never does', () => {
  // The two candidates of a HalfCheetah run (seed 202, 1.5M steps): by the mean the first wins.
  const fallsOnce = [4626, 4779, 4774, 4459, 3461, 4562, 4626, 3950, 4698, 4396, 4659, 4247, 4600, 2314, 4782];
  const steady = [4313, 4368, 4281, 4288, 4259, 4391, 4224, 4226, 4133, 4068, 4285, 4229, 4319, 4316, 4129];
  assert.ok(summarize(fallsOnce).mean > summarize(steady).mean);
  assert.ok(selectionScore(steady) > selectionScore(fallsOnce));
  // mean - population std, by hand: [1, 3] has mean 2 and std 1
  assert.equal(selectionScore([1, 3]), 1);
  assert.equal(selectionScore([5, 5, 5]), 5);
});

test("the shipped checkpoint's bestScore is its score as training computes it (15 episodes from EVAL_SEED)", async () => {
  // Notebook 06 says so: the field was filled in when checkpoints moved from the mean to the score.
  const path = fileURLToPath(new URL('../assets/halfcheetah_a3c.ckpt', import.meta.url));
  const { checkpoint, policy, env } = await loadPolicy(path);
  const { evalEpisodes, evalConfirmEpisodes } = checkpoint.config;
  assert.equal(evalEpisodes + evalConfirmEpisodes, 15);
  const all = evaluate(policy, env, { episodes: 15, deterministic: true, seed: EVAL_SEED });
  env.close();
  assert.equal(checkpoint.bestScore, selectionScore(all.returns));
});
