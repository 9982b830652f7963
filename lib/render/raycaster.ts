/**
 * The pixels of a rendered frame (the "watch the agent" step after A3C training): a software ray
 * caster for MuJoCo's abstract scene, so frames can be drawn on machines without a display or GPU.
 *
 * It draws what MuJoCo's classic OpenGL renderer (mjr_render in render_gl3.c) draws for an
 * mjvScene, from the same inputs and with the same lighting equation, but by casting one ray per
 * pixel at the analytic geom shapes (lib/render/shapes.ts) instead of rasterising meshes:
 *
 * - Geoms: plane (finite or infinite), sphere, capsule, ellipsoid, cylinder, box, each intersected
 *   in its own frame (world = mat * local + pos). Other types (mesh, height field, arrows, lines,
 *   labels, flex, skin) are skipped. Planes are seen from their front side only.
 * - Lighting: OpenGL 1.x fixed-function lighting as MuJoCo sets it up, per pixel:
 *     colour = texture * (rgba * (emission + sum_i s_i (ambient_i + diffuse_i max(N.L_i, 0)))
 *                         + sum_i s_i specular_i * specular * max(N.H_i, 0)^(128 shininess))
 *   with H_i = normalize(L_i + V) (local viewer), the specular term only where N.L_i > 0, spot cone
 *   and distance attenuation for positional lights, and s_i the shadow factor of light i (1 when
 *   the light casts no shadow). The headlight is an ordinary directional light of the scene.
 * - Shadows: a shadow ray from the surface point towards each shadow-casting light; capsules and
 *   spheres give a soft edge (the penumbra widens with the distance from the caster, as for a
 *   light of small angular size), other shapes a hard one.
 * - Reflection: the first reflective plane adds `reflectance` times the colour seen along the
 *   mirrored ray (MuJoCo draws the mirrored scene below the plane and blends the plane on top).
 * - Textures (lib/render/texture.ts): 2D textures with MuJoCo's object-linear mapping
 *   s = 0.5 * repeat * x - 0.5, t = -0.5 * repeat * y - 0.5 (repeat per object size unless
 *   texuniform), trilinear from a mip pyramid; cube textures by the object-space direction; the
 *   skybox by the view direction with MuJoCo's rotation (cube axes x, z, -y: MuJoCo's world is
 *   z-up while cube maps are y-up).
 * - Anti-aliasing: on silhouettes (also in the reflection) 4 sample rays per pixel find which of
 *   the geoms around it each sample sees, and the pixel mixes their colours by that coverage,
 *   like MuJoCo's 4x multisampling.
 *
 * Frames are RGB bytes, row 0 at the top (the camera's up vector points up the image).
 */
import {
  GEOM_BOX,
  GEOM_CAPSULE,
  GEOM_CYLINDER,
  GEOM_ELLIPSOID,
  GEOM_PLANE,
  GEOM_SPHERE,
  GEOM_STRIDE,
  G_CASTSHADOW,
  G_EMISSION,
  G_MAT,
  G_POS,
  G_REFLECTANCE,
  G_RGBA,
  G_SHININESS,
  G_SIZE,
  G_SPECULAR,
  G_TEXREPEAT,
  G_TEXTURE,
  G_TEXUNIFORM,
  G_TYPE,
  LIGHT_DIRECTIONAL,
  LIGHT_SPOT,
  LIGHT_STRIDE,
  L_AMBIENT,
  L_ATTENUATION,
  L_CASTSHADOW,
  L_CUTOFF,
  L_DIFFUSE,
  L_DIR,
  L_EXPONENT,
  L_POS,
  L_SPECULAR,
  L_TYPE,
  TEXTURE_2D,
  isDrawableGeomType,
  type RayCamera,
  type RayScene,
} from './scene.js';
import {
  QUERY_LENGTH,
  Q_PART,
  Q_SIZE,
  Q_T,
  Q_TMIN,
  boxHit,
  capsuleHit,
  cylinderHit,
  ellipsoidHit,
  sphereHit,
} from './shapes.js';
import { sampleCube, sampleTrilinear, sampleTrilinearMany } from './texture.js';

export interface RayCasterOptions {
  width: number;
  height: number;
  /** Smooth silhouettes with 4 samples per edge pixel (default true). */
  antialias?: boolean;
  /**
   * Angular radius (radians) of the light for soft shadow edges of capsules and spheres: the
   * penumbra is this times the distance from the caster (default 0.02).
   */
  shadowSoftness?: number;
}

/** Per-frame data of one geom, derived from the scene (bounding boxes on screen, extents). */
const D_STRIDE = 8;
const D_RADIUS = 0;
const D_ACTIVE = 1;
const D_HALF = 2;
/** 1 for a plane seen from its front side this frame, and its index among those planes. */
const D_PLANE = 5;
const D_SLOT = 6;
/** 1 for an opaque plane lit by directional lights only, shaded by `shadePlanePass`. */
const D_PASS = 7;

/** Lights that vary over a plane, as `shadePlanePass` uses them. */
const DL_STRIDE = 13;
const DL_SHADOW = 0;
const DL_SLOT = 1;
const DL_LX = 2;
const DL_NDL = 5;
const DL_AMBDIFF = 6;
const DL_SPEC = 9;
const DL_HASSPEC = 12;

/** Per-frame plane constants (see preparePlanes), followed by N.L of each light. */
const PI_STRIDE = 9;
const PI_TEX2D = 0;
const PI_KS = 1;
const PI_KT = 2;
const PI_RHO = 3;
const PI_FAST = 4;
const PI_LIGHT = 5;

/** Per-frame light constants (see prepareLights). */
const LP_STRIDE = 8;
const LP_TYPE = 0;
const LP_DIR = 1;
const LP_COSCUTOFF = 4;
const LP_AMBIENT = 5;
const LP_SHADOW = 6;
/** Index of the light's shadow buffer, or -1 (then plane pixels cast shadow rays). */
const LP_SLOT = 7;
const MAX_SHADOW_BUFFERS = 4;

/** Where the shading reads shadow factors from. */
const SHADOW_NONE = 0;
const SHADOW_RAYS = 1;
const SHADOW_BUFFER = 2;

const TILE = 16;
const SKY = -1;
const MAX_LAYERS = 4;
const SHADOW_EPS = 1e-4;

/** Offsets of each helper's arguments in `RayCaster.args` (disjoint: the helpers nest). */
const A_RAY = 0;
const A_CASTER = 8;
const A_SHADOW = 16;
const A_LIGHTDIR = 24;
const A_LIGHT = 28;
const A_GEOM = 40;
const A_TEX = 48;
const A_NORMAL = 54;
const A_SAMPLE = 58;
/** Neighbouring pixels of different geoms closer in colour than this (0..255) are not re-sampled. */
const AA_CONTRAST = 12;

/** Screen-space bins: for each 16x16 tile, the geoms whose bounding box overlaps it (CSR layout). */
class TileBins {
  readonly start: Int32Array;
  items = new Int32Array(256);
  /** Per geom pixel bounding box x0, y0, x1, y1 (inclusive); x0 > x1 when not on screen. */
  box = new Int32Array(64 * 4);
  private readonly counts: Int32Array;

  constructor(
    readonly tilesX: number,
    readonly tilesY: number,
  ) {
    this.start = new Int32Array(tilesX * tilesY + 1);
    this.counts = new Int32Array(tilesX * tilesY);
  }

  reserve(ngeom: number): void {
    if (this.box.length < ngeom * 4) this.box = new Int32Array(ngeom * 4 * 2);
  }

  /** Fill the bins from the boxes of geoms 0..n-1. */
  build(n: number): void {
    const { tilesX, counts, start, box } = this;
    counts.fill(0);
    for (let g = 0; g < n; g++) {
      if (box[4 * g] > box[4 * g + 2]) continue;
      const tx0 = (box[4 * g] / TILE) | 0;
      const ty0 = (box[4 * g + 1] / TILE) | 0;
      const tx1 = (box[4 * g + 2] / TILE) | 0;
      const ty1 = (box[4 * g + 3] / TILE) | 0;
      for (let ty = ty0; ty <= ty1; ty++) for (let tx = tx0; tx <= tx1; tx++) counts[ty * tilesX + tx]++;
    }
    let total = 0;
    for (let t = 0; t < counts.length; t++) {
      start[t] = total;
      total += counts[t];
    }
    start[counts.length] = total;
    if (this.items.length < total) this.items = new Int32Array(total * 2);
    const items = this.items;
    counts.fill(0);
    for (let g = 0; g < n; g++) {
      if (box[4 * g] > box[4 * g + 2]) continue;
      const tx0 = (box[4 * g] / TILE) | 0;
      const ty0 = (box[4 * g + 1] / TILE) | 0;
      const tx1 = (box[4 * g + 2] / TILE) | 0;
      const ty1 = (box[4 * g + 3] / TILE) | 0;
      for (let ty = ty0; ty <= ty1; ty++) {
        for (let tx = tx0; tx <= tx1; tx++) {
          const t = ty * tilesX + tx;
          items[start[t] + counts[t]++] = g;
        }
      }
    }
  }

  /** Mark geom `g` as covering nothing. */
  clear(g: number): void {
    this.box[4 * g] = 1;
    this.box[4 * g + 2] = 0;
  }
}

/**
 * Draws `RayScene`s into RGB byte frames of a fixed size. Owns all per-pixel buffers, so one
 * instance renders any number of frames without allocating.
 *
 * A frame is drawn in passes over whole buffers, which keeps the inner loops tight: visibility
 * (planes over the screen, each solid geom over its screen box), shadow factors on planes (each
 * caster over the screen box of its shadow), the reflection (each geom over the box of its
 * mirror image), shading, then anti-aliasing. Pixels of transparent geoms go through the per-ray
 * path (`shadeRay`), which computes the same colours one ray at a time and blends the layers.
 */
export class RayCaster {
  readonly width: number;
  readonly height: number;
  readonly antialias: boolean;
  readonly shadowSoftness: number;

  private readonly tilesX: number;
  private readonly primary: TileBins;
  private readonly mirrored: TileBins;
  private readonly shadowed: TileBins;
  /** Per pixel: ray parameter (view depth) and geom of the nearest hit (SKY for none), entered part. */
  private readonly depth: Float64Array;
  private readonly ids: Int32Array;
  private readonly parts: Int8Array;
  /** Per pixel of the reflective plane: nearest geom along the mirrored ray. */
  private readonly reflDepth: Float64Array;
  private readonly reflIds: Int32Array;
  private readonly reflParts: Int8Array;
  /** Per shadow-casting light (up to MAX_SHADOW_BUFFERS): fraction of its light reaching each plane pixel. */
  private readonly shadowBuffers: Float32Array[] = [];
  /** Per pixel: which geoms are visible there (primary + 1) | (reflected + 1) << 16, for edge detection. */
  private readonly keys: Int32Array;
  private readonly edges: Uint8Array;
  /** The pixels marked in `edges`, in the order found. */
  private readonly edgeList: Int32Array;
  private readonly frameCopy: Uint8Array;
  private readonly neighbourPixels = new Int32Array(9);
  /** One row of plane pixels: their columns, and texture coordinates then colours (3 per pixel). */
  private readonly rowPixels: Int32Array;
  private readonly rowCoords: Float64Array;
  /** 1 / |d| of the row's rays. */
  private readonly rowInverseLengths: Float64Array;
  /** Projected axis (x0, y0, x1, y1) and bounding radius of a geom, in pixels (projectedOutline). */
  private readonly outline = new Float64Array(5);
  private readonly candidates = new Int32Array(9);
  private readonly reflCandidates = new Int32Array(9);
  private readonly sky: Float32Array;
  private readonly skyBytes: Uint8Array;
  private readonly skyKey = new Float64Array(16).fill(NaN);
  private derived = new Float64Array(64 * D_STRIDE);
  private planes = new Int32Array(8);
  private nplanes = 0;
  private casters = new Int32Array(64);
  private ncasters = 0;
  /** Per solid geom, the casters that may shadow it (CSR: listPotentialCasters). */
  private casterStart = new Int32Array(65);
  private casterItems = new Int32Array(256);
  private lightPre = new Float64Array(8 * LP_STRIDE);
  private planeInfo = new Float64Array(4 * (PI_STRIDE + 8));
  private dynamicLights = new Float64Array(8 * DL_STRIDE);
  private dynamicBuffers: (Float32Array | undefined)[] = [];

  // Camera of the current frame: the ray of continuous pixel position (sx, sy) is
  // origin o0 + ox sx + oy sy, direction d0 + dx sx + dy sy, with t the view depth.
  private scene!: RayScene;
  private g!: Float64Array;
  private ortho = false;
  private cx = 0;
  private cy = 0;
  private cz = 0;
  private fx = 0;
  private fy = 0;
  private fz = 0;
  private ux = 0;
  private uy = 0;
  private uz = 0;
  private rx = 0;
  private ry = 0;
  private rz = 0;
  private o0x = 0;
  private o0y = 0;
  private o0z = 0;
  private oxx = 0;
  private oxy = 0;
  private oxz = 0;
  private oyx = 0;
  private oyy = 0;
  private oyz = 0;
  private d0x = 0;
  private d0y = 0;
  private d0z = 0;
  private dxx = 0;
  private dxy = 0;
  private dxz = 0;
  private dyx = 0;
  private dyy = 0;
  private dyz = 0;
  private near = 0.1;
  /** World size of one pixel at view depth 1 (perspective) or at any depth (orthographic). */
  private pixelSize = 0;
  private mirror = -1;
  private mnx = 0;
  private mny = 0;
  private mnz = 0;
  private mpd = 0;

  // Results of the last intersection / shading call (fields rather than allocated objects).
  private hitT = Infinity;
  private tHit = Infinity;
  private transmitOut = 1;
  private shadowOut = 1;
  /**
   * Arguments of the non-inlined helpers, passed through this array: V8 boxes every double passed
   * to (or returned from) a function it does not inline, an allocation per call in the inner loops.
   */
  private readonly args = new Float64Array(64);
  /** Ray / shape query in a geom's frame (lib/render/shapes.ts). */
  private readonly query = new Float64Array(QUERY_LENGTH);
  private hitG = -1;
  private hitPart = 0;
  private part = 0;
  private nx = 0;
  private ny = 0;
  private nz = 0;
  private cr = 0;
  private cg = 0;
  private cb = 0;
  private reflG = -1;
  /** The pixel being shaded, for the screen-box tests of shadow and mirror rays. */
  private curPx = 0;
  private curPy = 0;

