/**
 * The pixels of a rendered frame (the "watch the agent" step after A3C training): a software ray
 * caster for MuJoCo's abstract scene, so frames can be drawn on machines without a display or GPU.
 *
 * It draws what MuJoCo's classic OpenGL renderer (mjr_render in render_gl3.c) draws for an
 * `mjvScene`, with the same inputs and the same lighting equation, but by casting one ray per
 * pixel against the analytic geom shapes instead of rasterising tessellated meshes:
 *
 * - Geoms: plane (finite or infinite), sphere, capsule, ellipsoid, cylinder, box, each intersected
 *   in its own frame (world = mat * local + pos). Other types (mesh, height field, arrows, lines,
 *   labels, flex, skin) are skipped.
 * - Lighting: OpenGL 1.x fixed-function lighting as MuJoCo configures it, per pixel:
 *     colour = texture * (rgba * (emission + sum_i s_i (ambient_i + diffuse_i max(N.L_i, 0)))
 *                         + sum_i s_i specular_i * specular * max(N.H_i, 0)^(128 shininess))
 *   with H_i = normalize(L_i + V) (local viewer), the specular term only where N.L_i > 0, spot and
 *   distance attenuation for positional lights, and s_i the shadow factor of light i (1 when the
 *   light casts no shadow). The headlight is an ordinary directional light of the scene.
 * - Shadows: a shadow ray from the surface point towards each shadow-casting light; capsules and
 *   spheres give a soft edge (the penumbra widens with distance from the caster, as for a light of
 *   small angular size), other shapes a hard one.
 * - Reflection: the first reflective plane adds `reflectance` times the colour seen along the
 *   mirrored ray (MuJoCo draws the mirrored scene under the plane and blends the plane on top).
 * - Textures: 2D textures (e.g. the checker floor) with MuJoCo's object-linear mapping
 *   s = 0.5 * repeat * x - 0.5, t = -0.5 * repeat * y - 0.5 (repeat per object size unless
 *   texuniform), sampled trilinearly from a mip pyramid as GL_LINEAR_MIPMAP_LINEAR does; cube
 *   textures by the object-space direction; the skybox by the view direction with MuJoCo's
 *   rotation (cube axes x, z, -y: MuJoCo's world is z-up while cube maps are y-up).
 * - Anti-aliasing: pixels whose visible geom differs from a neighbour's (silhouettes, also in the
 *   reflection) are re-cast with 4 samples, like MuJoCo's 4x multisampling.
 *
 * Frames are RGB bytes, row 0 at the top. Plain typed arrays in (`RayScene`), bytes out; no
 * MuJoCo handle is touched here (lib/render.ts fills the scene from mjvScene).
 */

/** mjtGeom values of the shapes drawn here. */
export const GEOM_PLANE = 0;
export const GEOM_SPHERE = 2;
export const GEOM_CAPSULE = 3;
export const GEOM_ELLIPSOID = 4;
export const GEOM_CYLINDER = 5;
export const GEOM_BOX = 6;

/** mjtLightType values. */
export const LIGHT_SPOT = 0;
export const LIGHT_DIRECTIONAL = 1;
export const LIGHT_POINT = 2;

/** mjtTexture values. */
export const TEXTURE_2D = 0;
export const TEXTURE_CUBE = 1;
export const TEXTURE_SKYBOX = 2;

/** True for the geom types this ray caster can draw. */
export function isDrawableGeomType(type: number): boolean {
  return type === GEOM_PLANE || (type >= GEOM_SPHERE && type <= GEOM_BOX);
}

/** A texture converted to floats in [0, 1]: a mip pyramid for 2D, 6 faces (+x,-x,+y,-y,+z,-z) for cube maps. */
export interface RayTexture {
  type: number;
  /** Width of level 0 (also the edge of each cube face). */
  width: number;
  height: number;
  /** All levels back to back, level 0 first, RGB interleaved; cube maps have only level 0. */
  texels: Float32Array;
  levelOffset: Int32Array;
  levelWidth: Int32Array;
  levelHeight: Int32Array;
  /** 2^(number of levels - 1): texels per pixel from which the smallest level is used alone. */
  maxRho: number;
  /** Mean colour of the texture. */
  mean: [number, number, number];
}

/**
 * Convert MuJoCo texture bytes (tex_data from tex_adr, nchannel 3 or 4, rows top first) into a
 * `RayTexture`, building the mip pyramid of a 2D texture by 2x2 box filtering as glGenerateMipmap.
 */
export function makeTexture(type: number, width: number, height: number, nchannel: number, data: ArrayLike<number>): RayTexture {
  if (!(width > 0 && height > 0)) throw new Error(`Texture size must be positive, got ${width}x${height}`);
  if (nchannel < 1 || nchannel > 4) throw new Error(`Texture channel count must be 1 to 4, got ${nchannel}`);
  if (data.length < width * height * nchannel) {
    throw new Error(`Texture data too short: ${data.length} bytes for ${width}x${height}x${nchannel}`);
  }
  const widths = [width];
  const heights = [height];
  if (type === TEXTURE_2D) {
    while (widths[widths.length - 1] > 1 || heights[heights.length - 1] > 1) {
      widths.push(Math.max(1, widths[widths.length - 1] >> 1));
      heights.push(Math.max(1, heights[heights.length - 1] >> 1));
    }
  }
  const offsets = new Int32Array(widths.length);
  let total = 0;
  for (let level = 0; level < widths.length; level++) {
    offsets[level] = total;
    total += 3 * widths[level] * heights[level];
  }
  const texels = new Float32Array(total);
  let sr = 0;
  let sg = 0;
  let sb = 0;
  for (let i = 0; i < width * height; i++) {
    const src = i * nchannel;
    const r = data[src] / 255;
    const g = nchannel >= 3 ? data[src + 1] / 255 : r;
    const b = nchannel >= 3 ? data[src + 2] / 255 : r;
    texels[3 * i] = r;
    texels[3 * i + 1] = g;
    texels[3 * i + 2] = b;
    sr += r;
    sg += g;
    sb += b;
  }
  for (let level = 1; level < widths.length; level++) {
    const w = widths[level - 1];
    const h = heights[level - 1];
    const from = offsets[level - 1];
    const to = offsets[level];
    const nw = widths[level];
    for (let y = 0; y < heights[level]; y++) {
      const y0 = Math.min(2 * y, h - 1);
      const y1 = Math.min(2 * y + 1, h - 1);
      for (let x = 0; x < nw; x++) {
        const x0 = Math.min(2 * x, w - 1);
        const x1 = Math.min(2 * x + 1, w - 1);
        for (let c = 0; c < 3; c++) {
          texels[to + 3 * (y * nw + x) + c] = 0.25 * (texels[from + 3 * (y0 * w + x0) + c] + texels[from + 3 * (y0 * w + x1) + c]
            + texels[from + 3 * (y1 * w + x0) + c] + texels[from + 3 * (y1 * w + x1) + c]);
        }
      }
    }
  }
  const n = width * height;
  return {
    type, width, height, texels, levelOffset: offsets, levelWidth: Int32Array.from(widths), levelHeight: Int32Array.from(heights),
    maxRho: 2 ** (widths.length - 1), mean: [sr / n, sg / n, sb / n],
  };
}

