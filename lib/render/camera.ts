/**
 * Camera and tile binning: the ray through each pixel, from MuJoCo's GL camera (mjvGLCamera:
 * position, forward and up vectors, frustum), the projection of world points to pixels, and
 * screen-space bins that list, for each 16x16 tile, the geoms whose pixel box overlaps it.
 */
import type { RayCamera } from './scene.js';
import { type Ray, Vec3 } from './shapes.js';

export const TILE = 16;

/**
 * A perspective camera: the ray of continuous pixel position (sx, sy) starts at the eye with
 * direction d0 + dx sx + dy sy, whose forward component is 1, so that t along it is the view depth.
 */
export class Camera {
  /** The eye, and the unit forward, right and up vectors of the view. */
  readonly eye = new Vec3();
  readonly forward = new Vec3();
  readonly right = new Vec3();
  readonly up = new Vec3();
  readonly d0 = new Float64Array(3);
  readonly dx = new Float64Array(3);
  readonly dy = new Float64Array(3);
  /** The near plane's view depth: the nearest t of a camera ray. */
  near = 0.1;
  /** World size of one pixel at view depth 1. */
  pixelSize = 0;
  /** The image's left and top edges and the pixel steps, at view depth 1. */
  private left = 0;
  private top = 0;
  private stepX = 0;
  private stepY = 0;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  /** Set up the camera of a frame. */
  update(camera: RayCamera): void {
    if (camera.orthographic) {
      throw new Error(
        'The software renderer draws perspective cameras only; this camera is orthographic (MuJoCo <camera projection="orthographic"> or <global orthographic="true">)',
      );
    }
    const [fx, fy, fz] = normalize(camera.forward);
    const up = camera.up;
    // right = forward x up, as gluLookAt; then up is re-orthogonalised.
    const [rx, ry, rz] = normalize([fy * up[2] - fz * up[1], fz * up[0] - fx * up[2], fx * up[1] - fy * up[0]]);
    Object.assign(this.forward, { x: fx, y: fy, z: fz });
    Object.assign(this.right, { x: rx, y: ry, z: rz });
    Object.assign(this.up, { x: ry * fz - rz * fy, y: rz * fx - rx * fz, z: rx * fy - ry * fx });
    [this.eye.x, this.eye.y, this.eye.z] = camera.pos;
    const near = camera.frustumNear;
    if (!(near > 0)) throw new Error(`Camera frustum near must be > 0, got ${near}`);
    this.near = near;
    const { top, bottom } = { top: camera.frustumTop, bottom: camera.frustumBottom };
    const halfWidth = camera.frustumWidth || 0.5 * (this.width / this.height) * (top - bottom);
    // The near-plane point of a pixel divided by near is its ray direction.
    const scale = 1 / near;
    const left = (camera.frustumCenter - halfWidth) * scale;
    const stepX = ((2 * halfWidth) / this.width) * scale;
    const stepY = -((top - bottom) / this.height) * scale;
    Object.assign(this, { left, top: top * scale, stepX, stepY });
    this.pixelSize = Math.max(Math.abs(stepX), Math.abs(stepY));
    const right = [rx, ry, rz];
    const upward = [this.up.x, this.up.y, this.up.z];
    const forward = [fx, fy, fz];
    for (let k = 0; k < 3; k++) {
      this.d0[k] = forward[k] + (right[k] * left + upward[k] * this.top);
      this.dx[k] = right[k] * stepX;
      this.dy[k] = upward[k] * stepY;
    }
  }

  /**
   * The ray through the centre of pixel (px, py). Integer arguments: V8 passes them unboxed, where
   * the doubles of `ray` would be allocated per call when it is not inlined.
   */
  pixelRay(px: number, py: number, ray: Ray): void {
    this.ray(px + 0.5, py + 0.5, ray);
  }

  /** The ray through continuous pixel position (sx, sy), starting at the near plane. */
  ray(sx: number, sy: number, ray: Ray): void {
    const { eye, d0, dx, dy } = this;
    ray.ox = eye.x;
    ray.oy = eye.y;
    ray.oz = eye.z;
    ray.dx = d0[0] + dx[0] * sx + dy[0] * sy;
    ray.dy = d0[1] + dx[1] * sx + dy[1] * sy;
    ray.dz = d0[2] + dx[2] * sx + dy[2] * sy;
    ray.tMin = this.near;
  }

