/**
 * The Gymnasium MuJoCo v5 suite at a glance: one rendered frame of every registered task (after
 * a few random steps from its reset, with its model's default camera), in a grid with each task's
 * id, written to assets/suite_gallery.png for README and notebook 02.
 *
 *   node --import tsx scripts/make_gallery.ts [--out assets/suite_gallery.png] [--tile 240]
 */
import { parseArgs } from 'node:util';
import { Rng } from '../lib/common/rng.js';
import { envIds, makeEnv } from '../lib/envs/registry.js';
import { savePng } from '../lib/media/png.js';
import { createRenderer } from '../lib/media/render.js';

const { values } = parseArgs({ options: { out: { type: 'string' }, tile: { type: 'string' } } });
const out = values.out ?? 'assets/suite_gallery.png';
const tile = Number(values.tile ?? 240);
const ids = envIds();
const columns = 4;
const rows = Math.ceil(ids.length / columns);
const image = new Uint8Array(columns * tile * rows * tile * 3).fill(255);

for (const [k, id] of ids.entries()) {
  const env = await makeEnv(id);
  const rng = new Rng(k);
  env.reset({ seed: k });
  // A few random steps, so the bodies are not all in their rest pose.
  for (let t = 0; t < 10; t++) {
    const { terminated, truncated } = env.step(env.actionSpace.sample(rng));
    if (terminated || truncated) env.reset({ seed: k });
  }
  const renderer = createRenderer(env, { width: tile, height: tile });
  const frame = renderer.render();
  renderer.close();
  env.close();
  const x0 = (k % columns) * tile;
  const y0 = Math.floor(k / columns) * tile;
  for (let y = 0; y < tile; y++) {
    image.set(frame.subarray(y * tile * 3, (y + 1) * tile * 3), ((y0 + y) * columns * tile + x0) * 3);
  }
  console.log(`${id}: tile ${k + 1} of ${ids.length}`);
}
savePng(out, image, columns * tile, rows * tile);
console.log(`Gallery: ${out} (${ids.join(', ')}, left to right, top to bottom)`);
