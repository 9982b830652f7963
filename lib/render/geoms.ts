/**
 * The geoms of a frame: from the scene's geom records (lib/render/scene.ts) and the camera, each
 * geom's shape, drawn size, bounding box and screen box, which planes face the camera, which
 * geoms cast shadows, and the reflective plane; and rays against a geom in world coordinates.
 *
 * Floors (ground planes facing +z, at least FLOOR_HALF_SIZE across each half) are drawn to the
 * horizon along x: MuJoCo's task models end their floor 10-40 m away, which a fast agent outruns;
 * the physics model keeps its size. Smaller ground planes keep their edges, which are part of the
 * picture (Reacher's 1 m arena, Pusher's 1 m table).
 */
import { type Camera, ScreenBox, type TileBins } from './camera.js';
import {
  G_CASTSHADOW,
  G_MAT,
  G_POS,
  G_REFLECTANCE,
  G_RGBA,
  G_SIZE,
  G_TYPE,
  GEOM_STRIDE,
  type RayScene,
} from './scene.js';
import { PLANE_TYPE, Ray, type Shape, shapeOf, type Vec3 } from './shapes.js';

/** A plane whose normal is this close to +z is a ground plane. */
const GROUND_COSINE = 0.999;
/** A ground plane whose half sizes are both at least this (metres) is a floor. */
const FLOOR_HALF_SIZE = 5;

export class FrameGeoms {
  n = 0;
  /** Per geom: its shape (undefined: not drawn this frame), drawn size (3), bounding box half extents (3). */
  shapes: (Shape | undefined)[] = [];
  size = new Float64Array(3 * 64);
  half = new Float64Array(3 * 64);
  /** Radius of the bounding sphere, and for round shapes the core segment's half length (else -1). */
  radius = new Float64Array(64);
  segment = new Float64Array(64);
  /** 1 for planes seen from their front side this frame. */
  isPlane = new Uint8Array(64);
  planes: number[] = [];
  casters: number[] = [];
  /** The plane that reflects (MuJoCo draws one mirror image), and its plane n.x = d; -1 for none. */
  mirror = -1;
  mnx = 0;
  mny = 0;
  mnz = 0;
  mpd = 0;
  private readonly local = new Ray();
  private readonly screen = new ScreenBox();

  /** Set up the geoms of a frame, and the primary and mirrored screen boxes in `primary` and `mirrored`. */
  prepare(scene: RayScene, camera: Camera, primary: TileBins, mirrored: TileBins): void {
    const n = scene.ngeom;
    const g = scene.geomData;
    if (this.radius.length < n) this.grow(2 * n);
    this.n = n;
    this.planes.length = 0;
    this.casters.length = 0;
    this.mirror = -1;
    primary.clear(n);
    mirrored.clear(n);
    for (let i = 0; i < n; i++) {
      const o = i * GEOM_STRIDE;
      const shape = g[o + G_RGBA + 3] > 0 ? shapeOf(g[o + G_TYPE]) : undefined;
      this.shapes[i] = shape;
      this.isPlane[i] = 0;
      if (shape === undefined) continue;
      const [s0, s1, s2] = g.subarray(o + G_SIZE, o + G_SIZE + 3);
      const half = shape.halfExtents(s0, s1, s2);
      this.half.set(half, 3 * i);
      this.size.set([s0, s1, s2], 3 * i);
      this.radius[i] = Math.hypot(half[0], half[1], half[2]);
      this.segment[i] = shape.segmentHalfLength ? shape.segmentHalfLength(s0, s2) : -1;
      if (shape.type === PLANE_TYPE) this.preparePlane(scene, camera, i);
      else if (g[o + G_CASTSHADOW] > 0) this.casters.push(i);
    }
    for (let i = 0; i < n; i++) {
      if (this.shapes[i] === undefined || this.isPlane[i] === 1) continue;
      this.storeBox(g, i, camera, primary, false);
      if (this.mirror >= 0) this.storeBox(g, i, camera, mirrored, true);
    }
  }

  /** A plane is seen from its front side only; floors reach the horizon; the first reflective one mirrors. */
  private preparePlane(scene: RayScene, camera: Camera, i: number): void {
    const g = scene.geomData;
    const o = i * GEOM_STRIDE;
    const nx = g[o + G_MAT + 2];
    const ny = g[o + G_MAT + 5];
    const nz = g[o + G_MAT + 8];
    const d = g[o + G_POS] * nx + g[o + G_POS + 1] * ny + g[o + G_POS + 2] * nz;
    if (camera.eye.x * nx + camera.eye.y * ny + camera.eye.z * nz - d <= 0) {
      this.shapes[i] = undefined;
      return;
    }
    this.isPlane[i] = 1;
    this.planes.push(i);
    const floor = nz >= GROUND_COSINE && Math.min(this.size[3 * i], this.size[3 * i + 1]) >= FLOOR_HALF_SIZE;
    if (floor) this.size[3 * i] = 0;
    if (this.mirror < 0 && scene.reflection && g[o + G_REFLECTANCE] > 0) {
      Object.assign(this, { mirror: i, mnx: nx, mny: ny, mnz: nz, mpd: d });
    }
  }

