/**
 * The plane pass: the colour of every pixel of a plane (the floor: most pixels of a frame), from
 * the visibility, shadow and reflection buffers. It draws what lighting.ts's `light` and
 * texture.ts would give, to the last bit, in fewer operations: a plane is flat,
 * so under directional lights each light's angle to it is the same everywhere (`PlaneLighting`),
 * and along a row of pixels the camera ray is linear. Planes under a positional light, with more
 * shadow-casting lights than shadow buffers, or with a cube texture are lit by `light`, a row of
 * points per call (Pusher's table, under a spot light, is one).
 */
import type { Camera } from './camera.js';
import { type Frame, writePixel } from './frame.js';
import { light, specularPower, Surfaces } from './lighting.js';
import { mirrorColour } from './reflection.js';
import {
  G_EMISSION,
  G_MAT,
  G_POS,
  G_RGBA,
  G_SHININESS,
  G_SPECULAR,
  G_TEXTURE,
  GEOM_STRIDE,
  L_AMBIENT,
  L_DIFFUSE,
  L_SPECULAR,
  LIGHT_STRIDE,
  TEXTURE_2D,
} from './scene.js';
import { hitPoint, shaded, textureAt } from './shading.js';
import { Ray } from './shapes.js';
import { planarScale, type RayTexture, sampleTrilinearMany } from './texture.js';

/** Colour every pixel of every plane into out, and record in f.keys what each shows. */
export function shadePlanes(f: Frame, out: Uint8Array): void {
  for (const p of f.geoms.planes) shadePlane(f, p, out);
}

const ray = new Ray();
const texel = new Float64Array(3);

/*
 * The directional lights that vary over a plane, one record each in `terms` (fields at the P_*
 * offsets, in one array so that the per-pixel code reads them through one base pointer).
 */
/** 1 if shadows can block the light (its shadow buffer is then in `buffers`), 1 if it gives highlights. */
const P_SHADOWED = 0;
const P_HIGHLIGHT = 1;
/** Unit direction towards the light. */
const P_DIR = 2;
/** rgba * (ambient + diffuse N.L) of a shadowed light, then the light's specular colour. */
const P_LIT = 5;
const P_SPECULAR = 8;
const P_STRIDE = 11;

/**
 * `light` for the pixels of a plane under directional lights only (most of a frame), a pixel at a
 * time: a light's angle to the plane is the same everywhere, so `prepare` sums what is constant
 * and `at` needs only the pixel's shadow factors and direction to the eye. It adds the lights in
 * the order `light` does, so the sums are the same to the last bit.
 */
export class PlaneLighting {
  /** The colour of the last pixel lit (before texturing). */
  r = 0;
  g = 0;
  b = 0;
  private count = 0;
  private terms = new Float64Array(8 * P_STRIDE);
  private buffers: Float32Array[] = [];
  private base = new Float64Array(3);
  private normal = new Float64Array(3);
  private specular = 0;
  private shininess = 0;
  private cut2 = 0;

  /**
   * Prepare plane p (normal nx, ny, nz) of frame f. False when `at` cannot light it: a positional
   * light, or a shadow without a buffer (then use `light`).
   */
  prepare(f: Frame, p: number, nx: number, ny: number, nz: number): boolean {
    const g = f.g;
    const o = p * GEOM_STRIDE;
    const { n, data, hasAmbient, castsShadow, dir, slot } = f.lights;
    if (!f.lights.allDirectional) return false;
    if (this.terms.length < n * P_STRIDE) this.terms = new Float64Array(2 * n * P_STRIDE);
    const t = this.terms;
    this.normal.set([nx, ny, nz]);
    this.specular = g[o + G_SPECULAR];
    this.shininess = 128 * g[o + G_SHININESS];
    // N.H^shininess ~ exp(-shininess (1 - N.H)) is below 1/1000 unless N.H > 1 - 7 / shininess.
    this.cut2 = this.shininess > 7 ? (1 - 7 / this.shininess) ** 2 : 0;
    const base = n === 0 ? 0.3 + g[o + G_EMISSION] : g[o + G_EMISSION];
    this.base.fill(base);
    let count = 0;
    for (let l = 0; l < n; l++) {
      const lo = l * LIGHT_STRIDE;
      const ndl = nx * dir[3 * l] + ny * dir[3 * l + 1] + nz * dir[3 * l + 2];
      const lit = ndl > 0 || hasAmbient[l] === 1;
      const shadowed = castsShadow[l] === 1;
      if (shadowed && slot[l] < 0) return false;
      const spec = data[lo + L_SPECULAR] !== 0 || data[lo + L_SPECULAR + 1] !== 0 || data[lo + L_SPECULAR + 2] !== 0;
      const highlight = ndl > 0 && this.specular > 0 && spec;
      const diffuse = ndl > 0 ? ndl : 0;
      for (let c = 0; c < 3 && lit && !shadowed; c++)
        this.base[c] += data[lo + L_AMBIENT + c] + diffuse * data[lo + L_DIFFUSE + c];
      if (!(shadowed && lit) && !highlight) continue;
      const q = count * P_STRIDE;
      t[q + P_SHADOWED] = shadowed && lit ? 1 : 0;
      t[q + P_HIGHLIGHT] = highlight ? 1 : 0;
      for (let c = 0; c < 3; c++) {
        t[q + P_DIR + c] = dir[3 * l + c];
        t[q + P_LIT + c] = g[o + G_RGBA + c] * (data[lo + L_AMBIENT + c] + diffuse * data[lo + L_DIFFUSE + c]);
        t[q + P_SPECULAR + c] = data[lo + L_SPECULAR + c];
      }
      if (shadowed && lit) this.buffers[count] = f.shadowBuffers[slot[l]];
      count++;
    }
    // rgba multiplies the emission, ambient and diffuse terms, so the specular terms add to the same sums.
    for (let c = 0; c < 3; c++) this.base[c] *= g[o + G_RGBA + c];
    this.count = count;
    return true;
  }

