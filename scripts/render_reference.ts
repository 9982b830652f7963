/**
 * Regenerates the renderer's pictures:
 *
 * - tests/fixtures/cheetah_track_120.png, the reference image of tests/render.test.ts: HalfCheetah
 *   (assets/half_cheetah.xml) in its initial state (qpos0, zero velocity) seen by the model's
 *   "track" camera at 480x480, shrunk 4x to 120x120 (block means) to keep the file small;
 * - assets/cheetah_frame_random.png, a full-size frame of the untrained cheetah in a mid-stride
 *   pose (bent legs), to show what the videos look like.
 *
 *   node --import tsx scripts/render_reference.ts
 *
 * Run it only after a deliberate change of the renderer's look, and view the images before
 * committing them.
 */
import { fileURLToPath } from 'node:url';
import { MujocoSim } from '../lib/envs/mujoco.js';
import { downscale, savePng } from '../lib/media/png.js';
import { Renderer } from '../lib/media/render.js';

export const REFERENCE_IMAGE = fileURLToPath(new URL('../tests/fixtures/cheetah_track_120.png', import.meta.url));
export const STRIDE_IMAGE = fileURLToPath(new URL('../assets/cheetah_frame_random.png', import.meta.url));
export const REFERENCE_SIZE = 480;
export const REFERENCE_FACTOR = 4;

/**
 * A gallop's extended phase, qpos = (rootx, rootz, rooty, bthigh, bshin, bfoot, fthigh, fshin,
 * ffoot), lengths in metres and angles in radians (positive angles turn a limb clockwise as the
 * track camera sees it): the back leg pushing off behind, the front leg reaching forward.
 */
export const STRIDE_QPOS = [0.3, 0, -0.08, 0.7, -0.35, -0.3, -0.75, 0.45, 0.3];

/** A 480x480 frame of HalfCheetah through the "track" camera, in its initial state or at `qpos`. */
export async function renderCheetah(qpos?: readonly number[]): Promise<Uint8Array> {
  const sim = await MujocoSim.fromFile('half_cheetah.xml');
  try {
    const initial = sim.initialState();
    sim.setState(qpos ?? initial.qpos, initial.qvel);
    const renderer = new Renderer(sim, { width: REFERENCE_SIZE, height: REFERENCE_SIZE });
    try {
      return renderer.render();
    } finally {
      renderer.close();
    }
  } finally {
    sim.close();
  }
}

/** The reference frame at full size: HalfCheetah's initial state through the "track" camera. */
export function renderReferenceFrame(): Promise<Uint8Array> {
  return renderCheetah();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const small = downscale(await renderReferenceFrame(), REFERENCE_SIZE, REFERENCE_SIZE, REFERENCE_FACTOR);
  savePng(REFERENCE_IMAGE, small.data, small.width, small.height);
  console.log(`wrote ${REFERENCE_IMAGE} (${small.width}x${small.height})`);
  savePng(STRIDE_IMAGE, await renderCheetah(STRIDE_QPOS), REFERENCE_SIZE, REFERENCE_SIZE);
  console.log(`wrote ${STRIDE_IMAGE} (${REFERENCE_SIZE}x${REFERENCE_SIZE})`);
}
