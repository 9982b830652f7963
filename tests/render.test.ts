/**
 * The software renderer (lib/media/render.ts, lib/render/*.ts) draws MuJoCo's scene where MuJoCo's own
 * camera says it is: geom centres projected with the camera's pose (data.cam_xpos, cam_xmat) and
 * fovy, computed here independently of the renderer, land on pixels of the geom's colour; the sky
 * is above the horizon and the floor below it; surfaces facing the light are brighter; a frame of
 * a fixed state matches the committed reference image; every supported geom type is drawn and
 * unsupported ones are skipped; handles are freed. The ray/shape and texture helpers are checked
 * against hand-computed numbers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MujocoSim } from '../lib/envs/mujoco.js';
import { decodePng, downscale, encodePng, loadPng } from '../lib/media/png.js';
import { TEXTURE_2D, TEXTURE_SKYBOX } from '../lib/render/scene.js';
import { Ray, type Shape, shapeOf, Vec3 } from '../lib/render/shapes.js';
import { box } from '../lib/render/shapes/box.js';
import { capsule } from '../lib/render/shapes/capsule.js';
import { cylinder } from '../lib/render/shapes/cylinder.js';
import { ellipsoid } from '../lib/render/shapes/ellipsoid.js';
import { plane } from '../lib/render/shapes/plane.js';
import { sphere } from '../lib/render/shapes/sphere.js';
import { makeTexture, sampleCube, sampleTrilinear, sampleTrilinearMany } from '../lib/render/texture.js';
import { Renderer, createRenderer, renderFrame } from '../lib/media/render.js';
import { makeEnv } from '../lib/envs/registry.js';
import {
  REFERENCE_FACTOR,
  REFERENCE_IMAGE,
  REFERENCE_SIZE,
  renderReferenceFrame,
} from '../scripts/render_reference.js';

const OBJ_GEOM = 5;
const OBJ_CAMERA = 7;

type Rgb = [number, number, number];

function pixel(frame: Uint8Array, width: number, x: number, y: number): Rgb {
  const i = 3 * (Math.floor(y) * width + Math.floor(x));
  return [frame[i], frame[i + 1], frame[i + 2]];
}

function luminance([r, g, b]: Rgb): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/** The cheetah's brown (0.8, 0.6, 0.4) and pink (0.9, 0.6, 0.6) under any light: red clearly dominant. */
function isCheetahColour([r, g, b]: Rgb): boolean {
  return r > g + 15 && r > b + 25;
}

/** The skybox is a grey gradient. */
function isGrey([r, g, b]: Rgb): boolean {
  return Math.abs(r - g) <= 3 && Math.abs(g - b) <= 3;
}

/**
 * Pixel coordinates of world point p seen by model camera `cameraId`, from MuJoCo's camera pose:
 * the columns of cam_xmat are the camera's x (right), y (up) and z axes, and it looks along -z;
 * a point at depth d and height y lands (H/2) * y / (d tan(fovy/2)) pixels above the centre.
 */
function project(
  sim: MujocoSim,
  cameraId: number,
  p: ArrayLike<number>,
  width: number,
  height: number,
): [number, number] {
  const pos = Array.from(sim.data.cam_xpos as Float64Array).slice(3 * cameraId, 3 * cameraId + 3);
  const R = Array.from(sim.data.cam_xmat as Float64Array).slice(9 * cameraId, 9 * cameraId + 9);
  const fovy = ((sim.model.cam_fovy as Float64Array)[cameraId] * Math.PI) / 180;
  const rel = [p[0] - pos[0], p[1] - pos[1], p[2] - pos[2]];
  const x = R[0] * rel[0] + R[3] * rel[1] + R[6] * rel[2];
  const y = R[1] * rel[0] + R[4] * rel[1] + R[7] * rel[2];
  const depth = -(R[2] * rel[0] + R[5] * rel[1] + R[8] * rel[2]);
  const focal = height / 2 / Math.tan(fovy / 2);
  return [width / 2 + (focal * x) / depth, height / 2 - (focal * y) / depth];
}

