/**
 * Visibility: for every pixel, the nearest geom along its camera ray, its ray parameter and the
 * part entered, into the frame's depth, ids and parts buffers.
 */
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
 * Nearest hits of plane p (usually most of the frame, so one tight loop). The hit of the ray
 * o + t d is at t = n.(p0 - o) / n.d, at in-plane coordinates a.(o - p0) + t a.d and
 * b.(o - p0) + t b.d; every ray starts at the eye, and along a row n.d, a.d and b.d are linear in
 * the pixel's x.
 */
function planeVisibility(f: Frame, p: number): void {
  const g = f.g;
  const o = p * GEOM_STRIDE;
  const { eye, d0, dx, dy, near } = f.camera;
  const dot = (axis: number, v: Float64Array) =>
    g[o + G_MAT + axis] * v[0] + g[o + G_MAT + 3 + axis] * v[1] + g[o + G_MAT + 6 + axis] * v[2];
  const offset = (axis: number) =>
    g[o + G_MAT + axis] * (eye.x - g[o + G_POS]) +
    g[o + G_MAT + 3 + axis] * (eye.y - g[o + G_POS + 1]) +
    g[o + G_MAT + 6 + axis] * (eye.z - g[o + G_POS + 2]);
  // Plane axes 0, 1 (in-plane) and 2 (normal): the eye's coordinate, and the ray's at pixel (0, 0)
  // and its steps along x and y.
  const num = -offset(2);
  const [nd0, ndX, ndY] = [dot(2, d0), dot(2, dx), dot(2, dy)];
  const [ao, ad0, adX, adY] = [offset(0), dot(0, d0), dot(0, dx), dot(0, dy)];
  const [bo, bd0, bdX, bdY] = [offset(1), dot(1, d0), dot(1, dx), dot(1, dy)];
  const s0 = f.geoms.size[3 * p];
  const s1 = f.geoms.size[3 * p + 1];
  const { width, height, depth, ids, parts } = f;
  for (let py = 0; py < height; py++) {
    const sy = py + 0.5;
    const ndRow = nd0 + ndY * sy;
    const adRow = ad0 + adY * sy;
    const bdRow = bd0 + bdY * sy;
    // Rows where no ray descends onto the plane (n.d >= 0 at both ends: it is linear) are skipped.
    if (ndRow + ndX * 0.5 >= 0 && ndRow + ndX * (width - 0.5) >= 0) continue;
    for (let px = 0, i = py * width; px < width; px++, i++) {
      const sx = px + 0.5;
      const nd = ndRow + ndX * sx;
      if (nd >= 0) continue;
      const t = num / nd;
      if (!(t > near) || t >= depth[i]) continue;
      if (s0 > 0) {
        const a = ao + t * (adRow + adX * sx);
        if (a > s0 || a < -s0) continue;
      }
      if (s1 > 0) {
        const b = bo + t * (bdRow + bdX * sx);
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
    const [rx, ry, rz] = [wx - c.eye.x, wy - c.eye.y, wz - c.eye.z];
    const d = rx * c.forward.x + ry * c.forward.y + rz * c.forward.z;
    if (d - r <= c.near) return false;
    bound = Math.max(bound, (r * (rx * rx + ry * ry + rz * rz)) / (d * d * (d - r) * c.pixelSize));
  }
  outline[4] = 1.1 * bound + 1.5;
  return true;
}