  /** Continuous pixel coordinates of a world point into xy; false when it is behind the near plane. */
  project(wx: number, wy: number, wz: number, xy: Float64Array): boolean {
    const { eye, forward: f, right: r, up: u } = this;
    const qx = wx - eye.x;
    const qy = wy - eye.y;
    const qz = wz - eye.z;
    const depth = qx * f.x + qy * f.y + qz * f.z;
    if (depth < this.near * 0.5) return false;
    // Invert the pixel-to-ray map along the right and up axes.
    const scale = 1 / depth;
    xy[0] = ((qx * r.x + qy * r.y + qz * r.z) * scale - this.left) / this.stepX;
    xy[1] = ((qx * u.x + qy * u.y + qz * u.z) * scale - this.top) / this.stepY;
    return true;
  }
}

function normalize(v: ArrayLike<number>): [number, number, number] {
  const n = Math.hypot(v[0], v[1], v[2]);
  if (!(n > 1e-12)) throw new Error('Camera forward and up vectors must be non-zero and not parallel');
  return [v[0] / n, v[1] / n, v[2] / n];
}

/** Grows the pixel box of projected world points; a point behind the camera makes it the whole screen. */
export class ScreenBox {
  x0 = Infinity;
  y0 = Infinity;
  x1 = -Infinity;
  y1 = -Infinity;
  whole = false;
  private readonly xy = new Float64Array(2);

  reset(): void {
    this.x0 = this.y0 = Infinity;
    this.x1 = this.y1 = -Infinity;
    this.whole = false;
  }

  add(camera: Camera, wx: number, wy: number, wz: number): void {
    if (this.whole) return;
    if (!camera.project(wx, wy, wz, this.xy)) {
      this.whole = true;
      return;
    }
    this.x0 = Math.min(this.x0, this.xy[0]);
    this.x1 = Math.max(this.x1, this.xy[0]);
    this.y0 = Math.min(this.y0, this.xy[1]);
    this.y1 = Math.max(this.y1, this.xy[1]);
  }

  /** Store the box, widened by `margin` pixels and clipped to the screen, as geom i's in `bins`. */
  store(bins: TileBins, i: number, margin: number, width: number, height: number): void {
    const box = bins.box;
    if (this.whole) {
      box.set([0, 0, width - 1, height - 1], 4 * i);
      return;
    }
    const bx0 = Math.max(0, Math.floor(this.x0 - margin));
    const by0 = Math.max(0, Math.floor(this.y0 - margin));
    const bx1 = Math.min(width - 1, Math.ceil(this.x1 + margin));
    const by1 = Math.min(height - 1, Math.ceil(this.y1 + margin));
    if (this.x0 <= this.x1 && bx0 <= bx1 && by0 <= by1) box.set([bx0, by0, bx1, by1], 4 * i);
  }
}

/** For each 16x16 tile, the geoms whose pixel box overlaps it (CSR layout). */
export class TileBins {
  readonly start: Int32Array;
  items = new Int32Array(256);
  /** Per geom: pixel box x0, y0, x1, y1 (inclusive); x0 > x1 when not on screen. */
  box = new Int32Array(64 * 4);
  private readonly counts: Int32Array;

  constructor(
    readonly tilesX: number,
    readonly tilesY: number,
  ) {
    this.start = new Int32Array(tilesX * tilesY + 1);
    this.counts = new Int32Array(tilesX * tilesY);
  }

  /** Make room for n geoms and mark them all off screen. */
  clear(n: number): void {
    if (this.box.length < n * 4) this.box = new Int32Array(n * 8);
    for (let g = 0; g < n; g++) {
      this.box[4 * g] = 1;
      this.box[4 * g + 2] = 0;
    }
  }

  /** True if pixel (px, py) is in geom g's box. */
  covers(g: number, px: number, py: number): boolean {
    const b = 4 * g;
    return px >= this.box[b] && px <= this.box[b + 2] && py >= this.box[b + 1] && py <= this.box[b + 3];
  }

  /** Fill the bins from the boxes of geoms 0..n-1: count per tile, then place. */
  build(n: number): void {
    const { counts, start } = this;
    counts.fill(0);
    this.eachTile(n, (t) => counts[t]++);
    let total = 0;
    for (let t = 0; t < counts.length; t++) {
      start[t] = total;
      total += counts[t];
    }
    start[counts.length] = total;
    if (this.items.length < total) this.items = new Int32Array(total * 2);
    counts.fill(0);
    this.eachTile(n, (t, g) => {
      this.items[start[t] + counts[t]++] = g;
    });
  }

  private eachTile(n: number, visit: (tile: number, g: number) => void): void {
    const box = this.box;
    for (let g = 0; g < n; g++) {
      if (box[4 * g] > box[4 * g + 2]) continue;
      for (let ty = (box[4 * g + 1] / TILE) | 0; ty <= ((box[4 * g + 3] / TILE) | 0); ty++) {
        for (let tx = (box[4 * g] / TILE) | 0; tx <= ((box[4 * g + 2] / TILE) | 0); tx++)
          visit(ty * this.tilesX + tx, g);
      }
    }
  }
}
