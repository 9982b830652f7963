/** Ellipsoid with semi-axes (s0, s1, s2): a unit sphere after scaling each axis (t is unchanged by it). */
import type { Ray, Shape, Vec3 } from '../shapes.js';
import { sphereEntry } from './sphere.js';

export const ellipsoid: Shape = {
  type: 4,
  halfExtents: (s0, s1, s2) => [s0, s1, s2],
  intersect(ray: Ray): void {
    ray.ox /= ray.s0;
    ray.oy /= ray.s1;
    ray.oz /= ray.s2;
    ray.dx /= ray.s0;
    ray.dy /= ray.s1;
    ray.dz /= ray.s2;
    const t = sphereEntry(ray, 1, 0);
    ray.t = t > ray.tMin ? t : Infinity;
    ray.part = 0;
  },
  normal(p: Vec3, ray: Ray): void {
    // The gradient of x^2 / a^2 + y^2 / b^2 + z^2 / c^2.
    p.x /= ray.s0 * ray.s0;
    p.y /= ray.s1 * ray.s1;
    p.z /= ray.s2 * ray.s2;
  },
};
