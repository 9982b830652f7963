/** Closed cylinder: side x^2 + y^2 = r^2 (r = s0) with |z| <= h (h = s2), caps z = +-h within the radius. */
import type { Ray, Shape, Vec3 } from '../shapes.js';

export const cylinder: Shape = {
  type: 5,
  halfExtents: (s0, _s1, s2) => [s0, s0, s2],
  /** ray.part: 0 for the side, +1 / -1 for the top / bottom cap. */
  intersect(ray: Ray): void {
    const { ox, oy, oz, dx, dy, dz, tMin } = ray;
    const r = ray.s0;
    const h = ray.s2;
    let best = Infinity;
    let part = 0;
    const a = dx * dx + dy * dy;
    if (a > 1e-14) {
      const b = ox * dx + oy * dy;
      const disc = b * b - a * (ox * ox + oy * oy - r * r);
      if (disc < 0) {
        ray.t = Infinity;
        ray.part = 0;
        return;
      }
      const t = (-b - Math.sqrt(disc)) / a;
      const z = oz + t * dz;
      if (t > tMin && z >= -h && z <= h) best = t;
    }
    if (dz !== 0) {
      // The cap facing the ray.
      const zc = dz > 0 ? -h : h;
      const t = (zc - oz) / dz;
      const x = ox + t * dx;
      const y = oy + t * dy;
      if (t > tMin && t < best && x * x + y * y <= r * r) {
        best = t;
        part = zc > 0 ? 1 : -1;
      }
    }
    ray.t = best;
    ray.part = part;
  },
  normal(p: Vec3, ray: Ray): void {
    if (ray.part !== 0) {
      p.x = 0;
      p.y = 0;
      p.z = ray.part;
    } else p.z = 0;
  },
};
