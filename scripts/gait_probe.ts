/**
 * Which gait did a HalfCheetah run learn? Runs one deterministic episode of each checkpoint and
 * prints its return, the mean forward velocity and the mean body pitch (qpos[2], the angle of the
 * torso about the y axis in radians). README's "why runs fail" numbers come from here:
 *
 *   fast, level gait       |pitch| under about 0.2 rad, return 2,500-5,200
 *   slow, nose-up gait     pitch 0.3-0.6 rad, return 1,300-2,400
 *   running on its back    pitch about 3.2 rad (upside down), return about 100-1,100
 *
 * A mean pitch between those (or a strongly negative one, nose down) usually means the cheetah
 * flipped or rolled during the episode.
 *
 *   node --import tsx scripts/gait_probe.ts runs/sweeps/defaults_s105/best runs/hc-seed1/best
 *
 * Options: --seed N (the episode's reset seed, default 100, as scripts/sweep.ts evaluates).
 */
import { parseArgs } from 'node:util';
import { loadPolicy } from '../lib/training/evaluate.js';
import type { MujocoSim } from '../lib/envs/mujoco.js';

const { values, positionals } = parseArgs({
  options: { seed: { type: 'string' } },
  allowPositionals: true,
  strict: true,
});
if (positionals.length === 0) {
  console.error('gait_probe: give one or more checkpoints, e.g. runs/hc-seed1/best');
  process.exit(2);
}
const seed = Number(values.seed ?? 100);
if (!Number.isInteger(seed) || seed < 0) {
  console.error(`gait_probe: --seed must be an integer >= 0, got ${values.seed}`);
  process.exit(2);
}

for (const path of positionals) {
  const { policy, env, checkpoint } = await loadPolicy(path);
  try {
    if (checkpoint.config.envId !== 'HalfCheetah-v5')
      throw new Error(
        `${path} was trained on ${checkpoint.config.envId}; the gait probe reads HalfCheetah's body pitch`,
      );
    const sim = (env.unwrapped as unknown as { sim: MujocoSim }).sim;
    let observation = env.reset({ seed }).observation;
    let episodeReturn = 0;
    let pitch = 0;
    let velocity = 0;
    let steps = 0;
    for (;;) {
      const step = env.step(policy.act(observation, { deterministic: true }));
      episodeReturn += step.reward;
      pitch += sim.qpos()[2];
      velocity += Number(step.info.x_velocity ?? 0);
      steps += 1;
      observation = step.observation;
      if (step.terminated || step.truncated) break;
    }
    console.log(
      `${path}: return ${episodeReturn.toFixed(0)}, mean x-velocity ${(velocity / steps).toFixed(2)} m/s, mean pitch ${(pitch / steps).toFixed(2)} rad`,
    );
  } finally {
    env.close();
    policy.model.dispose();
  }
}
