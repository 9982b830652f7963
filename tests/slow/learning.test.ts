/**
 * A real learning test: A3C with 2 workers must solve InvertedPendulum-v5 (a perfect episode
 * returns 1000) to a deterministic evaluation mean of at least 950 over 10 episodes, within a
 * budget that keeps the test under about 3 minutes on 2 cores.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../../lib/training/trainer.js';
import { evaluate, loadPolicy } from '../../lib/training/evaluate.js';

// Reproducible mode: the same run every time, so the threshold is a fact about this seed, not a coin toss.
const PENDULUM_RUN = {
  envId: 'InvertedPendulum-v5',
  numWorkers: 2,
  totalSteps: 150_000,
  seed: 1,
  lr: 7e-4,
  reproducible: true,
} as const;

test('A3C learns InvertedPendulum-v5: deterministic evaluation mean >= 950', { timeout: 240_000 }, async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'a3c-learn-'));
  const result = await train(PENDULUM_RUN, { runDir });
  const { policy, env } = await loadPolicy(result.bestPath ?? result.lastPath);
  try {
    const evaluation = evaluate(policy, env, { episodes: 10, deterministic: true, seed: 1000 });
    console.log(
      `InvertedPendulum-v5: ${result.globalSteps} steps in ${result.wallSeconds.toFixed(0)} s, evaluation ${evaluation.mean.toFixed(1)} +- ${evaluation.std.toFixed(1)}`,
    );
    assert.ok(evaluation.mean >= 950, `evaluation mean ${evaluation.mean} (returns ${evaluation.returns.join(', ')})`);
  } finally {
    env.close();
  }
});
