/**
 * Plane z = 0 of half extents s0 along x and s1 along y (0: unbounded), seen from its front side
 * (+z) only: MuJoCo draws planes nearly transparent from behind. lib/render/geoms.ts gives ground
 * planes 0 extents, so that they reach the horizon.
 */
import type { Ray, Shape, Vec3 } from '../shapes.js';

export const plane: Shape = {
  type: 0,
  halfExtents: (s0, s1) => [s0, s1, 0],
  intersect(ray: Ray): void {
    ray.part = 0;
    ray.t = Infinity;
    if (ray.dz >= 0) return;
    const t = -ray.oz / ray.dz;
    if (!(t > ray.tMin)) return;
    if (ray.s0 > 0 && Math.abs(ray.ox + t * ray.dx) > ray.s0) return;
    if (ray.s1 > 0 && Math.abs(ray.oy + t * ray.dy) > ray.s1) return;
    ray.t = t;
  },
  normal(p: Vec3): void {
    p.x = 0;
    p.y = 0;
    p.z = 1;
  },
};
