/**
 * Shading of solid geoms and the sky: the colour of every pixel that does not show a plane (planes
 * are lib/render/planes.ts's), from the visibility, shadow and reflection buffers. Solid geoms
 * are shaded a run of pixels at a time, lit at their surface normals by lighting.ts and textured
 * by texture.ts; what the mirror shows, a point at a time (`shadeGeom`). Geoms are drawn
 * opaque whatever their alpha: no task of the Gymnasium suite has a partly transparent geom (geoms
 * of alpha 0 are not drawn at all, lib/render/geoms.ts).
 */
import { type Frame, SKY, writePixel } from './frame.js';
import { light, Surfaces } from './lighting.js';
import { G_TEXTURE, GEOM_STRIDE } from './scene.js';
import { Ray, Vec3 } from './shapes.js';
import { textureColour } from './texture.js';

/** A single point being shaded; shadeGeom leaves its colour in its r, g, b. */
const one = new Surfaces(1);
const normal = new Vec3();
const texel = new Float64Array(3);
const ray = new Ray();

/** The point last shaded, its colour in r[0], g[0], b[0]. */
export function shaded(): Surfaces {
  return one;
}

/**
 * Colour every pixel of a solid geom or the sky into out (planes: lib/render/planes.ts), and record
 * in f.keys what each shows (for anti-aliasing).
 */
export function shadePass(f: Frame, out: Uint8Array): void {
  const { width, height, ids, keys, skyBytes, geoms } = f;
  for (let py = 0; py < height; py++) {
    for (let px = 0, k = py * width; px < width; px++, k++) {
      const id = ids[k];
      if (id === SKY) {
        // Copy the whole run of background pixels at once.
        let end = k + 1;
        while (end < (py + 1) * width && ids[end] === SKY) end++;
        out.set(skyBytes.subarray(3 * k, 3 * end), 3 * k);
        keys.fill(0, k, end);
        px += end - k - 1;
        k = end - 1;
        continue;
      }
      if (geoms.isPlane[id] === 1) continue;
      // The run of pixels of this geom along the row, lit in one call.
      let end = px + 1;
      while (end < width && ids[k + end - px] === id) end++;
      shadeRun(f, id, py, px, end, out);
      k += end - px - 1;
      px = end - 1;
    }
  }
}

/** Per-run scratch of the solid-geom pass: the run's points, then their texture colours. */
let run = new Surfaces(0);
let runTexels = new Float64Array(0);

/**
 * Shade the pixels px0..px1-1 of row py, which all show opaque solid geom i, as shadeGeom does
 * one pixel, but with one lighting call for the whole run (the call, not the arithmetic, is most
 * of the cost of a single point).
 */
function shadeRun(f: Frame, i: number, py: number, px0: number, px1: number, out: Uint8Array): void {
  if (run.capacity < f.width) [run, runTexels] = [new Surfaces(f.width), new Float64Array(3 * f.width)];
  const s = run;
  const count = px1 - px0;
  s.geom = i;
  s.count = count;
  s.buffered = false;
  s.flat = false;
  for (let c = 0; c < count; c++) {
    const k = py * f.width + px0 + c;
    f.camera.pixelRay(px0 + c, py, ray);
    ray.t = f.depth[k];
    ray.part = f.parts[k];
    surfacePoint(f, s, c, i, ray, px0 + c, py);
    textureAt(f, i, s, c, texel);
    runTexels.set(texel, 3 * c);
  }
  light(f, s, true);
  for (let c = 0; c < count; c++) {
    const k = py * f.width + px0 + c;
    f.keys[k] = i + 1;
    writePixel(out, 3 * k, runTexels[3 * c] * s.r[c], runTexels[3 * c + 1] * s.g[c], runTexels[3 * c + 2] * s.b[c]);
  }
}

/** Point c of s: where ray r of pixel (px, py) hits solid geom i (r.t, r.part), with its normal. */
function surfacePoint(f: Frame, s: Surfaces, c: number, i: number, r: Ray, px: number, py: number): void {
  hitPoint(f, s, c, r, px, py);
  normal.x = s.x[c];
  normal.y = s.y[c];
  normal.z = s.z[c];
  f.geoms.normal(f.g, i, r.part, normal);
  // A ray grazing a silhouette can land just past it: light the side that faces the eye.
  const flip = normal.x * s.vx[c] + normal.y * s.vy[c] + normal.z * s.vz[c] < 0 ? -1 : 1;
  s.nx[c] = flip * normal.x;
  s.ny[c] = flip * normal.y;
  s.nz[c] = flip * normal.z;
}

/** Set point i of s to where ray r hits geom i (at r.t), with the view direction and pixel footprint. */
export function hitPoint(f: Frame, s: Surfaces, i: number, r: Ray, px: number, py: number): void {
  s.px[i] = px;
  s.py[i] = py;
  s.pixel[i] = py * f.width + px;
  s.x[i] = r.ox + r.t * r.dx;
  s.y[i] = r.oy + r.t * r.dy;
  s.z[i] = r.oz + r.t * r.dz;
  const inv = 1 / Math.sqrt(r.dx * r.dx + r.dy * r.dy + r.dz * r.dz);
  s.vx[i] = -r.dx * inv;
  s.vy[i] = -r.dy * inv;
  s.vz[i] = -r.dz * inv;
  s.footprint[i] = r.t * f.camera.pixelSize;
}

/** Colour of solid geom i where ray r hits it (r.t, r.part); without shadows in the mirror, as MuJoCo. */
export function shadeGeom(f: Frame, i: number, r: Ray, shadows: boolean, px: number, py: number): void {
  const s = one;
  s.geom = i;
  s.count = 1;
  s.buffered = false;
  s.flat = false;
  surfacePoint(f, s, 0, i, r, px, py);
  textureAt(f, i, s, 0, texel);
  light(f, s, shadows);
  s.r[0] *= texel[0];
  s.g[0] *= texel[1];
  s.b[0] *= texel[2];
}

/** The texture colour of geom i at point j of s into out (white when untextured). */
export function textureAt(f: Frame, i: number, s: Surfaces, j: number, out: Float64Array): void {
  const o = i * GEOM_STRIDE;
  const id = f.g[o + G_TEXTURE];
  if (id >= 0) textureColour(f.g, o, f.scene.textures[id], s, j, out);
  else {
    out[0] = 1;
    out[1] = 1;
    out[2] = 1;
  }
}
