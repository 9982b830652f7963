/**
 * The scene a frame is drawn from (the "watch the agent" step after A3C training): MuJoCo's
 * abstract scene (mjvScene: geoms, lights, GL camera) copied into flat typed arrays that are
 * reused from frame to frame, so the ray caster (lib/render/raycaster.ts) never touches a MuJoCo handle.
 * lib/media/render.ts fills it from `mjv_updateScene`; the layouts follow mjvGeom, mjvLight and
 * mjvGLCamera (mujoco/mjvisualize.h).
 */
import { shapeOf } from './shapes.js';
import type { RayTexture } from './texture.js';

/** mjtLightType values. */
export const LIGHT_SPOT = 0;
export const LIGHT_DIRECTIONAL = 1;
export const LIGHT_POINT = 2;

/** mjtTexture values. */
export const TEXTURE_2D = 0;
export const TEXTURE_CUBE = 1;
export const TEXTURE_SKYBOX = 2;

/** True for the geom types the ray caster draws (lib/render/shapes.ts). */
export function isDrawableGeomType(type: number): boolean {
  return shapeOf(type) !== undefined;
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
  /** Orthographic cameras are refused by lib/render/camera.ts. */
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
    pos: new Float64Array(3),
    forward: new Float64Array([0, 1, 0]),
    up: new Float64Array([0, 0, 1]),
    frustumCenter: 0,
    frustumWidth: 0,
    frustumBottom: -0.05,
    frustumTop: 0.05,
    frustumNear: 0.1,
    frustumFar: 100,
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
      const grown = new Float64Array(Math.max(ngeom, (2 * this.geomData.length) / GEOM_STRIDE) * GEOM_STRIDE);
      grown.set(this.geomData);
      this.geomData = grown;
    }
    if (nlight * LIGHT_STRIDE > this.lightData.length) {
      const grown = new Float64Array(Math.max(nlight, (2 * this.lightData.length) / LIGHT_STRIDE) * LIGHT_STRIDE);
      grown.set(this.lightData);
      this.lightData = grown;
    }
  }
}
