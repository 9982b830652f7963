/**
 * Shadows: the fraction of each shadow-casting light that reaches a surface point, along the ray
 * from the point towards the light. Capsules and spheres give a soft edge (the penumbra widens
 * with the distance from the caster, as for a light of small angular size), other shapes a hard
 * one. Plane pixels, most of a frame, get their factors in one pass per caster over the screen box
 * of its shadow (shadow buffers); solid geoms ask only the casters near the line to the light.
 */
import { ScreenBox } from './camera.js';
import { type Frame, SKY } from './frame.js';
import { type LightRay, Surfaces } from './lighting.js';
import { G_MAT, G_POS, G_SIZE, GEOM_STRIDE, L_POS, LIGHT_STRIDE } from './scene.js';
import { Ray } from './shapes.js';

/** Shadow rays start this far from the surface, so that it does not shadow itself. */
export const SHADOW_EPS = 1e-4;

/** Set up a frame's shadows: who may shadow whom, the screen boxes of shadows on planes, the shadow buffers. */
export function prepareShadows(f: Frame): void {
  const { geoms, lights, shadowed } = f;
  while (f.shadowBuffers.length < lights.slots) f.shadowBuffers.push(new Float32Array(f.width * f.height));
  for (let slot = 0; slot < lights.slots; slot++) f.shadowBuffers[slot].fill(1);
  shadowed.clear(geoms.n);
  listCasters(f);
  if (!f.scene.shadows || geoms.planes.length === 0) return;
  for (const c of geoms.casters) shadowBox(f, c);
  shadowed.build(geoms.n);
  if (lights.slots > 0) for (const c of geoms.casters) shadowBufferPass(f, c);
}

/**
 * For each solid geom, the casters whose shadow can fall on it: with directional lights only,
 * those whose bounding sphere meets the cylinder swept by the receiver's bounding sphere towards
 * the light (widened by the penumbra). With any positional shadow light, every caster.
 */
function listCasters(f: Frame): void {
  const { geoms, lights } = f;
  const pos = (i: number, k: number) => f.g[i * GEOM_STRIDE + G_POS + k];
  for (let r = 0; r < geoms.n; r++) {
    f.castersOf[r] ??= [];
    const list = f.castersOf[r];
    list.length = 0;
    if (geoms.shapes[r] === undefined || geoms.isPlane[r] === 1) continue;
    for (const c of geoms.casters) {
      if (c === r) continue;
      const [wx, wy, wz] = [pos(c, 0) - pos(r, 0), pos(c, 1) - pos(r, 1), pos(c, 2) - pos(r, 2)];
      const radii = geoms.radius[r] + geoms.radius[c];
      let possible = false;
      for (let l = 0; l < lights.n && !possible; l++) {
        if (lights.castsShadow[l] === 0) continue;
        if (lights.directional[l] === 0) possible = true;
        const along = wx * lights.dir[3 * l] + wy * lights.dir[3 * l + 1] + wz * lights.dir[3 * l + 2];
        if (possible || along < -radii) continue;
        const reach = radii + f.shadowSoftness * (Math.abs(along) + radii) + 1e-3;
        possible = Math.max(0, wx * wx + wy * wy + wz * wz - along * along) <= reach * reach;
      }
      if (possible) list.push(c);
    }
  }
}

const box = new ScreenBox();
const corner = { x: 0, y: 0, z: 0 };

/** Pixel box of caster c's shadows: the corners of its bounding box cast on every plane by every shadow light. */
function shadowBox(f: Frame, c: number): void {
  const { g, geoms, lights } = f;
  const half = geoms.half;
  box.reset();
  for (let k = 0; k < 8 && !box.whole; k++) {
    const sign = (bit: number) => (k & bit ? 1 : -1);
    geoms.worldPoint(g, c, sign(1) * half[3 * c], sign(2) * half[3 * c + 1], sign(4) * half[3 * c + 2], false, corner);
    for (let l = 0; l < lights.n; l++) {
      if (lights.castsShadow[l] === 0) continue;
      for (const p of geoms.planes) {
        const o = p * GEOM_STRIDE;
        const [nx, ny, nz] = [g[o + G_MAT + 2], g[o + G_MAT + 5], g[o + G_MAT + 8]];
        const planeD = g[o + G_POS] * nx + g[o + G_POS + 1] * ny + g[o + G_POS + 2] * nz;
        const height = corner.x * nx + corner.y * ny + corner.z * nz - planeD;
        if (lights.directional[l] === 1) {
          // Along the light's direction (-dir towards it) down to the plane.
          const [lx, ly, lz] = lights.dir.subarray(3 * l, 3 * l + 3);
          const down = -(lx * nx + ly * ny + lz * nz);
          if (down >= -1e-9) continue;
          const s = height > 0 ? height / down : 0;
          box.add(f.camera, corner.x + s * lx, corner.y + s * ly, corner.z + s * lz);
          continue;
        }
        const lo = l * LIGHT_STRIDE;
        const [qx, qy, qz] = lights.data.subarray(lo + L_POS, lo + L_POS + 3);
        const lightHeight = qx * nx + qy * ny + qz * nz - planeD;
        if (lightHeight <= height + 1e-9) box.whole = true;
        const s = height > 0 ? lightHeight / (lightHeight - height) : 1;
        box.add(f.camera, qx + s * (corner.x - qx), qy + s * (corner.y - qy), qz + s * (corner.z - qz));
      }
    }
  }
  // A margin for the soft edge.
  box.store(f.shadowed, c, 2 + 0.05 * (box.x1 - box.x0 + box.y1 - box.y0), f.width, f.height);
}

