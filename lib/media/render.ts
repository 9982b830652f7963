/**
 * Rendering, the "watch the agent" step after A3C training: RGB frames of a MuJoCo simulation,
 * drawn in software so they work on a laptop or server without a display or GPU.
 *
 * The frame is MuJoCo's own abstract scene: `mjv_updateScene` fills an `mjvScene` (geoms with
 * their pose, size, colour and material; lights, the headlight included; the GL camera and its
 * frustum) exactly as it does for MuJoCo's OpenGL renderer; lib/render/scene.ts holds a copy of
 * it in typed arrays and lib/render/raycaster.ts draws it. Nothing here is specific to a task: a
 * new MuJoCo model renders without new code.
 *
 * Camera, as Gymnasium's `rgb_array` mode (gymnasium/envs/mujoco/mujoco_rendering.py): by default
 * the model's camera named "track" as a fixed camera (mjCAMERA_FIXED; for HalfCheetah it is a
 * trackcom side view from -y, 3 m away, fovy 45 degrees), or MuJoCo's default free camera when the
 * model has no such camera. A free camera orbits `lookat` (or follows a body) at `distance`,
 * `azimuth` and `elevation` in degrees.
 *
 * MuJoCo's world frame is z-up (x forward, y left); the scene's camera carries its own up vector,
 * and frames come out with row 0 at the top of the image.
 */
import type { MjvCamera, MjvOption, MjvPerturb, MjvScene } from '../envs/mujoco.js';
import type { MujocoSim } from '../envs/mujoco.js';
import { defaultCamera, defaultFreeCamera, defaultPerturb, defaultVisualOption, updateScene } from '../envs/mujoco.js';
import { RayCaster } from '../render/raycaster.js';
import {
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
  RayScene,
  TEXTURE_SKYBOX,
  isDrawableGeomType,
} from '../render/scene.js';
import { makeTexture, type RayTexture } from '../render/texture.js';

/** A camera declared in the model, by name (MuJoCo's mjCAMERA_FIXED). */
export interface FixedCameraOptions {
  type: 'fixed';
  name: string;
}

/** MuJoCo's free camera: orbits `lookat` (or follows `trackBody`) at a distance, angles in degrees. */
export interface FreeCameraOptions {
  type: 'free';
  /** Metres from the camera to the point it looks at (default: MuJoCo's, 1.5 x model extent). */
  distance?: number;
  /** Degrees about the world z axis (default: the model's visual/global azimuth, 90). */
  azimuth?: number;
  /** Degrees above the horizontal; negative looks down (default: the model's, -45). */
  elevation?: number;
  /** World point looked at (default: the model's centre); ignored when tracking a body. */
  lookat?: ArrayLike<number>;
  /** Follow this body (by name) with the camera (mjCAMERA_TRACKING). */
  trackBody?: string;
}

/** A model camera name (shorthand for a fixed camera), or a fixed or free camera. */
export type CameraOptions = string | FixedCameraOptions | FreeCameraOptions;

export interface RendererOptions {
  /** Frame width in pixels (default 480, as Gymnasium). */
  width?: number;
  /** Frame height in pixels (default 480). */
  height?: number;
  /** Default: the model camera "track" if there is one, else MuJoCo's default free camera. */
  camera?: CameraOptions;
  /** Smooth silhouettes with 4 samples per edge pixel (default true). */
  antialias?: boolean;
  /** Shadows of lights with castshadow (default: the scene's mjRND_SHADOW flag, on). */
  shadows?: boolean;
  /** Reflections in reflective planes (default: the scene's mjRND_REFLECTION flag, on). */
  reflection?: boolean;
  /** Skybox background; black without (default: the scene's mjRND_SKYBOX flag, on). */
  skybox?: boolean;
  /** Angular radius of lights in radians, for soft shadow edges (default 0.02). */
  shadowSoftness?: number;
  /** Capacity of the abstract scene in geoms (default 1000, as Gymnasium). */
  maxGeoms?: number;
}

/** Anything that owns a MuJoCo simulation: a `MujocoEnv`, or an env whose `unwrapped` is one. */
export type HasSim = { sim: MujocoSim };
export type SimSource = HasSim | { unwrapped: unknown };

