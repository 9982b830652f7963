/** Sphere of radius s0 at the origin: the smaller root of |o + t d|^2 = r^2. */
import type { Ray, Shape } from '../shapes.js';

/** Entry t of the ray into a sphere of radius r centred at (0, 0, zc) (Infinity on a miss). */
export function sphereEntry(ray: Ray, r: number, zc: number): number {
  const ez = ray.oz - zc;
  const a = ray.dx * ray.dx + ray.dy * ray.dy + ray.dz * ray.dz;
  const b = ray.ox * ray.dx + ray.oy * ray.dy + ez * ray.dz;
  const c = ray.ox * ray.ox + ray.oy * ray.oy + ez * ez - r * r;
  const disc = b * b - a * c;
  if (disc < 0 || a === 0) return Infinity;
  return (-b - Math.sqrt(disc)) / a;
}

export const sphere: Shape = {
  type: 2,
  halfExtents: (s0) => [s0, s0, s0],
  intersect(ray: Ray): void {
    const t = sphereEntry(ray, ray.s0, 0);
    ray.t = t > ray.tMin ? t : Infinity;
    ray.part = 0;
  },
  normal(): void {
    // The point itself is the normal.
  },
  segmentHalfLength: () => 0,
};
