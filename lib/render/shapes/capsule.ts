/**
 * Capsule: the segment z in [-h, h] (h = s2) swept by radius r = s0. The entry is on the side of
 * the infinite cylinder x^2 + y^2 = r^2 if it lies within |z| <= h, otherwise on the end sphere
 * on that side (a ray entering the cylinder beyond an end can only enter there).
 */
import type { Ray, Shape, Vec3 } from '../shapes.js';
import { sphereEntry } from './sphere.js';

export const capsule: Shape = {
  type: 3,
  halfExtents: (s0, _s1, s2) => [s0, s0, s2 + s0],
  intersect(ray: Ray): void {
    const { ox, oy, oz, dx, dy, dz } = ray;
    const r = ray.s0;
    const h = ray.s2;
    ray.part = 0;
    ray.t = Infinity;
    const a = dx * dx + dy * dy;
    const c = ox * ox + oy * oy - r * r;
    let zc: number;
    if (a > 1e-14) {
      const b = ox * dx + oy * dy;
      const disc = b * b - a * c;
      if (disc < 0) return;
      const t = (-b - Math.sqrt(disc)) / a;
      const z = oz + t * dz;
      if (z >= -h && z <= h) {
        if (t > ray.tMin) ray.t = t;
        return;
      }
      zc = z > h ? h : -h;
    } else {
      // Parallel to the axis: within the radius it enters through the end it is heading to.
      if (c > 0) return;
      zc = dz > 0 ? -h : h;
    }
    const t = sphereEntry(ray, r, zc);
    if (t > ray.tMin) ray.t = t;
  },
  normal(p: Vec3, ray: Ray): void {
    // From the nearest point of the segment.
    p.z -= Math.max(-ray.s2, Math.min(ray.s2, p.z));
  },
  segmentHalfLength: (_s0, s2) => s2,
};