  constructor(options: RayCasterOptions) {
    const { width, height } = options;
    if (
      !Number.isInteger(width) ||
      !Number.isInteger(height) ||
      width < 1 ||
      height < 1 ||
      width > 16384 ||
      height > 16384
    ) {
      throw new Error(`RayCaster width and height must be integers in 1..16384, got ${width}x${height}`);
    }
    this.width = width;
    this.height = height;
    this.antialias = options.antialias ?? true;
    this.shadowSoftness = options.shadowSoftness ?? 0.02;
    if (!(this.shadowSoftness >= 0))
      throw new Error(`shadowSoftness must be >= 0 radians, got ${options.shadowSoftness}`);
    this.tilesX = Math.ceil(width / TILE);
    const tilesY = Math.ceil(height / TILE);
    this.primary = new TileBins(this.tilesX, tilesY);
    this.mirrored = new TileBins(this.tilesX, tilesY);
    this.shadowed = new TileBins(this.tilesX, tilesY);
    const n = width * height;
    this.depth = new Float64Array(n);
    this.ids = new Int32Array(n);
    this.parts = new Int8Array(n);
    this.reflDepth = new Float64Array(n);
    this.reflIds = new Int32Array(n);
    this.reflParts = new Int8Array(n);
    this.keys = new Int32Array(n);
    this.edges = new Uint8Array(n);
    this.edgeList = new Int32Array(n);
    this.frameCopy = new Uint8Array(n * 3);
    this.rowPixels = new Int32Array(width);
    this.rowCoords = new Float64Array(3 * width);
    this.rowInverseLengths = new Float64Array(width);
    this.sky = new Float32Array(n * 3);
    this.skyBytes = new Uint8Array(n * 3);
  }

  /** Draw `scene` into `out` (width * height * 3 RGB bytes, row 0 at the top). */
  render(scene: RayScene, out: Uint8Array): void {
    const { width, height } = this;
    if (out.length !== width * height * 3) {
      throw new Error(`Frame buffer must hold ${width}x${height}x3 = ${width * height * 3} bytes, got ${out.length}`);
    }
    this.scene = scene;
    this.g = scene.geomData;
    this.setupCamera(scene.camera);
    this.prepareLights();
    this.prepareGeoms();
    this.preparePlanes();
    this.updateSky();

    this.depth.fill(Infinity);
    this.ids.fill(SKY);
    for (let p = 0; p < this.nplanes; p++) this.planeVisibility(this.planes[p]);
    for (let i = 0; i < scene.ngeom; i++) {
      if (this.primary.box[4 * i] <= this.primary.box[4 * i + 2]) this.geomVisibility(i);
    }
    this.shadowPass();
    this.reflectionPass();
    this.shadePass(out);
    if (this.antialias) this.smoothEdges(out);
  }

  // ---------------------------------------------------------------- camera and per-frame setup

  private setupCamera(camera: RayCamera): void {
    const f = normalize3(camera.forward);
    const u0 = camera.up;
    // right = forward x up, as gluLookAt; then re-orthogonalise up.
    let rx = f[1] * u0[2] - f[2] * u0[1];
    let ry = f[2] * u0[0] - f[0] * u0[2];
    let rz = f[0] * u0[1] - f[1] * u0[0];
    const rn = Math.sqrt(rx * rx + ry * ry + rz * rz);
    if (!(rn > 1e-12)) throw new Error('Camera up vector is parallel to its forward vector');
    rx /= rn;
    ry /= rn;
    rz /= rn;
    const ux = ry * f[2] - rz * f[1];
    const uy = rz * f[0] - rx * f[2];
    const uz = rx * f[1] - ry * f[0];
    this.cx = camera.pos[0];
    this.cy = camera.pos[1];
    this.cz = camera.pos[2];
    this.fx = f[0];
    this.fy = f[1];
    this.fz = f[2];
    this.rx = rx;
    this.ry = ry;
    this.rz = rz;
    this.ux = ux;
    this.uy = uy;
    this.uz = uz;
    const { width, height } = this;
    const near = camera.frustumNear;
    if (!(near > 0)) throw new Error(`Camera frustum near must be > 0, got ${near}`);
    this.near = near;
    const top = camera.frustumTop;
    const bottom = camera.frustumBottom;
    const halfWidth = camera.frustumWidth || 0.5 * (width / height) * (top - bottom);
    const left = camera.frustumCenter - halfWidth;
    this.ortho = camera.orthographic;
    // Perspective: the near-plane point of pixel (sx, sy), divided by near, is the ray direction
    // with a forward component of 1, so t is the view depth. Orthographic: it offsets the origin.
    const scale = this.ortho ? 1 : 1 / near;
    const ax = left * scale;
    const ay = top * scale;
    const sx = ((2 * halfWidth) / width) * scale;
    const sy = -((top - bottom) / height) * scale;
    this.pixelSize = Math.max(Math.abs(sx), Math.abs(sy));
    const offX = rx * ax + ux * ay;
    const offY = ry * ax + uy * ay;
    const offZ = rz * ax + uz * ay;
    if (this.ortho) {
      this.o0x = this.cx + offX;
      this.o0y = this.cy + offY;
      this.o0z = this.cz + offZ;
      this.oxx = rx * sx;
      this.oxy = ry * sx;
      this.oxz = rz * sx;
      this.oyx = ux * sy;
      this.oyy = uy * sy;
      this.oyz = uz * sy;
      this.d0x = f[0];
      this.d0y = f[1];
      this.d0z = f[2];
      this.dxx = this.dxy = this.dxz = this.dyx = this.dyy = this.dyz = 0;
    } else {
      this.o0x = this.cx;
      this.o0y = this.cy;
      this.o0z = this.cz;
      this.oxx = this.oxy = this.oxz = this.oyx = this.oyy = this.oyz = 0;
      this.d0x = f[0] + offX;
      this.d0y = f[1] + offY;
      this.d0z = f[2] + offZ;
      this.dxx = rx * sx;
      this.dxy = ry * sx;
      this.dxz = rz * sx;
      this.dyx = ux * sy;
      this.dyy = uy * sy;
      this.dyz = uz * sy;
    }
  }

  /** Project a world point to continuous pixel coordinates; false when it is behind the near plane. */
  private project(wx: number, wy: number, wz: number, outXY: Float64Array): boolean {
    const px = wx - this.cx;
    const py = wy - this.cy;
    const pz = wz - this.cz;
    const depth = px * this.fx + py * this.fy + pz * this.fz;
    if (!this.ortho && depth < this.near * 0.5) return false;
    const x = px * this.rx + py * this.ry + pz * this.rz;
    const y = px * this.ux + py * this.uy + pz * this.uz;
    // Invert the pixel-to-ray map along the right and up axes.
    if (this.ortho) {
      const stepX = this.oxx * this.rx + this.oxy * this.ry + this.oxz * this.rz;
      const stepY = this.oyx * this.ux + this.oyy * this.uy + this.oyz * this.uz;
      const r0 = (this.o0x - this.cx) * this.rx + (this.o0y - this.cy) * this.ry + (this.o0z - this.cz) * this.rz;
      const u0 = (this.o0x - this.cx) * this.ux + (this.o0y - this.cy) * this.uy + (this.o0z - this.cz) * this.uz;
      outXY[0] = (x - r0) / stepX;
      outXY[1] = (y - u0) / stepY;
    } else {
      const stepX = this.dxx * this.rx + this.dxy * this.ry + this.dxz * this.rz;
      const stepY = this.dyx * this.ux + this.dyy * this.uy + this.dyz * this.uz;
      const r0 = this.d0x * this.rx + this.d0y * this.ry + this.d0z * this.rz;
      const u0 = this.d0x * this.ux + this.d0y * this.uy + this.d0z * this.uz;
      outXY[0] = (x / depth - r0) / stepX;
      outXY[1] = (y / depth - u0) / stepY;
    }
    return true;
  }

  /** Per-frame light constants: unit directions, spot cutoff cosine, shadow buffer slots. */
  private prepareLights(): void {
    const { nlight, lightData } = this.scene;
    if (this.lightPre.length < nlight * LP_STRIDE) this.lightPre = new Float64Array(nlight * LP_STRIDE * 2);
    const pre = this.lightPre;
    let slots = 0;
    for (let l = 0; l < nlight; l++) {
      const lo = l * LIGHT_STRIDE;
      const po = l * LP_STRIDE;
      const type = lightData[lo + L_TYPE];
      let x = lightData[lo + L_DIR];
      let y = lightData[lo + L_DIR + 1];
      let z = lightData[lo + L_DIR + 2];
      const n = Math.sqrt(x * x + y * y + z * z) || 1;
      x /= n;
      y /= n;
      z /= n;
      // Directional lights shine along dir, so the direction towards the light is -dir.
      const sign = type === LIGHT_DIRECTIONAL ? -1 : 1;
      pre[po + LP_TYPE] = type;
      pre[po + LP_DIR] = sign * x;
      pre[po + LP_DIR + 1] = sign * y;
      pre[po + LP_DIR + 2] = sign * z;
      const cutoff = lightData[lo + L_CUTOFF];
      pre[po + LP_COSCUTOFF] =
        type === LIGHT_SPOT && cutoff < 180 ? Math.cos((Math.min(cutoff, 90) * Math.PI) / 180) : -Infinity;
      pre[po + LP_AMBIENT] =
        lightData[lo + L_AMBIENT] !== 0 || lightData[lo + L_AMBIENT + 1] !== 0 || lightData[lo + L_AMBIENT + 2] !== 0
          ? 1
          : 0;
      const shadows = this.scene.shadows && lightData[lo + L_CASTSHADOW] > 0;
      pre[po + LP_SHADOW] = shadows ? 1 : 0;
      // Plane pixels read precomputed shadow factors from a buffer for the first few such lights.
      pre[po + LP_SLOT] = shadows && slots < MAX_SHADOW_BUFFERS ? slots++ : -1;
    }
    if (this.dynamicLights.length < nlight * DL_STRIDE) this.dynamicLights = new Float64Array(nlight * DL_STRIDE * 2);
    while (this.shadowBuffers.length < slots) this.shadowBuffers.push(new Float32Array(this.width * this.height));
  }

  private prepareGeoms(): void {
    const scene = this.scene;
    const n = scene.ngeom;
    const g = scene.geomData;
    if (this.derived.length < n * D_STRIDE) this.derived = new Float64Array(n * D_STRIDE * 2);
    if (this.planes.length < n) this.planes = new Int32Array(n * 2);
    if (this.casters.length < n) this.casters = new Int32Array(n * 2);
    this.primary.reserve(n);
    this.mirrored.reserve(n);
    this.shadowed.reserve(n);
    const dv = this.derived;
    this.nplanes = 0;
    this.ncasters = 0;
    this.mirror = -1;

    for (let i = 0; i < n; i++) {
      const o = i * GEOM_STRIDE;
      const type = g[o + G_TYPE];
      const s0 = g[o + G_SIZE];
      const s1 = g[o + G_SIZE + 1];
      const s2 = g[o + G_SIZE + 2];
      const d = i * D_STRIDE;
      let hx = 0;
      let hy = 0;
      let hz = 0;
      switch (type) {
        case GEOM_SPHERE:
          hx = hy = hz = s0;
          break;
        case GEOM_CAPSULE:
          hx = hy = s0;
          hz = s2 + s0;
          break;
        case GEOM_ELLIPSOID:
        case GEOM_BOX:
          hx = s0;
          hy = s1;
          hz = s2;
          break;
        case GEOM_CYLINDER:
          hx = hy = s0;
          hz = s2;
          break;
        default:
          break;
      }
      dv[d + D_HALF] = hx;
      dv[d + D_HALF + 1] = hy;
      dv[d + D_HALF + 2] = hz;
      dv[d + D_RADIUS] = Math.sqrt(hx * hx + hy * hy + hz * hz);
      const alpha = g[o + G_RGBA + 3];
      const drawable = isDrawableGeomType(type) && alpha > 0;
      dv[d + D_ACTIVE] = drawable ? 1 : 0;
      dv[d + D_PLANE] = 0;
      dv[d + D_PASS] = 0;
      this.primary.clear(i);
      this.mirrored.clear(i);
      this.shadowed.clear(i);
      if (!drawable) continue;
      if (type === GEOM_PLANE) {
        // Planes are seen only from their front side (MuJoCo draws them 70% transparent from behind).
        const nzx = g[o + G_MAT + 2];
        const nzy = g[o + G_MAT + 5];
        const nzz = g[o + G_MAT + 8];
        const side =
          (this.cx - g[o + G_POS]) * nzx + (this.cy - g[o + G_POS + 1]) * nzy + (this.cz - g[o + G_POS + 2]) * nzz;
        if (this.ortho ? nzx * this.fx + nzy * this.fy + nzz * this.fz >= 0 : side <= 0) {
          dv[d + D_ACTIVE] = 0;
          continue;
        }
        dv[d + D_PLANE] = 1;
        this.planes[this.nplanes++] = i;
        if (this.mirror < 0 && scene.reflection && g[o + G_REFLECTANCE] > 0 && alpha >= 0.995) {
          this.mirror = i;
          this.mnx = nzx;
          this.mny = nzy;
          this.mnz = nzz;
          this.mpd = g[o + G_POS] * nzx + g[o + G_POS + 1] * nzy + g[o + G_POS + 2] * nzz;
        }
        continue;
      }
      if (g[o + G_CASTSHADOW] > 0) this.casters[this.ncasters++] = i;
      this.boxOnScreen(i, this.primary.box, 0);
    }

    for (let i = 0; i < n; i++) {
      if (dv[i * D_STRIDE + D_ACTIVE] === 0 || dv[i * D_STRIDE + D_PLANE] === 1) continue;
      if (this.mirror >= 0) this.boxOnScreen(i, this.mirrored.box, 1);
    }
    if (scene.shadows && this.nplanes > 0) {
      for (let c = 0; c < this.ncasters; c++) this.boxOnScreen(this.casters[c], this.shadowed.box, 2);
    }
    this.listPotentialCasters();
    this.primary.build(n);
    this.mirrored.build(n);
    this.shadowed.build(n);
  }