function geomCentre(sim: MujocoSim, name: string): number[] {
  const id = sim.mujoco.mj_name2id(sim.model, OBJ_GEOM, name);
  assert.ok(id >= 0, `geom ${name}`);
  return Array.from(sim.data.geom_xpos as Float64Array).slice(3 * id, 3 * id + 3);
}

/** Entry t of the ray o + t d into a shape of the given size (in its own frame); the ray keeps the answer. */
function entry(shape: Shape, o: number[], d: number[], size: number[], tMin = 0, ray = new Ray()): number {
  Object.assign(ray, { ox: o[0], oy: o[1], oz: o[2], dx: d[0], dy: d[1], dz: d[2], tMin });
  Object.assign(ray, { s0: size[0], s1: size[1] ?? 0, s2: size[2] ?? 0 });
  shape.intersect(ray);
  return ray.t;
}
const raySphere = (ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, r: number, tMin: number) =>
  entry(sphere, [ox, oy, oz], [dx, dy, dz], [r, r, r], tMin);
const rayCapsule = (
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  r: number,
  h: number,
  tMin: number,
) => entry(capsule, [ox, oy, oz], [dx, dy, dz], [r, r, h], tMin);
const rayCylinder = (
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  r: number,
  h: number,
  tMin: number,
) => entry(cylinder, [ox, oy, oz], [dx, dy, dz], [r, r, h], tMin);
const rayBox = (
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  sx: number,
  sy: number,
  sz: number,
  tMin: number,
) => entry(box, [ox, oy, oz], [dx, dy, dz], [sx, sy, sz], tMin);

/** The unit normal a shape gives at local point p, entered through `part`, for a shape of the given size. */
function normalOf(shape: Shape, p: number[], size: number[], part = 0): number[] {
  const ray = Object.assign(new Ray(), { s0: size[0], s1: size[1], s2: size[2], part });
  const v = Object.assign(new Vec3(), { x: p[0], y: p[1], z: p[2] });
  shape.normal(v, ray);
  const n = Math.hypot(v.x, v.y, v.z);
  return [v.x / n, v.y / n, v.z / n].map((c) => Math.round(c * 1e9) / 1e9 + 0);
}

describe('ray / shape intersections (hand-computed)', () => {
  test('sphere: nearer root, scaled directions, misses and rays from inside', () => {
    // Unit sphere, ray from z = -5 along +z: enters at z = -1, t = 4.
    assert.equal(raySphere(0, 0, -5, 0, 0, 1, 1, 0), 4);
    // Offset 0.6 in x: enters at z = -sqrt(1 - 0.36) = -0.8, t = 4.2; with d = (0, 0, 2), t halves.
    assert.ok(Math.abs(raySphere(0.6, 0, -5, 0, 0, 1, 1, 0) - 4.2) < 1e-12);
    assert.ok(Math.abs(raySphere(0.6, 0, -5, 0, 0, 2, 1, 0) - 2.1) < 1e-12);
    assert.equal(raySphere(1.5, 0, -5, 0, 0, 1, 1, 0), Infinity);
    // From the centre the entry is behind (t = -1): a shape is not seen from inside.
    assert.equal(raySphere(0, 0, 0, 0, 0, 1, 1, 0), Infinity);
  });

  test('capsule (radius 0.5, half length 1 along z): side, end cap, cap beyond the side', () => {
    // Side: from x = -3 along +x, the surface x = -0.5 at t = 2.5.
    assert.ok(Math.abs(rayCapsule(-3, 0, 0, 1, 0, 0, 0.5, 1, 0) - 2.5) < 1e-12);
    // Down the axis from z = 5: the top of the end sphere is z = 1.5, t = 3.5.
    assert.ok(Math.abs(rayCapsule(0, 0, 5, 0, 0, -1, 0.5, 1, 0) - 3.5) < 1e-12);
    // At height 1.3 (above the cylinder part) the end sphere at z = 1: x^2 + 0.3^2 = 0.25, x = -0.4, t = 2.6.
    assert.ok(Math.abs(rayCapsule(-3, 0, 1.3, 1, 0, 0, 0.5, 1, 0) - 2.6) < 1e-12);
    assert.equal(rayCapsule(-3, 0, 1.6, 1, 0, 0, 0.5, 1, 0), Infinity);
  });

  test('box and cylinder: faces and caps', () => {
    // Box with half sizes (1, 2, 3): from x = -5 the face x = -1 at t = 4; from z = 10 the top z = 3 at t = 7.
    assert.equal(rayBox(-5, 0, 0, 1, 0, 0, 1, 2, 3, 0), 4);
    assert.equal(rayBox(0, 0, 10, 0, 0, -1, 1, 2, 3, 0), 7);
    assert.equal(rayBox(-5, 2.5, 0, 1, 0, 0, 1, 2, 3, 0), Infinity);
    // Cylinder radius 1, half height 2: the cap z = 2 from above at t = 8, the side from x = -5 at t = 4.
    assert.equal(rayCylinder(0, 0, 10, 0, 0, -1, 1, 2, 0), 8);
    assert.equal(rayCylinder(-5, 0, 0, 1, 0, 0, 1, 2, 0), 4);
    assert.equal(rayCylinder(-5, 0, 2.5, 1, 0, 0, 1, 2, 0), Infinity);
  });
});

