/**
 * The shapes the ray caster draws, and the one place that knows them all: a registry from
 * MuJoCo's mjtGeom values to shape modules (lib/render/shapes/*.ts). Each module intersects a ray
 * with its shape in the shape's own frame (MuJoCo's geom frame: centre at the origin, capsules and
 * cylinders along z, sizes as in mjvGeom.size) and gives the surface normal there. To draw a new
 * geom type, write its module and add it to SHAPE_LIST.
 *
 * Rays and answers travel in `Ray` objects rather than as numbers: V8 allocates a box for every
 * double passed to or returned from a function it does not inline, and these calls run per pixel.
 */
import { box } from './shapes/box.js';
import { capsule } from './shapes/capsule.js';
import { cylinder } from './shapes/cylinder.js';
import { ellipsoid } from './shapes/ellipsoid.js';
import { plane } from './shapes/plane.js';
import { sphere } from './shapes/sphere.js';

/** A ray o + t d (d need not be unit), the shape's drawn size, and the answer of an intersection. */
export class Ray {
  ox = 0;
  oy = 0;
  oz = 0;
  dx = 0;
  dy = 0;
  dz = 0;
  /** Only entries with t > tMin count. */
  tMin = 0;
  /** The shape's size (mjvGeom.size; 0 extents for a plane drawn to the horizon). */
  s0 = 0;
  s1 = 0;
  s2 = 0;
  /** Answer: the entry parameter (Infinity on a miss) and the part entered (see `Shape.normal`). */
  t = Infinity;
  part = 0;
}

/** A point or direction. */
export class Vec3 {
  x = 0;
  y = 0;
  z = 0;
}

export interface Shape {
  /** The mjtGeom value of the shape. */
  readonly type: number;
  /** Half extents of the shape's bounding box in its frame, for its size (screen boxes, culling). */
  halfExtents(s0: number, s1: number, s2: number): readonly [number, number, number];
  /**
   * Set ray.t to the entry parameter t > ray.tMin of the ray (in the shape's frame) and ray.part
   * to the part entered. Only entries count: as with OpenGL back-face culling, a shape is
   * invisible from inside.
   */
  intersect(ray: Ray): void;
  /** Replace the point p on the surface (shape frame) by the outward normal there (need not be unit). */
  normal(p: Vec3, ray: Ray): void;
  /**
   * For shapes that are a segment along z swept by the radius s0 (spheres, capsules): the
   * segment's half length. Their shadows get a soft edge and their outline on screen a tight bound.
   */
  segmentHalfLength?(s0: number, s2: number): number;
}

/** Every shape drawn: one line per geom type. */
const SHAPE_LIST: readonly Shape[] = [plane, sphere, capsule, ellipsoid, cylinder, box];

const BY_TYPE: (Shape | undefined)[] = [];
for (const shape of SHAPE_LIST) BY_TYPE[shape.type] = shape;

/** The shape of an mjtGeom value, or undefined for types not drawn (meshes, height fields, ...). */
export function shapeOf(type: number): Shape | undefined {
  return BY_TYPE[type];
}

export const PLANE_TYPE = plane.type;
