/**
 * Training throughput (env steps/s over all workers) with 1, 2 and 4 workers, next to pure physics
 * throughput (random actions, no network) on the same machine in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { train } from '../lib/training/trainer.js';
import { makeEnv } from '../lib/envs/registry.js';
import { Rng } from '../lib/common/rng.js';
import type { BenchContext, BenchRow } from './types.js';

export default async function benchTrain(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const envId = 'HalfCheetah-v5';

  // Pure physics: the same env, random actions, one thread.
  const env = await makeEnv(envId);
  const rng = new Rng(0);
  const physicsSteps = ctx.quick ? 5_000 : 50_000;
  env.reset({ seed: 0 });
  const t0 = performance.now();
  for (let i = 0; i < physicsSteps; i++) {
    const step = env.step(env.actionSpace.sample(rng));
    if (step.terminated || step.truncated) env.reset();
  }
  const physicsRate = physicsSteps / ((performance.now() - t0) / 1000);
  env.close();
  rows.push({
    section: 'train',
    name: `${envId} env steps, random actions, no network, 1 thread`,
    value: physicsRate,
    unit: 'steps/s',
  });

  const workerCounts = [1, 2, 4];
  const totalSteps = ctx.quick ? 8_000 : 100_000;
  for (const numWorkers of workerCounts) {
    const runDir = mkdtempSync(join(tmpdir(), 'a3c-bench-'));
    try {
      ctx.log(`  training ${totalSteps} steps with ${numWorkers} worker(s) ...`);
      // Steady-state rate: from the first progress report past 5% of the steps (threads started,
      // WASM compiled) to the end, so start-up time does not dilute the figure.
      let mark: { time: number; step: number } | null = null;
      const result = await train(
        { envId, numWorkers, totalSteps, seed: 1, checkpointIntervalSeconds: 3600 },
        {
          runDir,
          progressIntervalSeconds: 0.25,
          onEvent: (event) => {
            if (event.type === 'progress' && !mark && event.globalStep >= 0.05 * totalSteps)
              mark = { time: performance.now(), step: event.globalStep };
          },
        },
      );
      const end = performance.now();
      const m = mark as { time: number; step: number } | null;
      const steady =
        m && end > m.time ? (result.globalSteps - m.step) / ((end - m.time) / 1000) : result.stepsPerSecond;
      rows.push({
        section: 'train',
        name: `${envId} A3C training, ${numWorkers} worker${numWorkers > 1 ? 's' : ''}`,
        value: steady,
        unit: 'steps/s',
        notes: `${result.globalSteps} steps in ${result.wallSeconds.toFixed(1)} s incl. start-up (${result.stepsPerSecond.toFixed(0)} steps/s overall), ${availableParallelism()} cores`,
      });
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  }
  return rows;
}