describe('shapes: ellipsoids, planes, entered parts, normals and the registry', () => {
  test('ellipsoid (2, 1, 0.5): the semi-axis along the ray sets the entry', () => {
    // From x = -5 along +x: the surface x = -2 at t = 3; along z from z = 4: z = 0.5 at t = 3.5.
    assert.ok(Math.abs(entry(ellipsoid, [-5, 0, 0], [1, 0, 0], [2, 1, 0.5]) - 3) < 1e-12);
    assert.ok(Math.abs(entry(ellipsoid, [0, 0, 4], [0, 0, -1], [2, 1, 0.5]) - 3.5) < 1e-12);
    // At y = 1.1 the ray passes outside the semi-axis 1.
    assert.equal(entry(ellipsoid, [-5, 1.1, 0], [1, 0, 0], [2, 1, 0.5]), Infinity);
    // Gradient of x^2/4 + y^2 + z^2/0.25 at (2, 0, 0) is along +x; at (0, 0, 0.5) along +z.
    assert.deepEqual(normalOf(ellipsoid, [2, 0, 0], [2, 1, 0.5]), [1, 0, 0]);
    assert.deepEqual(normalOf(ellipsoid, [0, 0, 0.5], [2, 1, 0.5]), [0, 0, 1]);
  });

  test('plane (half extents 2 x 1): front side only, within its extent; extent 0 is unbounded', () => {
    // From z = 3 straight down: t = 3; the back side (from below, going up) is not seen.
    assert.equal(entry(plane, [0, 0, 3], [0, 0, -1], [2, 1, 0]), 3);
    assert.equal(entry(plane, [0, 0, -3], [0, 0, 1], [2, 1, 0]), Infinity);
    // Hitting at x = 2.5 is beyond the half extent 2 ... unless the extent along x is 0 (to the horizon).
    assert.equal(entry(plane, [2.5, 0, 3], [0, 0, -1], [2, 1, 0]), Infinity);
    assert.equal(entry(plane, [2.5, 0, 3], [0, 0, -1], [0, 1, 0]), 3);
    // 1000 m away along x on a ground plane whose x extent is 0: from z = 1 going 1 down per 1000 along x.
    assert.ok(Math.abs(entry(plane, [0, 0, 1], [1000, 0, -1], [0, 1, 0]) - 1) < 1e-12);
    assert.deepEqual(normalOf(plane, [1, 1, 0], [2, 1, 0]), [0, 0, 1]);
  });

  test('box and cylinder report the face or cap entered, and its normal', () => {
    const ray = new Ray();
    // Box (1, 2, 3) from -x: the face x = -1 is part -1; from above, z = +3 is part +3.
    entry(box, [-5, 0, 0], [1, 0, 0], [1, 2, 3], 0, ray);
    assert.equal(ray.part, -1);
    assert.deepEqual(normalOf(box, [-1, 0, 0], [1, 2, 3], ray.part), [-1, 0, 0]);
    entry(box, [0, 0, 10], [0, 0, -1], [1, 2, 3], 0, ray);
    assert.equal(ray.part, 3);
    assert.deepEqual(normalOf(box, [0, 0, 3], [1, 2, 3], ray.part), [0, 0, 1]);
    // Cylinder (r 1, h 2): the top cap is part +1 (normal +z), the side part 0 (normal radial).
    entry(cylinder, [0, 0, 10], [0, 0, -1], [1, 1, 2], 0, ray);
    assert.equal(ray.part, 1);
    assert.deepEqual(normalOf(cylinder, [0.3, 0, 2], [1, 1, 2], 1), [0, 0, 1]);
    assert.deepEqual(normalOf(cylinder, [0, -1, 0.7], [1, 1, 2], 0), [0, -1, 0]);
    // Capsule (r 0.5, h 1): at (0.5, 0, 1.2) the normal points away from the axis point (0, 0, 1).
    const c = 1 / Math.hypot(0.5, 0.2);
    assert.deepEqual(
      normalOf(capsule, [0.5, 0, 1.2], [0.5, 0.5, 1]),
      [0.5 * c, 0, 0.2 * c].map((v) => Math.round(v * 1e9) / 1e9),
    );
  });

  test('the registry maps mjtGeom values to shapes; meshes, height fields and others are not drawn', () => {
    // mjtGeom: plane 0, hfield 1, sphere 2, capsule 3, ellipsoid 4, cylinder 5, box 6, mesh 7.
    assert.deepEqual(
      [0, 2, 3, 4, 5, 6].map((type) => shapeOf(type)),
      [plane, sphere, capsule, ellipsoid, cylinder, box],
    );
    for (const type of [1, 7, 8, 100, 101]) assert.equal(shapeOf(type), undefined);
  });
});

