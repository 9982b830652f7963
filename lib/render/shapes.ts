/**
 * Ray / shape intersections for drawing MuJoCo geoms by ray casting (lib/render/raycaster.ts).
 * The ray o + t d is given in the shape's own frame (MuJoCo's geom frame: centre at the origin,
 * capsules and cylinders along z, sizes as in mjvGeom.size); the answer is the entry parameter
 * t > tMin, or Infinity. Only entries count: as with OpenGL back-face culling, a shape is
 * invisible from inside. d need not be a unit vector.
 *
 * The `*Hit` functions read the ray from and write the answer to a query array (layout Q_*):
 * the ray caster calls them per pixel, and V8 would allocate a box for every number passed to
 * or returned from a function it does not inline. `raySphere` and friends are the same with
 * plain arguments.
 */

/** Query layout: ray origin (3), direction (3), tMin, shape size (3); answer t and entered part. */
export const Q_ORIGIN = 0;
export const Q_DIRECTION = 3;
export const Q_TMIN = 6;
export const Q_SIZE = 7;
/** The entry parameter, Infinity on a miss. */
export const Q_T = 10;
/**
 * The part entered: 0 for spheres, capsules and cylinder sides, +1 / -1 for the top / bottom cap
 * of a cylinder, +-(axis + 1) for the box face of that axis on that side.
 */
export const Q_PART = 11;
export const QUERY_LENGTH = 12;

/** Sphere of radius size[0] at the origin: the smaller root of |o + t d|^2 = r^2. */
export function sphereHit(q: Float64Array): void {
  const ox = q[0];
  const oy = q[1];
  const oz = q[2];
  const dx = q[3];
  const dy = q[4];
  const dz = q[5];
  const r = q[Q_SIZE];
  q[Q_PART] = 0;
  q[Q_T] = Infinity;
  const a = dx * dx + dy * dy + dz * dz;
  const b = ox * dx + oy * dy + oz * dz;
  const c = ox * ox + oy * oy + oz * oz - r * r;
  const disc = b * b - a * c;
  if (disc < 0 || a === 0) return;
  const t = (-b - Math.sqrt(disc)) / a;
  if (t > q[Q_TMIN]) q[Q_T] = t;
}

/** Ellipsoid with semi-axes size: a unit sphere after scaling each axis (t is unchanged by it). */
export function ellipsoidHit(q: Float64Array): void {
  const sx = q[Q_SIZE];
  const sy = q[Q_SIZE + 1];
  const sz = q[Q_SIZE + 2];
  q[0] /= sx;
  q[1] /= sy;
  q[2] /= sz;
  q[3] /= sx;
  q[4] /= sy;
  q[5] /= sz;
  q[Q_SIZE] = 1;
  sphereHit(q);
}

/**
 * Capsule: the segment z in [-h, h] (h = size[2]) swept by radius r = size[0]. The entry is on
 * the side of the infinite cylinder x^2 + y^2 = r^2 if it lies within |z| <= h, otherwise on the
 * end sphere on that side (a ray entering the cylinder beyond an end can only enter there).
 */
export function capsuleHit(q: Float64Array): void {
  const ox = q[0];
  const oy = q[1];
  const oz = q[2];
  const dx = q[3];
  const dy = q[4];
  const dz = q[5];
  const tMin = q[Q_TMIN];
  const r = q[Q_SIZE];
  const h = q[Q_SIZE + 2];
  q[Q_PART] = 0;
  q[Q_T] = Infinity;
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
      if (t > tMin) q[Q_T] = t;
      return;
    }
    zc = z > h ? h : -h;
  } else {
    // Parallel to the axis: within the radius it enters through the end it is heading to.
    if (c > 0) return;
    zc = dz > 0 ? -h : h;
  }
  // The end sphere centred at (0, 0, zc).
  const ez = oz - zc;
  const a3 = a + dz * dz;
  const b3 = ox * dx + oy * dy + ez * dz;
  const c3 = ox * ox + oy * oy + ez * ez - r * r;
  const disc3 = b3 * b3 - a3 * c3;
  if (disc3 < 0) return;
  const t = (-b3 - Math.sqrt(disc3)) / a3;
  if (t > tMin) q[Q_T] = t;
}

