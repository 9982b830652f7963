/**
 * Box with half sizes (s0, s1, s2), by the slab method: the ray enters through the face of the
 * axis whose slab it enters last, and hits the box if that is before it leaves any slab.
 */
import type { Ray, Shape, Vec3 } from '../shapes.js';

/** Entry and exit of the slab |x| <= s along one axis: [enter, leave], or undefined if never inside. */
function slab(o: number, d: number, s: number, out: number[]): boolean {
  if (d === 0) {
    out[0] = -Infinity;
    out[1] = Infinity;
    return o >= -s && o <= s;
  }
  const t0 = (-s - o) / d;
  const t1 = (s - o) / d;
  out[0] = t0 < t1 ? t0 : t1;
  out[1] = t0 < t1 ? t1 : t0;
  return true;
}

const span = [0, 0];

export const box: Shape = {
  type: 6,
  halfExtents: (s0, s1, s2) => [s0, s1, s2],
  /** ray.part: +-(axis + 1) for the face of that axis (0, 1, 2 = x, y, z) on that side. */
  intersect(ray: Ray): void {
    let near = -Infinity;
    let far = Infinity;
    let part = 0;
    ray.t = Infinity;
    ray.part = 0;
    for (let axis = 0; axis < 3; axis++) {
      const o = axis === 0 ? ray.ox : axis === 1 ? ray.oy : ray.oz;
      const d = axis === 0 ? ray.dx : axis === 1 ? ray.dy : ray.dz;
      if (!slab(o, d, axis === 0 ? ray.s0 : axis === 1 ? ray.s1 : ray.s2, span)) return;
      if (span[0] > near) {
        near = span[0];
        part = d > 0 ? -(axis + 1) : axis + 1;
      }
      if (span[1] < far) far = span[1];
    }
    if (near > far || !(near > ray.tMin)) return;
    ray.t = near;
    ray.part = part;
  },
  normal(p: Vec3, ray: Ray): void {
    const axis = Math.abs(ray.part) - 1;
    const sign = ray.part > 0 ? 1 : -1;
    p.x = axis === 0 ? sign : 0;
    p.y = axis === 1 ? sign : 0;
    p.z = axis === 2 ? sign : 0;
  },
};