  /** World point of geom i's local point (lx, ly, lz), mirrored in the reflective plane if `mirrored`. */
  worldPoint(g: Float64Array, i: number, lx: number, ly: number, lz: number, mirrored: boolean, out: Vec3): void {
    const o = i * GEOM_STRIDE;
    const m = o + G_MAT;
    out.x = g[o + G_POS] + g[m] * lx + g[m + 1] * ly + g[m + 2] * lz;
    out.y = g[o + G_POS + 1] + g[m + 3] * lx + g[m + 4] * ly + g[m + 5] * lz;
    out.z = g[o + G_POS + 2] + g[m + 6] * lx + g[m + 7] * ly + g[m + 8] * lz;
    if (!mirrored) return;
    const dist = out.x * this.mnx + out.y * this.mny + out.z * this.mnz - this.mpd;
    out.x -= 2 * dist * this.mnx;
    out.y -= 2 * dist * this.mny;
    out.z -= 2 * dist * this.mnz;
  }

  /** Geom i's pixel box (of its mirror image if `mirrored`) from the corners of its bounding box. */
  private storeBox(g: Float64Array, i: number, camera: Camera, bins: TileBins, mirrored: boolean): void {
    const box = this.screen;
    const corner = cornerScratch;
    box.reset();
    for (let c = 0; c < 8; c++) {
      const h = 3 * i;
      this.worldPoint(
        g,
        i,
        c & 1 ? this.half[h] : -this.half[h],
        c & 2 ? this.half[h + 1] : -this.half[h + 1],
        c & 4 ? this.half[h + 2] : -this.half[h + 2],
        mirrored,
        corner,
      );
      box.add(camera, corner.x, corner.y, corner.z);
    }
    // One pixel of margin for the sub-pixel samples of anti-aliasing.
    box.store(bins, i, 1, camera.width, camera.height);
  }

  /**
   * Entry of the world ray into geom i: sets ray.t (Infinity on a miss) and ray.part. The ray is
   * moved into the geom's frame, local = mat^T (world - pos).
   */
  intersect(g: Float64Array, i: number, ray: Ray): void {
    const o = i * GEOM_STRIDE;
    const m = o + G_MAT;
    const wx = ray.ox - g[o + G_POS];
    const wy = ray.oy - g[o + G_POS + 1];
    const wz = ray.oz - g[o + G_POS + 2];
    const q = this.local;
    q.ox = g[m] * wx + g[m + 3] * wy + g[m + 6] * wz;
    q.oy = g[m + 1] * wx + g[m + 4] * wy + g[m + 7] * wz;
    q.oz = g[m + 2] * wx + g[m + 5] * wy + g[m + 8] * wz;
    q.dx = g[m] * ray.dx + g[m + 3] * ray.dy + g[m + 6] * ray.dz;
    q.dy = g[m + 1] * ray.dx + g[m + 4] * ray.dy + g[m + 7] * ray.dz;
    q.dz = g[m + 2] * ray.dx + g[m + 5] * ray.dy + g[m + 8] * ray.dz;
    q.tMin = ray.tMin;
    q.s0 = this.size[3 * i];
    q.s1 = this.size[3 * i + 1];
    q.s2 = this.size[3 * i + 2];
    (this.shapes[i] as Shape).intersect(q);
    ray.t = q.t;
    ray.part = q.part;
  }

  /** Replace the world point p on geom i (entered through `part`) by the unit outward normal there. */
  normal(g: Float64Array, i: number, part: number, p: Vec3): void {
    const o = i * GEOM_STRIDE;
    const m = o + G_MAT;
    const wx = p.x - g[o + G_POS];
    const wy = p.y - g[o + G_POS + 1];
    const wz = p.z - g[o + G_POS + 2];
    p.x = g[m] * wx + g[m + 3] * wy + g[m + 6] * wz;
    p.y = g[m + 1] * wx + g[m + 4] * wy + g[m + 7] * wz;
    p.z = g[m + 2] * wx + g[m + 5] * wy + g[m + 8] * wz;
    const q = this.local;
    q.s0 = this.size[3 * i];
    q.s1 = this.size[3 * i + 1];
    q.s2 = this.size[3 * i + 2];
    q.part = part;
    (this.shapes[i] as Shape).normal(p, q);
    const { x, y, z } = p;
    const nx = g[m] * x + g[m + 1] * y + g[m + 2] * z;
    const ny = g[m + 3] * x + g[m + 4] * y + g[m + 5] * z;
    const nz = g[m + 6] * x + g[m + 7] * y + g[m + 8] * z;
    const length = Math.sqrt(nx * nx + ny * ny + nz * nz) || 1;
    p.x = nx / length;
    p.y = ny / length;
    p.z = nz / length;
  }

  private grow(n: number): void {
    this.size = new Float64Array(3 * n);
    this.half = new Float64Array(3 * n);
    this.radius = new Float64Array(n);
    this.segment = new Float64Array(n);
    this.isPlane = new Uint8Array(n);
  }
}

const cornerScratch = { x: 0, y: 0, z: 0 } as Vec3;