  /**
   * For each solid geom, the casters whose shadow can fall on it: with directional lights only,
   * those whose bounding sphere meets the cylinder swept by the receiver's bounding sphere towards
   * the light (widened by the penumbra). With any positional shadow light, every caster.
   */
  private listPotentialCasters(): void {
    const n = this.scene.ngeom;
    const g = this.g;
    const dv = this.derived;
    const pre = this.lightPre;
    if (this.casterStart.length < n + 1) this.casterStart = new Int32Array(2 * (n + 1));
    const start = this.casterStart;
    let count = 0;
    for (let r = 0; r < n; r++) {
      start[r] = count;
      if (dv[r * D_STRIDE + D_ACTIVE] === 0 || dv[r * D_STRIDE + D_PLANE] === 1) continue;
      const ro = r * GEOM_STRIDE;
      const rr = dv[r * D_STRIDE + D_RADIUS];
      for (let k = 0; k < this.ncasters; k++) {
        const c = this.casters[k];
        if (c === r) continue;
        const co = c * GEOM_STRIDE;
        const rc = dv[c * D_STRIDE + D_RADIUS];
        const wx = g[co + G_POS] - g[ro + G_POS];
        const wy = g[co + G_POS + 1] - g[ro + G_POS + 1];
        const wz = g[co + G_POS + 2] - g[ro + G_POS + 2];
        let possible = false;
        for (let l = 0; l < this.scene.nlight && !possible; l++) {
          const po = l * LP_STRIDE;
          if (pre[po + LP_SHADOW] === 0) continue;
          if (pre[po + LP_TYPE] !== LIGHT_DIRECTIONAL) {
            possible = true;
            break;
          }
          const along = wx * pre[po + LP_DIR] + wy * pre[po + LP_DIR + 1] + wz * pre[po + LP_DIR + 2];
          if (along < -(rr + rc)) continue;
          const lateral2 = Math.max(0, wx * wx + wy * wy + wz * wz - along * along);
          const reach = rr + rc + this.shadowSoftness * (Math.abs(along) + rr + rc) + 1e-3;
          possible = lateral2 <= reach * reach;
        }
        if (!possible) continue;
        if (this.casterItems.length <= count) {
          const grown = new Int32Array(2 * (count + 1));
          grown.set(this.casterItems);
          this.casterItems = grown;
        }
        this.casterItems[count++] = c;
      }
    }
    start[n] = count;
  }

  /**
   * Pixel bounding box of geom `i` (mode 0), of its mirror image in the reflective plane (mode 1),
   * or of its shadows on the planes (mode 2), from the 8 corners of its oriented bounding box.
   */
  private boxOnScreen(i: number, box: Int32Array, mode: number): void {
    const g = this.g;
    const o = i * GEOM_STRIDE;
    const d = i * D_STRIDE;
    const dv = this.derived;
    const hx = dv[d + D_HALF];
    const hy = dv[d + D_HALF + 1];
    const hz = dv[d + D_HALF + 2];
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    let whole = false;
    const xy = scratchXY;
    for (let corner = 0; corner < 8 && !whole; corner++) {
      const lx = corner & 1 ? hx : -hx;
      const ly = corner & 2 ? hy : -hy;
      const lz = corner & 4 ? hz : -hz;
      let wx = g[o + G_POS] + g[o + G_MAT] * lx + g[o + G_MAT + 1] * ly + g[o + G_MAT + 2] * lz;
      let wy = g[o + G_POS + 1] + g[o + G_MAT + 3] * lx + g[o + G_MAT + 4] * ly + g[o + G_MAT + 5] * lz;
      let wz = g[o + G_POS + 2] + g[o + G_MAT + 6] * lx + g[o + G_MAT + 7] * ly + g[o + G_MAT + 8] * lz;
      if (mode === 1) {
        const dist = wx * this.mnx + wy * this.mny + wz * this.mnz - this.mpd;
        wx -= 2 * dist * this.mnx;
        wy -= 2 * dist * this.mny;
        wz -= 2 * dist * this.mnz;
        if (!this.project(wx, wy, wz, xy)) {
          whole = true;
          break;
        }
        x0 = Math.min(x0, xy[0]);
        x1 = Math.max(x1, xy[0]);
        y0 = Math.min(y0, xy[1]);
        y1 = Math.max(y1, xy[1]);
      } else if (mode === 2) {
        // The corner's shadow on every plane from every shadow-casting light.
        const lights = this.scene.lightData;
        for (let l = 0; l < this.scene.nlight && !whole; l++) {
          const lo = l * LIGHT_STRIDE;
          if (this.lightPre[l * LP_STRIDE + LP_SHADOW] === 0) continue;
          for (let p = 0; p < this.nplanes; p++) {
            const po = this.planes[p] * GEOM_STRIDE;
            const nx = g[po + G_MAT + 2];
            const ny = g[po + G_MAT + 5];
            const nz = g[po + G_MAT + 8];
            const planeD = g[po + G_POS] * nx + g[po + G_POS + 1] * ny + g[po + G_POS + 2] * nz;
            let sx: number;
            let sy: number;
            let sz: number;
            const height = wx * nx + wy * ny + wz * nz - planeD;
            if (lights[lo + L_TYPE] === LIGHT_DIRECTIONAL) {
              const ldx = lights[lo + L_DIR];
              const ldy = lights[lo + L_DIR + 1];
              const ldz = lights[lo + L_DIR + 2];
              const down = ldx * nx + ldy * ny + ldz * nz;
              if (down >= -1e-9) continue;
              const k = height > 0 ? -height / down : 0;
              sx = wx + k * ldx;
              sy = wy + k * ldy;
              sz = wz + k * ldz;
            } else {
              const qx = lights[lo + L_POS];
              const qy = lights[lo + L_POS + 1];
              const qz = lights[lo + L_POS + 2];
              const lightHeight = qx * nx + qy * ny + qz * nz - planeD;
              if (lightHeight <= height + 1e-9) {
                whole = true;
                break;
              }
              const k = height > 0 ? lightHeight / (lightHeight - height) : 1;
              sx = qx + k * (wx - qx);
              sy = qy + k * (wy - qy);
              sz = qz + k * (wz - qz);
            }
            if (!this.project(sx, sy, sz, xy)) {
              whole = true;
              break;
            }
            x0 = Math.min(x0, xy[0]);
            x1 = Math.max(x1, xy[0]);
            y0 = Math.min(y0, xy[1]);
            y1 = Math.max(y1, xy[1]);
          }
        }
      } else {
        if (!this.project(wx, wy, wz, xy)) {
          whole = true;
          break;
        }
        x0 = Math.min(x0, xy[0]);
        x1 = Math.max(x1, xy[0]);
        y0 = Math.min(y0, xy[1]);
        y1 = Math.max(y1, xy[1]);
      }
    }
    const b = 4 * i;
    if (whole) {
      box[b] = 0;
      box[b + 1] = 0;
      box[b + 2] = this.width - 1;
      box[b + 3] = this.height - 1;
      return;
    }
    if (!(x0 <= x1)) return;
    // Shadows get a margin for their soft edge; every box one pixel for sub-pixel samples.
    const margin = mode === 2 ? 2 + 0.05 * (x1 - x0 + y1 - y0) : 1;
    const bx0 = Math.max(0, Math.floor(x0 - margin));
    const by0 = Math.max(0, Math.floor(y0 - margin));
    const bx1 = Math.min(this.width - 1, Math.ceil(x1 + margin));
    const by1 = Math.min(this.height - 1, Math.ceil(y1 + margin));
    if (bx0 > bx1 || by0 > by1) return;
    box[b] = bx0;
    box[b + 1] = by0;
    box[b + 2] = bx1;
    box[b + 3] = by1;
  }

  /** The skybox seen through each pixel; recomputed only when the camera turns or zooms. */
  private updateSky(): void {
    const key = this.skyKey;
    const values = [
      this.d0x,
      this.d0y,
      this.d0z,
      this.dxx,
      this.dxy,
      this.dxz,
      this.dyx,
      this.dyy,
      this.dyz,
      this.scene.skybox,
      this.scene.textures.length,
    ];
    let same = true;
    for (let k = 0; k < values.length; k++) {
      if (key[k] !== values[k]) same = false;
      key[k] = values[k];
    }
    if (same) return;
    const sky = this.sky;
    const texture = this.scene.skybox >= 0 ? this.scene.textures[this.scene.skybox] : undefined;
    const { width, height } = this;
    if (!texture) {
      sky.fill(0);
      this.skyBytes.fill(0);
      return;
    }
    for (let py = 0; py < height; py++) {
      for (let px = 0; px < width; px++) {
        const i = 3 * (py * width + px);
        const sx = px + 0.5;
        const sy = py + 0.5;
        const dx = this.d0x + this.dxx * sx + this.dyx * sy;
        const dy = this.d0y + this.dxy * sx + this.dyy * sy;
        const dz = this.d0z + this.dxz * sx + this.dyz * sy;
        // MuJoCo maps the skybox with texture coordinates (x, z, -y): cube "up" (+y) is world +z.
        sampleCube(texture, dx, dz, -dy, scratchRGB);
        sky[i] = scratchRGB[0];
        sky[i + 1] = scratchRGB[1];
        sky[i + 2] = scratchRGB[2];
        writePixel(this.skyBytes, i, scratchRGB[0], scratchRGB[1], scratchRGB[2]);
      }
    }
  }

  // ---------------------------------------------------------------- whole-frame passes

  /** Nearest hits of plane p over the screen (it is usually most of the frame, so one tight loop). */
  private planeVisibility(p: number): void {
    const g = this.g;
    const o = p * GEOM_STRIDE;
    const nx = g[o + G_MAT + 2];
    const ny = g[o + G_MAT + 5];
    const nz = g[o + G_MAT + 8];
    const ax = g[o + G_MAT];
    const ay = g[o + G_MAT + 3];
    const az = g[o + G_MAT + 6];
    const bx = g[o + G_MAT + 1];
    const by = g[o + G_MAT + 4];
    const bz = g[o + G_MAT + 7];
    const px0 = g[o + G_POS];
    const py0 = g[o + G_POS + 1];
    const pz0 = g[o + G_POS + 2];
    const s0 = g[o + G_SIZE];
    const s1 = g[o + G_SIZE + 1];
    // Everything below is linear in (sx, sy): n.(p0 - o), n.d and the in-plane axes a.d, b.d, a.(o - p0), b.(o - p0).
    const num0 = nx * (px0 - this.o0x) + ny * (py0 - this.o0y) + nz * (pz0 - this.o0z);
    const numX = -(nx * this.oxx + ny * this.oxy + nz * this.oxz);
    const numY = -(nx * this.oyx + ny * this.oyy + nz * this.oyz);
    const nd0 = nx * this.d0x + ny * this.d0y + nz * this.d0z;
    const ndX = nx * this.dxx + ny * this.dxy + nz * this.dxz;
    const ndY = nx * this.dyx + ny * this.dyy + nz * this.dyz;
    const ao0 = ax * (this.o0x - px0) + ay * (this.o0y - py0) + az * (this.o0z - pz0);
    const aoX = ax * this.oxx + ay * this.oxy + az * this.oxz;
    const aoY = ax * this.oyx + ay * this.oyy + az * this.oyz;
    const ad0 = ax * this.d0x + ay * this.d0y + az * this.d0z;
    const adX = ax * this.dxx + ay * this.dxy + az * this.dxz;
    const adY = ax * this.dyx + ay * this.dyy + az * this.dyz;
    const bo0 = bx * (this.o0x - px0) + by * (this.o0y - py0) + bz * (this.o0z - pz0);
    const boX = bx * this.oxx + by * this.oxy + bz * this.oxz;
    const boY = bx * this.oyx + by * this.oyy + bz * this.oyz;
    const bd0 = bx * this.d0x + by * this.d0y + bz * this.d0z;
    const bdX = bx * this.dxx + by * this.dxy + bz * this.dxz;
    const bdY = bx * this.dyx + by * this.dyy + bz * this.dyz;
    const tMin = this.ortho ? 0 : this.near;
    const { width, height, depth, ids, parts } = this;
    const finiteX = s0 > 0;
    const finiteY = s1 > 0;
    for (let py = 0; py < height; py++) {
      const sy = py + 0.5;
      const numRow = num0 + numY * sy;
      const ndRow = nd0 + ndY * sy;
      const aoRow = ao0 + aoY * sy;
      const adRow = ad0 + adY * sy;
      const boRow = bo0 + boY * sy;
      const bdRow = bd0 + bdY * sy;
      // Rows where no ray descends onto the plane (n.d >= 0 at both ends: it is linear) are skipped.
      if (ndRow + ndX * 0.5 >= 0 && ndRow + ndX * (width - 0.5) >= 0) continue;
      let i = py * width;
      for (let px = 0; px < width; px++, i++) {
        const sx = px + 0.5;
        const nd = ndRow + ndX * sx;
        if (nd >= 0) continue;
        const t = (numRow + numX * sx) / nd;
        if (!(t > tMin) || t >= depth[i]) continue;
        if (finiteX) {
          const a = aoRow + aoX * sx + t * (adRow + adX * sx);
          if (a > s0 || a < -s0) continue;
        }
        if (finiteY) {
          const b = boRow + boX * sx + t * (bdRow + bdX * sx);
          if (b > s1 || b < -s1) continue;
        }
        depth[i] = t;
        ids[i] = p;
        parts[i] = 0;
      }
    }
  }