  /** Light pixel k, seen along unit direction (vx, vy, vz) from the point to the eye, into r, g, b. */
  at(k: number, vx: number, vy: number, vz: number): void {
    const t = this.terms;
    const normal = this.normal;
    let r = this.base[0];
    let g = this.base[1];
    let b = this.base[2];
    for (let j = 0, q = 0; j < this.count; j++, q += P_STRIDE) {
      let factor = 1;
      if (t[q + P_SHADOWED] === 1) {
        factor = this.buffers[j][k];
        r += factor * t[q + P_LIT];
        g += factor * t[q + P_LIT + 1];
        b += factor * t[q + P_LIT + 2];
      }
      if (t[q + P_HIGHLIGHT] === 0 || factor === 0) continue;
      const hx = t[q + P_DIR] + vx;
      const hy = t[q + P_DIR + 1] + vy;
      const hz = t[q + P_DIR + 2] + vz;
      const power = specularPower(normal[0], normal[1], normal[2], hx, hy, hz, this.shininess, this.cut2);
      if (power === 0) continue;
      const s = factor * this.specular * power;
      r += s * t[q + P_SPECULAR];
      g += s * t[q + P_SPECULAR + 1];
      b += s * t[q + P_SPECULAR + 2];
    }
    this.r = r;
    this.g = g;
    this.b = b;
  }
}

/** The plane pass's lighting, and its per-row scratch: columns on the plane, 1 / ray length, texture coordinates then colours, and the row's points for the general path. */
const planeLighting = new PlaneLighting();
let columns = new Int32Array(0);
let inverseLengths = new Float64Array(0);
let coords = new Float64Array(0);
let row = new Surfaces(0);

/**
 * Shade every pixel of opaque plane p, a row at a time: first the row's pixels on the plane and
 * their texture coordinates, then one texture lookup for the row, then each pixel lit and
 * written. Along a row the camera ray is linear in x, so it is stepped rather than built per
 * pixel, and kept in locals rather than arrays: the row pass is most of a frame, and this loop
 * draws frames 1.08-1.11x faster than passes over arrays of points did (same pixels).
 */