const MJ_CAT_DECOR = 4;
const RND_SHADOW = 0;
const RND_REFLECTION = 2;
const RND_SKYBOX = 4;

/**
 * Draws frames of one simulation. Owns its MjvScene, MjvOption, MjvPerturb and MjvCamera (freed
 * by `close()`); the simulation itself stays owned by the caller and must outlive the renderer.
 */
export class Renderer {
  readonly width: number;
  readonly height: number;
  /** What the renderer looks through, resolved: 'fixed' with the camera's name, or 'free'. */
  readonly camera: Readonly<FixedCameraOptions | FreeCameraOptions>;
  private readonly sim: MujocoSim;
  private readonly scene: MjvScene;
  private readonly option: MjvOption;
  private readonly perturb: MjvPerturb;
  private readonly mjCamera: MjvCamera;
  private readonly caster: RayCaster;
  private readonly rayScene = new RayScene();
  private readonly catAll: number;
  private readonly flagOverrides: { shadows?: boolean; reflection?: boolean; skybox?: boolean };
  /** Per material: texture index (or -1), texrepeat (2), texuniform. */
  private readonly materialTexture: Int32Array;
  private readonly materialRepeat: Float64Array;
  private readonly materialUniform: Uint8Array;
  private closed = false;

  constructor(sim: MujocoSim, options: RendererOptions = {}) {
    checkOptions(options);
    if (sim.isClosed) throw new Error('Renderer: the MujocoSim is closed');
    const width = options.width ?? 480;
    const height = options.height ?? 480;
    this.width = width;
    this.height = height;
    this.sim = sim;
    this.caster = new RayCaster({
      width,
      height,
      antialias: options.antialias,
      shadowSoftness: options.shadowSoftness,
    });
    this.flagOverrides = { shadows: options.shadows, reflection: options.reflection, skybox: options.skybox };
    const mujoco = sim.mujoco;
    const model = sim.model;
    this.catAll = mujoco.mjtCatBit.mjCAT_ALL.value;

    const textures = readTextures(sim);
    this.rayScene.textures = textures;
    this.rayScene.skybox = textures.findIndex((texture) => texture.type === TEXTURE_SKYBOX);
    const nmat = model.nmat;
    const matTexid = model.mat_texid as Int32Array;
    const roles = nmat > 0 ? matTexid.length / nmat : 0;
    const rgbRole = mujoco.mjtTextureRole.mjTEXROLE_RGB.value;
    this.materialTexture = new Int32Array(nmat);
    this.materialRepeat = Float64Array.from(model.mat_texrepeat as Float32Array);
    this.materialUniform = sim.modelFlags('mat_texuniform');
    for (let m = 0; m < nmat; m++) this.materialTexture[m] = matTexid[m * roles + rgbRole];

    const camera = resolveCamera(sim, options.camera);
    this.camera = camera;
    const created: { delete(): void }[] = [];
    try {
      this.scene = new mujoco.MjvScene(model, options.maxGeoms ?? 1000);
      created.push(this.scene);
      this.option = new mujoco.MjvOption();
      created.push(this.option);
      defaultVisualOption(sim, this.option);
      this.perturb = new mujoco.MjvPerturb();
      created.push(this.perturb);
      defaultPerturb(sim, this.perturb);
      this.mjCamera = new mujoco.MjvCamera();
      created.push(this.mjCamera);
      configureCamera(sim, this.mjCamera, camera);
    } catch (error) {
      for (const handle of created) handle.delete();
      throw error;
    }
  }

  /**
   * Draw the current state of the simulation (the kinematics MuJoCo last computed, as Gymnasium
   * does) into `out` (or a new array): width * height * 3 RGB bytes, row 0 at the top.
   */
  render(out?: Uint8Array): Uint8Array {
    const scene = this.currentScene();
    const frame = out ?? new Uint8Array(this.width * this.height * 3);
    this.caster.render(scene, frame);
    return frame;
  }

  /**
   * The current state of the simulation as the ray caster's scene, without drawing it (for
   * drawing the same scene with another ray caster: scripts/render_side_by_side.ts). The object is
   * reused by the next call.
   */
  currentScene(): RayScene {
    if (this.closed) throw new Error('Renderer is closed');
    if (this.sim.isClosed) throw new Error('Renderer: the MujocoSim it draws has been closed');
    updateScene(
      this.sim,
      { option: this.option, perturb: this.perturb, camera: this.mjCamera, categories: this.catAll },
      this.scene,
    );
    this.readScene();
    return this.rayScene;
  }