/** The camera of a frame: MuJoCo's mjvGLCamera (the average of the two stereo eyes). */
export interface RayCamera {
  pos: Float64Array;
  forward: Float64Array;
  up: Float64Array;
  /** Frustum on the near plane, in metres: centre and half width (0: from the aspect ratio). */
  frustumCenter: number;
  frustumWidth: number;
  frustumBottom: number;
  frustumTop: number;
  frustumNear: number;
  frustumFar: number;
  orthographic: boolean;
}

/** Number of float64 slots per geom in `RayScene.geomData` (see the G_* offsets). */
export const GEOM_STRIDE = 32;
export const G_TYPE = 0;
export const G_SIZE = 1;
export const G_POS = 4;
export const G_MAT = 7;
export const G_RGBA = 16;
export const G_SPECULAR = 20;
export const G_SHININESS = 21;
export const G_REFLECTANCE = 22;
export const G_EMISSION = 23;
/** Index into `RayScene.textures`, or -1. */
export const G_TEXTURE = 24;
export const G_TEXREPEAT = 25;
export const G_TEXUNIFORM = 27;
/** 1 if the geom casts shadows (MuJoCo: every solid geom not in the decor category). */
export const G_CASTSHADOW = 28;

/** Number of float64 slots per light in `RayScene.lightData` (see the L_* offsets). */
export const LIGHT_STRIDE = 24;
export const L_TYPE = 0;
export const L_POS = 1;
export const L_DIR = 4;
export const L_AMBIENT = 7;
export const L_DIFFUSE = 10;
export const L_SPECULAR = 13;
export const L_ATTENUATION = 16;
export const L_CUTOFF = 19;
export const L_EXPONENT = 20;
export const L_CASTSHADOW = 21;

/** Everything one frame needs, in flat arrays that are reused from frame to frame. */
export class RayScene {
  ngeom = 0;
  geomData = new Float64Array(64 * GEOM_STRIDE);
  nlight = 0;
  lightData = new Float64Array(8 * LIGHT_STRIDE);
  camera: RayCamera = {
    pos: new Float64Array(3), forward: new Float64Array([0, 1, 0]), up: new Float64Array([0, 0, 1]),
    frustumCenter: 0, frustumWidth: 0, frustumBottom: -0.05, frustumTop: 0.05, frustumNear: 0.1, frustumFar: 100,
    orthographic: false,
  };
  textures: RayTexture[] = [];
  /** Index of the skybox texture in `textures`, or -1 (then the background is black). */
  skybox = -1;
  shadows = true;
  reflection = true;

  /** Make room for `ngeom` geoms and `nlight` lights (keeps existing data). */
  reserve(ngeom: number, nlight: number): void {
    if (ngeom * GEOM_STRIDE > this.geomData.length) {
      const grown = new Float64Array(Math.max(ngeom, 2 * this.geomData.length / GEOM_STRIDE) * GEOM_STRIDE);
      grown.set(this.geomData);
      this.geomData = grown;
    }
    if (nlight * LIGHT_STRIDE > this.lightData.length) {
      const grown = new Float64Array(Math.max(nlight, 2 * this.lightData.length / LIGHT_STRIDE) * LIGHT_STRIDE);
      grown.set(this.lightData);
      this.lightData = grown;
    }
  }
}

export interface RayCasterOptions {
  width: number;
  height: number;
  /** Re-cast silhouette pixels with 4 samples (default true). */
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
const DL_STRIDE = 12;
const DL_SHADOW = 0;
const DL_SLOT = 1;
const DL_LX = 2;
const DL_NDL = 5;
const DL_AMBDIFF = 6;
const DL_SPEC = 9;

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

/** Screen-space bins: for each 16x16 tile, the geoms whose bounding box overlaps it (CSR layout). */
class TileBins {
  readonly start: Int32Array;
  items = new Int32Array(256);
  /** Per geom pixel bounding box x0, y0, x1, y1 (inclusive); x0 > x1 when not on screen. */
  box = new Int32Array(64 * 4);
  private readonly counts: Int32Array;

  constructor(readonly tilesX: number, readonly tilesY: number) {
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
 * mirror image), shading, then anti-aliasing. Anti-aliasing samples and transparent geoms go
 * through the per-ray path (`shadeRay`), which computes the same colours one ray at a time.
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
  private readonly sky: Float32Array;
  private readonly skyKey = new Float64Array(16).fill(NaN);
  private derived = new Float64Array(64 * D_STRIDE);
  private planes = new Int32Array(8);
  private nplanes = 0;
  private casters = new Int32Array(64);
  private ncasters = 0;
  private lightPre = new Float64Array(8 * LP_STRIDE);
  private planeInfo = new Float64Array(4 * (PI_STRIDE + 8));
  private dynamicLights = new Float64Array(8 * DL_STRIDE);

  // Camera of the current frame: the ray of continuous pixel position (sx, sy) is
  // origin o0 + ox sx + oy sy, direction d0 + dx sx + dy sy, with t the view depth.
  private scene!: RayScene;
  private g!: Float64Array;
  private ortho = false;
  private cx = 0; private cy = 0; private cz = 0;
  private fx = 0; private fy = 0; private fz = 0;
  private ux = 0; private uy = 0; private uz = 0;
  private rx = 0; private ry = 0; private rz = 0;
  private o0x = 0; private o0y = 0; private o0z = 0;
  private oxx = 0; private oxy = 0; private oxz = 0;
  private oyx = 0; private oyy = 0; private oyz = 0;
  private d0x = 0; private d0y = 0; private d0z = 0;
  private dxx = 0; private dxy = 0; private dxz = 0;
  private dyx = 0; private dyy = 0; private dyz = 0;
  private near = 0.1;
  /** World size of one pixel at view depth 1 (perspective) or at any depth (orthographic). */
  private pixelSize = 0;
  private mirror = -1;
  private mnx = 0; private mny = 0; private mnz = 0; private mpd = 0;

  // Results of the last intersection / shading call (fields rather than allocated objects).
  private hitT = Infinity;
  private hitG = -1;
  private hitPart = 0;
  private part = 0;
  private nx = 0; private ny = 0; private nz = 0;
  private cr = 0; private cg = 0; private cb = 0;
  private reflG = -1;
  /** The pixel being shaded, for the screen-box tests of shadow and mirror rays. */
  private curPx = 0;
  private curPy = 0;