  /**
   * Nearest hits of solid geom i over its screen box. Capsules and spheres first test each pixel
   * against the outline of their projection: within a margin of the projected axis segment
   * (the image of a sphere of radius r at depth d and angle a off the view axis fits within
   * r / ((d - r) cos^2 a) of its projected centre, in units of the focal length).
   */
  private geomVisibility(i: number): void {
    const box = this.primary.box;
    const x0 = box[4 * i];
    const y0 = box[4 * i + 1];
    const x1 = box[4 * i + 2];
    const y1 = box[4 * i + 3];
    const { width, depth, ids, parts } = this;
    const tMin = this.ortho ? 0 : this.near;
    const outline = this.projectedOutline(i);
    const ax = this.outline[0];
    const ay = this.outline[1];
    const ex = this.outline[2] - ax;
    const ey = this.outline[3] - ay;
    const radius2 = this.outline[4] * this.outline[4];
    const length2 = ex * ex + ey * ey;
    for (let py = y0; py <= y1; py++) {
      const sy = py + 0.5;
      for (let px = x0; px <= x1; px++) {
        const sx = px + 0.5;
        if (outline) {
          // Squared distance from the pixel centre to the projected segment.
          const qx = sx - ax;
          const qy = sy - ay;
          let u = length2 > 0 ? (qx * ex + qy * ey) / length2 : 0;
          u = u < 0 ? 0 : u > 1 ? 1 : u;
          const fx = qx - u * ex;
          const fy = qy - u * ey;
          if (fx * fx + fy * fy > radius2) continue;
        }
        const a = this.args;
        a[A_RAY] = this.o0x + this.oxx * sx + this.oyx * sy;
        a[A_RAY + 1] = this.o0y + this.oxy * sx + this.oyy * sy;
        a[A_RAY + 2] = this.o0z + this.oxz * sx + this.oyz * sy;
        a[A_RAY + 3] = this.d0x + this.dxx * sx + this.dyx * sy;
        a[A_RAY + 4] = this.d0y + this.dxy * sx + this.dyy * sy;
        a[A_RAY + 5] = this.d0z + this.dxz * sx + this.dyz * sy;
        a[A_RAY + 6] = tMin;
        this.hitSolid(i);
        const t = this.tHit;
        const k = py * width + px;
        if (t < depth[k]) {
          depth[k] = t;
          ids[k] = i;
          parts[k] = this.part;
        }
      }
    }
  }

  /**
   * For a capsule or sphere in front of the camera: its projected axis segment (pixel coordinates)
   * and a radius in pixels that contains its image, into `outline`; false when no such bound is used.
   */
  private projectedOutline(i: number): boolean {
    const g = this.g;
    const o = i * GEOM_STRIDE;
    const type = g[o + G_TYPE];
    if (type !== GEOM_CAPSULE && type !== GEOM_SPHERE) return false;
    const r = g[o + G_SIZE];
    const h = type === GEOM_CAPSULE ? g[o + G_SIZE + 2] : 0;
    const xy = scratchXY;
    let bound = 0;
    for (let end = 0; end < 2; end++) {
      const sign = end === 0 ? -1 : 1;
      const wx = g[o + G_POS] + sign * h * g[o + G_MAT + 2];
      const wy = g[o + G_POS + 1] + sign * h * g[o + G_MAT + 5];
      const wz = g[o + G_POS + 2] + sign * h * g[o + G_MAT + 8];
      if (!this.project(wx, wy, wz, xy)) return false;
      this.outline[2 * end] = xy[0];
      this.outline[2 * end + 1] = xy[1];
      if (this.ortho) {
        bound = Math.max(bound, r / this.pixelSize);
        continue;
      }
      const rx = wx - this.cx;
      const ry = wy - this.cy;
      const rz = wz - this.cz;
      const d = rx * this.fx + ry * this.fy + rz * this.fz;
      if (d - r <= this.near) return false;
      const secant2 = (rx * rx + ry * ry + rz * rz) / (d * d);
      bound = Math.max(bound, (r * secant2) / ((d - r) * this.pixelSize));
    }
    this.outline[4] = 1.1 * bound + 1.5;
    return true;
  }

  /** Shadow factors of plane pixels: each caster multiplies in its transmittance over its shadow box. */
  private shadowPass(): void {
    const { width, depth, ids } = this;
    const dv = this.derived;
    const pre = this.lightPre;
    const nlight = this.scene.nlight;
    for (let l = 0; l < nlight; l++) {
      const slot = pre[l * LP_STRIDE + LP_SLOT];
      if (slot >= 0) this.shadowBuffers[slot].fill(1);
    }
    if (this.nplanes === 0) return;
    const box = this.shadowed.box;
    for (let c = 0; c < this.ncasters; c++) {
      const caster = this.casters[c];
      const x0 = box[4 * caster];
      const y0 = box[4 * caster + 1];
      const x1 = box[4 * caster + 2];
      const y1 = box[4 * caster + 3];
      for (let py = y0; py <= y1; py++) {
        const sy = py + 0.5;
        for (let px = x0; px <= x1; px++) {
          const k = py * width + px;
          const id = ids[k];
          if (id < 0 || dv[id * D_STRIDE + D_PLANE] === 0) continue;
          const sx = px + 0.5;
          const t = depth[k];
          const hx = this.o0x + this.oxx * sx + this.oyx * sy + t * (this.d0x + this.dxx * sx + this.dyx * sy);
          const hy = this.o0y + this.oxy * sx + this.oyy * sy + t * (this.d0y + this.dxy * sx + this.dyy * sy);
          const hz = this.o0z + this.oxz * sx + this.oyz * sy + t * (this.d0z + this.dxz * sx + this.dyz * sy);
          for (let l = 0; l < nlight; l++) {
            const po = l * LP_STRIDE;
            const slot = pre[po + LP_SLOT];
            if (slot < 0) continue;
            const buffer = this.shadowBuffers[slot];
            if (buffer[k] === 0) continue;
            this.lightDirection(l, hx, hy, hz);
            buffer[k] *= this.casterTransmittance(caster, hx, hy, hz, this.lx, this.ly, this.lz, this.lmax);
          }
        }
      }
    }
  }

  /** Nearest geom along the mirrored ray of each pixel of the reflective plane. */
  private reflectionPass(): void {
    const m = this.mirror;
    if (m < 0) return;
    const { width, depth, ids, reflDepth, reflIds, reflParts } = this;
    const box = this.mirrored.box;
    const n = this.scene.ngeom;
    const mnx = this.mnx;
    const mny = this.mny;
    const mnz = this.mnz;
    reflIds.fill(-1);
    for (let i = 0; i < n; i++) {
      const x0 = box[4 * i];
      const y0 = box[4 * i + 1];
      const x1 = box[4 * i + 2];
      const y1 = box[4 * i + 3];
      for (let py = y0; py <= y1; py++) {
        const sy = py + 0.5;
        for (let px = x0; px <= x1; px++) {
          const k = py * width + px;
          if (ids[k] !== m) continue;
          const sx = px + 0.5;
          const dx = this.d0x + this.dxx * sx + this.dyx * sy;
          const dy = this.d0y + this.dxy * sx + this.dyy * sy;
          const dz = this.d0z + this.dxz * sx + this.dyz * sy;
          const t = depth[k];
          const hx = this.o0x + this.oxx * sx + this.oyx * sy + t * dx;
          const hy = this.o0y + this.oxy * sx + this.oyy * sy + t * dy;
          const hz = this.o0z + this.oxz * sx + this.oyz * sy + t * dz;
          const dn = dx * mnx + dy * mny + dz * mnz;
          const a = this.args;
          a[A_RAY] = hx;
          a[A_RAY + 1] = hy;
          a[A_RAY + 2] = hz;
          a[A_RAY + 3] = dx - 2 * dn * mnx;
          a[A_RAY + 4] = dy - 2 * dn * mny;
          a[A_RAY + 5] = dz - 2 * dn * mnz;
          a[A_RAY + 6] = SHADOW_EPS;
          this.hitSolid(i);
          const s = this.tHit;
          if (s < Infinity && (reflIds[k] < 0 || s < reflDepth[k])) {
            reflDepth[k] = s;
            reflIds[k] = i;
            reflParts[k] = this.part;
          }
        }
      }
    }
  }

  /** Colour every pixel from the visibility, shadow and reflection buffers. */
  private shadePass(out: Uint8Array): void {
    const { width, height, depth, ids, parts, keys, skyBytes } = this;
    const g = this.g;
    const dv = this.derived;
    for (let k = 0; k < this.nplanes; k++) {
      const p = this.planes[k];
      if (dv[p * D_STRIDE + D_PASS] === 1) this.shadePlanePass(p, out);
    }
    for (let py = 0; py < height; py++) {
      const sy = py + 0.5;
      const tileRow = ((py / TILE) | 0) * this.tilesX;
      let k = py * width;
      for (let px = 0; px < width; px++, k++) {
        const id = ids[k];
        if (id === SKY) {
          // Copy the whole run of background pixels at once.
          let end = k + 1;
          while (end < (py + 1) * width && ids[end] === SKY) end++;
          out.set(skyBytes.subarray(3 * k, 3 * end), 3 * k);
          keys.fill(0, k, end);
          px += end - k - 1;
          k = end - 1;
          continue;
        }
        if (dv[id * D_STRIDE + D_PASS] === 1) continue;
        const sx = px + 0.5;
        this.curPx = px;
        this.curPy = py;
        const tile = tileRow + ((px / TILE) | 0);
        if (g[id * GEOM_STRIDE + G_RGBA + 3] < 0.995) {
          this.shadeRay(sx, sy, px, py, tile);
        } else {
          const t = depth[k];
          const dx = this.d0x + this.dxx * sx + this.dyx * sy;
          const dy = this.d0y + this.dxy * sx + this.dyy * sy;
          const dz = this.d0z + this.dxz * sx + this.dyz * sy;
          const ox = this.o0x + this.oxx * sx + this.oyx * sy;
          const oy = this.o0y + this.oxy * sx + this.oyy * sy;
          const oz = this.o0z + this.oxz * sx + this.oyz * sy;
          if (dv[id * D_STRIDE + D_PLANE] === 1) this.shadePlane(id, ox, oy, oz, dx, dy, dz, t, k, tile);
          else this.shadeGeom(id, t, parts[k], ox, oy, oz, dx, dy, dz, SHADOW_RAYS, tile);
          this.hitG = id;
        }
        keys[k] = (this.hitG + 1) | ((this.reflG + 1) << 16);
        writePixel(out, 3 * k, this.cr, this.cg, this.cb);
      }
    }
  }

