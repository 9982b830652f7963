/**
 * Benchmark section "env": how fast the environments step on one thread. A3C's throughput is
 * bounded by this (each worker steps its own env), so it is measured at two levels:
 * - env steps/s with random actions through `makeEnv` (TimeLimit, resets at episode ends,
 *   observation assembly, reward), also with NormalizeObservation on top as the workers use it;
 * - microseconds per raw `mj_step` (the physics alone; one env step is frameSkip of them), in
 *   wall time and in the process's CPU time (which a busy machine inflates much less).
 * Every task in the registry is measured, so a newly registered task appears without an edit.
 */
import { performance } from 'node:perf_hooks';
import type { Env } from '../lib/envs/env.js';
import type { MujocoEnv } from '../lib/envs/mujoco_env.js';
import { envIds, makeEnv } from '../lib/envs/registry.js';
import { Rng } from '../lib/common/rng.js';
import { NormalizeObservation } from '../lib/envs/wrappers.js';
import type { BenchContext, BenchRow } from './types.js';

/**
 * Env steps per second over `steps` steps, random actions drawn in advance (not timed), after
 * `steps / 5` untimed warm-up steps (the first thousands of steps run before the JIT settles).
 */
function envStepsPerSecond(env: Env, steps: number): { rate: number; cpuRate: number; episodes: number } {
  const rng = new Rng(0);
  const actions = Array.from({ length: 1024 }, () => env.actionSpace.sample(rng));
  env.reset({ seed: 0 });
  for (let t = 0; t < steps / 5; t++) {
    const r = env.step(actions[t % actions.length]);
    if (r.terminated || r.truncated) env.reset();
  }
  let episodes = 0;
  env.reset();
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  for (let t = 0; t < steps; t++) {
    const r = env.step(actions[t % actions.length]);
    if (r.terminated || r.truncated) {
      env.reset();
      episodes++;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return { rate: steps / seconds, cpuRate: steps / ((cpu.user + cpu.system) / 1e6), episodes };
}

/** Microseconds per mj_step with a fixed random control: wall time, and this process's CPU time. */
function microsecondsPerMjStep(env: Env, steps: number): { wall: number; cpu: number } {
  const sim = (env.unwrapped as MujocoEnv).sim;
  env.reset({ seed: 0 });
  sim.setControl(env.actionSpace.sample(new Rng(1)));
  sim.step(500);
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  sim.step(steps);
  const wall = ((performance.now() - start) * 1000) / steps;
  const cpu = process.cpuUsage(cpuStart);
  return { wall, cpu: (cpu.user + cpu.system) / steps };
}

function cpuRate(result: { cpuRate: number }): string {
  return `${Math.round(result.cpuRate)} steps per CPU second`;
}

export default async function envBench(ctx: BenchContext): Promise<BenchRow[]> {
  const envSteps = ctx.quick ? 2_000 : 20_000;
  const physicsSteps = ctx.quick ? 5_000 : 50_000;
  const rows: BenchRow[] = [];
  for (const id of envIds()) {
    const env = await makeEnv(id);
    try {
      ctx.log(`[env] ${id}: ${envSteps} env steps`);
      const plain = envStepsPerSecond(env, envSteps);
      const frameSkip = (env.unwrapped as MujocoEnv).frameSkip;
      rows.push({
        section: 'env',
        name: `${id} env steps, random actions, 1 thread`,
        value: plain.rate,
        unit: 'steps/s',
        notes: `${envSteps} steps, ${plain.episodes} episode ends, frameSkip ${frameSkip}; ${cpuRate(plain)}`,
      });
      const normalized = envStepsPerSecond(new NormalizeObservation(env), envSteps);
      rows.push({
        section: 'env',
        name: `${id} + NormalizeObservation env steps, 1 thread`,
        value: normalized.rate,
        unit: 'steps/s',
        notes: `${envSteps} steps; ${cpuRate(normalized)}`,
      });
      const us = microsecondsPerMjStep(env, physicsSteps);
      rows.push({
        section: 'env',
        name: `${id} mj_step (raw sim.step loop)`,
        value: us.wall,
        unit: 'us',
        notes: `${physicsSteps} steps; env step = ${frameSkip} x mj_step`,
      });
      rows.push({
        section: 'env',
        name: `${id} mj_step, process CPU time`,
        value: us.cpu,
        unit: 'us',
        notes: 'user + system time of the process per mj_step',
      });
    } finally {
      env.close();
    }
  }
  return rows;
}