describe('texture sampling (hand-computed)', () => {
  // A 2x2 grey checker: texels (0,0) and (1,1) black, (0,1) and (1,0) white; its 1x1 mip is 0.5.
  const checker = makeTexture(TEXTURE_2D, 2, 2, 3, [0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0]);
  const out = new Float64Array(3);
  const sample = (s: number, t: number, rho: number): number => {
    sampleTrilinear(checker, s, t, rho, out);
    return out[0];
  };

  test('bilinear at level 0, with GL_REPEAT wrap-around', () => {
    // Texel centres are at s = (i + 0.5) / 2: s = 0.25 is texel 0 exactly, s = 0.5 halfway to texel 1.
    assert.equal(sample(0.25, 0.25, 1), 0);
    assert.equal(sample(0.75, 0.25, 1), 1);
    assert.ok(Math.abs(sample(0.5, 0.25, 1) - 0.5) < 1e-7);
    // s = 0 is halfway between the last texel (wrapped) and the first.
    assert.ok(Math.abs(sample(0, 0.25, 1) - 0.5) < 1e-7);
    // s = 1.25 repeats s = 0.25.
    assert.equal(sample(1.25, 0.25, 1), 0);
  });

  test('mip levels: rho = 2 texels per pixel is the 1x1 mean; rho = 1.5 blends levels 0 and 1', () => {
    // Mip levels keep 8 bits per channel, as an RGB8 OpenGL texture: the mean 127.5 is stored as 128.
    const mean = 128 / 255;
    assert.ok(Math.abs(sample(0.25, 0.25, 2) - mean) < 1e-9);
    assert.ok(Math.abs(sample(0.25, 0.25, 1000) - mean) < 1e-9);
    // Level of detail 0.5 (exponent 0 + linear mantissa 1.5 - 1): 0.5 * 0 (level 0) + 0.5 * mean (level 1).
    assert.ok(Math.abs(sample(0.25, 0.25, 1.5) - 0.5 * mean) < 1e-9);
  });

  test('odd sizes: every mip texel is the mean of the area it covers', () => {
    // 3x1 texels 0, 0, 255 in red: level 1 (1x1) covers all three, (0 + 0 + 255) / 3 = 85.
    const strip = makeTexture(TEXTURE_2D, 3, 1, 3, [0, 0, 0, 0, 0, 0, 255, 0, 0]);
    sampleTrilinear(strip, 0.3, 0.5, 1000, out);
    assert.ok(Math.abs(out[0] - 85 / 255) < 1e-9, `level-1 red ${out[0] * 255}`);
  });

  test('a row of samples at once equals sampling one by one', () => {
    const points = [
      [0.25, 0.25, 1],
      [0.5, 0.1, 1.5],
      [-3.3, 7.2, 2.5],
      [0.9, 0.6, 100],
    ];
    const coords = Float64Array.from(points.flat());
    sampleTrilinearMany(checker, coords, points.length, coords);
    points.forEach(([s, t, rho], i) => {
      sampleTrilinear(checker, s, t, rho, out);
      assert.deepEqual(Array.from(coords.subarray(3 * i, 3 * i + 3)), Array.from(out));
    });
  });

  test('cube map: OpenGL face selection (+x, -x, +y, -y, +z, -z stacked)', () => {
    // Six 1x1 faces of grey levels 0, 51, 102, 153, 204, 255.
    const bytes = [0, 1, 2, 3, 4, 5].flatMap((face) => [51 * face, 51 * face, 51 * face]);
    const cube = makeTexture(TEXTURE_SKYBOX, 1, 6, 3, bytes);
    const directions: [number, number, number, number][] = [
      [1, 0, 0, 0],
      [-1, 0, 0, 1],
      [0, 1, 0, 2],
      [0, -1, 0, 3],
      [0, 0, 1, 4],
      [0, 0, -1, 5],
      [1, 0.5, -0.2, 0],
    ];
    for (const [x, y, z, face] of directions) {
      sampleCube(cube, x, y, z, out);
      assert.ok(Math.abs(out[0] - face * 0.2) < 1e-6, `direction (${x}, ${y}, ${z}) -> face ${face}`);
    }
  });
});