  /**
   * Shade every pixel of an opaque plane lit by directional lights only, in one loop with the
   * plane's constants hoisted: the same colours as `shadePlane`, which shades one ray.
   */
  private shadePlanePass(p: number, out: Uint8Array): void {
    const g = this.g;
    const o = p * GEOM_STRIDE;
    const { width, height, depth, ids, keys, reflIds, reflDepth, reflParts } = this;
    const info = this.planeInfo;
    const nlight = this.scene.nlight;
    const lights = this.scene.lightData;
    const pre = this.lightPre;
    const q = this.derived[p * D_STRIDE + D_SLOT] * (PI_STRIDE + nlight);
    const nx = g[o + G_MAT + 2];
    const ny = g[o + G_MAT + 5];
    const nz = g[o + G_MAT + 8];
    const ax = g[o + G_MAT];
    const ay = g[o + G_MAT + 3];
    const az = g[o + G_MAT + 6];
    const bx = g[o + G_MAT + 1];
    const by = g[o + G_MAT + 4];
    const bz = g[o + G_MAT + 7];
    const px0 = g[o + G_POS];
    const py0 = g[o + G_POS + 1];
    const pz0 = g[o + G_POS + 2];
    const tex2d = info[q + PI_TEX2D];
    const texture = tex2d >= 0 ? this.scene.textures[tex2d] : undefined;
    const otherTexture = tex2d < 0 && g[o + G_TEXTURE] >= 0;
    const ks = info[q + PI_KS];
    const kt = info[q + PI_KT];
    const rhoK = info[q + PI_RHO];
    const red = g[o + G_RGBA];
    const green = g[o + G_RGBA + 1];
    const blue = g[o + G_RGBA + 2];
    const matSpecular = g[o + G_SPECULAR];
    const shininess = 128 * g[o + G_SHININESS];
    const reflectance = g[o + G_REFLECTANCE];
    const mirror = p === this.mirror;

    // The lights that vary over the plane: shadowed ones and those giving highlights.
    const dyn = this.dynamicLights;
    let ndyn = 0;
    for (let l = 0; l < nlight; l++) {
      const po = l * LP_STRIDE;
      const lo = l * LIGHT_STRIDE;
      const ndl = info[q + PI_STRIDE + l];
      const shadowed = pre[po + LP_SHADOW] > 0 && (ndl > 0 || pre[po + LP_AMBIENT] !== 0);
      const specular = ndl > 0 && matSpecular > 0;
      if (!shadowed && !specular) continue;
      const j = ndyn++ * DL_STRIDE;
      dyn[j + DL_SHADOW] = shadowed ? 1 : 0;
      dyn[j + DL_SLOT] = pre[po + LP_SLOT];
      dyn[j + DL_LX] = pre[po + LP_DIR];
      dyn[j + DL_LX + 1] = pre[po + LP_DIR + 1];
      dyn[j + DL_LX + 2] = pre[po + LP_DIR + 2];
      dyn[j + DL_NDL] = ndl;
      for (let c = 0; c < 3; c++) {
        dyn[j + DL_AMBDIFF + c] = shadowed
          ? lights[lo + L_AMBIENT + c] + (ndl > 0 ? ndl * lights[lo + L_DIFFUSE + c] : 0)
          : 0;
        dyn[j + DL_SPEC + c] = specular ? matSpecular * lights[lo + L_SPECULAR + c] : 0;
      }
      dyn[j + DL_HASSPEC] =
        specular && (lights[lo + L_SPECULAR] > 0 || lights[lo + L_SPECULAR + 1] > 0 || lights[lo + L_SPECULAR + 2] > 0)
          ? 1
          : 0;
    }
    const constR = info[q + PI_LIGHT];
    const constG = info[q + PI_LIGHT + 1];
    const constB = info[q + PI_LIGHT + 2];
    const buffers = this.dynamicBuffers;
    for (let j = 0; j < ndyn; j++) {
      const slot = dyn[j * DL_STRIDE + DL_SLOT];
      buffers[j] = slot >= 0 ? this.shadowBuffers[slot] : undefined;
    }
    // Highlights need N.H > 1 - 7 / shininess to reach 1/1000 (N.H^s ~ exp(-s (1 - N.H))).
    const highlight = shininess > 7 ? 1 - 7 / shininess : 0;
    const highlight2 = highlight * highlight;
    const ortho = this.ortho;
    const dxx = this.dxx;
    const dxy = this.dxy;
    const dxz = this.dxz;
    const dyx = this.dyx;
    const dyy = this.dyy;
    const dyz = this.dyz;
    const oxx = this.oxx;
    const oxy = this.oxy;
    const oxz = this.oxz;
    const oyx = this.oyx;
    const oyy = this.oyy;
    const oyz = this.oyz;

    const columns = this.rowPixels;
    const coords = this.rowCoords;
    const inverseLengths = this.rowInverseLengths;
    for (let py = 0; py < height; py++) {
      const sy = py + 0.5;
      const tileRow = ((py / TILE) | 0) * this.tilesX;
      const rowD0x = this.d0x + dyx * sy;
      const rowD0y = this.d0y + dyy * sy;
      const rowD0z = this.d0z + dyz * sy;
      const rowO0x = this.o0x + oyx * sy;
      const rowO0y = this.o0y + oyy * sy;
      const rowO0z = this.o0z + oyz * sy;
      const rowStart = py * width;
      // The row's pixels on this plane, and their texture coordinates.
      let count = 0;
      for (let px = 0; px < width; px++) {
        if (ids[rowStart + px] !== p) continue;
        const sx = px + 0.5;
        const dx = rowD0x + dxx * sx;
        const dy = rowD0y + dxy * sx;
        const dz = rowD0z + dxz * sx;
        const inv = 1 / Math.sqrt(dx * dx + dy * dy + dz * dz);
        const ndv = -(nx * dx + ny * dy + nz * dz) * inv;
        columns[count] = px;
        inverseLengths[count] = inv;
        if (texture !== undefined) {
          const t = depth[rowStart + px];
          const wx = rowO0x + oxx * sx + t * dx - px0;
          const wy = rowO0y + oxy * sx + t * dy - py0;
          const wz = rowO0z + oxz * sx + t * dz - pz0;
          // Texels per pixel, stretched by 1 / cos(incidence), selects the mip level as in OpenGL.
          coords[3 * count] = ks * (ax * wx + ay * wy + az * wz) - 0.5;
          coords[3 * count + 1] = -kt * (bx * wx + by * wy + bz * wz) - 0.5;
          coords[3 * count + 2] = (rhoK * (ortho ? 1 : t)) / (ndv > 1e-3 ? ndv : 1e-3);
        }
        count++;
      }
      if (count === 0) continue;
      if (texture !== undefined) sampleTrilinearMany(texture, coords, count, coords);
      for (let n = 0; n < count; n++) {
        const px = columns[n];
        const k = rowStart + px;
        const sx = px + 0.5;
        const dx = rowD0x + dxx * sx;
        const dy = rowD0y + dxy * sx;
        const dz = rowD0z + dxz * sx;
        const t = depth[k];
        const hx = rowO0x + oxx * sx + t * dx;
        const hy = rowO0y + oxy * sx + t * dy;
        const hz = rowO0z + oxz * sx + t * dz;
        const inv = inverseLengths[n];
        const vx = -dx * inv;
        const vy = -dy * inv;
        const vz = -dz * inv;
        const ndv = nx * vx + ny * vy + nz * vz;
        let tr = 1;
        let tg = 1;
        let tb = 1;
        if (texture !== undefined) {
          tr = coords[3 * n];
          tg = coords[3 * n + 1];
          tb = coords[3 * n + 2];
        } else if (otherTexture) {
          this.texture(p, hx, hy, hz, ortho ? this.pixelSize : t * this.pixelSize, ndv);
          tr = this.cr;
          tg = this.cg;
          tb = this.cb;
        }
        let ar = constR;
        let ag = constG;
        let ab = constB;
        let spr = 0;
        let spg = 0;
        let spb = 0;
        for (let j = 0; j < ndyn; j++) {
          const o = j * DL_STRIDE;
          let factor = 1;
          if (dyn[o + DL_SHADOW] === 1) {
            const buffer = buffers[j];
            if (buffer !== undefined) {
              factor = buffer[k];
            } else {
              this.curPx = px;
              this.curPy = py;
              factor = this.shadow(
                p,
                hx,
                hy,
                hz,
                dyn[o + DL_LX],
                dyn[o + DL_LX + 1],
                dyn[o + DL_LX + 2],
                Infinity,
                tileRow + ((px / TILE) | 0),
              );
            }
            if (factor === 0) continue;
            ar += factor * dyn[o + DL_AMBDIFF];
            ag += factor * dyn[o + DL_AMBDIFF + 1];
            ab += factor * dyn[o + DL_AMBDIFF + 2];
          }
          if (dyn[o + DL_HASSPEC] === 1) {
            // N.H with H = (L + V) / |L + V| and |L + V|^2 = 2 + 2 L.V; first without the root.
            const ldv = dyn[o + DL_LX] * vx + dyn[o + DL_LX + 1] * vy + dyn[o + DL_LX + 2] * vz;
            const cosine = dyn[o + DL_NDL] + ndv;
            const norm2 = 2 + 2 * ldv;
            if (cosine > 0 && norm2 > 1e-12 && cosine * cosine > highlight2 * norm2) {
              const ndh = cosine / Math.sqrt(norm2);
              const power = factor * (shininess > 0 ? ndh ** shininess : 1);
              spr += power * dyn[o + DL_SPEC];
              spg += power * dyn[o + DL_SPEC + 1];
              spb += power * dyn[o + DL_SPEC + 2];
            }
          }
        }
        let r = tr * (red * ar + spr);
        let gg = tg * (green * ag + spg);
        let b = tb * (blue * ab + spb);
        let reflected = -1;
        if (mirror && reflIds[k] >= 0) {
          reflected = reflIds[k];
          const dn = dx * nx + dy * ny + dz * nz;
          this.shadeGeom(
            reflected,
            reflDepth[k],
            reflParts[k],
            hx,
            hy,
            hz,
            dx - 2 * dn * nx,
            dy - 2 * dn * ny,
            dz - 2 * dn * nz,
            SHADOW_NONE,
            0,
          );
          r += reflectance * this.cr;
          gg += reflectance * this.cg;
          b += reflectance * this.cb;
        }
        keys[k] = (p + 1) | ((reflected + 1) << 16);
        writePixel(out, 3 * k, r, gg, b);
      }
    }
  }

  // ---------------------------------------------------------------- per-ray path

  /**
   * Colour (cr, cg, cb) seen through the continuous pixel position (sx, sy) of pixel (px, py),
   * tracing the ray from scratch; transparent geoms blend over what lies behind them.
   */
  private shadeRay(sx: number, sy: number, px: number, py: number, tile: number): void {
    const ox = this.o0x + this.oxx * sx + this.oyx * sy;
    const oy = this.o0y + this.oxy * sx + this.oyy * sy;
    const oz = this.o0z + this.oxz * sx + this.oyz * sy;
    const dx = this.d0x + this.dxx * sx + this.dyx * sy;
    const dy = this.d0y + this.dxy * sx + this.dyy * sy;
    const dz = this.d0z + this.dxz * sx + this.dyz * sy;
    const g = this.g;
    this.curPx = px;
    this.curPy = py;
    let tMin = this.ortho ? 0 : this.near;
    let weight = 1;
    let accR = 0;
    let accG = 0;
    let accB = 0;
    let firstG = -2;
    let firstRefl = -1;
    for (let layer = 0; layer < MAX_LAYERS; layer++) {
      this.trace(ox, oy, oz, dx, dy, dz, tMin, tile, px, py);
      const hit = this.hitG;
      if (firstG === -2) firstG = hit;
      this.reflG = -1;
      if (hit === SKY) {
        const i = 3 * (py * this.width + px);
        this.cr = this.sky[i];
        this.cg = this.sky[i + 1];
        this.cb = this.sky[i + 2];
      } else if (this.derived[hit * D_STRIDE + D_PLANE] === 1) {
        this.shadePlane(hit, ox, oy, oz, dx, dy, dz, this.hitT, -1, tile);
      } else {
        this.shadeGeom(hit, this.hitT, this.hitPart, ox, oy, oz, dx, dy, dz, SHADOW_RAYS, tile);
      }
      if (firstRefl < 0) firstRefl = this.reflG;
      const alpha = hit === SKY ? 1 : Math.min(1, g[hit * GEOM_STRIDE + G_RGBA + 3]);
      if (alpha >= 0.995 || layer === MAX_LAYERS - 1) {
        accR += weight * this.cr;
        accG += weight * this.cg;
        accB += weight * this.cb;
        break;
      }
      accR += weight * alpha * this.cr;
      accG += weight * alpha * this.cg;
      accB += weight * alpha * this.cb;
      weight *= 1 - alpha;
      tMin = this.hitT * (1 + 1e-9) + 1e-9;
    }
    this.cr = accR;
    this.cg = accG;
    this.cb = accB;
    this.hitG = firstG;
    this.reflG = firstRefl;
  }

  /** Nearest geom along a camera ray with t > tMin: sets hitG (SKY if none), hitT, hitPart. */
  private trace(
    ox: number,
    oy: number,
    oz: number,
    dx: number,
    dy: number,
    dz: number,
    tMin: number,
    tile: number,
    px: number,
    py: number,
  ): void {
    let bestT = Infinity;
    let bestG = SKY;
    let bestPart = 0;
    for (let p = 0; p < this.nplanes; p++) {
      const i = this.planes[p];
      this.intersectPlane(i, ox, oy, oz, dx, dy, dz);
      const t = this.tHit;
      if (t > tMin && t < bestT) {
        bestT = t;
        bestG = i;
        bestPart = 0;
      }
    }
    const bins = this.primary;
    const box = bins.box;
    const end = bins.start[tile + 1];
    for (let k = bins.start[tile]; k < end; k++) {
      const i = bins.items[k];
      const b = 4 * i;
      if (px < box[b] || px > box[b + 2] || py < box[b + 1] || py > box[b + 3]) continue;
      this.intersect(i, ox, oy, oz, dx, dy, dz, tMin);
      const t = this.tHit;
      if (t < bestT) {
        bestT = t;
        bestG = i;
        bestPart = this.part;
      }
    }
    this.hitT = bestT;
    this.hitG = bestG;
    this.hitPart = bestPart;
  }

  /** Nearest solid geom along the mirrored ray from a point of the reflective plane. */
  private traceMirror(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tile: number): boolean {
    const bins = this.mirrored;
    const box = bins.box;
    const px = this.curPx;
    const py = this.curPy;
    let bestT = Infinity;
    let bestG = -1;
    let bestPart = 0;
    const end = bins.start[tile + 1];
    for (let k = bins.start[tile]; k < end; k++) {
      const i = bins.items[k];
      const b = 4 * i;
      if (px < box[b] || px > box[b + 2] || py < box[b + 1] || py > box[b + 3]) continue;
      this.intersect(i, ox, oy, oz, dx, dy, dz, SHADOW_EPS);
      const t = this.tHit;
      if (t < bestT) {
        bestT = t;
        bestG = i;
        bestPart = this.part;
      }
    }
    if (bestG < 0) return false;
    this.hitT = bestT;
    this.hitG = bestG;
    this.hitPart = bestPart;
    return true;
  }

  // ---------------------------------------------------------------- shading

  /**
   * Per-frame constants of each visible plane, so that shading a plane pixel is a short loop:
   * its texture mapping, and with only directional lights (N.L is then the same everywhere on
   * the plane) the light that reaches every point of it, leaving shadows and highlights per pixel.
   */
  private preparePlanes(): void {
    const g = this.g;
    const nlight = this.scene.nlight;
    const lights = this.scene.lightData;
    const pre = this.lightPre;
    const need = this.nplanes * (PI_STRIDE + nlight);
    if (this.planeInfo.length < need) this.planeInfo = new Float64Array(need * 2);
    const info = this.planeInfo;
    let allDirectional = true;
    for (let l = 0; l < nlight; l++) if (pre[l * LP_STRIDE + LP_TYPE] !== LIGHT_DIRECTIONAL) allDirectional = false;
    for (let k = 0; k < this.nplanes; k++) {
      const p = this.planes[k];
      const o = p * GEOM_STRIDE;
      const q = k * (PI_STRIDE + nlight);
      this.derived[p * D_STRIDE + D_SLOT] = k;
      const nx = g[o + G_MAT + 2];
      const ny = g[o + G_MAT + 5];
      const nz = g[o + G_MAT + 8];
      const texId = g[o + G_TEXTURE];
      const texture = texId >= 0 ? this.scene.textures[texId] : undefined;
      info[q + PI_TEX2D] = texture && texture.type === TEXTURE_2D ? texId : -1;
      if (texture && texture.type === TEXTURE_2D) {
        const uniform = g[o + G_TEXUNIFORM] > 0;
        const s0 = g[o + G_SIZE];
        const s1 = g[o + G_SIZE + 1];
        // MuJoCo: repeat per object size (texrepeat / size) unless texuniform (per metre).
        const ks = (0.5 * g[o + G_TEXREPEAT]) / (uniform || !(s0 > 0) ? 1 : s0);
        const kt = (0.5 * g[o + G_TEXREPEAT + 1]) / (uniform || !(s1 > 0) ? 1 : s1);
        info[q + PI_KS] = ks;
        info[q + PI_KT] = kt;
        info[q + PI_RHO] = this.pixelSize * Math.max(ks * texture.width, kt * texture.height);
      }
      info[q + PI_FAST] = allDirectional ? 1 : 0;
      this.derived[p * D_STRIDE + D_PASS] = allDirectional && g[o + G_RGBA + 3] >= 0.995 ? 1 : 0;
      const emission = g[o + G_EMISSION];
      let cr = nlight === 0 ? 0.3 + emission : emission;
      let cg = cr;
      let cb = cr;
      for (let l = 0; l < nlight; l++) {
        const po = l * LP_STRIDE;
        const lo = l * LIGHT_STRIDE;
        const ndl = nx * pre[po + LP_DIR] + ny * pre[po + LP_DIR + 1] + nz * pre[po + LP_DIR + 2];
        info[q + PI_STRIDE + l] = ndl;
        if (!allDirectional || pre[po + LP_SHADOW] > 0) continue;
        cr += lights[lo + L_AMBIENT] + (ndl > 0 ? ndl * lights[lo + L_DIFFUSE] : 0);
        cg += lights[lo + L_AMBIENT + 1] + (ndl > 0 ? ndl * lights[lo + L_DIFFUSE + 1] : 0);
        cb += lights[lo + L_AMBIENT + 2] + (ndl > 0 ? ndl * lights[lo + L_DIFFUSE + 2] : 0);
      }
      info[q + PI_LIGHT] = cr;
      info[q + PI_LIGHT + 1] = cg;
      info[q + PI_LIGHT + 2] = cb;
    }
  }