  /** Free the MuJoCo scene objects; later `render()` calls throw. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.scene.delete();
    this.option.delete();
    this.perturb.delete();
    this.mjCamera.delete();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Copy what the ray caster needs out of the mjvScene (geoms, lights, camera, flags). */
  private readScene(): void {
    this.rayScene.reserve(this.scene.ngeom, this.scene.nlight);
    this.readGeoms();
    this.readLights();
    this.readCamera();
    const flags = this.scene.flags as Uint8Array;
    const ray = this.rayScene;
    ray.shadows = this.flagOverrides.shadows ?? flags[RND_SHADOW] !== 0;
    ray.reflection = this.flagOverrides.reflection ?? flags[RND_REFLECTION] !== 0;
    const skybox = this.flagOverrides.skybox ?? flags[RND_SKYBOX] !== 0;
    ray.skybox = skybox ? ray.textures.findIndex((texture) => texture.type === TEXTURE_SKYBOX) : -1;
  }

  /** The drawable geoms, with their material's texture (every Embind object freed after use). */
  private readGeoms(): void {
    const ray = this.rayScene;
    const ngeom = this.scene.ngeom;
    const geoms = this.scene.geoms;
    const data = ray.geomData;
    let n = 0;
    try {
      for (let i = 0; i < ngeom; i++) {
        const geom = geoms.get(i);
        if (!geom) continue;
        try {
          const type = geom.type;
          if (!isDrawableGeomType(type)) continue;
          const o = n * GEOM_STRIDE;
          const size = geom.size as Float32Array;
          const pos = geom.pos as Float32Array;
          const mat = geom.mat as Float32Array;
          const rgba = geom.rgba as Float32Array;
          data[o + G_TYPE] = type;
          for (let k = 0; k < 3; k++) data[o + G_SIZE + k] = size[k];
          for (let k = 0; k < 3; k++) data[o + G_POS + k] = pos[k];
          for (let k = 0; k < 9; k++) data[o + G_MAT + k] = mat[k];
          for (let k = 0; k < 4; k++) data[o + G_RGBA + k] = rgba[k];
          data[o + G_SPECULAR] = geom.specular;
          data[o + G_SHININESS] = geom.shininess;
          data[o + G_REFLECTANCE] = geom.reflectance;
          data[o + G_EMISSION] = geom.emission;
          const matid = geom.matid;
          const texture = matid >= 0 && matid < this.materialTexture.length ? this.materialTexture[matid] : -1;
          data[o + G_TEXTURE] = texture >= 0 && texture < ray.textures.length ? texture : -1;
          data[o + G_TEXREPEAT] = texture >= 0 ? this.materialRepeat[2 * matid] : 1;
          data[o + G_TEXREPEAT + 1] = texture >= 0 ? this.materialRepeat[2 * matid + 1] : 1;
          data[o + G_TEXUNIFORM] = texture >= 0 ? this.materialUniform[matid] : 0;
          data[o + G_CASTSHADOW] = geom.category === MJ_CAT_DECOR ? 0 : 1;
          n++;
        } finally {
          geom.delete();
        }
      }
    } finally {
      geoms.delete();
    }
    ray.ngeom = n;
  }

  private readLights(): void {
    const ray = this.rayScene;
    const nlight = this.scene.nlight;
    const lights = this.scene.lights;
    const ldata = ray.lightData;
    let m = 0;
    try {
      for (let i = 0; i < nlight; i++) {
        const light = lights.get(i);
        if (!light) continue;
        try {
          const o = m * LIGHT_STRIDE;
          ldata[o + L_TYPE] = light.type;
          copy3(ldata, o + L_POS, light.pos);
          copy3(ldata, o + L_DIR, light.dir);
          copy3(ldata, o + L_AMBIENT, light.ambient);
          copy3(ldata, o + L_DIFFUSE, light.diffuse);
          copy3(ldata, o + L_SPECULAR, light.specular);
          copy3(ldata, o + L_ATTENUATION, light.attenuation);
          ldata[o + L_CUTOFF] = light.cutoff;
          ldata[o + L_EXPONENT] = light.exponent;
          ldata[o + L_CASTSHADOW] = light.castshadow;
          m++;
        } finally {
          light.delete();
        }
      }
    } finally {
      lights.delete();
    }
    ray.nlight = m;
  }