describe('HalfCheetah through the track camera', () => {
  const width = REFERENCE_SIZE;
  const height = REFERENCE_SIZE;
  let sim: MujocoSim;
  let frame: Uint8Array;
  let cameraId: number;

  before(async () => {
    sim = await MujocoSim.fromFile('half_cheetah.xml');
    const { qpos, qvel } = sim.initialState();
    sim.setState(qpos, qvel);
    cameraId = sim.mujoco.mj_name2id(sim.model, OBJ_CAMERA, 'track');
    const renderer = new Renderer(sim, { width, height });
    frame = renderer.render();
    renderer.close();
  });
  after(() => sim.close());

  test('a frame is width x height RGB', () => {
    assert.equal(frame.length, width * height * 3);
  });

  test('geom centres projected with the camera pose are cheetah-coloured', () => {
    for (const name of ['torso', 'head', 'bthigh', 'bshin', 'fthigh', 'fshin']) {
      const [x, y] = project(sim, cameraId, geomCentre(sim, name), width, height);
      assert.ok(x > 0 && x < width && y > 0 && y < height, `${name} in view at (${x}, ${y})`);
      const colour = pixel(frame, width, x, y);
      assert.ok(isCheetahColour(colour), `${name} at (${x.toFixed(1)}, ${y.toFixed(1)}) is ${colour}`);
    }
  });

  test('points just off the body are not: air above the torso, floor far behind it', () => {
    const torso = geomCentre(sim, 'torso');
    const air = project(sim, cameraId, [torso[0], torso[1], torso[2] + 0.25], width, height);
    assert.ok(
      isGrey(pixel(frame, width, air[0], air[1])),
      `air above the torso: ${pixel(frame, width, air[0], air[1])}`,
    );
    const floor = project(sim, cameraId, [torso[0] - 1.5, 3, 0], width, height);
    assert.ok(!isCheetahColour(pixel(frame, width, floor[0], floor[1])), 'floor behind the cheetah');
  });

  test('the sky is above the horizon, the checker floor below', () => {
    // The camera looks horizontally, so the horizon is the middle row; the cheetah is below the
    // camera's height (z = 1), hence below the horizon too.
    const horizon = height / 2;
    let topBrightness = 0;
    let horizonBrightness = 0;
    for (let y = 0; y < horizon - 3; y++) {
      for (let x = 0; x < width; x += 7) assert.ok(isGrey(pixel(frame, width, x, y)), `sky pixel (${x}, ${y}) is grey`);
    }
    for (let x = 0; x < width; x++) {
      topBrightness += luminance(pixel(frame, width, x, 2));
      horizonBrightness += luminance(pixel(frame, width, x, horizon - 4));
    }
    assert.ok(topBrightness > horizonBrightness, 'the gradient sky is lighter upwards');
    let dark = 0;
    let green = 0;
    for (let y = Math.round(height * 0.8); y < height; y++) {
      for (let x = 0; x < width; x++) {
        const [r, g, b] = pixel(frame, width, x, y);
        if (r < 30 && g < 30 && b < 30) dark++;
        if (g > r + 10 && g > b + 10) green++;
      }
    }
    const rows = (height - Math.round(height * 0.8)) * width;
    assert.ok(
      dark > 0.2 * rows && green > 0.2 * rows,
      `checker: ${dark} dark and ${green} light-green of ${rows} pixels`,
    );
  });

  test('the side facing the overhead light is brighter', () => {
    // Torso surface points whose normals point towards the camera and 45 degrees up or down: the
    // overhead light adds cos(45 deg) to the upper one only (the headlight lights both alike).
    const [tx, , tz] = geomCentre(sim, 'torso');
    const r = 0.046;
    const c = Math.SQRT1_2;
    const upper = project(sim, cameraId, [tx + 0.2, -r * c, tz + r * c], width, height);
    const lower = project(sim, cameraId, [tx + 0.2, -r * c, tz - r * c], width, height);
    const bright = luminance(pixel(frame, width, upper[0], upper[1]));
    const dim = luminance(pixel(frame, width, lower[0], lower[1]));
    assert.ok(bright > dim + 40, `upper ${bright.toFixed(0)} vs lower ${dim.toFixed(0)}`);
  });

  test('matches the reference image (scripts/render_reference.ts) within tolerance', async () => {
    const reference = loadPng(REFERENCE_IMAGE);
    const fresh = downscale(await renderReferenceFrame(), width, height, REFERENCE_FACTOR);
    assert.equal(reference.width, fresh.width);
    assert.equal(reference.height, fresh.height);
    let sum = 0;
    let differing = 0;
    for (let i = 0; i < fresh.data.length; i += 3) {
      let worst = 0;
      for (let c = 0; c < 3; c++) {
        const d = Math.abs(fresh.data[i + c] - reference.data[i + c]);
        sum += d;
        worst = Math.max(worst, d);
      }
      if (worst > 20) differing++;
    }
    const meanDifference = sum / fresh.data.length;
    const pixels = fresh.width * fresh.height;
    assert.ok(meanDifference < 2, `mean absolute difference ${meanDifference.toFixed(2)}`);
    assert.ok(differing < 0.01 * pixels, `${differing} of ${pixels} pixels differ by more than 20`);
  });
});