let point: Surfaces | undefined;
const toLight = { x: 0, y: 0, z: 0, distance: Infinity, attenuation: 1 } as LightRay;

/** Multiply caster c's transmittance into the shadow buffers of the plane pixels in its shadow box. */
function shadowBufferPass(f: Frame, c: number): void {
  const { width, depth, ids, camera, lights, geoms } = f;
  const b = f.shadowed.box;
  const ray = scratchRay;
  point ??= new Surfaces(1);
  for (let py = b[4 * c + 1]; py <= b[4 * c + 3]; py++) {
    for (let px = b[4 * c]; px <= b[4 * c + 2]; px++) {
      const k = py * width + px;
      const id = ids[k];
      if (id === SKY || geoms.isPlane[id] === 0) continue;
      camera.pixelRay(px, py, ray);
      const t = depth[k];
      point.x[0] = ray.ox + t * ray.dx;
      point.y[0] = ray.oy + t * ray.dy;
      point.z[0] = ray.oz + t * ray.dz;
      for (let l = 0; l < lights.n; l++) {
        const slot = lights.slot[l];
        if (slot < 0 || f.shadowBuffers[slot][k] === 0) continue;
        lights.towards(l, point, 0, toLight);
        f.shadowBuffers[slot][k] *= transmittance(f, c, point, 0, toLight);
      }
    }
  }
}

/** Fraction of the light reaching point i of s along toLight, blocked by casters other than its geom. */
export function shadowFactor(f: Frame, s: Surfaces, i: number, toLight: LightRay): number {
  let transmit = 1;
  if (f.geoms.isPlane[s.geom] === 1) {
    const bins = f.shadowed;
    const [px, py] = [s.px[i], s.py[i]];
    const tile = f.tile(px, py);
    for (let k = bins.start[tile]; k < bins.start[tile + 1] && transmit > 0; k++) {
      const c = bins.items[k];
      if (bins.covers(c, px, py)) transmit *= transmittance(f, c, s, i, toLight);
    }
    return transmit;
  }
  const casters = f.castersOf[s.geom];
  for (let k = 0; k < casters.length && transmit > 0; k++) transmit *= transmittance(f, casters[k], s, i, toLight);
  return transmit;
}

const scratchRay = new Ray();

/**
 * Fraction of light passing caster c along the ray from point i of p, p + s l, 0 <= s <= l.distance. Round shapes
 * have a soft edge: the ray's distance to their core segment is compared to the radius with a
 * penumbra of width shadowSoftness * s; other shapes block or do not.
 */
function transmittance(f: Frame, c: number, p: Surfaces, i: number, l: LightRay): number {
  const g = f.g;
  const o = c * GEOM_STRIDE;
  const wx = g[o + G_POS] - p.x[i];
  const wy = g[o + G_POS + 1] - p.y[i];
  const wz = g[o + G_POS + 2] - p.z[i];
  // Closest approach of the ray to the caster's centre: far casters are rejected cheaply.
  const along = wx * l.x + wy * l.y + wz * l.z;
  const radius = f.geoms.radius[c];
  if (along < -radius || along > l.distance + radius) return 1;
  const s = along > 0 ? along : 0;
  const ex = wx - s * l.x;
  const ey = wy - s * l.y;
  const ez = wz - s * l.z;
  const limit = radius + f.shadowSoftness * (Math.abs(along) + radius) + 1e-3;
  if (ex * ex + ey * ey + ez * ez > limit * limit) return 1;
  const h = f.geoms.segment[c];
  if (h < 0) {
    const ray = scratchRay;
    ray.ox = p.x[i];
    ray.oy = p.y[i];
    ray.oz = p.z[i];
    ray.dx = l.x;
    ray.dy = l.y;
    ray.dz = l.z;
    ray.tMin = SHADOW_EPS;
    f.geoms.intersect(g, c, ray);
    return ray.t < l.distance ? 0 : 1;
  }
  // Closest points of the ray p + s l (s >= 0) and the core segment c + u a (|u| <= h):
  // s = l.w + u b and u = s b - a.w, with b = l.a and w = c - p.
  const ax = g[o + G_MAT + 2];
  const ay = g[o + G_MAT + 5];
  const az = g[o + G_MAT + 8];
  const b = l.x * ax + l.y * ay + l.z * az;
  const aw = wx * ax + wy * ay + wz * az;
  const denom = 1 - b * b;
  const sRay = Math.max(0, denom > 1e-9 ? (along - b * aw) / denom : 0);
  const u = Math.max(-h, Math.min(h, sRay * b - aw));
  const sNear = Math.max(0, along + u * b);
  if (sNear > l.distance) return 1;
  const qx = sNear * l.x - u * ax - wx;
  const qy = sNear * l.y - u * ay - wy;
  const qz = sNear * l.z - u * az - wz;
  const w = f.shadowSoftness * sNear + 1e-4;
  const edge = (Math.sqrt(qx * qx + qy * qy + qz * qz) - (g[o + G_SIZE] - w)) / (2 * w);
  return edge >= 1 ? 1 : edge <= 0 ? 0 : edge * edge * (3 - 2 * edge);
}