  /**
   * Shade plane p hit at o + t d: texture, lighting and the reflection; sets (cr, cg, cb) and reflG.
   * `pixel` >= 0 reads shadows and the reflection from the frame buffers, -1 traces them.
   */
  private shadePlane(
    p: number,
    ox: number,
    oy: number,
    oz: number,
    dx: number,
    dy: number,
    dz: number,
    t: number,
    pixel: number,
    tile: number,
  ): void {
    const g = this.g;
    const o = p * GEOM_STRIDE;
    const info = this.planeInfo;
    const nlight = this.scene.nlight;
    const q = this.derived[p * D_STRIDE + D_SLOT] * (PI_STRIDE + nlight);
    const hx = ox + t * dx;
    const hy = oy + t * dy;
    const hz = oz + t * dz;
    const nx = g[o + G_MAT + 2];
    const ny = g[o + G_MAT + 5];
    const nz = g[o + G_MAT + 8];
    const inv = 1 / Math.sqrt(dx * dx + dy * dy + dz * dz);
    const vx = -dx * inv;
    const vy = -dy * inv;
    const vz = -dz * inv;
    const ndv = nx * vx + ny * vy + nz * vz;

    // Texture: MuJoCo's object-linear mapping s = ks x - 0.5, t = -kt y - 0.5 in the plane frame.
    let tr = 1;
    let tg = 1;
    let tb = 1;
    const tex2d = info[q + PI_TEX2D];
    if (tex2d >= 0) {
      const wx = hx - g[o + G_POS];
      const wy = hy - g[o + G_POS + 1];
      const wz = hz - g[o + G_POS + 2];
      const lx = g[o + G_MAT] * wx + g[o + G_MAT + 3] * wy + g[o + G_MAT + 6] * wz;
      const ly = g[o + G_MAT + 1] * wx + g[o + G_MAT + 4] * wy + g[o + G_MAT + 7] * wz;
      // Texels per pixel, stretched by 1 / cos(incidence), selects the mip level as in OpenGL.
      const rho = (info[q + PI_RHO] * (this.ortho ? 1 : t)) / (ndv > 1e-3 ? ndv : 1e-3);
      sampleTrilinear(
        this.scene.textures[tex2d],
        info[q + PI_KS] * lx - 0.5,
        -info[q + PI_KT] * ly - 0.5,
        rho,
        scratchRGB,
      );
      tr = scratchRGB[0];
      tg = scratchRGB[1];
      tb = scratchRGB[2];
    } else if (g[o + G_TEXTURE] >= 0) {
      this.texture(p, hx, hy, hz, this.ortho ? this.pixelSize : t * this.pixelSize, ndv);
      tr = this.cr;
      tg = this.cg;
      tb = this.cb;
    }

    if (info[q + PI_FAST] === 1) {
      // Directional lights only: the constant part plus shadowed lights and highlights.
      const lights = this.scene.lightData;
      const pre = this.lightPre;
      const matSpecular = g[o + G_SPECULAR];
      const shininess = 128 * g[o + G_SHININESS];
      let ar = info[q + PI_LIGHT];
      let ag = info[q + PI_LIGHT + 1];
      let ab = info[q + PI_LIGHT + 2];
      let spr = 0;
      let spg = 0;
      let spb = 0;
      for (let l = 0; l < nlight; l++) {
        const po = l * LP_STRIDE;
        const lo = l * LIGHT_STRIDE;
        const ndl = info[q + PI_STRIDE + l];
        const shadowed = pre[po + LP_SHADOW] > 0;
        if (!shadowed && (ndl <= 0 || matSpecular <= 0)) continue;
        let factor = 1;
        if (shadowed) {
          if (ndl <= 0 && pre[po + LP_AMBIENT] === 0) continue;
          const slot = pre[po + LP_SLOT];
          factor =
            pixel >= 0 && slot >= 0
              ? this.shadowBuffers[slot][pixel]
              : this.shadow(
                  p,
                  hx,
                  hy,
                  hz,
                  pre[po + LP_DIR],
                  pre[po + LP_DIR + 1],
                  pre[po + LP_DIR + 2],
                  Infinity,
                  tile,
                );
          if (factor === 0) continue;
          ar += factor * (lights[lo + L_AMBIENT] + (ndl > 0 ? ndl * lights[lo + L_DIFFUSE] : 0));
          ag += factor * (lights[lo + L_AMBIENT + 1] + (ndl > 0 ? ndl * lights[lo + L_DIFFUSE + 1] : 0));
          ab += factor * (lights[lo + L_AMBIENT + 2] + (ndl > 0 ? ndl * lights[lo + L_DIFFUSE + 2] : 0));
        }
        if (ndl > 0 && matSpecular > 0) {
          // N.H with H = (L + V) / |L + V| and |L + V|^2 = 2 + 2 L.V.
          const ldv = pre[po + LP_DIR] * vx + pre[po + LP_DIR + 1] * vy + pre[po + LP_DIR + 2] * vz;
          const ndh = ldv > -1 + 1e-12 ? (ndl + ndv) / Math.sqrt(2 + 2 * ldv) : 0;
          if (ndh > 0 && shininess * (1 - ndh) < 7) {
            const k = factor * matSpecular * (shininess > 0 ? ndh ** shininess : 1);
            spr += k * lights[lo + L_SPECULAR];
            spg += k * lights[lo + L_SPECULAR + 1];
            spb += k * lights[lo + L_SPECULAR + 2];
          }
        }
      }
      this.cr = g[o + G_RGBA] * ar + spr;
      this.cg = g[o + G_RGBA + 1] * ag + spg;
      this.cb = g[o + G_RGBA + 2] * ab + spb;
    } else {
      this.light(p, hx, hy, hz, nx, ny, nz, vx, vy, vz, pixel >= 0 ? SHADOW_BUFFER : SHADOW_RAYS, pixel, tile);
    }
    let r = tr * this.cr;
    let gg = tg * this.cg;
    let b = tb * this.cb;
    this.reflG = -1;
    if (p === this.mirror) {
      // Mirrored ray: reflectance times what it sees, added on top (MuJoCo blends the plane
      // additively over the mirrored scene), without shadows as in MuJoCo's mirrored pass.
      let hit = -1;
      if (pixel >= 0) {
        hit = this.reflIds[pixel];
        this.hitT = this.reflDepth[pixel];
        this.hitPart = this.reflParts[pixel];
      }
      const dn = dx * nx + dy * ny + dz * nz;
      const mx = dx - 2 * dn * nx;
      const my = dy - 2 * dn * ny;
      const mz = dz - 2 * dn * nz;
      if (pixel < 0 && this.traceMirror(hx, hy, hz, mx, my, mz, tile)) hit = this.hitG;
      if (hit >= 0) {
        this.shadeGeom(hit, this.hitT, this.hitPart, hx, hy, hz, mx, my, mz, SHADOW_NONE, tile);
        const reflectance = g[o + G_REFLECTANCE];
        r += reflectance * this.cr;
        gg += reflectance * this.cg;
        b += reflectance * this.cb;
        this.reflG = hit;
      }
    }
    this.cr = r;
    this.cg = gg;
    this.cb = b;
  }

  /** Shade solid geom i hit at o + t d: sets (cr, cg, cb); reflG = -1. */
  private shadeGeom(
    i: number,
    t: number,
    part: number,
    ox: number,
    oy: number,
    oz: number,
    dx: number,
    dy: number,
    dz: number,
    shadowMode: number,
    tile: number,
  ): void {
    const a = this.args;
    a[A_GEOM] = t;
    a[A_GEOM + 1] = ox;
    a[A_GEOM + 2] = oy;
    a[A_GEOM + 3] = oz;
    a[A_GEOM + 4] = dx;
    a[A_GEOM + 5] = dy;
    a[A_GEOM + 6] = dz;
    this.shadeGeomCore(i, part, shadowMode, tile);
  }

  /** `shadeGeom` with its ray/point arguments read from args[A_GEOM...]. */
  private shadeGeomCore(i: number, part: number, shadowMode: number, tile: number): void {
    const t = this.args[A_GEOM];
    const ox = this.args[A_GEOM + 1];
    const oy = this.args[A_GEOM + 2];
    const oz = this.args[A_GEOM + 3];
    const dx = this.args[A_GEOM + 4];
    const dy = this.args[A_GEOM + 5];
    const dz = this.args[A_GEOM + 6];
    const hx = ox + t * dx;
    const hy = oy + t * dy;
    const hz = oz + t * dz;
    this.args[A_NORMAL] = hx;
    this.args[A_NORMAL + 1] = hy;
    this.args[A_NORMAL + 2] = hz;
    this.normalAt(i, part);
    let nx = this.nx;
    let ny = this.ny;
    let nz = this.nz;
    const inv = 1 / Math.sqrt(dx * dx + dy * dy + dz * dz);
    const vx = -dx * inv;
    const vy = -dy * inv;
    const vz = -dz * inv;
    let ndv = nx * vx + ny * vy + nz * vz;
    if (ndv < 0) {
      // A ray grazing a silhouette can land just past it; light the side that faces the eye.
      nx = -nx;
      ny = -ny;
      nz = -nz;
      ndv = -ndv;
    }
    const textured = this.g[i * GEOM_STRIDE + G_TEXTURE] >= 0;
    let tr = 1;
    let tg = 1;
    let tb = 1;
    if (textured) {
      this.texture(i, hx, hy, hz, this.ortho ? this.pixelSize : t * this.pixelSize, ndv);
      tr = this.cr;
      tg = this.cg;
      tb = this.cb;
    }
    this.light(i, hx, hy, hz, nx, ny, nz, vx, vy, vz, shadowMode, -1, tile);
    this.cr *= tr;
    this.cg *= tg;
    this.cb *= tb;
    this.reflG = -1;
  }

  /**
   * Texture colour of geom i at world point h (white when untextured) into (cr, cg, cb).
   * `footprint` is the world size of a pixel there, across the view ray; ndv = |n.v|.
   */
  private texture(i: number, hx: number, hy: number, hz: number, footprint: number, ndv: number): void {
    const a = this.args;
    a[A_TEX] = hx;
    a[A_TEX + 1] = hy;
    a[A_TEX + 2] = hz;
    a[A_TEX + 3] = footprint;
    a[A_TEX + 4] = ndv;
    this.textureCore(i);
  }

  /** `texture` with its ray/point arguments read from args[A_TEX...]. */
  private textureCore(i: number): void {
    const hx = this.args[A_TEX];
    const hy = this.args[A_TEX + 1];
    const hz = this.args[A_TEX + 2];
    const footprint = this.args[A_TEX + 3];
    const ndv = this.args[A_TEX + 4];
    const g = this.g;
    const o = i * GEOM_STRIDE;
    const texId = g[o + G_TEXTURE];
    if (texId < 0) {
      this.cr = 1;
      this.cg = 1;
      this.cb = 1;
      return;
    }
    const texture = this.scene.textures[texId];
    const px = hx - g[o + G_POS];
    const py = hy - g[o + G_POS + 1];
    const pz = hz - g[o + G_POS + 2];
    const lx = g[o + G_MAT] * px + g[o + G_MAT + 3] * py + g[o + G_MAT + 6] * pz;
    const ly = g[o + G_MAT + 1] * px + g[o + G_MAT + 4] * py + g[o + G_MAT + 7] * pz;
    const uniform = g[o + G_TEXUNIFORM] > 0;
    if (texture.type === TEXTURE_2D) {
      const s0 = g[o + G_SIZE];
      const s1 = g[o + G_SIZE + 1];
      // MuJoCo: repeat per object size (texrepeat / size) unless texuniform (per metre).
      const ks = (0.5 * g[o + G_TEXREPEAT]) / (uniform || !(s0 > 0) ? 1 : s0);
      const kt = (0.5 * g[o + G_TEXREPEAT + 1]) / (uniform || !(s1 > 0) ? 1 : s1);
      // Texels per pixel along the most stretched direction sets the mip level, as in OpenGL.
      const rho = (footprint / Math.max(ndv, 1e-3)) * Math.max(ks * texture.width, kt * texture.height);
      sampleTrilinear(texture, ks * lx - 0.5, -kt * ly - 0.5, rho, scratchRGB);
    } else {
      const lz = g[o + G_MAT + 2] * px + g[o + G_MAT + 5] * py + g[o + G_MAT + 8] * pz;
      const sx = uniform ? 1 : 1 / Math.max(g[o + G_SIZE], 1e-9);
      const sy = uniform ? 1 : 1 / Math.max(g[o + G_SIZE + 1], 1e-9);
      const sz = uniform ? 1 : 1 / Math.max(g[o + G_SIZE + 2], 1e-9);
      sampleCube(texture, lx * sx, ly * sy, lz * sz, scratchRGB);
    }
    this.cr = scratchRGB[0];
    this.cg = scratchRGB[1];
    this.cb = scratchRGB[2];
  }

  // Unit direction (lx, ly, lz) from a point towards light l, distance lmax, attenuation latt.
  private lx = 0;
  private ly = 0;
  private lz = 0;
  private lmax = Infinity;
  private latt = 1;

  /** Direction towards light l from point h, its distance and attenuation (0 outside a spot cone). */
  private lightDirection(l: number, hx: number, hy: number, hz: number): void {
    const a = this.args;
    a[A_LIGHTDIR] = hx;
    a[A_LIGHTDIR + 1] = hy;
    a[A_LIGHTDIR + 2] = hz;
    this.lightDirectionCore(l);
  }

