/**
 * Visibility: for every pixel, the nearest geom along its camera ray, its ray parameter and the
 * part entered, into the frame's depth, ids and parts buffers; and the nearest geom along any
 * one ray (behind a transparent geom, in the mirror) from the screen bins.
 */
import type { TileBins } from './camera.js';
import { type Frame, SKY } from './frame.js';
import { G_MAT, G_POS, G_SIZE, GEOM_STRIDE } from './scene.js';
import { Ray } from './shapes.js';

/** Fill the visibility buffers: the planes over the whole screen, then each solid geom over its screen box. */
export function visibilityPass(f: Frame): void {
  f.depth.fill(Infinity);
  f.ids.fill(SKY);
  for (const p of f.geoms.planes) planeVisibility(f, p);
  const box = f.primary.box;
  for (let i = 0; i < f.geoms.n; i++) if (box[4 * i] <= box[4 * i + 2]) geomVisibility(f, i);
}

/**
 * Nearest hits of plane p (usually most of the frame, so one tight loop). Along a row, every
 * quantity of the ray-plane intersection is linear in the pixel's x: n.(p0 - o), n.d, and the
 * in-plane coordinates a.(o - p0) + t a.d, b.(o - p0) + t b.d of the hit.
 */
function planeVisibility(f: Frame, p: number): void {
  const g = f.g;
  const o = p * GEOM_STRIDE;
  const { o0, ox, oy, d0, dx, dy, tMin } = f.camera;
  const dot = (axis: number, v: Float64Array) =>
    g[o + G_MAT + axis] * v[0] + g[o + G_MAT + 3 + axis] * v[1] + g[o + G_MAT + 6 + axis] * v[2];
  const offset = (axis: number) =>
    g[o + G_MAT + axis] * (o0[0] - g[o + G_POS]) +
    g[o + G_MAT + 3 + axis] * (o0[1] - g[o + G_POS + 1]) +
    g[o + G_MAT + 6 + axis] * (o0[2] - g[o + G_POS + 2]);
  // Plane axes 0, 1 (in-plane) and 2 (normal): value at pixel (0, 0) and steps along x and y.
  const [num0, numX, numY] = [-offset(2), -dot(2, ox), -dot(2, oy)];
  const [nd0, ndX, ndY] = [dot(2, d0), dot(2, dx), dot(2, dy)];
  const [ao0, aoX, aoY, ad0, adX, adY] = [offset(0), dot(0, ox), dot(0, oy), dot(0, d0), dot(0, dx), dot(0, dy)];
  const [bo0, boX, boY, bd0, bdX, bdY] = [offset(1), dot(1, ox), dot(1, oy), dot(1, d0), dot(1, dx), dot(1, dy)];
  const s0 = f.geoms.size[3 * p];
  const s1 = f.geoms.size[3 * p + 1];
  const { width, height, depth, ids, parts } = f;
  for (let py = 0; py < height; py++) {
    const sy = py + 0.5;
    const numRow = num0 + numY * sy;
    const ndRow = nd0 + ndY * sy;
    const aoRow = ao0 + aoY * sy;
    const adRow = ad0 + adY * sy;
    const boRow = bo0 + boY * sy;
    const bdRow = bd0 + bdY * sy;
    // Rows where no ray descends onto the plane (n.d >= 0 at both ends: it is linear) are skipped.
    if (ndRow + ndX * 0.5 >= 0 && ndRow + ndX * (width - 0.5) >= 0) continue;
    for (let px = 0, i = py * width; px < width; px++, i++) {
      const sx = px + 0.5;
      const nd = ndRow + ndX * sx;
      if (nd >= 0) continue;
      const t = (numRow + numX * sx) / nd;
      if (!(t > tMin) || t >= depth[i]) continue;
      if (s0 > 0) {
        const a = aoRow + aoX * sx + t * (adRow + adX * sx);
        if (a > s0 || a < -s0) continue;
      }
      if (s1 > 0) {
        const b = boRow + boX * sx + t * (bdRow + bdX * sx);
        if (b > s1 || b < -s1) continue;
      }
      depth[i] = t;
      ids[i] = p;
      parts[i] = 0;
    }
  }
}

const ray = new Ray();
/** Projected core segment (x0, y0, x1, y1) and outline radius of a round geom, in pixels. */
const outline = new Float64Array(5);
const xy = new Float64Array(2);

