/**
 * Reflection: a reflective plane adds `reflectance` times the colour seen along the mirrored ray
 * (MuJoCo draws the mirrored scene below the plane and blends the plane on top of it, without
 * shadows). One pass finds the nearest geom along the mirrored ray of each pixel of the plane,
 * geom by geom over the screen box of its mirror image; shading reads it from there.
 */
import type { Frame } from './frame.js';
import { G_REFLECTANCE, GEOM_STRIDE } from './scene.js';
import { shadeGeom, shaded } from './shading.js';
import { SHADOW_EPS } from './shadows.js';
import { Ray } from './shapes.js';

const mirrored = new Ray();

/** Set `mirrored` to the mirror image of the camera ray r, from where it hits the reflective plane (at r.t). */
function mirror(f: Frame, r: Ray): void {
  const { mnx, mny, mnz } = f.geoms;
  const dn = r.dx * mnx + r.dy * mny + r.dz * mnz;
  mirrored.ox = r.ox + r.t * r.dx;
  mirrored.oy = r.oy + r.t * r.dy;
  mirrored.oz = r.oz + r.t * r.dz;
  mirrored.dx = r.dx - 2 * dn * mnx;
  mirrored.dy = r.dy - 2 * dn * mny;
  mirrored.dz = r.dz - 2 * dn * mnz;
  mirrored.tMin = SHADOW_EPS;
}

const ray = new Ray();

/** Fill the reflection buffers: for each pixel of the reflective plane, the nearest geom in the mirror. */
export function reflectionPass(f: Frame): void {
  const m = f.geoms.mirror;
  if (m < 0) return;
  const { width, depth, ids, reflDepth, reflIds, reflParts, camera, g, geoms } = f;
  const box = f.mirrored.box;
  reflIds.fill(-1);
  for (let i = 0; i < geoms.n; i++) {
    for (let py = box[4 * i + 1]; py <= box[4 * i + 3]; py++) {
      for (let px = box[4 * i], k = py * width + px; px <= box[4 * i + 2]; px++, k++) {
        if (ids[k] !== m) continue;
        camera.pixelRay(px, py, ray);
        ray.t = depth[k];
        mirror(f, ray);
        geoms.intersect(g, i, mirrored);
        if (mirrored.t < Infinity && (reflIds[k] < 0 || mirrored.t < reflDepth[k])) {
          reflDepth[k] = mirrored.t;
          reflIds[k] = i;
          reflParts[k] = mirrored.part;
        }
      }
    }
  }
}

/**
 * What pixel (px, py) sees in reflective plane p, times the plane's reflectance, into the shading
 * point's colour (`shaded()`); the reflection pass found a geom there.
 */
export function mirrorColour(f: Frame, p: number, px: number, py: number): void {
  const k = py * f.width + px;
  f.camera.pixelRay(px, py, ray);
  ray.t = f.depth[k];
  mirror(f, ray);
  mirrored.t = f.reflDepth[k];
  mirrored.part = f.reflParts[k];
  shadeGeom(f, f.reflIds[k], mirrored, false, px, py);
  const s = shaded();
  const reflectance = f.g[p * GEOM_STRIDE + G_REFLECTANCE];
  s.r[0] *= reflectance;
  s.g[0] *= reflectance;
  s.b[0] *= reflectance;
}

/** Key of what a ray from the eye sees in the mirror, among the first `count` candidates (anti-aliasing): geom + 1, or 0. */
export function mirrorKey(f: Frame, r: Ray, candidates: Int32Array, count: number): number {
  mirror(f, r);
  let best = -1;
  let bestT = Infinity;
  for (let n = 0; n < count; n++) {
    f.geoms.intersect(f.g, candidates[n], mirrored);
    if (mirrored.t >= bestT) continue;
    bestT = mirrored.t;
    best = candidates[n];
  }
  return best + 1;
}