  /** `lightDirection` with its ray/point arguments read from args[A_LIGHTDIR...]. */
  private lightDirectionCore(l: number): void {
    const hx = this.args[A_LIGHTDIR];
    const hy = this.args[A_LIGHTDIR + 1];
    const hz = this.args[A_LIGHTDIR + 2];
    const pre = this.lightPre;
    const po = l * LP_STRIDE;
    if (pre[po + LP_TYPE] === LIGHT_DIRECTIONAL) {
      this.lx = pre[po + LP_DIR];
      this.ly = pre[po + LP_DIR + 1];
      this.lz = pre[po + LP_DIR + 2];
      this.lmax = Infinity;
      this.latt = 1;
      return;
    }
    const lights = this.scene.lightData;
    const lo = l * LIGHT_STRIDE;
    let lx = lights[lo + L_POS] - hx;
    let ly = lights[lo + L_POS + 1] - hy;
    let lz = lights[lo + L_POS + 2] - hz;
    const distance = Math.sqrt(lx * lx + ly * ly + lz * lz) || 1e-12;
    lx /= distance;
    ly /= distance;
    lz /= distance;
    let attenuation =
      1 /
      Math.max(
        1e-12,
        lights[lo + L_ATTENUATION] +
          lights[lo + L_ATTENUATION + 1] * distance +
          lights[lo + L_ATTENUATION + 2] * distance * distance,
      );
    if (pre[po + LP_TYPE] === LIGHT_SPOT) {
      // Spot cone: GL_SPOT_CUTOFF in degrees (180: no cone), GL_SPOT_EXPONENT falloff.
      const cosAngle = -(lx * pre[po + LP_DIR] + ly * pre[po + LP_DIR + 1] + lz * pre[po + LP_DIR + 2]);
      if (cosAngle < pre[po + LP_COSCUTOFF]) attenuation = 0;
      else attenuation *= cosAngle > 0 ? cosAngle ** lights[lo + L_EXPONENT] : 0;
    }
    this.lx = lx;
    this.ly = ly;
    this.lz = lz;
    this.lmax = distance;
    this.latt = attenuation;
  }

  /**
   * OpenGL fixed-function lighting of geom i at point h with unit normal n, viewed from v: sets
   * (cr, cg, cb) = rgba * (emission + ambient + diffuse) + specular, before texturing.
   */
  private light(
    i: number,
    hx: number,
    hy: number,
    hz: number,
    nx: number,
    ny: number,
    nz: number,
    vx: number,
    vy: number,
    vz: number,
    shadowMode: number,
    pixel: number,
    tile: number,
  ): void {
    const a = this.args;
    a[A_LIGHT] = hx;
    a[A_LIGHT + 1] = hy;
    a[A_LIGHT + 2] = hz;
    a[A_LIGHT + 3] = nx;
    a[A_LIGHT + 4] = ny;
    a[A_LIGHT + 5] = nz;
    a[A_LIGHT + 6] = vx;
    a[A_LIGHT + 7] = vy;
    a[A_LIGHT + 8] = vz;
    this.lightCore(i, shadowMode, pixel, tile);
  }

  /** `light` with its ray/point arguments read from args[A_LIGHT...]. */
  private lightCore(i: number, shadowMode: number, pixel: number, tile: number): void {
    const hx = this.args[A_LIGHT];
    const hy = this.args[A_LIGHT + 1];
    const hz = this.args[A_LIGHT + 2];
    const nx = this.args[A_LIGHT + 3];
    const ny = this.args[A_LIGHT + 4];
    const nz = this.args[A_LIGHT + 5];
    const vx = this.args[A_LIGHT + 6];
    const vy = this.args[A_LIGHT + 7];
    const vz = this.args[A_LIGHT + 8];
    const g = this.g;
    const o = i * GEOM_STRIDE;
    const lights = this.scene.lightData;
    const nlight = this.scene.nlight;
    const pre = this.lightPre;
    const emission = g[o + G_EMISSION];
    const matSpecular = g[o + G_SPECULAR];
    const shininess = 128 * g[o + G_SHININESS];
    // OpenGL's global ambient light: MuJoCo sets 0.3 only when the scene has no lights.
    let ar = nlight === 0 ? 0.3 + emission : emission;
    let ag = ar;
    let ab = ar;
    let spr = 0;
    let spg = 0;
    let spb = 0;
    for (let l = 0; l < nlight; l++) {
      const lo = l * LIGHT_STRIDE;
      const po = l * LP_STRIDE;
      let lx: number;
      let ly: number;
      let lz: number;
      let factor = 1;
      let reach = Infinity;
      if (pre[po + LP_TYPE] === LIGHT_DIRECTIONAL) {
        lx = pre[po + LP_DIR];
        ly = pre[po + LP_DIR + 1];
        lz = pre[po + LP_DIR + 2];
      } else {
        this.lightDirection(l, hx, hy, hz);
        lx = this.lx;
        ly = this.ly;
        lz = this.lz;
        factor = this.latt;
        reach = this.lmax;
        if (factor === 0) continue;
      }
      const ndl = nx * lx + ny * ly + nz * lz;
      if (ndl <= 0 && pre[po + LP_AMBIENT] === 0) continue;
      if (pre[po + LP_SHADOW] > 0 && shadowMode !== SHADOW_NONE) {
        const slot = pre[po + LP_SLOT];
        factor *=
          shadowMode === SHADOW_BUFFER && slot >= 0
            ? this.shadowBuffers[slot][pixel]
            : this.shadow(i, hx, hy, hz, lx, ly, lz, reach, tile);
        if (factor === 0) continue;
      }
      ar += factor * lights[lo + L_AMBIENT];
      ag += factor * lights[lo + L_AMBIENT + 1];
      ab += factor * lights[lo + L_AMBIENT + 2];
      if (ndl > 0) {
        ar += factor * ndl * lights[lo + L_DIFFUSE];
        ag += factor * ndl * lights[lo + L_DIFFUSE + 1];
        ab += factor * ndl * lights[lo + L_DIFFUSE + 2];
        if (matSpecular > 0) {
          let hx2 = lx + vx;
          let hy2 = ly + vy;
          let hz2 = lz + vz;
          const hn = Math.sqrt(hx2 * hx2 + hy2 * hy2 + hz2 * hz2);
          if (hn > 1e-12) {
            hx2 /= hn;
            hy2 /= hn;
            hz2 /= hn;
            const ndh = nx * hx2 + ny * hy2 + nz * hz2;
            // ndh^shininess ~ exp(-shininess (1 - ndh)): skip the pow where it is below 1/1000.
            if (ndh > 0 && shininess * (1 - ndh) < 7) {
              const k = factor * matSpecular * (shininess > 0 ? ndh ** shininess : 1);
              spr += k * lights[lo + L_SPECULAR];
              spg += k * lights[lo + L_SPECULAR + 1];
              spb += k * lights[lo + L_SPECULAR + 2];
            }
          }
        }
      }
    }
    this.cr = g[o + G_RGBA] * ar + spr;
    this.cg = g[o + G_RGBA + 1] * ag + spg;
    this.cb = g[o + G_RGBA + 2] * ab + spb;
  }

  /**
   * Fraction of the light reaching point h along unit direction l (towards the light, up to
   * maxDistance), blocked by shadow-casting geoms other than `receiver`.
   */
  private shadow(
    receiver: number,
    hx: number,
    hy: number,
    hz: number,
    lx: number,
    ly: number,
    lz: number,
    maxDistance: number,
    tile: number,
  ): number {
    const a = this.args;
    a[A_SHADOW] = hx;
    a[A_SHADOW + 1] = hy;
    a[A_SHADOW + 2] = hz;
    a[A_SHADOW + 3] = lx;
    a[A_SHADOW + 4] = ly;
    a[A_SHADOW + 5] = lz;
    a[A_SHADOW + 6] = maxDistance;
    this.shadowCore(receiver, tile);
    return this.shadowOut;
  }

  /** `shadow` with its ray/point arguments read from args[A_SHADOW...]. */
  private shadowCore(receiver: number, tile: number): void {
    const hx = this.args[A_SHADOW];
    const hy = this.args[A_SHADOW + 1];
    const hz = this.args[A_SHADOW + 2];
    const lx = this.args[A_SHADOW + 3];
    const ly = this.args[A_SHADOW + 4];
    const lz = this.args[A_SHADOW + 5];
    const maxDistance = this.args[A_SHADOW + 6];
    const isPlane = this.derived[receiver * D_STRIDE + D_PLANE] === 1;
    let transmit = 1;
    if (isPlane) {
      const bins = this.shadowed;
      const box = bins.box;
      const end = bins.start[tile + 1];
      for (let k = bins.start[tile]; k < end; k++) {
        const c = bins.items[k];
        const b = 4 * c;
        if (this.curPx < box[b] || this.curPx > box[b + 2] || this.curPy < box[b + 1] || this.curPy > box[b + 3])
          continue;
        transmit *= this.casterTransmittance(c, hx, hy, hz, lx, ly, lz, maxDistance);
        if (transmit === 0) break;
      }
    } else {
      const end = this.casterStart[receiver + 1];
      for (let k = this.casterStart[receiver]; k < end && transmit > 0; k++) {
        transmit *= this.casterTransmittance(this.casterItems[k], hx, hy, hz, lx, ly, lz, maxDistance);
      }
    }
    this.shadowOut = transmit;
  }

  /**
   * Fraction of light passing caster c along the ray h + s l, 0 <= s <= maxDistance. Capsules and
   * spheres have a soft edge: the ray's distance to their core (segment or centre) is compared to
   * the radius with a penumbra of width shadowSoftness * s; other shapes block or do not.
   */
  private casterTransmittance(
    c: number,
    hx: number,
    hy: number,
    hz: number,
    lx: number,
    ly: number,
    lz: number,
    maxDistance: number,
  ): number {
    const a = this.args;
    a[A_CASTER] = hx;
    a[A_CASTER + 1] = hy;
    a[A_CASTER + 2] = hz;
    a[A_CASTER + 3] = lx;
    a[A_CASTER + 4] = ly;
    a[A_CASTER + 5] = lz;
    a[A_CASTER + 6] = maxDistance;
    this.casterCore(c);
    return this.transmitOut;
  }

  /** `casterTransmittance` with its ray/point arguments read from args[A_CASTER...]. */
  private casterCore(c: number): void {
    const hx = this.args[A_CASTER];
    const hy = this.args[A_CASTER + 1];
    const hz = this.args[A_CASTER + 2];
    const lx = this.args[A_CASTER + 3];
    const ly = this.args[A_CASTER + 4];
    const lz = this.args[A_CASTER + 5];
    const maxDistance = this.args[A_CASTER + 6];
    this.transmitOut = 1;
    const g = this.g;
    const o = c * GEOM_STRIDE;
    const px = g[o + G_POS];
    const py = g[o + G_POS + 1];
    const pz = g[o + G_POS + 2];
    const wx = px - hx;
    const wy = py - hy;
    const wz = pz - hz;
    // Closest approach of the ray to the caster's centre: reject far casters cheaply.
    const along = wx * lx + wy * ly + wz * lz;
    const radius = this.derived[c * D_STRIDE + D_RADIUS];
    if (along < -radius || along > maxDistance + radius) return;
    const s = along > 0 ? along : 0;
    const ex = wx - s * lx;
    const ey = wy - s * ly;
    const ez = wz - s * lz;
    const centreDistance2 = ex * ex + ey * ey + ez * ez;
    const softness = this.shadowSoftness;
    const limit = radius + softness * (Math.abs(along) + radius) + 1e-3;
    if (centreDistance2 > limit * limit) return;
    const type = g[o + G_TYPE];
    if (type !== GEOM_SPHERE && type !== GEOM_CAPSULE) {
      this.intersect(c, hx, hy, hz, lx, ly, lz, SHADOW_EPS);
      this.transmitOut = this.tHit < maxDistance ? 0 : 1;
      return;
    }
    const r = g[o + G_SIZE];
    let distance: number;
    let rayS: number;
    if (type === GEOM_SPHERE) {
      distance = Math.sqrt(centreDistance2);
      rayS = s;
    } else {
      const h = g[o + G_SIZE + 2];
      const ax = g[o + G_MAT + 2];
      const ay = g[o + G_MAT + 5];
      const az = g[o + G_MAT + 8];
      // Closest points of the ray h + s l (s >= 0) and the segment p + u a (|u| <= h):
      // s = l.w + u b and u = s b - a.w, with b = l.a and w = p - h.
      const b = lx * ax + ly * ay + lz * az;
      const aw = wx * ax + wy * ay + wz * az;
      const denom = 1 - b * b;
      let sRay = denom > 1e-9 ? (along - b * aw) / denom : 0;
      if (sRay < 0) sRay = 0;
      let u = sRay * b - aw;
      if (u > h) u = h;
      else if (u < -h) u = -h;
      sRay = along + u * b;
      if (sRay < 0) sRay = 0;
      const qx = -wx + sRay * lx - u * ax;
      const qy = -wy + sRay * ly - u * ay;
      const qz = -wz + sRay * lz - u * az;
      distance = Math.sqrt(qx * qx + qy * qy + qz * qz);
      rayS = sRay;
    }
    if (rayS > maxDistance) return;
    const w = softness * rayS + 1e-4;
    const edge = (distance - (r - w)) / (2 * w);
    if (edge < 1) this.transmitOut = edge <= 0 ? 0 : edge * edge * (3 - 2 * edge);
  }

  // ---------------------------------------------------------------- geometry

  /** Parameter t > 0 of ray o + t d on the front of plane i, within its extent, into `tHit` (Infinity on a miss). */
  private intersectPlane(i: number, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number): void {
    const a = this.args;
    a[A_RAY] = ox;
    a[A_RAY + 1] = oy;
    a[A_RAY + 2] = oz;
    a[A_RAY + 3] = dx;
    a[A_RAY + 4] = dy;
    a[A_RAY + 5] = dz;
    this.hitPlane(i);
  }

  /** `intersectPlane` with its ray/point arguments read from args[A_RAY...]. */
  private hitPlane(i: number): void {
    const a = this.args;
    const ox = a[A_RAY];
    const oy = a[A_RAY + 1];
    const oz = a[A_RAY + 2];
    const dx = a[A_RAY + 3];
    const dy = a[A_RAY + 4];
    const dz = a[A_RAY + 5];
    const g = this.g;
    const o = i * GEOM_STRIDE;
    const nx = g[o + G_MAT + 2];
    const ny = g[o + G_MAT + 5];
    const nz = g[o + G_MAT + 8];
    this.tHit = Infinity;
    const dn = dx * nx + dy * ny + dz * nz;
    if (dn >= 0) return;
    const wx = g[o + G_POS] - ox;
    const wy = g[o + G_POS + 1] - oy;
    const wz = g[o + G_POS + 2] - oz;
    const t = (wx * nx + wy * ny + wz * nz) / dn;
    if (!(t > 0)) return;
    const s0 = g[o + G_SIZE];
    const s1 = g[o + G_SIZE + 1];
    if (s0 > 0 || s1 > 0) {
      const qx = ox + t * dx - g[o + G_POS];
      const qy = oy + t * dy - g[o + G_POS + 1];
      const qz = oz + t * dz - g[o + G_POS + 2];
      if (s0 > 0 && Math.abs(qx * g[o + G_MAT] + qy * g[o + G_MAT + 3] + qz * g[o + G_MAT + 6]) > s0) return;
      if (s1 > 0 && Math.abs(qx * g[o + G_MAT + 1] + qy * g[o + G_MAT + 4] + qz * g[o + G_MAT + 7]) > s1) return;
    }
    this.tHit = t;
  }

