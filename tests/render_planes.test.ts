/**
 * The plane pass (lib/render/planes.ts) lights a plane under directional lights with its own
 * per-pixel loop (`PlaneLighting`), and a plane under any positional light point by point through
 * the general `light` of lib/render/lighting.ts. Both must draw the same pixels: the same scene is
 * drawn twice, the second time with an extra positional light that adds nothing (all its colours
 * are 0), which sends the floor down the general path. The floor is textured, reflective, shadowed
 * and shiny, so that every term of the plane's lighting is on the frame. Then: floors reach the
 * horizon (lib/render/geoms.ts), smaller ground planes do not.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MujocoSim } from '../lib/envs/mujoco.js';
import { Renderer } from '../lib/media/render.js';

const WIDTH = 160;
const HEIGHT = 120;

function model(extraLight: string, floor: string): string {
  return `<mujoco>
  <asset>
    <texture name="grid" type="2d" builtin="checker" rgb1="0.1 0.2 0.3" rgb2="0.8 0.9 0.8" width="64" height="64"/>
    <material name="floor" texture="grid" texrepeat="4 4" reflectance="0.4" specular="1" shininess="0.2"/>
    <material name="plain" rgba="0.5 0.6 0.7 1" reflectance="0.4" specular="1" shininess="0.2"/>
  </asset>
  <worldbody>
    <light directional="true" pos="0 0 5" dir="0 -1 -1" castshadow="true"/>
    ${extraLight}
    <geom name="floor" type="plane" size="0 0 0.1" ${floor}/>
    <geom name="ball" type="sphere" pos="0 0 0.6" size="0.4" rgba="0.9 0.3 0.2 1"/>
    <geom name="block" type="box" pos="1.2 0.5 0.3" size="0.3 0.3 0.3" rgba="0.2 0.6 0.9 1"/>
    <camera name="view" pos="0 -5 2.5" xyaxes="1 0 0 0 0.45 0.9"/>
  </worldbody>
</mujoco>`;
}

let folder: string;
before(() => {
  folder = mkdtempSync(join(tmpdir(), 'render-planes-'));
});
after(() => rmSync(folder, { recursive: true, force: true }));

/** The frame of the model `xml` through its camera "view". */
async function render(name: string, xml: string): Promise<Uint8Array> {
  const file = join(folder, `${name}.xml`);
  writeFileSync(file, xml);
  const sim = await MujocoSim.fromFile(file);
  try {
    sim.setState(sim.qpos(), sim.qvel());
    const renderer = new Renderer(sim, { width: WIDTH, height: HEIGHT, camera: 'view' });
    const frame = renderer.render();
    renderer.close();
    return frame;
  } finally {
    sim.close();
  }
}

function draw(name: string, extraLight: string, floor = 'material="floor"'): Promise<Uint8Array> {
  return render(name, model(extraLight, floor));
}

test('a plane lit point by point (a positional light present) has the pixels of the per-pixel plane loop', async () => {
  const fast = await draw('directional', '');
  const general = await draw(
    'positional',
    '<light pos="0 0 3" dir="0 0 -1" ambient="0 0 0" diffuse="0 0 0" specular="0 0 0" castshadow="false"/>',
  );
  // The frame must show what is being compared: the floor's two checker colours, a shadow and a
  // highlight differ in brightness, so the lower half of the frame spans a wide range of values.
  const lower = fast.subarray(3 * WIDTH * Math.round(0.6 * HEIGHT));
  const brightness = Array.from(
    { length: lower.length / 3 },
    (_, i) => lower[3 * i] + lower[3 * i + 1] + lower[3 * i + 2],
  );
  assert.ok(Math.max(...brightness) - Math.min(...brightness) > 300, 'the floor shows dark and bright pixels');
  let differing = 0;
  let largest = 0;
  for (let k = 0; k < fast.length; k++) {
    const d = Math.abs(fast[k] - general[k]);
    if (d > 0) differing++;
    largest = Math.max(largest, d);
  }
  assert.equal(largest, 0, `${differing} channel values differ, by up to ${largest}`);
});

function drawPlane(name: string, halfSize: number): Promise<Uint8Array> {
  return render(
    name,
    `<mujoco>
  <worldbody>
    <light directional="true" pos="0 0 5" dir="0 0 -1"/>
    <geom name="ground" type="plane" size="${halfSize} ${halfSize} 0.1" rgba="0.6 0.6 0.6 1"/>
    <camera name="view" pos="0 -3 2" xyaxes="1 0 0 0 0.55 0.83"/>
  </worldbody>
</mujoco>`,
  );
}

test('floors reach the horizon; a small ground plane (an arena, a table) keeps its edges', async () => {
  // The row through the middle of the frame meets the ground about 2 m left and right of its
  // centre: beyond a 1 m plane's edge (the background, black without a skybox), on a 10 m floor.
  const brightness = (frame: Uint8Array, x: number) => {
    const i = 3 * ((HEIGHT / 2) * WIDTH + x);
    return frame[i] + frame[i + 1] + frame[i + 2];
  };
  const small = await drawPlane('small', 1);
  const floor = await drawPlane('floor', 10);
  for (const x of [2, WIDTH - 3]) {
    assert.equal(brightness(small, x), 0, `column ${x}: the background beyond the 1 m plane`);
    assert.ok(brightness(floor, x) > 100, `column ${x}: the floor, ${brightness(floor, x)}`);
  }
  // The small plane itself is drawn at the centre.
  assert.ok(brightness(small, WIDTH / 2) > 100, 'the 1 m plane is drawn');
});

test('an untextured plane too: the per-pixel loop and the general path give the same pixels', async () => {
  const floor = 'material="plain"';
  const fast = await draw('plain-directional', '', floor);
  const general = await draw(
    'plain-positional',
    '<light pos="0 0 3" dir="0 0 -1" ambient="0 0 0" diffuse="0 0 0" specular="0 0 0" castshadow="false"/>',
    floor,
  );
  let largest = 0;
  for (let k = 0; k < fast.length; k++) largest = Math.max(largest, Math.abs(fast[k] - general[k]));
  assert.equal(largest, 0, `channel values differ by up to ${largest}`);
  // The floor is drawn, with a shadow and a highlight: its lower rows span a range of brightness.
  const lower = Array.from(fast.subarray(3 * WIDTH * Math.round(0.6 * HEIGHT)));
  assert.ok(Math.max(...lower) - Math.min(...lower) > 100, 'the floor shows dark and bright pixels');
});