describe('generic geoms', () => {
  let folder: string;
  let sim: MujocoSim;
  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'render-test-'));
    const file = join(folder, 'shapes.xml');
    writeFileSync(
      file,
      `<mujoco>
  <asset><mesh name="tetrahedron" vertex="0 0 0  1 0 0  0 1 0  0 0 1"/></asset>
  <worldbody>
    <light directional="true" pos="0 0 5" dir="0 0 -1"/>
    <geom name="floor" type="plane" size="5 5 0.1" rgba="0.5 0.5 0.5 1"/>
    <camera name="front" pos="0 -6 1" xyaxes="1 0 0 0 0 1"/>
    <geom name="box" type="box" pos="-1.5 0 0.5" size="0.3 0.3 0.3" rgba="1 0 0 1"/>
    <geom name="sphere" type="sphere" pos="-0.5 0 0.5" size="0.3" rgba="0 1 0 1"/>
    <geom name="cylinder" type="cylinder" pos="0.5 0 0.5" size="0.3 0.3" rgba="0 0 1 1"/>
    <geom name="ellipsoid" type="ellipsoid" pos="1.5 0 0.5" size="0.3 0.2 0.4" rgba="1 1 0 1"/>
    <geom name="capsule" type="capsule" pos="0 0 1.5" size="0.15 0.6" euler="0 90 0" rgba="1 0 1 1"/>
    <geom name="mesh" type="mesh" mesh="tetrahedron" pos="0 2 0" rgba="0 1 1 1"/>
    <geom name="glass" type="sphere" pos="1.5 0 2.3" size="0.3" rgba="0 1 0 0.4"/>
    <geom name="twin" type="sphere" pos="-1.5 0 2.3" size="0.3" rgba="0 1 0 1"/>
    <camera name="flat" pos="0 -6 1" xyaxes="1 0 0 0 0 1" projection="orthographic" fovy="4"/>
  </worldbody>
</mujoco>`,
    );
    sim = await MujocoSim.fromFile(file);
    sim.setState(sim.qpos(), sim.qvel());
  });
  after(() => {
    sim.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('boxes, spheres, cylinders, ellipsoids and capsules are drawn in their colours, partly transparent ones opaque; meshes are skipped', () => {
    const width = 200;
    const height = 160;
    const renderer = new Renderer(sim, { width, height, camera: 'front' });
    const frame = renderer.render();
    renderer.close();
    const cameraId = sim.mujoco.mj_name2id(sim.model, OBJ_CAMERA, 'front');
    // Which channels are bright for each rgba (1 = on, 0 = off).
    const expected: Record<string, [number, number, number]> = {
      box: [1, 0, 0],
      sphere: [0, 1, 0],
      cylinder: [0, 0, 1],
      ellipsoid: [1, 1, 0],
      capsule: [1, 0, 1],
      glass: [0, 1, 0],
    };
    for (const [name, channels] of Object.entries(expected)) {
      const [x, y] = project(sim, cameraId, geomCentre(sim, name), width, height);
      const colour = pixel(frame, width, x, y);
      for (let c = 0; c < 3; c++) {
        if (channels[c]) assert.ok(colour[c] > 60, `${name} channel ${c} bright: ${colour}`);
        else assert.ok(colour[c] < 0.5 * Math.max(...colour), `${name} channel ${c} dark: ${colour}`);
      }
    }
    // Alpha is ignored: the see-through sphere looks like its opaque mirror twin (blended with the
    // black background it would be darker).
    const [glass, twin] = ['glass', 'twin'].map((name) => {
      const [x, y] = project(sim, cameraId, geomCentre(sim, name), width, height);
      return pixel(frame, width, x, y);
    });
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(glass[c] - twin[c]) <= 6, `glass ${glass} vs twin ${twin}`);
  });

  test('a model without a "track" camera gets MuJoCo\'s free camera; unknown cameras and bodies are clear errors', () => {
    const renderer = new Renderer(sim, { width: 32, height: 32 });
    assert.equal(renderer.camera.type, 'free');
    assert.equal(renderer.render().length, 32 * 32 * 3);
    renderer.close();
    assert.throws(() => new Renderer(sim, { camera: 'nope' }), /no camera named "nope".*front/);
    assert.throws(() => new Renderer(sim, { camera: { type: 'free', trackBody: 'nobody' } }), /no body named "nobody"/);
    assert.throws(() => new Renderer(sim, { width: 0 }), /width must be an integer/);
    assert.throws(() => new Renderer(sim, { camera: { type: 'free', distance: -1 } }), /distance must be > 0/);
    assert.throws(() => new Renderer(sim, { size: 3 } as never), /unknown option\(s\) size/);
    const flat = new Renderer(sim, { width: 32, height: 32, camera: 'flat' });
    assert.throws(() => flat.render(), /draws perspective cameras only; this camera is orthographic/);
    flat.close();
  });
});

