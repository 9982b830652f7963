/**
 * The evaluator that picks `best` (lib/training/evaluator.ts), on the main thread without workers:
 * a model that beats the best so far plays the confirmation episodes and is judged on all of them;
 * one that does not plays only the screen. Expected figures come from `evaluate` itself with the
 * evaluator's fixed seeds, so the test checks the selection logic, not a number copied from a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../lib/common/rng.js';
import { makeEnv } from '../lib/envs/registry.js';
import { ActorCritic, defaultModelSpec } from '../lib/model/actor_critic.js';
import { evaluate, ModelPolicy, summarize } from '../lib/training/evaluate.js';
import { EVAL_SEED, Evaluator } from '../lib/training/evaluator.js';

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
  const model = new ActorCritic(spec, { rng: new Rng(3) });
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
  assert.equal(first.best, true);

  const beaten = evaluator.run(params, null, screen.mean + 1);
  assert.deepEqual(beaten.returns, screen.returns, 'the screen did not beat the best: no confirmation');
  assert.equal(beaten.best, false);

  // The screen beats the best, but the mean over all 5 episodes must beat it too.
  const threshold = screen.mean - 1e-9;
  const confirmed = evaluator.run(params, null, threshold);
  assert.equal(confirmed.returns.length, 5);
  assert.equal(confirmed.best, summarize(all).mean > threshold);
  evaluator.close();
});