/** Closed cylinder: side x^2 + y^2 = r^2 with |z| <= h, caps z = +-h within the radius. */
export function cylinderHit(q: Float64Array): void {
  const ox = q[0];
  const oy = q[1];
  const oz = q[2];
  const dx = q[3];
  const dy = q[4];
  const dz = q[5];
  const tMin = q[Q_TMIN];
  const r = q[Q_SIZE];
  const h = q[Q_SIZE + 2];
  let best = Infinity;
  let part = 0;
  const a = dx * dx + dy * dy;
  if (a > 1e-14) {
    const b = ox * dx + oy * dy;
    const c = ox * ox + oy * oy - r * r;
    const disc = b * b - a * c;
    if (disc < 0) {
      q[Q_T] = Infinity;
      q[Q_PART] = 0;
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
    if (t > tMin && t < best) {
      const x = ox + t * dx;
      const y = oy + t * dy;
      if (x * x + y * y <= r * r) {
        best = t;
        part = zc > 0 ? 1 : -1;
      }
    }
  }
  q[Q_T] = best;
  q[Q_PART] = part;
}

/**
 * Box with half sizes size: the slab method. The ray enters through the face of the axis whose
 * slab it enters last, and hits the box if that is before it leaves any slab.
 */
export function boxHit(q: Float64Array): void {
  let near = -Infinity;
  let far = Infinity;
  let part = 0;
  q[Q_T] = Infinity;
  q[Q_PART] = 0;
  for (let axis = 0; axis < 3; axis++) {
    const o = q[axis];
    const d = q[3 + axis];
    const s = q[Q_SIZE + axis];
    if (d === 0) {
      if (o < -s || o > s) return;
      continue;
    }
    const t0 = (-s - o) / d;
    const t1 = (s - o) / d;
    const enter = t0 < t1 ? t0 : t1;
    const leave = t0 < t1 ? t1 : t0;
    if (enter > near) {
      near = enter;
      part = d > 0 ? -(axis + 1) : axis + 1;
    }
    if (leave < far) far = leave;
  }
  if (near > far || !(near > q[Q_TMIN])) return;
  q[Q_T] = near;
  q[Q_PART] = part;
}

const query = new Float64Array(QUERY_LENGTH);

function ask(
  hit: (q: Float64Array) => void,
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  tMin: number,
  s0: number,
  s1: number,
  s2: number,
): number {
  query[0] = ox;
  query[1] = oy;
  query[2] = oz;
  query[3] = dx;
  query[4] = dy;
  query[5] = dz;
  query[Q_TMIN] = tMin;
  query[Q_SIZE] = s0;
  query[Q_SIZE + 1] = s1;
  query[Q_SIZE + 2] = s2;
  hit(query);
  return query[Q_T];
}

/** Entry t of the ray into a sphere of radius r at the origin. */
export function raySphere(
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  r: number,
  tMin: number,
): number {
  return ask(sphereHit, ox, oy, oz, dx, dy, dz, tMin, r, r, r);
}

/** Entry t into a capsule of radius r around the segment z in [-h, h]. */
export function rayCapsule(
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  r: number,
  h: number,
  tMin: number,
): number {
  return ask(capsuleHit, ox, oy, oz, dx, dy, dz, tMin, r, r, h);
}

/** Entry t into a closed cylinder of radius r and half height h along z. */
export function rayCylinder(
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  r: number,
  h: number,
  tMin: number,
): number {
  return ask(cylinderHit, ox, oy, oz, dx, dy, dz, tMin, r, r, h);
}

/** Entry t into a box with half sizes (sx, sy, sz). */
export function rayBox(
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  sx: number,
  sy: number,
  sz: number,
  tMin: number,
): number {
  return ask(boxHit, ox, oy, oz, dx, dy, dz, tMin, sx, sy, sz);
}

/** The part entered by the last `rayCylinder` / `rayBox` call (see Q_PART). */
export function lastEnteredPart(): number {
  return query[Q_PART];
}