  /**
   * Entry parameter t > tMin of ray o + t d into solid geom i into `tHit` (Infinity on a miss),
   * and the entered part into `part`. (Results go to fields: a returned double would be boxed.)
   */
  private intersect(
    i: number,
    ox: number,
    oy: number,
    oz: number,
    dx: number,
    dy: number,
    dz: number,
    tMin: number,
  ): void {
    const a = this.args;
    a[A_RAY] = ox;
    a[A_RAY + 1] = oy;
    a[A_RAY + 2] = oz;
    a[A_RAY + 3] = dx;
    a[A_RAY + 4] = dy;
    a[A_RAY + 5] = dz;
    a[A_RAY + 6] = tMin;
    this.hitSolid(i);
  }

  /** `intersect` with its ray/point arguments read from args[A_RAY...]. */
  private hitSolid(i: number): void {
    const a = this.args;
    const ox = a[A_RAY];
    const oy = a[A_RAY + 1];
    const oz = a[A_RAY + 2];
    const dx = a[A_RAY + 3];
    const dy = a[A_RAY + 4];
    const dz = a[A_RAY + 5];
    const tMin = a[A_RAY + 6];
    const g = this.g;
    const o = i * GEOM_STRIDE;
    const wx = ox - g[o + G_POS];
    const wy = oy - g[o + G_POS + 1];
    const wz = oz - g[o + G_POS + 2];
    // Into the geom frame: local = mat^T (world - pos).
    const m0 = g[o + G_MAT];
    const m1 = g[o + G_MAT + 1];
    const m2 = g[o + G_MAT + 2];
    const m3 = g[o + G_MAT + 3];
    const m4 = g[o + G_MAT + 4];
    const m5 = g[o + G_MAT + 5];
    const m6 = g[o + G_MAT + 6];
    const m7 = g[o + G_MAT + 7];
    const m8 = g[o + G_MAT + 8];
    const q = this.query;
    q[0] = m0 * wx + m3 * wy + m6 * wz;
    q[1] = m1 * wx + m4 * wy + m7 * wz;
    q[2] = m2 * wx + m5 * wy + m8 * wz;
    q[3] = m0 * dx + m3 * dy + m6 * dz;
    q[4] = m1 * dx + m4 * dy + m7 * dz;
    q[5] = m2 * dx + m5 * dy + m8 * dz;
    q[Q_TMIN] = tMin;
    q[Q_SIZE] = g[o + G_SIZE];
    q[Q_SIZE + 1] = g[o + G_SIZE + 1];
    q[Q_SIZE + 2] = g[o + G_SIZE + 2];
    switch (g[o + G_TYPE]) {
      case GEOM_SPHERE:
        sphereHit(q);
        break;
      case GEOM_ELLIPSOID:
        ellipsoidHit(q);
        break;
      case GEOM_CAPSULE:
        capsuleHit(q);
        break;
      case GEOM_CYLINDER:
        cylinderHit(q);
        break;
      case GEOM_BOX:
        boxHit(q);
        break;
      default:
        q[Q_T] = Infinity;
        q[Q_PART] = 0;
    }
    this.tHit = q[Q_T];
    this.part = q[Q_PART];
  }

  /** World unit normal (nx, ny, nz) of solid geom i at surface point h. */
  private normalAt(i: number, part: number): void {
    const hx = this.args[A_NORMAL];
    const hy = this.args[A_NORMAL + 1];
    const hz = this.args[A_NORMAL + 2];
    const g = this.g;
    const o = i * GEOM_STRIDE;
    const type = g[o + G_TYPE];
    const m = o + G_MAT;
    const wx = hx - g[o + G_POS];
    const wy = hy - g[o + G_POS + 1];
    const wz = hz - g[o + G_POS + 2];
    let lx = g[m] * wx + g[m + 3] * wy + g[m + 6] * wz;
    let ly = g[m + 1] * wx + g[m + 4] * wy + g[m + 7] * wz;
    let lz = g[m + 2] * wx + g[m + 5] * wy + g[m + 8] * wz;
    const s0 = g[o + G_SIZE];
    const s1 = g[o + G_SIZE + 1];
    const s2 = g[o + G_SIZE + 2];
    switch (type) {
      case GEOM_CAPSULE:
        lz -= Math.max(-s2, Math.min(s2, lz));
        break;
      case GEOM_ELLIPSOID:
        lx /= s0 * s0;
        ly /= s1 * s1;
        lz /= s2 * s2;
        break;
      case GEOM_CYLINDER:
        if (part !== 0) {
          lx = 0;
          ly = 0;
          lz = part;
        } else lz = 0;
        break;
      case GEOM_BOX: {
        const axis = Math.abs(part) - 1;
        const sign = part > 0 ? 1 : -1;
        lx = axis === 0 ? sign : 0;
        ly = axis === 1 ? sign : 0;
        lz = axis === 2 ? sign : 0;
        break;
      }
      default:
        break;
    }
    let nx = g[m] * lx + g[m + 1] * ly + g[m + 2] * lz;
    let ny = g[m + 3] * lx + g[m + 4] * ly + g[m + 5] * lz;
    let nz = g[m + 6] * lx + g[m + 7] * ly + g[m + 8] * lz;
    const n = Math.sqrt(nx * nx + ny * ny + nz * nz) || 1;
    nx /= n;
    ny /= n;
    nz /= n;
    this.nx = nx;
    this.ny = ny;
    this.nz = nz;
  }

  // ---------------------------------------------------------------- anti-aliasing

  /**
   * Anti-aliasing of silhouettes (also those seen in the reflection), in place of MuJoCo's 4x
   * multisampling: where neighbouring pixels see different geoms and differ noticeably in colour,
   * 4 rotated-grid sample rays find which of the geoms seen around the pixel each sample sees,
   * and the pixel becomes the mean of the colours of those geoms there (taken from the pixel
   * itself or the neighbour that sees the same geoms), i.e. colours weighted by coverage.
   */
  private smoothEdges(out: Uint8Array): void {
    const { width, height, keys, edges } = this;
    const list = this.edgeList;
    edges.fill(0);
    let nedges = 0;
    for (let py = 0; py < height; py++) {
      const row = py * width;
      for (let i = row; i < row + width - 1; i++) {
        if (keys[i + 1] === keys[i] || contrast(out, 3 * i, 3 * i + 3) <= AA_CONTRAST) continue;
        if (edges[i] === 0) {
          edges[i] = 1;
          list[nedges++] = i;
        }
        if (edges[i + 1] === 0) {
          edges[i + 1] = 1;
          list[nedges++] = i + 1;
        }
      }
    }
    for (let i = 0; i < width * (height - 1); i++) {
      if (keys[i + width] === keys[i] || contrast(out, 3 * i, 3 * (i + width)) <= AA_CONTRAST) continue;
      if (edges[i] === 0) {
        edges[i] = 1;
        list[nedges++] = i;
      }
      if (edges[i + width] === 0) {
        edges[i + width] = 1;
        list[nedges++] = i + width;
      }
    }
    if (nedges === 0) return;
    const source = this.frameCopy;
    source.set(out);
    const neighbours = this.neighbourPixels;
    for (let e = 0; e < nedges; e++) {
      const i = list[e];
      const py = (i / width) | 0;
      const px = i - py * width;
      // The pixel and its 8 neighbours, nearest first: where sample colours come from.
      let count = 0;
      for (let n = 0; n < 9; n++) {
        const qx = px + NEIGHBOUR_DX[n];
        const qy = py + NEIGHBOUR_DY[n];
        if (qx < 0 || qy < 0 || qx >= width || qy >= height) continue;
        neighbours[count++] = qy * width + qx;
      }
      // The distinct geoms seen (directly and in the reflection) around the pixel.
      const primary = this.candidates;
      const reflected = this.reflCandidates;
      let nprimary = 0;
      let nreflected = 0;
      for (let n = 0; n < count; n++) {
        const key = keys[neighbours[n]];
        const id = (key & 0xffff) - 1;
        const refl = (key >>> 16) - 1;
        if (id >= 0 && !contains(primary, nprimary, id)) primary[nprimary++] = id;
        if (refl >= 0 && !contains(reflected, nreflected, refl)) reflected[nreflected++] = refl;
      }
      let r = 0;
      let gg = 0;
      let b = 0;
      for (let s = 0; s < 4; s++) {
        this.args[A_SAMPLE] = px + 0.5 + SAMPLES[2 * s];
        this.args[A_SAMPLE + 1] = py + 0.5 + SAMPLES[2 * s + 1];
        const key = this.sampleKey(nprimary, nreflected);
        let from = i;
        for (let n = 0; n < count; n++) {
          if (keys[neighbours[n]] === key) {
            from = neighbours[n];
            break;
          }
        }
        r += source[3 * from];
        gg += source[3 * from + 1];
        b += source[3 * from + 2];
      }
      out[3 * i] = (r + 2) >> 2;
      out[3 * i + 1] = (gg + 2) >> 2;
      out[3 * i + 2] = (b + 2) >> 2;
    }
  }

  /**
   * Key ((primary + 1) | (reflected + 1) << 16) of what the ray through the pixel position in
   * args[A_SAMPLE], args[A_SAMPLE + 1] sees, among the
   * first nprimary geoms of `candidates` and the first nreflected of `reflCandidates`.
   */
  private sampleKey(nprimary: number, nreflected: number): number {
    const sx = this.args[A_SAMPLE];
    const sy = this.args[A_SAMPLE + 1];
    const ox = this.o0x + this.oxx * sx + this.oyx * sy;
    const oy = this.o0y + this.oxy * sx + this.oyy * sy;
    const oz = this.o0z + this.oxz * sx + this.oyz * sy;
    const dx = this.d0x + this.dxx * sx + this.dyx * sy;
    const dy = this.d0y + this.dxy * sx + this.dyy * sy;
    const dz = this.d0z + this.dxz * sx + this.dyz * sy;
    const tMin = this.ortho ? 0 : this.near;
    const a = this.args;
    a[A_RAY] = ox;
    a[A_RAY + 1] = oy;
    a[A_RAY + 2] = oz;
    a[A_RAY + 3] = dx;
    a[A_RAY + 4] = dy;
    a[A_RAY + 5] = dz;
    a[A_RAY + 6] = tMin;
    let bestT = Infinity;
    let best = SKY;
    for (let n = 0; n < nprimary; n++) {
      const id = this.candidates[n];
      if (this.derived[id * D_STRIDE + D_PLANE] === 1) this.hitPlane(id);
      else this.hitSolid(id);
      const t = this.tHit;
      if (t > tMin && t < bestT) {
        bestT = t;
        best = id;
      }
    }
    if (best < 0 || best !== this.mirror) return best + 1;
    const hx = ox + bestT * dx;
    const hy = oy + bestT * dy;
    const hz = oz + bestT * dz;
    const dn = dx * this.mnx + dy * this.mny + dz * this.mnz;
    const mx = dx - 2 * dn * this.mnx;
    const my = dy - 2 * dn * this.mny;
    const mz = dz - 2 * dn * this.mnz;
    a[A_RAY] = hx;
    a[A_RAY + 1] = hy;
    a[A_RAY + 2] = hz;
    a[A_RAY + 3] = mx;
    a[A_RAY + 4] = my;
    a[A_RAY + 5] = mz;
    a[A_RAY + 6] = SHADOW_EPS;
    let reflT = Infinity;
    let reflected = -1;
    for (let n = 0; n < nreflected; n++) {
      const id = this.reflCandidates[n];
      this.hitSolid(id);
      const t = this.tHit;
      if (t < reflT) {
        reflT = t;
        reflected = id;
      }
    }
    return (best + 1) | ((reflected + 1) << 16);
  }
}

/** The pixel itself, then its 4 edge neighbours, then the diagonal ones. */
const NEIGHBOUR_DX = [0, -1, 1, 0, 0, -1, 1, -1, 1];
const NEIGHBOUR_DY = [0, 0, 0, -1, 1, -1, -1, 1, 1];

/** 4x rotated-grid sample offsets within a pixel (as common 4x MSAA patterns). */
const SAMPLES = new Float64Array([-0.125, -0.375, 0.375, -0.125, 0.125, 0.375, -0.375, 0.125]);

const scratchXY = new Float64Array(2);
const scratchRGB = new Float64Array(3);

function contains(list: Int32Array, count: number, value: number): boolean {
  for (let i = 0; i < count; i++) if (list[i] === value) return true;
  return false;
}

/** Largest difference of the RGB channels of two pixels of a frame. */
function contrast(frame: Uint8Array, a: number, b: number): number {
  return Math.max(
    Math.abs(frame[a] - frame[b]),
    Math.abs(frame[a + 1] - frame[b + 1]),
    Math.abs(frame[a + 2] - frame[b + 2]),
  );
}

function writePixel(out: Uint8Array, i: number, r: number, g: number, b: number): void {
  out[i] = r >= 1 ? 255 : r <= 0 ? 0 : (r * 255 + 0.5) | 0;
  out[i + 1] = g >= 1 ? 255 : g <= 0 ? 0 : (g * 255 + 0.5) | 0;
  out[i + 2] = b >= 1 ? 255 : b <= 0 ? 0 : (b * 255 + 0.5) | 0;
}

function normalize3(v: ArrayLike<number>): [number, number, number] {
  const n = Math.hypot(v[0], v[1], v[2]);
  if (!(n > 1e-12)) throw new Error('Camera forward vector must be non-zero');
  return [v[0] / n, v[1] / n, v[2] / n];
}