  constructor(options: RayCasterOptions) {
    const { width, height } = options;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 16384 || height > 16384) {
      throw new Error(`RayCaster width and height must be integers in 1..16384, got ${width}x${height}`);
    }
    this.width = width;
    this.height = height;
    this.antialias = options.antialias ?? true;
    this.shadowSoftness = options.shadowSoftness ?? 0.02;
    if (!(this.shadowSoftness >= 0)) throw new Error(`shadowSoftness must be >= 0 radians, got ${options.shadowSoftness}`);
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
    this.sky = new Float32Array(n * 3);
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
    rx /= rn; ry /= rn; rz /= rn;
    const ux = ry * f[2] - rz * f[1];
    const uy = rz * f[0] - rx * f[2];
    const uz = rx * f[1] - ry * f[0];
    this.cx = camera.pos[0]; this.cy = camera.pos[1]; this.cz = camera.pos[2];
    this.fx = f[0]; this.fy = f[1]; this.fz = f[2];
    this.rx = rx; this.ry = ry; this.rz = rz;
    this.ux = ux; this.uy = uy; this.uz = uz;
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
    const sx = (2 * halfWidth / width) * scale;
    const sy = -((top - bottom) / height) * scale;
    this.pixelSize = Math.max(Math.abs(sx), Math.abs(sy));
    const offX = rx * ax + ux * ay;
    const offY = ry * ax + uy * ay;
    const offZ = rz * ax + uz * ay;
    if (this.ortho) {
      this.o0x = this.cx + offX; this.o0y = this.cy + offY; this.o0z = this.cz + offZ;
      this.oxx = rx * sx; this.oxy = ry * sx; this.oxz = rz * sx;
      this.oyx = ux * sy; this.oyy = uy * sy; this.oyz = uz * sy;
      this.d0x = f[0]; this.d0y = f[1]; this.d0z = f[2];
      this.dxx = this.dxy = this.dxz = this.dyx = this.dyy = this.dyz = 0;
    } else {
      this.o0x = this.cx; this.o0y = this.cy; this.o0z = this.cz;
      this.oxx = this.oxy = this.oxz = this.oyx = this.oyy = this.oyz = 0;
      this.d0x = f[0] + offX; this.d0y = f[1] + offY; this.d0z = f[2] + offZ;
      this.dxx = rx * sx; this.dxy = ry * sx; this.dxz = rz * sx;
      this.dyx = ux * sy; this.dyy = uy * sy; this.dyz = uz * sy;
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
      x /= n; y /= n; z /= n;
      // Directional lights shine along dir, so the direction towards the light is -dir.
      const sign = type === LIGHT_DIRECTIONAL ? -1 : 1;
      pre[po + LP_TYPE] = type;
      pre[po + LP_DIR] = sign * x; pre[po + LP_DIR + 1] = sign * y; pre[po + LP_DIR + 2] = sign * z;
      const cutoff = lightData[lo + L_CUTOFF];
      pre[po + LP_COSCUTOFF] = type === LIGHT_SPOT && cutoff < 180 ? Math.cos(Math.min(cutoff, 90) * Math.PI / 180) : -Infinity;
      pre[po + LP_AMBIENT] = lightData[lo + L_AMBIENT] !== 0 || lightData[lo + L_AMBIENT + 1] !== 0 || lightData[lo + L_AMBIENT + 2] !== 0 ? 1 : 0;
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
        case GEOM_SPHERE: hx = hy = hz = s0; break;
        case GEOM_CAPSULE: hx = hy = s0; hz = s2 + s0; break;
        case GEOM_ELLIPSOID: case GEOM_BOX: hx = s0; hy = s1; hz = s2; break;
        case GEOM_CYLINDER: hx = hy = s0; hz = s2; break;
        default: break;
      }
      dv[d + D_HALF] = hx; dv[d + D_HALF + 1] = hy; dv[d + D_HALF + 2] = hz;
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
        const side = (this.cx - g[o + G_POS]) * nzx + (this.cy - g[o + G_POS + 1]) * nzy + (this.cz - g[o + G_POS + 2]) * nzz;
        if (this.ortho ? nzx * this.fx + nzy * this.fy + nzz * this.fz >= 0 : side <= 0) {
          dv[d + D_ACTIVE] = 0;
          continue;
        }
        dv[d + D_PLANE] = 1;
        this.planes[this.nplanes++] = i;
        if (this.mirror < 0 && scene.reflection && g[o + G_REFLECTANCE] > 0 && alpha >= 0.995) {
          this.mirror = i;
          this.mnx = nzx; this.mny = nzy; this.mnz = nzz;
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
    this.primary.build(n);
    this.mirrored.build(n);
    this.shadowed.build(n);
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
        wx -= 2 * dist * this.mnx; wy -= 2 * dist * this.mny; wz -= 2 * dist * this.mnz;
        if (!this.project(wx, wy, wz, xy)) { whole = true; break; }
        x0 = Math.min(x0, xy[0]); x1 = Math.max(x1, xy[0]); y0 = Math.min(y0, xy[1]); y1 = Math.max(y1, xy[1]);
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
              sx = wx + k * ldx; sy = wy + k * ldy; sz = wz + k * ldz;
            } else {
              const qx = lights[lo + L_POS];
              const qy = lights[lo + L_POS + 1];
              const qz = lights[lo + L_POS + 2];
              const lightHeight = qx * nx + qy * ny + qz * nz - planeD;
              if (lightHeight <= height + 1e-9) { whole = true; break; }
              const k = height > 0 ? lightHeight / (lightHeight - height) : 1;
              sx = qx + k * (wx - qx); sy = qy + k * (wy - qy); sz = qz + k * (wz - qz);
            }
            if (!this.project(sx, sy, sz, xy)) { whole = true; break; }
            x0 = Math.min(x0, xy[0]); x1 = Math.max(x1, xy[0]); y0 = Math.min(y0, xy[1]); y1 = Math.max(y1, xy[1]);
          }
        }
      } else {
        if (!this.project(wx, wy, wz, xy)) { whole = true; break; }
        x0 = Math.min(x0, xy[0]); x1 = Math.max(x1, xy[0]); y0 = Math.min(y0, xy[1]); y1 = Math.max(y1, xy[1]);
      }
    }
    const b = 4 * i;
    if (whole) {
      box[b] = 0; box[b + 1] = 0; box[b + 2] = this.width - 1; box[b + 3] = this.height - 1;
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
    box[b] = bx0; box[b + 1] = by0; box[b + 2] = bx1; box[b + 3] = by1;
  }

  /** The skybox seen through each pixel; recomputed only when the camera turns or zooms. */
  private updateSky(): void {
    const key = this.skyKey;
    const values = [this.d0x, this.d0y, this.d0z, this.dxx, this.dxy, this.dxz, this.dyx, this.dyy, this.dyz,
      this.scene.skybox, this.scene.textures.length];
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
        sky[i] = scratchRGB[0]; sky[i + 1] = scratchRGB[1]; sky[i + 2] = scratchRGB[2];
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
    const ax = g[o + G_MAT]; const ay = g[o + G_MAT + 3]; const az = g[o + G_MAT + 6];
    const bx = g[o + G_MAT + 1]; const by = g[o + G_MAT + 4]; const bz = g[o + G_MAT + 7];
    const px0 = g[o + G_POS]; const py0 = g[o + G_POS + 1]; const pz0 = g[o + G_POS + 2];
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

  /** Nearest hits of solid geom i over its screen box. */
  private geomVisibility(i: number): void {
    const box = this.primary.box;
    const x0 = box[4 * i];
    const y0 = box[4 * i + 1];
    const x1 = box[4 * i + 2];
    const y1 = box[4 * i + 3];
    const { width, depth, ids, parts } = this;
    const tMin = this.ortho ? 0 : this.near;
    for (let py = y0; py <= y1; py++) {
      const sy = py + 0.5;
      for (let px = x0; px <= x1; px++) {
        const sx = px + 0.5;
        const t = this.intersect(i,
          this.o0x + this.oxx * sx + this.oyx * sy, this.o0y + this.oxy * sx + this.oyy * sy, this.o0z + this.oxz * sx + this.oyz * sy,
          this.d0x + this.dxx * sx + this.dyx * sy, this.d0y + this.dxy * sx + this.dyy * sy, this.d0z + this.dxz * sx + this.dyz * sy,
          tMin);
        const k = py * width + px;
        if (t < depth[k]) {
          depth[k] = t;
          ids[k] = i;
          parts[k] = this.part;
        }
      }
    }
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
          const s = this.intersect(i, hx, hy, hz, dx - 2 * dn * mnx, dy - 2 * dn * mny, dz - 2 * dn * mnz, SHADOW_EPS);
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
    const { width, height, depth, ids, parts, keys, sky } = this;
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
          keys[k] = 0;
          const s = 3 * k;
          out[s] = (sky[s] * 255 + 0.5) | 0;
          out[s + 1] = (sky[s + 1] * 255 + 0.5) | 0;
          out[s + 2] = (sky[s + 2] * 255 + 0.5) | 0;
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
    const ax = g[o + G_MAT]; const ay = g[o + G_MAT + 3]; const az = g[o + G_MAT + 6];
    const bx = g[o + G_MAT + 1]; const by = g[o + G_MAT + 4]; const bz = g[o + G_MAT + 7];
    const px0 = g[o + G_POS]; const py0 = g[o + G_POS + 1]; const pz0 = g[o + G_POS + 2];
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
      dyn[j + DL_LX] = pre[po + LP_DIR]; dyn[j + DL_LX + 1] = pre[po + LP_DIR + 1]; dyn[j + DL_LX + 2] = pre[po + LP_DIR + 2];
      dyn[j + DL_NDL] = ndl;
      for (let c = 0; c < 3; c++) {
        dyn[j + DL_AMBDIFF + c] = shadowed ? lights[lo + L_AMBIENT + c] + (ndl > 0 ? ndl * lights[lo + L_DIFFUSE + c] : 0) : 0;
        dyn[j + DL_SPEC + c] = specular ? matSpecular * lights[lo + L_SPECULAR + c] : 0;
      }
    }
    const constR = info[q + PI_LIGHT];
    const constG = info[q + PI_LIGHT + 1];
    const constB = info[q + PI_LIGHT + 2];

    for (let py = 0; py < height; py++) {
      const sy = py + 0.5;
      const tileRow = ((py / TILE) | 0) * this.tilesX;
      const rowD0x = this.d0x + this.dyx * sy;
      const rowD0y = this.d0y + this.dyy * sy;
      const rowD0z = this.d0z + this.dyz * sy;
      const rowO0x = this.o0x + this.oyx * sy;
      const rowO0y = this.o0y + this.oyy * sy;
      const rowO0z = this.o0z + this.oyz * sy;
      let k = py * width;
      for (let px = 0; px < width; px++, k++) {
        if (ids[k] !== p) continue;
        const sx = px + 0.5;
        const dx = rowD0x + this.dxx * sx;
        const dy = rowD0y + this.dxy * sx;
        const dz = rowD0z + this.dxz * sx;
        const t = depth[k];
        const hx = rowO0x + this.oxx * sx + t * dx;
        const hy = rowO0y + this.oxy * sx + t * dy;
        const hz = rowO0z + this.oxz * sx + t * dz;
        const inv = 1 / Math.sqrt(dx * dx + dy * dy + dz * dz);
        const vx = -dx * inv;
        const vy = -dy * inv;
        const vz = -dz * inv;
        const ndv = nx * vx + ny * vy + nz * vz;
        let tr = 1;
        let tg = 1;
        let tb = 1;
        if (texture !== undefined) {
          const wx = hx - px0;
          const wy = hy - py0;
          const wz = hz - pz0;
          const rho = rhoK * (this.ortho ? 1 : t) / (ndv > 1e-3 ? ndv : 1e-3);
          sampleTrilinear(texture, ks * (ax * wx + ay * wy + az * wz) - 0.5, -kt * (bx * wx + by * wy + bz * wz) - 0.5, rho, scratchRGB);
          tr = scratchRGB[0]; tg = scratchRGB[1]; tb = scratchRGB[2];
        } else if (otherTexture) {
          this.texture(p, hx, hy, hz, this.ortho ? this.pixelSize : t * this.pixelSize, ndv);
          tr = this.cr; tg = this.cg; tb = this.cb;
        }
        let ar = constR;
        let ag = constG;
        let ab = constB;
        let spr = 0;
        let spg = 0;
        let spb = 0;
        for (let j = 0; j < ndyn * DL_STRIDE; j += DL_STRIDE) {
          let factor = 1;
          if (dyn[j + DL_SHADOW] === 1) {
            const slot = dyn[j + DL_SLOT];
            if (slot >= 0) {
              factor = this.shadowBuffers[slot][k];
            } else {
              this.curPx = px;
              this.curPy = py;
              factor = this.shadow(p, hx, hy, hz, dyn[j + DL_LX], dyn[j + DL_LX + 1], dyn[j + DL_LX + 2], Infinity, tileRow + ((px / TILE) | 0));
            }
            if (factor === 0) continue;
            ar += factor * dyn[j + DL_AMBDIFF];
            ag += factor * dyn[j + DL_AMBDIFF + 1];
            ab += factor * dyn[j + DL_AMBDIFF + 2];
          }
          if (dyn[j + DL_SPEC] > 0 || dyn[j + DL_SPEC + 1] > 0 || dyn[j + DL_SPEC + 2] > 0) {
            // N.H with H = (L + V) / |L + V| and |L + V|^2 = 2 + 2 L.V.
            const ldv = dyn[j + DL_LX] * vx + dyn[j + DL_LX + 1] * vy + dyn[j + DL_LX + 2] * vz;
            const ndh = ldv > -1 + 1e-12 ? (dyn[j + DL_NDL] + ndv) / Math.sqrt(2 + 2 * ldv) : 0;
            if (ndh > 0 && shininess * (1 - ndh) < 7) {
              const power = factor * (shininess > 0 ? Math.pow(ndh, shininess) : 1);
              spr += power * dyn[j + DL_SPEC];
              spg += power * dyn[j + DL_SPEC + 1];
              spb += power * dyn[j + DL_SPEC + 2];
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
          this.shadeGeom(reflected, reflDepth[k], reflParts[k], hx, hy, hz, dx - 2 * dn * nx, dy - 2 * dn * ny, dz - 2 * dn * nz,
            SHADOW_NONE, 0);
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
        this.cr = this.sky[i]; this.cg = this.sky[i + 1]; this.cb = this.sky[i + 2];
      } else if (this.derived[hit * D_STRIDE + D_PLANE] === 1) {
        this.shadePlane(hit, ox, oy, oz, dx, dy, dz, this.hitT, -1, tile);
      } else {
        this.shadeGeom(hit, this.hitT, this.hitPart, ox, oy, oz, dx, dy, dz, SHADOW_RAYS, tile);
      }
      if (firstRefl < 0) firstRefl = this.reflG;
      const alpha = hit === SKY ? 1 : Math.min(1, g[hit * GEOM_STRIDE + G_RGBA + 3]);
      if (alpha >= 0.995 || layer === MAX_LAYERS - 1) {
        accR += weight * this.cr; accG += weight * this.cg; accB += weight * this.cb;
        break;
      }
      accR += weight * alpha * this.cr; accG += weight * alpha * this.cg; accB += weight * alpha * this.cb;
      weight *= 1 - alpha;
      tMin = this.hitT * (1 + 1e-9) + 1e-9;
    }
    this.cr = accR; this.cg = accG; this.cb = accB;
    this.hitG = firstG;
    this.reflG = firstRefl;
  }

  /** Nearest geom along a camera ray with t > tMin: sets hitG (SKY if none), hitT, hitPart. */
  private trace(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMin: number,
    tile: number, px: number, py: number): void {
    let bestT = Infinity;
    let bestG = SKY;
    let bestPart = 0;
    for (let p = 0; p < this.nplanes; p++) {
      const i = this.planes[p];
      const t = this.intersectPlane(i, ox, oy, oz, dx, dy, dz);
      if (t > tMin && t < bestT) { bestT = t; bestG = i; bestPart = 0; }
    }
    const bins = this.primary;
    const box = bins.box;
    const end = bins.start[tile + 1];
    for (let k = bins.start[tile]; k < end; k++) {
      const i = bins.items[k];
      const b = 4 * i;
      if (px < box[b] || px > box[b + 2] || py < box[b + 1] || py > box[b + 3]) continue;
      const t = this.intersect(i, ox, oy, oz, dx, dy, dz, tMin);
      if (t < bestT) { bestT = t; bestG = i; bestPart = this.part; }
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
      const t = this.intersect(i, ox, oy, oz, dx, dy, dz, SHADOW_EPS);
      if (t < bestT) { bestT = t; bestG = i; bestPart = this.part; }
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
        const ks = 0.5 * g[o + G_TEXREPEAT] / (uniform || !(s0 > 0) ? 1 : s0);
        const kt = 0.5 * g[o + G_TEXREPEAT + 1] / (uniform || !(s1 > 0) ? 1 : s1);
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
  private shadePlane(p: number, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number,
    t: number, pixel: number, tile: number): void {
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
      const rho = info[q + PI_RHO] * (this.ortho ? 1 : t) / (ndv > 1e-3 ? ndv : 1e-3);
      sampleTrilinear(this.scene.textures[tex2d], info[q + PI_KS] * lx - 0.5, -info[q + PI_KT] * ly - 0.5, rho, scratchRGB);
      tr = scratchRGB[0]; tg = scratchRGB[1]; tb = scratchRGB[2];
    } else if (g[o + G_TEXTURE] >= 0) {
      this.texture(p, hx, hy, hz, this.ortho ? this.pixelSize : t * this.pixelSize, ndv);
      tr = this.cr; tg = this.cg; tb = this.cb;
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
          factor = pixel >= 0 && slot >= 0
            ? this.shadowBuffers[slot][pixel]
            : this.shadow(p, hx, hy, hz, pre[po + LP_DIR], pre[po + LP_DIR + 1], pre[po + LP_DIR + 2], Infinity, tile);
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
            const k = factor * matSpecular * (shininess > 0 ? Math.pow(ndh, shininess) : 1);
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
    this.cr = r; this.cg = gg; this.cb = b;
  }

  /** Shade solid geom i hit at o + t d: sets (cr, cg, cb); reflG = -1. */
  private shadeGeom(i: number, t: number, part: number, ox: number, oy: number, oz: number,
    dx: number, dy: number, dz: number, shadowMode: number, tile: number): void {
    const hx = ox + t * dx;
    const hy = oy + t * dy;
    const hz = oz + t * dz;
    this.normalAt(i, part, hx, hy, hz);
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
      nx = -nx; ny = -ny; nz = -nz; ndv = -ndv;
    }
    this.texture(i, hx, hy, hz, (this.ortho ? this.pixelSize : t * this.pixelSize) / inv, ndv);
    const tr = this.cr;
    const tg = this.cg;
    const tb = this.cb;
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
    const g = this.g;
    const o = i * GEOM_STRIDE;
    const texId = g[o + G_TEXTURE];
    if (texId < 0) {
      this.cr = 1; this.cg = 1; this.cb = 1;
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
      const ks = 0.5 * g[o + G_TEXREPEAT] / (uniform || !(s0 > 0) ? 1 : s0);
      const kt = 0.5 * g[o + G_TEXREPEAT + 1] / (uniform || !(s1 > 0) ? 1 : s1);
      // Texels per pixel along the most stretched direction sets the mip level, as in OpenGL.
      const rho = footprint / Math.max(ndv, 1e-3) * Math.max(ks * texture.width, kt * texture.height);
      sampleTrilinear(texture, ks * lx - 0.5, -kt * ly - 0.5, rho, scratchRGB);
    } else {
      const lz = g[o + G_MAT + 2] * px + g[o + G_MAT + 5] * py + g[o + G_MAT + 8] * pz;
      const sx = uniform ? 1 : 1 / Math.max(g[o + G_SIZE], 1e-9);
      const sy = uniform ? 1 : 1 / Math.max(g[o + G_SIZE + 1], 1e-9);
      const sz = uniform ? 1 : 1 / Math.max(g[o + G_SIZE + 2], 1e-9);
      sampleCube(texture, lx * sx, ly * sy, lz * sz, scratchRGB);
    }
    this.cr = scratchRGB[0]; this.cg = scratchRGB[1]; this.cb = scratchRGB[2];
  }

  // Unit direction (lx, ly, lz) from a point towards light l, distance lmax, attenuation latt.
  private lx = 0; private ly = 0; private lz = 0; private lmax = Infinity; private latt = 1;

  /** Direction towards light l from point h, its distance and attenuation (0 outside a spot cone). */
  private lightDirection(l: number, hx: number, hy: number, hz: number): void {
    const pre = this.lightPre;
    const po = l * LP_STRIDE;
    if (pre[po + LP_TYPE] === LIGHT_DIRECTIONAL) {
      this.lx = pre[po + LP_DIR]; this.ly = pre[po + LP_DIR + 1]; this.lz = pre[po + LP_DIR + 2];
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
    lx /= distance; ly /= distance; lz /= distance;
    let attenuation = 1 / Math.max(1e-12, lights[lo + L_ATTENUATION] + lights[lo + L_ATTENUATION + 1] * distance
      + lights[lo + L_ATTENUATION + 2] * distance * distance);
    if (pre[po + LP_TYPE] === LIGHT_SPOT) {
      // Spot cone: GL_SPOT_CUTOFF in degrees (180: no cone), GL_SPOT_EXPONENT falloff.
      const cosAngle = -(lx * pre[po + LP_DIR] + ly * pre[po + LP_DIR + 1] + lz * pre[po + LP_DIR + 2]);
      if (cosAngle < pre[po + LP_COSCUTOFF]) attenuation = 0;
      else attenuation *= cosAngle > 0 ? Math.pow(cosAngle, lights[lo + L_EXPONENT]) : 0;
    }
    this.lx = lx; this.ly = ly; this.lz = lz;
    this.lmax = distance;
    this.latt = attenuation;
  }

  /**
   * OpenGL fixed-function lighting of geom i at point h with unit normal n, viewed from v: sets
   * (cr, cg, cb) = rgba * (emission + ambient + diffuse) + specular, before texturing.
   */
  private light(i: number, hx: number, hy: number, hz: number, nx: number, ny: number, nz: number,
    vx: number, vy: number, vz: number, shadowMode: number, pixel: number, tile: number): void {
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
      this.lightDirection(l, hx, hy, hz);
      const lx = this.lx;
      const ly = this.ly;
      const lz = this.lz;
      let factor = this.latt;
      if (factor === 0) continue;
      const ndl = nx * lx + ny * ly + nz * lz;
      if (ndl <= 0 && pre[po + LP_AMBIENT] === 0) continue;
      if (pre[po + LP_SHADOW] > 0 && shadowMode !== SHADOW_NONE) {
        const slot = pre[po + LP_SLOT];
        factor *= shadowMode === SHADOW_BUFFER && slot >= 0
          ? this.shadowBuffers[slot][pixel]
          : this.shadow(i, hx, hy, hz, lx, ly, lz, this.lmax, tile);
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
            hx2 /= hn; hy2 /= hn; hz2 /= hn;
            const ndh = nx * hx2 + ny * hy2 + nz * hz2;
            // ndh^shininess ~ exp(-shininess (1 - ndh)): skip the pow where it is below 1/1000.
            if (ndh > 0 && shininess * (1 - ndh) < 7) {
              const k = factor * matSpecular * (shininess > 0 ? Math.pow(ndh, shininess) : 1);
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
  private shadow(receiver: number, hx: number, hy: number, hz: number, lx: number, ly: number, lz: number,
    maxDistance: number, tile: number): number {
    const isPlane = this.derived[receiver * D_STRIDE + D_PLANE] === 1;
    let transmit = 1;
    if (isPlane) {
      const bins = this.shadowed;
      const box = bins.box;
      const end = bins.start[tile + 1];
      for (let k = bins.start[tile]; k < end; k++) {
        const c = bins.items[k];
        const b = 4 * c;
        if (this.curPx < box[b] || this.curPx > box[b + 2] || this.curPy < box[b + 1] || this.curPy > box[b + 3]) continue;
        transmit *= this.casterTransmittance(c, hx, hy, hz, lx, ly, lz, maxDistance);
        if (transmit === 0) return 0;
      }
      return transmit;
    }
    for (let k = 0; k < this.ncasters; k++) {
      const c = this.casters[k];
      if (c === receiver) continue;
      transmit *= this.casterTransmittance(c, hx, hy, hz, lx, ly, lz, maxDistance);
      if (transmit === 0) return 0;
    }
    return transmit;
  }

  /**
   * Fraction of light passing caster c along the ray h + s l, 0 <= s <= maxDistance. Capsules and
   * spheres have a soft edge: the ray's distance to their core (segment or centre) is compared to
   * the radius with a penumbra of width shadowSoftness * s; other shapes block or do not.
   */
  private casterTransmittance(c: number, hx: number, hy: number, hz: number, lx: number, ly: number, lz: number,
    maxDistance: number): number {
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
    if (along < -radius || along > maxDistance + radius) return 1;
    const s = along > 0 ? along : 0;
    const ex = wx - s * lx;
    const ey = wy - s * ly;
    const ez = wz - s * lz;
    const centreDistance2 = ex * ex + ey * ey + ez * ez;
    const softness = this.shadowSoftness;
    const limit = radius + softness * (Math.abs(along) + radius) + 1e-3;
    if (centreDistance2 > limit * limit) return 1;
    const type = g[o + G_TYPE];
    if (type !== GEOM_SPHERE && type !== GEOM_CAPSULE) {
      return this.intersect(c, hx, hy, hz, lx, ly, lz, SHADOW_EPS) < maxDistance ? 0 : 1;
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
      if (u > h) u = h; else if (u < -h) u = -h;
      sRay = along + u * b;
      if (sRay < 0) sRay = 0;
      const qx = -wx + sRay * lx - u * ax;
      const qy = -wy + sRay * ly - u * ay;
      const qz = -wz + sRay * lz - u * az;
      distance = Math.sqrt(qx * qx + qy * qy + qz * qz);
      rayS = sRay;
    }
    if (rayS > maxDistance) return 1;
    const w = softness * rayS + 1e-4;
    const edge = (distance - (r - w)) / (2 * w);
    if (edge >= 1) return 1;
    if (edge <= 0) return 0;
    return edge * edge * (3 - 2 * edge);
  }

  // ---------------------------------------------------------------- geometry

  private intersectPlane(i: number, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number): number {
    const g = this.g;
    const o = i * GEOM_STRIDE;
    const nx = g[o + G_MAT + 2];
    const ny = g[o + G_MAT + 5];
    const nz = g[o + G_MAT + 8];
    const dn = dx * nx + dy * ny + dz * nz;
    if (dn >= 0) return Infinity;
    const wx = g[o + G_POS] - ox;
    const wy = g[o + G_POS + 1] - oy;
    const wz = g[o + G_POS + 2] - oz;
    const t = (wx * nx + wy * ny + wz * nz) / dn;
    if (!(t > 0)) return Infinity;
    const s0 = g[o + G_SIZE];
    const s1 = g[o + G_SIZE + 1];
    if (s0 > 0 || s1 > 0) {
      const qx = ox + t * dx - g[o + G_POS];
      const qy = oy + t * dy - g[o + G_POS + 1];
      const qz = oz + t * dz - g[o + G_POS + 2];
      if (s0 > 0 && Math.abs(qx * g[o + G_MAT] + qy * g[o + G_MAT + 3] + qz * g[o + G_MAT + 6]) > s0) return Infinity;
      if (s1 > 0 && Math.abs(qx * g[o + G_MAT + 1] + qy * g[o + G_MAT + 4] + qz * g[o + G_MAT + 7]) > s1) return Infinity;
    }
    return t;
  }

  /** Entry parameter t > tMin of ray o + t d into solid geom i (Infinity on a miss); sets `part`. */
  private intersect(i: number, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMin: number): number {
    const g = this.g;
    const o = i * GEOM_STRIDE;
    const wx = ox - g[o + G_POS];
    const wy = oy - g[o + G_POS + 1];
    const wz = oz - g[o + G_POS + 2];
    // Into the geom frame: local = mat^T (world - pos).
    const m0 = g[o + G_MAT]; const m1 = g[o + G_MAT + 1]; const m2 = g[o + G_MAT + 2];
    const m3 = g[o + G_MAT + 3]; const m4 = g[o + G_MAT + 4]; const m5 = g[o + G_MAT + 5];
    const m6 = g[o + G_MAT + 6]; const m7 = g[o + G_MAT + 7]; const m8 = g[o + G_MAT + 8];
    const lox = m0 * wx + m3 * wy + m6 * wz;
    const loy = m1 * wx + m4 * wy + m7 * wz;
    const loz = m2 * wx + m5 * wy + m8 * wz;
    const ldx = m0 * dx + m3 * dy + m6 * dz;
    const ldy = m1 * dx + m4 * dy + m7 * dz;
    const ldz = m2 * dx + m5 * dy + m8 * dz;
    const type = g[o + G_TYPE];
    const s0 = g[o + G_SIZE];
    this.part = 0;
    switch (type) {
      case GEOM_SPHERE: return raySphere(lox, loy, loz, ldx, ldy, ldz, s0, tMin);
      case GEOM_ELLIPSOID: {
        const s1 = g[o + G_SIZE + 1];
        const s2 = g[o + G_SIZE + 2];
        return raySphere(lox / s0, loy / s1, loz / s2, ldx / s0, ldy / s1, ldz / s2, 1, tMin);
      }
      case GEOM_CAPSULE: return rayCapsule(lox, loy, loz, ldx, ldy, ldz, s0, g[o + G_SIZE + 2], tMin);
      case GEOM_CYLINDER: {
        const t = rayCylinder(lox, loy, loz, ldx, ldy, ldz, s0, g[o + G_SIZE + 2], tMin);
        this.part = cylinderPart;
        return t;
      }
      case GEOM_BOX: {
        const t = rayBox(lox, loy, loz, ldx, ldy, ldz, s0, g[o + G_SIZE + 1], g[o + G_SIZE + 2], tMin);
        this.part = boxPart;
        return t;
      }
      default: return Infinity;
    }
  }

  /** World unit normal (nx, ny, nz) of solid geom i at surface point h. */
  private normalAt(i: number, part: number, hx: number, hy: number, hz: number): void {
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
      case GEOM_CAPSULE: lz -= Math.max(-s2, Math.min(s2, lz)); break;
      case GEOM_ELLIPSOID: lx /= s0 * s0; ly /= s1 * s1; lz /= s2 * s2; break;
      case GEOM_CYLINDER:
        if (part !== 0) { lx = 0; ly = 0; lz = part; } else lz = 0;
        break;
      case GEOM_BOX: {
        const axis = Math.abs(part) - 1;
        const sign = part > 0 ? 1 : -1;
        lx = axis === 0 ? sign : 0;
        ly = axis === 1 ? sign : 0;
        lz = axis === 2 ? sign : 0;
        break;
      }
      default: break;
    }
    let nx = g[m] * lx + g[m + 1] * ly + g[m + 2] * lz;
    let ny = g[m + 3] * lx + g[m + 4] * ly + g[m + 5] * lz;
    let nz = g[m + 6] * lx + g[m + 7] * ly + g[m + 8] * lz;
    const n = Math.sqrt(nx * nx + ny * ny + nz * nz) || 1;
    nx /= n; ny /= n; nz /= n;
    this.nx = nx; this.ny = ny; this.nz = nz;
  }

  // ---------------------------------------------------------------- anti-aliasing

  /** Re-cast pixels on silhouettes (where the visible geom changes) with 4 rotated-grid samples. */
  private smoothEdges(out: Uint8Array): void {
    const { width, height, keys, edges } = this;
    edges.fill(0);
    for (let py = 0; py < height; py++) {
      for (let px = 0; px < width; px++) {
        const i = py * width + px;
        const key = keys[i];
        if (px + 1 < width && keys[i + 1] !== key) { edges[i] = 1; edges[i + 1] = 1; }
        if (py + 1 < height && keys[i + width] !== key) { edges[i] = 1; edges[i + width] = 1; }
      }
    }
    for (let py = 0; py < height; py++) {
      const tileRow = ((py / TILE) | 0) * this.tilesX;
      for (let px = 0; px < width; px++) {
        const i = py * width + px;
        if (edges[i] === 0) continue;
        const tile = tileRow + ((px / TILE) | 0);
        let r = 0;
        let gg = 0;
        let b = 0;
        for (let s = 0; s < 4; s++) {
          this.shadeRay(px + 0.5 + SAMPLES[2 * s], py + 0.5 + SAMPLES[2 * s + 1], px, py, tile);
          r += this.cr; gg += this.cg; b += this.cb;
        }
        writePixel(out, 3 * i, 0.25 * r, 0.25 * gg, 0.25 * b);
      }
    }
  }
}

/** 4x rotated-grid sample offsets within a pixel (as common 4x MSAA patterns). */
const SAMPLES = new Float64Array([-0.125, -0.375, 0.375, -0.125, 0.125, 0.375, -0.375, 0.125]);

const scratchXY = new Float64Array(2);
const scratchRGB = new Float64Array(3);

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

// ---------------------------------------------------------------- ray / shape intersections
// Each takes the ray o + t d in the shape's own frame and returns the entry t > tMin, or Infinity.
// Only entries count: as with back-face culling, a shape is invisible from inside.

/** Sphere of radius r at the origin: |o + t d|^2 = r^2, the smaller root. */
export function raySphere(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, r: number, tMin: number): number {
  const a = dx * dx + dy * dy + dz * dz;
  const b = ox * dx + oy * dy + oz * dz;
  const c = ox * ox + oy * oy + oz * oz - r * r;
  const disc = b * b - a * c;
  if (disc < 0 || a === 0) return Infinity;
  const t = (-b - Math.sqrt(disc)) / a;
  return t > tMin ? t : Infinity;
}

/**
 * Capsule along z: the segment z in [-h, h] swept by radius r. The entry is on the side of the
 * infinite cylinder x^2 + y^2 = r^2 if it lies within |z| <= h, otherwise on the end sphere on
 * that side (a ray that enters the cylinder beyond an end can only enter the capsule there).
 */
export function rayCapsule(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, r: number, h: number, tMin: number): number {
  const a = dx * dx + dy * dy;
  const b = ox * dx + oy * dy;
  const c = ox * ox + oy * oy - r * r;
  let zc: number;
  if (a > 1e-14) {
    const disc = b * b - a * c;
    if (disc < 0) return Infinity;
    const t = (-b - Math.sqrt(disc)) / a;
    const z = oz + t * dz;
    if (z >= -h && z <= h) return t > tMin ? t : Infinity;
    zc = z > h ? h : -h;
  } else {
    // Parallel to the axis: inside the radius it enters through the end it is heading to.
    if (c > 0) return Infinity;
    zc = dz > 0 ? -h : h;
  }
  return raySphere(ox, oy, oz - zc, dx, dy, dz, r, tMin);
}

/** Which part of the last cylinder / box was entered: 0 side, +-1 caps (cylinder); +-(axis + 1) (box). */
let cylinderPart = 0;
let boxPart = 0;

/** Closed cylinder along z: side x^2 + y^2 = r^2 with |z| <= h, caps z = +-h within the radius. */
export function rayCylinder(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, r: number, h: number, tMin: number): number {
  let best = Infinity;
  cylinderPart = 0;
  const a = dx * dx + dy * dy;
  if (a > 1e-14) {
    const b = ox * dx + oy * dy;
    const c = ox * ox + oy * oy - r * r;
    const disc = b * b - a * c;
    if (disc < 0) return Infinity;
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
        cylinderPart = zc > 0 ? 1 : -1;
      }
    }
  }
  return best;
}

/** Box with half sizes (sx, sy, sz): slab test, entering through the face of the latest entry. */
export function rayBox(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, sx: number, sy: number, sz: number, tMin: number): number {
  slabNear = -Infinity;
  slabFar = Infinity;
  slabPart = 0;
  if (!slab(ox, dx, sx, 1) || !slab(oy, dy, sy, 2) || !slab(oz, dz, sz, 3)) return Infinity;
  boxPart = slabPart;
  return slabNear > tMin ? slabNear : Infinity;
}

let slabNear = -Infinity;
let slabFar = Infinity;
let slabPart = 0;

/** Narrow [slabNear, slabFar] by the slab |o + t d| <= s of one axis; false when it empties. */
function slab(o: number, d: number, s: number, axis: number): boolean {
  if (d === 0) return o >= -s && o <= s;
  let t0 = (-s - o) / d;
  let t1 = (s - o) / d;
  let face = -axis;
  if (t0 > t1) {
    const swap = t0;
    t0 = t1;
    t1 = swap;
    face = axis;
  }
  if (t0 > slabNear) {
    slabNear = t0;
    slabPart = face;
  }
  if (t1 < slabFar) slabFar = t1;
  return slabNear <= slabFar;
}

// ---------------------------------------------------------------- texture sampling

/**
 * Bilinear sample of mip level `level` at (s, t) in [0, 1) with wrap-around (GL_REPEAT); adds
 * `weight` times it to out.
 */
function bilinearRepeat(texture: RayTexture, level: number, s: number, t: number, weight: number, out: Float64Array): void {
  const data = texture.texels;
  const base = texture.levelOffset[level];
  const w = texture.levelWidth[level];
  const h = texture.levelHeight[level];
  const u = s * w - 0.5;
  const v = t * h - 0.5;
  let x0 = Math.floor(u);
  let y0 = Math.floor(v);
  const au = u - x0;
  const av = v - y0;
  // u, v lie in [-0.5, size - 0.5): only the first texel can wrap to the last one.
  if (x0 < 0) x0 = w - 1;
  if (y0 < 0) y0 = h - 1;
  const x1 = x0 + 1 === w ? 0 : x0 + 1;
  const row0 = base + 3 * y0 * w;
  const row1 = base + 3 * (y0 + 1 === h ? 0 : y0 + 1) * w;
  const i00 = row0 + 3 * x0;
  const i01 = row0 + 3 * x1;
  const i10 = row1 + 3 * x0;
  const i11 = row1 + 3 * x1;
  const w11 = au * av * weight;
  const w10 = av * weight - w11;
  const w01 = au * weight - w11;
  const w00 = weight - w01 - w10 - w11;
  out[0] += w00 * data[i00] + w01 * data[i01] + w10 * data[i10] + w11 * data[i11];
  out[1] += w00 * data[i00 + 1] + w01 * data[i01 + 1] + w10 * data[i10 + 1] + w11 * data[i11 + 1];
  out[2] += w00 * data[i00 + 2] + w01 * data[i01 + 2] + w10 * data[i10 + 2] + w11 * data[i11 + 2];
}

/**
 * GL_LINEAR_MIPMAP_LINEAR with GL_REPEAT: level of detail log2(rho) for rho texels per pixel,
 * bilinear in the two nearest levels and linear between them (GL_LINEAR below level 0).
 */
export function sampleTrilinear(texture: RayTexture, s: number, t: number, rho: number, out: Float64Array): void {
  out[0] = 0;
  out[1] = 0;
  out[2] = 0;
  s -= Math.floor(s);
  t -= Math.floor(t);
  if (rho <= 1) {
    bilinearRepeat(texture, 0, s, t, 1, out);
    return;
  }
  if (rho >= texture.maxRho) {
    bilinearRepeat(texture, texture.levelOffset.length - 1, s, t, 1, out);
    return;
  }
  // log2(rho) as the exponent plus a linear mantissa (within 0.09 of the exact logarithm).
  const level = 31 - Math.clz32(rho);
  const frac = rho / (1 << level) - 1;
  bilinearRepeat(texture, level, s, t, 1 - frac, out);
  if (frac > 0) bilinearRepeat(texture, level + 1, s, t, frac, out);
}

/**
 * Cube map lookup in direction (x, y, z) with OpenGL's face selection and face coordinates
 * (faces +x, -x, +y, -y, +z, -z stacked in the data, as MuJoCo stores them), bilinear, clamped.
 */
export function sampleCube(texture: RayTexture, x: number, y: number, z: number, out: Float64Array): void {
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  const az = Math.abs(z);
  let face: number;
  let sc: number;
  let tc: number;
  let ma: number;
  if (ax >= ay && ax >= az) {
    ma = ax;
    if (x > 0) { face = 0; sc = -z; tc = -y; } else { face = 1; sc = z; tc = -y; }
  } else if (ay >= az) {
    ma = ay;
    if (y > 0) { face = 2; sc = x; tc = z; } else { face = 3; sc = x; tc = -z; }
  } else {
    ma = az;
    if (z > 0) { face = 4; sc = x; tc = -y; } else { face = 5; sc = -x; tc = -y; }
  }
  const data = texture.texels;
  const w = texture.width;
  // A square texture is one face repeated six times (MuJoCo's "repeated" cube upload).
  const faceOffset = texture.height >= 6 * w ? face * w * w : 0;
  if (ma === 0) {
    out[0] = texture.mean[0]; out[1] = texture.mean[1]; out[2] = texture.mean[2];
    return;
  }
  const u = Math.min(w - 1, Math.max(0, (0.5 * (sc / ma + 1)) * w - 0.5));
  const v = Math.min(w - 1, Math.max(0, (0.5 * (tc / ma + 1)) * w - 0.5));
  const x0 = Math.floor(u);
  const y0 = Math.floor(v);
  const x1 = Math.min(w - 1, x0 + 1);
  const y1 = Math.min(w - 1, y0 + 1);
  const au = u - x0;
  const av = v - y0;
  const i00 = 3 * (faceOffset + y0 * w + x0);
  const i01 = 3 * (faceOffset + y0 * w + x1);
  const i10 = 3 * (faceOffset + y1 * w + x0);
  const i11 = 3 * (faceOffset + y1 * w + x1);
  for (let c = 0; c < 3; c++) {
    out[c] = (1 - av) * ((1 - au) * data[i00 + c] + au * data[i01 + c]) + av * ((1 - au) * data[i10 + c] + au * data[i11 + c]);
  }
}
