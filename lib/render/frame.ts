/**
 * Everything one frame is drawn from and into, shared by the stages of lib/render/raycaster.ts:
 * the scene, camera, geoms and lights of the frame, the screen bins, and the per-pixel buffers
 * (what each pixel sees directly and in the mirror, shadow factors, the sky). Allocated once per
 * frame size, so drawing a frame allocates nothing.
 */
import { Camera, TILE, TileBins } from './camera.js';
import { FrameGeoms } from './geoms.js';
import { Lights } from './lighting.js';
import type { RayScene } from './scene.js';

/** The id of a pixel that sees no geom. */
export const SKY = -1;

export interface FrameOptions {
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

export class Frame {
  readonly width: number;
  readonly height: number;
  readonly antialias: boolean;
  readonly shadowSoftness: number;
  scene!: RayScene;
  /** The scene's geom records (lib/render/scene.ts layout). */
  g!: Float64Array;
  readonly camera: Camera;
  readonly geoms = new FrameGeoms();
  readonly lights = new Lights();
  readonly tilesX: number;
  /**
   * Screen boxes of the geoms seen directly and in the mirror (only their boxes are read), and
   * per tile the geoms whose shadow falls on a plane there.
   */
  readonly primary: TileBins;
  readonly mirrored: TileBins;
  readonly shadowed: TileBins;
  /** Per pixel: ray parameter (view depth) and geom of the nearest hit (SKY for none), part entered. */
  readonly depth: Float64Array;
  readonly ids: Int32Array;
  readonly parts: Int8Array;
  /** Per pixel of the reflective plane: the nearest geom along the mirrored ray (-1 for none). */
  readonly reflDepth: Float64Array;
  readonly reflIds: Int32Array;
  readonly reflParts: Int8Array;
  /** Per buffered shadow-casting light: the fraction of its light reaching each plane pixel. */
  readonly shadowBuffers: Float32Array[] = [];
  /** Per solid geom: the casters whose shadow may fall on it. */
  readonly castersOf: number[][] = [];
  /** Per pixel: which geoms it shows, (direct + 1) | (reflected + 1) << 16, for edge detection. */
  readonly keys: Int32Array;
  /** The skybox seen through each pixel, as floats and bytes. */
  readonly sky: Float32Array;
  readonly skyBytes: Uint8Array;

  constructor(options: FrameOptions) {
    const { width, height } = options;
    if (![width, height].every((v) => Number.isInteger(v) && v >= 1 && v <= 16384)) {
      throw new Error(`RayCaster width and height must be integers in 1..16384, got ${width}x${height}`);
    }
    this.width = width;
    this.height = height;
    this.antialias = options.antialias ?? true;
    this.shadowSoftness = options.shadowSoftness ?? 0.02;
    if (!(this.shadowSoftness >= 0)) {
      throw new Error(`shadowSoftness must be >= 0 radians, got ${options.shadowSoftness}`);
    }
    this.camera = new Camera(width, height);
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
    this.sky = new Float32Array(3 * n);
    this.skyBytes = new Uint8Array(3 * n);
  }

  /** The tile of pixel (px, py). */
  tile(px: number, py: number): number {
    return ((py / TILE) | 0) * this.tilesX + ((px / TILE) | 0);
  }
}

/** Write an RGB colour in [0, 1] as bytes at index i. */
export function writePixel(out: Uint8Array, i: number, r: number, g: number, b: number): void {
  out[i] = r >= 1 ? 255 : r <= 0 ? 0 : (r * 255 + 0.5) | 0;
  out[i + 1] = g >= 1 ? 255 : g <= 0 ? 0 : (g * 255 + 0.5) | 0;
  out[i + 2] = b >= 1 ? 255 : b <= 0 ? 0 : (b * 255 + 0.5) | 0;
}