/**
 * Nearest hits of solid geom i over its screen box. Round geoms first test each pixel against
 * their outline on screen: pixels farther than the outline radius from the projected core segment
 * cannot see them.
 */
function geomVisibility(f: Frame, i: number): void {
  const b = f.primary.box;
  const { width, depth, ids, parts, camera, g, geoms } = f;
  const round = projectOutline(f, i);
  const [ax, ay] = outline;
  const ex = outline[2] - ax;
  const ey = outline[3] - ay;
  const radius2 = outline[4] * outline[4];
  const length2 = ex * ex + ey * ey;
  for (let py = b[4 * i + 1]; py <= b[4 * i + 3]; py++) {
    const sy = py + 0.5;
    for (let px = b[4 * i]; px <= b[4 * i + 2]; px++) {
      const sx = px + 0.5;
      if (round) {
        // Squared distance from the pixel centre to the projected segment.
        const qx = sx - ax;
        const qy = sy - ay;
        const u = length2 > 0 ? Math.max(0, Math.min(1, (qx * ex + qy * ey) / length2)) : 0;
        const fx = qx - u * ex;
        const fy = qy - u * ey;
        if (fx * fx + fy * fy > radius2) continue;
      }
      camera.pixelRay(px, py, ray);
      geoms.intersect(g, i, ray);
      const k = py * width + px;
      if (ray.t < depth[k]) {
        depth[k] = ray.t;
        ids[k] = i;
        parts[k] = ray.part;
      }
    }
  }
}

/**
 * For a round geom in front of the camera, its projected core segment and a radius in pixels
 * that contains its image, into `outline`; false when no such bound is used. The image of a
 * sphere of radius r at depth d and angle a off the view axis fits within r / ((d - r) cos^2 a)
 * of its projected centre, in units of the focal length.
 */
function projectOutline(f: Frame, i: number): boolean {
  const { g, camera: c } = f;
  const h = f.geoms.segment[i];
  if (h < 0) return false;
  const o = i * GEOM_STRIDE;
  const r = g[o + G_SIZE];
  let bound = 0;
  for (let end = 0; end < 2; end++) {
    const sign = end === 0 ? -1 : 1;
    const wx = g[o + G_POS] + sign * h * g[o + G_MAT + 2];
    const wy = g[o + G_POS + 1] + sign * h * g[o + G_MAT + 5];
    const wz = g[o + G_POS + 2] + sign * h * g[o + G_MAT + 8];
    if (!c.project(wx, wy, wz, xy)) return false;
    outline[2 * end] = xy[0];
    outline[2 * end + 1] = xy[1];
    if (c.ortho) {
      bound = Math.max(bound, r / c.pixelSize);
      continue;
    }
    const [rx, ry, rz] = [wx - c.eye.x, wy - c.eye.y, wz - c.eye.z];
    const d = rx * c.forward.x + ry * c.forward.y + rz * c.forward.z;
    if (d - r <= c.near) return false;
    bound = Math.max(bound, (r * (rx * rx + ry * ry + rz * rz)) / (d * d * (d - r) * c.pixelSize));
  }
  outline[4] = 1.1 * bound + 1.5;
  return true;
}

/**
 * The nearest geom hit by `r` (t > r.tMin) among the planes (if `planes`) and the geoms of
 * `bins` whose box holds pixel (px, py): its id (-1 for none) with r.t and r.part set.
 */
export function nearest(f: Frame, bins: TileBins, r: Ray, px: number, py: number, planes: boolean): number {
  const { g, geoms } = f;
  let bestT = Infinity;
  let best = -1;
  let bestPart = 0;
  const tile = f.tile(px, py);
  const count = planes ? geoms.planes.length : 0;
  for (let k = -count; k < bins.start[tile + 1] - bins.start[tile]; k++) {
    const i = k < 0 ? geoms.planes[k + count] : bins.items[bins.start[tile] + k];
    if (k >= 0 && !bins.covers(i, px, py)) continue;
    geoms.intersect(g, i, r);
    if (r.t < bestT) {
      bestT = r.t;
      best = i;
      bestPart = r.part;
    }
  }
  r.t = bestT;
  r.part = bestPart;
  return best;
}