  /** Mono rendering looks through the average of the two stereo eyes (mjv_averageCamera). */
  private readCamera(): void {
    const ray = this.rayScene;
    const cameras = this.scene.camera;
    try {
      const left = cameras.get(0);
      const right = cameras.get(1);
      if (!left || !right) throw new Error('mjvScene has no GL cameras; was mjv_updateScene called?');
      try {
        const c = ray.camera;
        for (let k = 0; k < 3; k++) {
          c.pos[k] = 0.5 * (left.pos[k] + right.pos[k]);
          c.forward[k] = 0.5 * (left.forward[k] + right.forward[k]);
          c.up[k] = 0.5 * (left.up[k] + right.up[k]);
        }
        c.frustumCenter = 0.5 * (left.frustum_center + right.frustum_center);
        c.frustumWidth = 0.5 * (left.frustum_width + right.frustum_width);
        c.frustumBottom = 0.5 * (left.frustum_bottom + right.frustum_bottom);
        c.frustumTop = 0.5 * (left.frustum_top + right.frustum_top);
        c.frustumNear = 0.5 * (left.frustum_near + right.frustum_near);
        c.frustumFar = 0.5 * (left.frustum_far + right.frustum_far);
        c.orthographic = left.orthographic !== 0;
        if (Math.hypot(c.forward[0], c.forward[1], c.forward[2]) < 1e-9) {
          throw new Error(
            'The camera has no orientation yet: the kinematics were never computed. ' +
              'Call env.reset() or sim.setState(...) (they run mj_forward) before rendering.',
          );
        }
      } finally {
        left.delete();
        right.delete();
      }
    } finally {
      cameras.delete();
    }
  }
}

/** A renderer for the simulation of a MuJoCo env (`env.unwrapped.sim`); close it when done. */
export function createRenderer(env: SimSource, options: RendererOptions = {}): Renderer {
  return new Renderer(simOf(env), options);
}

/** One frame of a MuJoCo env's current state (creates and frees a renderer; use `createRenderer` for many). */
export function renderFrame(env: SimSource, options: RendererOptions = {}): Uint8Array {
  const renderer = createRenderer(env, options);
  try {
    return renderer.render();
  } finally {
    renderer.close();
  }
}

/** The `MujocoSim` of an env, a wrapped env (through `unwrapped`) or anything with a `sim`. */
export function simOf(env: SimSource): MujocoSim {
  const direct = (env as Partial<HasSim>).sim;
  if (isSim(direct)) return direct;
  const inner = (env as { unwrapped?: Partial<HasSim> }).unwrapped;
  if (inner && isSim(inner.sim)) return inner.sim;
  throw new Error(
    'Rendering needs a MuJoCo env: an object with a `sim: MujocoSim`, or an env whose `unwrapped` has one',
  );
}

function isSim(value: unknown): value is MujocoSim {
  return typeof value === 'object' && value !== null && 'model' in value && 'data' in value && 'mujoco' in value;
}

function copy3(target: Float64Array, offset: number, source: ArrayLike<number>): void {
  target[offset] = source[0];
  target[offset + 1] = source[1];
  target[offset + 2] = source[2];
}

function checkOptions(options: RendererOptions): void {
  const known = new Set([
    'width',
    'height',
    'camera',
    'antialias',
    'shadows',
    'reflection',
    'skybox',
    'shadowSoftness',
    'maxGeoms',
  ]);
  const unknown = Object.keys(options).filter((key) => !known.has(key));
  if (unknown.length > 0)
    throw new Error(`Renderer: unknown option(s) ${unknown.join(', ')}; allowed: ${[...known].join(', ')}`);
  for (const key of ['width', 'height'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 16384)) {
      throw new Error(`Renderer ${key} must be an integer number of pixels in 1..16384, got ${value}`);
    }
  }
  if (options.maxGeoms !== undefined && (!Number.isInteger(options.maxGeoms) || options.maxGeoms < 1)) {
    throw new Error(`Renderer maxGeoms must be a positive integer, got ${options.maxGeoms}`);
  }
}