function shadePlane(f: Frame, p: number, out: Uint8Array): void {
  const { width, height, depth, ids, keys, g, camera, reflIds } = f;
  const o = p * GEOM_STRIDE;
  const { texture, ks, kt, rho } = planeTexture(f, p);
  if (columns.length < width)
    [columns, inverseLengths, coords] = [new Int32Array(width), new Float64Array(width), new Float64Array(3 * width)];
  const [nx, ny, nz] = [g[o + G_MAT + 2], g[o + G_MAT + 5], g[o + G_MAT + 8]];
  const [ax, ay, az] = [g[o + G_MAT], g[o + G_MAT + 3], g[o + G_MAT + 6]];
  const [bx, by, bz] = [g[o + G_MAT + 1], g[o + G_MAT + 4], g[o + G_MAT + 7]];
  const [cx, cy, cz] = [g[o + G_POS], g[o + G_POS + 1], g[o + G_POS + 2]];
  // Under directional lights, with a 2D texture or none: the per-pixel path; else `light`, a row per call.
  const fast = planeLighting.prepare(f, p, nx, ny, nz) && (texture !== undefined || g[o + G_TEXTURE] < 0);
  const mirror = p === f.geoms.mirror;
  const { eye, d0, dx, dy } = camera;
  // Loop constants in locals: V8 does not hoist loads out of loops.
  const [ex, ey, ez, stepX, stepY, stepZ] = [eye.x, eye.y, eye.z, dx[0], dx[1], dx[2]];
  for (let py = 0; py < height; py++) {
    const sy = py + 0.5;
    const [dx0, dy0, dz0] = [d0[0] + dy[0] * sy, d0[1] + dy[1] * sy, d0[2] + dy[2] * sy];
    let count = 0;
    for (let px = 0, k = py * width; px < width; px++, k++) {
      if (ids[k] !== p) continue;
      const sx = px + 0.5;
      const rx = dx0 + stepX * sx;
      const ry = dy0 + stepY * sx;
      const rz = dz0 + stepZ * sx;
      const inv = 1 / Math.sqrt(rx * rx + ry * ry + rz * rz);
      columns[count] = px;
      inverseLengths[count] = inv;
      if (texture !== undefined) {
        const t = depth[k];
        const wx = ex + t * rx - cx;
        const wy = ey + t * ry - cy;
        const wz = ez + t * rz - cz;
        const ndv = nx * (-rx * inv) + ny * (-ry * inv) + nz * (-rz * inv);
        coords[3 * count] = ks * (ax * wx + ay * wy + az * wz) - 0.5;
        coords[3 * count + 1] = -kt * (bx * wx + by * wy + bz * wz) - 0.5;
        coords[3 * count + 2] = (rho * t) / (ndv > 1e-3 ? ndv : 1e-3);
      } else coords[3 * count] = coords[3 * count + 1] = coords[3 * count + 2] = 1;
      count++;
    }
    if (texture !== undefined) sampleTrilinearMany(texture, coords, count, coords);
    if (!fast) lightRow(f, p, py, count);
    for (let c = 0; c < count; c++) {
      const px = columns[c];
      const k = py * width + px;
      const sx = px + 0.5;
      const rx = dx0 + stepX * sx;
      const ry = dy0 + stepY * sx;
      const rz = dz0 + stepZ * sx;
      const inv = inverseLengths[c];
      // The texture's colour (white without a 2D texture) times the light.
      let red = coords[3 * c];
      let grn = coords[3 * c + 1];
      let blue = coords[3 * c + 2];
      if (fast) {
        planeLighting.at(k, -rx * inv, -ry * inv, -rz * inv);
        red *= planeLighting.r;
        grn *= planeLighting.g;
        blue *= planeLighting.b;
      } else {
        rowColour(f, p, c, texture !== undefined);
        red = texel[0];
        grn = texel[1];
        blue = texel[2];
      }
      const reflected = mirror ? reflIds[k] : -1;
      if (reflected >= 0) {
        mirrorColour(f, p, px, py);
        const mirrored = shaded();
        red += mirrored.r[0];
        grn += mirrored.g[0];
        blue += mirrored.b[0];
      }
      keys[k] = (p + 1) | ((reflected + 1) << 16);
      writePixel(out, 3 * k, red, grn, blue);
    }
  }
}

/**
 * Plane p's 2D texture, if it has one, with its object-linear scale (ks, kt) and the texels per
 * pixel at view depth 1 (rho; stretched by 1 / cos(incidence), it selects the mip level as in OpenGL).
 */
function planeTexture(f: Frame, p: number): { texture: RayTexture | undefined; ks: number; kt: number; rho: number } {
  const o = p * GEOM_STRIDE;
  const id = f.g[o + G_TEXTURE];
  const texture = id >= 0 && f.scene.textures[id].type === TEXTURE_2D ? f.scene.textures[id] : undefined;
  const [ks, kt] = planarScale(f.g, o);
  const rho = texture ? f.camera.pixelSize * Math.max(ks * texture.width, kt * texture.height) : 0;
  return { texture, ks, kt, rho };
}

/**
 * The general path (positional lights, more shadow lights than buffers, a cube texture): the
 * row's `count` pixels of plane p (their columns in `columns`) as points of `row`, lit by `light`
 * in one call.
 */
function lightRow(f: Frame, p: number, py: number, count: number): void {
  const o = p * GEOM_STRIDE + G_MAT;
  const { camera, g } = f;
  if (row.capacity < f.width) row = new Surfaces(f.width);
  ray.ox = camera.eye.x;
  ray.oy = camera.eye.y;
  ray.oz = camera.eye.z;
  for (let c = 0; c < count; c++) {
    const px = columns[c];
    ray.dx = stepped(camera, 0, px, py);
    ray.dy = stepped(camera, 1, px, py);
    ray.dz = stepped(camera, 2, px, py);
    ray.t = f.depth[py * f.width + px];
    hitPoint(f, row, c, ray, px, py);
    row.nx[c] = g[o + 2];
    row.ny[c] = g[o + 5];
    row.nz[c] = g[o + 8];
  }
  Object.assign(row, { geom: p, count, flat: true, buffered: true });
  light(f, row, true);
}

/** The colour of point c of `row` (lit by `lightRow`) into texel: its 2D texture's colour in coords when `sampled`, else its geom's texture (or white). */
function rowColour(f: Frame, p: number, c: number, sampled: boolean): void {
  if (!sampled) textureAt(f, p, row, c, texel);
  texel[0] = (sampled ? coords[3 * c] : texel[0]) * row.r[c];
  texel[1] = (sampled ? coords[3 * c + 1] : texel[1]) * row.g[c];
  texel[2] = (sampled ? coords[3 * c + 2] : texel[2]) * row.b[c];
}

/**
 * Component k of the ray direction through the centre of pixel (px, py), its terms added as
 * shadePlane steps them along a row (camera.pixelRay adds them in another order, which can
 * differ in the last bit).
 */
function stepped(camera: Camera, k: number, px: number, py: number): number {
  return camera.d0[k] + camera.dy[k] * (py + 0.5) + camera.dx[k] * (px + 0.5);
}