describe('renderer lifecycle and env helpers', () => {
  test('close() deletes the MuJoCo scene objects and frees their memory', async () => {
    const sim = await MujocoSim.fromFile('half_cheetah.xml');
    try {
      sim.setState(sim.qpos(), sim.qvel());
      const renderer = new Renderer(sim, { width: 16, height: 16 });
      // Private handles, looked at only here: embind objects report whether they were deleted.
      const handles = renderer as unknown as Record<
        'scene' | 'option' | 'perturb' | 'mjCamera',
        { isDeleted(): boolean }
      >;
      renderer.render();
      // The scene the ray caster drew: the cheetah's geoms and the floor, under the model's light.
      const scene = renderer.currentScene();
      assert.ok(scene.ngeom >= 9, `${scene.ngeom} geoms`);
      assert.ok(scene.nlight >= 1, `${scene.nlight} lights`);
      renderer.close();
      for (const key of ['scene', 'option', 'perturb', 'mjCamera'] as const)
        assert.ok(handles[key].isDeleted(), `${key} deleted`);
      assert.throws(() => renderer.render(), /Renderer is closed/);
      assert.throws(() => renderer.currentScene(), /Renderer is closed/);
      renderer.close();
      // WASM memory only grows: many renderers created and closed must not grow it (an MjvScene
      // with room for 1000 geoms is far larger than what MuJoCo allocates per render).
      const memory = () => (sim.data.qpos as Float64Array).buffer.byteLength;
      const start = memory();
      for (let i = 0; i < 200; i++) new Renderer(sim, { width: 4, height: 4 }).close();
      assert.equal(memory(), start);
    } finally {
      sim.close();
    }
  });

  test('createRenderer / renderFrame take a (wrapped) MuJoCo env; other objects are rejected', async () => {
    const env = await makeEnv('HalfCheetah-v5');
    try {
      env.reset({ seed: 0 });
      const renderer = createRenderer(env, { width: 64, height: 48 });
      const frame = renderer.render();
      renderer.close();
      assert.equal(frame.length, 64 * 48 * 3);
      // The frame of the env's own simulation (found through the wrappers), not a blank one.
      const direct = new Renderer((env.unwrapped as unknown as { sim: MujocoSim }).sim, { width: 64, height: 48 });
      assert.deepEqual(frame, direct.render());
      direct.close();
      assert.ok(new Set(frame).size > 20, `${new Set(frame).size} distinct byte values`);
      assert.deepEqual(renderFrame(env, { width: 64, height: 48 }), frame);
      assert.throws(() => createRenderer({ unwrapped: {} }), /needs a MuJoCo env/);
    } finally {
      env.close();
    }
  });

  test('a simulation whose kinematics were never computed is a clear error', async () => {
    const sim = await MujocoSim.fromFile('half_cheetah.xml');
    const renderer = new Renderer(sim, { width: 8, height: 8 });
    try {
      assert.throws(() => renderer.render(), /kinematics were never computed/);
    } finally {
      renderer.close();
      sim.close();
    }
  });

  test('PNG encoding round-trips', () => {
    const rgb = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const decoded = decodePng(encodePng(rgb, 4, 3));
    assert.deepEqual([decoded.width, decoded.height], [4, 3]);
    assert.deepEqual(Array.from(decoded.data), Array.from(rgb));
    assert.throws(() => encodePng(rgb, 5, 3), /needs 45 bytes/);
  });
});
