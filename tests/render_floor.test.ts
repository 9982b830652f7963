/**
 * The floor lasts the whole video: ground planes are drawn to the horizon along x (lib/render/geoms.ts),
 * so a trained cheetah that has run far past the end of the 40 m floor of the physics model still
 * runs over the checker floor. The frame is the one at 45 s (step 900, dt = 0.05 s) of the shipped
 * checkpoint's deterministic episode, where the cheetah is well beyond x = 100 m.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { MujocoSim } from '../lib/envs/mujoco.js';
import { createRenderer } from '../lib/media/render.js';
import { loadPolicy } from '../lib/training/evaluate.js';

const CHECKPOINT = fileURLToPath(new URL('../assets/halfcheetah_a3c.ckpt', import.meta.url));
const SIZE = 240;

test("a frame at 45 s of the shipped checkpoint's episode shows the checker floor under the cheetah", async () => {
  const { policy, env } = await loadPolicy(CHECKPOINT);
  try {
    let { observation } = env.reset({ seed: 0 });
    for (let step = 0; step < 900; step++) {
      const result = env.step(policy.act(observation, { deterministic: true }));
      observation = result.observation;
      assert.ok(!result.terminated && !result.truncated, `the episode runs to step 900 (ended at ${step})`);
    }
    const sim = (env.unwrapped as unknown as { sim: MujocoSim }).sim;
    const x = sim.qpos()[0];
    // The 40 m floor of the model ends at x = 40: the frame must be well beyond it to test anything.
    assert.ok(x > 60, `the cheetah is at x = ${x.toFixed(1)} m, beyond the model's floor`);
    const renderer = createRenderer(env, { width: SIZE, height: SIZE });
    const frame = renderer.render();
    renderer.close();
    // The track camera looks horizontally from the cheetah's side: the floor is the lower half of
    // the frame. Below the horizon (rows 0.6 H to H) the checker must show both of its colours,
    // black squares and the light green (0.8, 0.9, 0.8) ones, as in the reference frame at x = 0;
    // without a floor there the rows would be the grey of the sky.
    let dark = 0;
    let green = 0;
    const first = Math.round(0.6 * SIZE);
    for (let y = first; y < SIZE; y++) {
      for (let xPixel = 0; xPixel < SIZE; xPixel++) {
        const i = 3 * (y * SIZE + xPixel);
        const [r, g, b] = [frame[i], frame[i + 1], frame[i + 2]];
        if (r < 30 && g < 30 && b < 30) dark++;
        if (g > r + 10 && g > b + 10) green++;
      }
    }
    const pixels = (SIZE - first) * SIZE;
    assert.ok(
      dark > 0.2 * pixels && green > 0.2 * pixels,
      `checker below the horizon: ${dark} dark and ${green} green of ${pixels}`,
    );
  } finally {
    env.close();
  }
});