/** Copy the model's textures (tex_data bytes) into float textures once. */
function readTextures(sim: MujocoSim): RayTexture[] {
  const model = sim.model;
  const textures: RayTexture[] = [];
  if (model.ntex === 0) return textures;
  const type = model.tex_type as Int32Array;
  const width = model.tex_width as Int32Array;
  const height = model.tex_height as Int32Array;
  const channels = model.tex_nchannel as Int32Array;
  const address = model.tex_adr as Int32Array;
  const bytes = model.tex_data as Uint8Array;
  for (let t = 0; t < model.ntex; t++) {
    const n = width[t] * height[t] * channels[t];
    const start = Number(address[t]);
    textures.push(makeTexture(type[t], width[t], height[t], channels[t], bytes.subarray(start, start + n)));
  }
  return textures;
}

function cameraNames(sim: MujocoSim): string[] {
  const names: string[] = [];
  const cameraObject = sim.mujoco.mjtObj.mjOBJ_CAMERA.value;
  for (let i = 0; i < sim.model.ncam; i++) names.push(sim.mujoco.mj_id2name(sim.model, cameraObject, i));
  return names;
}

function resolveCamera(sim: MujocoSim, camera: CameraOptions | undefined): FixedCameraOptions | FreeCameraOptions {
  if (camera === undefined) {
    return cameraNames(sim).includes('track') ? { type: 'fixed', name: 'track' } : { type: 'free' };
  }
  if (typeof camera === 'string') return { type: 'fixed', name: camera };
  if (camera.type === 'fixed') {
    if (typeof camera.name !== 'string') throw new Error('A fixed camera needs the name of a model camera');
    return { ...camera };
  }
  if (camera.type === 'free') {
    for (const key of ['distance', 'azimuth', 'elevation'] as const) {
      const value = camera[key];
      if (value !== undefined && !Number.isFinite(value))
        throw new Error(`Free camera ${key} must be a finite number, got ${value}`);
    }
    if (camera.distance !== undefined && !(camera.distance > 0)) {
      throw new Error(`Free camera distance must be > 0 metres, got ${camera.distance}`);
    }
    if (
      camera.lookat !== undefined &&
      (camera.lookat.length !== 3 || ![...Array.from(camera.lookat)].every(Number.isFinite))
    ) {
      throw new Error('Free camera lookat must be 3 finite numbers (a world point)');
    }
    return { ...camera, lookat: camera.lookat === undefined ? undefined : Array.from(camera.lookat) };
  }
  throw new Error(
    `Unknown camera type ${String((camera as { type?: unknown }).type)}; use a camera name, { type: 'fixed', name } or { type: 'free', ... }`,
  );
}

function configureCamera(sim: MujocoSim, mjCamera: MjvCamera, camera: FixedCameraOptions | FreeCameraOptions): void {
  const mujoco = sim.mujoco;
  if (camera.type === 'fixed') {
    const id = mujoco.mj_name2id(sim.model, mujoco.mjtObj.mjOBJ_CAMERA.value, camera.name);
    if (id < 0) {
      const names = cameraNames(sim);
      throw new Error(
        `The model has no camera named "${camera.name}"; its cameras: ${names.length > 0 ? names.join(', ') : '(none)'}`,
      );
    }
    defaultCamera(sim, mjCamera);
    mjCamera.type = mujoco.mjtCamera.mjCAMERA_FIXED.value;
    mjCamera.fixedcamid = id;
    return;
  }
  defaultFreeCamera(sim, mjCamera);
  if (camera.distance !== undefined) mjCamera.distance = camera.distance;
  if (camera.azimuth !== undefined) mjCamera.azimuth = camera.azimuth;
  if (camera.elevation !== undefined) mjCamera.elevation = camera.elevation;
  if (camera.lookat !== undefined) (mjCamera.lookat as Float64Array).set(Array.from(camera.lookat));
  if (camera.trackBody !== undefined) {
    const id = mujoco.mj_name2id(sim.model, mujoco.mjtObj.mjOBJ_BODY.value, camera.trackBody);
    if (id < 0) throw new Error(`The model has no body named "${camera.trackBody}" to track`);
    mjCamera.type = mujoco.mjtCamera.mjCAMERA_TRACKING.value;
    mjCamera.trackbodyid = id;
  }
}
