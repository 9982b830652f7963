/**
 * Shading: MuJoCo's lighting equation, used for every surface (seen directly or in the mirror);
 * the plane pass (lib/render/planes.ts) specialises it for planes under directional lights, with
 * the same sums and this file's `specularPower`. It is OpenGL 1.x fixed-function lighting as
 * MuJoCo sets it up (mjr_render in render_gl3.c), per pixel:
 *
 *   colour = texture * (rgba * (emission + sum_i s_i a_i (ambient_i + diffuse_i max(N.L_i, 0)))
 *                       + sum_i s_i a_i specular_i * specular * max(N.H_i, 0)^(128 shininess))
 *
 * with H_i = normalize(L_i + V) (local viewer), the specular term only where N.L_i > 0, a_i the
 * spot cone and distance attenuation of positional lights, and s_i the shadow factor of light i
 * (lib/render/shadows.ts; 1 when the light casts no shadow). OpenGL's global ambient is 0.3 only
 * in a scene without lights. The headlight is an ordinary directional light of the scene.
 */
import type { Frame } from './frame.js';
import {
  G_EMISSION,
  G_RGBA,
  G_SHININESS,
  G_SPECULAR,
  GEOM_STRIDE,
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
  LIGHT_DIRECTIONAL,
  LIGHT_SPOT,
  LIGHT_STRIDE,
  type RayScene,
} from './scene.js';
import { shadowFactor } from './shadows.js';

/** At most this many shadow-casting lights get a per-pixel shadow buffer for planes. */
const MAX_SHADOW_BUFFERS = 4;

/**
 * Points of one geom to light: a row of plane pixels, or a single point. Structure of arrays, so
 * that the lighting loop runs over plain arrays (a frame lights every pixel); inputs are the
 * position, unit normal and unit direction to the eye; colours come out in r, g, b.
 */
export class Surfaces {
  geom = -1;
  count = 0;
  /** Read plane shadows from the frame's shadow buffers at `pixel` instead of casting rays. */
  buffered = false;
  /** All points share the normal of point 0 (a plane): the lighting loop reads it once. */
  flat = false;
  readonly px: Int32Array;
  readonly py: Int32Array;
  readonly pixel: Int32Array;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly z: Float64Array;
  readonly nx: Float64Array;
  readonly ny: Float64Array;
  readonly nz: Float64Array;
  readonly vx: Float64Array;
  readonly vy: Float64Array;
  readonly vz: Float64Array;
  /** World size of a pixel at the point, across the view ray (texture level of detail). */
  readonly footprint: Float64Array;
  readonly r: Float64Array;
  readonly g: Float64Array;
  readonly b: Float64Array;
  /** While lighting with one light: the unit direction towards it and the fraction of it that arrives. */
  readonly lx: Float64Array;
  readonly ly: Float64Array;
  readonly lz: Float64Array;
  readonly arriving: Float64Array;

  constructor(readonly capacity: number) {
    [this.px, this.py, this.pixel] = [0, 1, 2].map(() => new Int32Array(capacity));
    const arrays = Array.from({ length: 17 }, () => new Float64Array(capacity));
    [this.x, this.y, this.z, this.nx, this.ny, this.nz, this.vx, this.vy, this.vz] = arrays;
    [this.footprint, this.r, this.g, this.b, this.lx, this.ly, this.lz, this.arriving] = arrays.slice(9);
  }
}

/** The direction from a point towards a light, its distance and its attenuation there. */
export class LightRay {
  x = 0;
  y = 0;
  z = 0;
  distance = Infinity;
  attenuation = 1;

  /** A directional light: towards (x, y, z), unattenuated, at infinity. */
  set(x: number, y: number, z: number): void {
    this.x = x;
    this.y = y;
    this.z = z;
    this.distance = Infinity;
    this.attenuation = 1;
  }
}

/** The scene's lights, prepared per frame. */
export class Lights {
  n = 0;
  data = new Float64Array(0);
  directional = new Uint8Array(8);
  /** Unit direction towards a directional light; a spot light's unit direction. */
  dir = new Float64Array(24);
  cosCutoff = new Float64Array(8);
  hasAmbient = new Uint8Array(8);
  castsShadow = new Uint8Array(8);
  /** Index of the light's shadow buffer, or -1 (then plane pixels cast shadow rays). */
  slot = new Int32Array(8);
  slots = 0;
  /** No light has a position (planes are then lit by `PlaneLighting`). */
  allDirectional = true;

  prepare(scene: RayScene): void {
    const { nlight, lightData } = scene;
    if (this.slot.length < nlight) this.grow(2 * nlight);
    Object.assign(this, { n: nlight, data: lightData, slots: 0, allDirectional: true });
    for (let l = 0; l < nlight; l++) {
      const o = l * LIGHT_STRIDE;
      const type = lightData[o + L_TYPE];
      const [x, y, z] = lightData.subarray(o + L_DIR, o + L_DIR + 3);
      // Directional lights shine along dir, so the direction towards the light is -dir.
      const scale = (type === LIGHT_DIRECTIONAL ? -1 : 1) / (Math.hypot(x, y, z) || 1);
      this.dir.set([scale * x, scale * y, scale * z], 3 * l);
      this.directional[l] = type === LIGHT_DIRECTIONAL ? 1 : 0;
      this.allDirectional &&= type === LIGHT_DIRECTIONAL;
      const cutoff = lightData[o + L_CUTOFF];
      this.cosCutoff[l] = type === LIGHT_SPOT && cutoff < 180 ? Math.cos((Math.min(cutoff, 90) * Math.PI) / 180) : -2;
      this.hasAmbient[l] = lightData.subarray(o + L_AMBIENT, o + L_AMBIENT + 3).some((v) => v !== 0) ? 1 : 0;
      const shadows = scene.shadows && lightData[o + L_CASTSHADOW] > 0;
      this.castsShadow[l] = shadows ? 1 : 0;
      this.slot[l] = shadows && this.slots < MAX_SHADOW_BUFFERS ? this.slots++ : -1;
    }
  }

  /** Direction towards light l from point i of s, with distance and attenuation (0 outside a spot cone). */
  towards(l: number, s: Surfaces, i: number, out: LightRay): void {
    const dir = this.dir;
    if (this.directional[l] === 1) {
      out.x = dir[3 * l];
      out.y = dir[3 * l + 1];
      out.z = dir[3 * l + 2];
      out.distance = Infinity;
      out.attenuation = 1;
      return;
    }
    const data = this.data;
    const o = l * LIGHT_STRIDE;
    const lx = data[o + L_POS] - s.x[i];
    const ly = data[o + L_POS + 1] - s.y[i];
    const lz = data[o + L_POS + 2] - s.z[i];
    const distance = Math.sqrt(lx * lx + ly * ly + lz * lz) || 1e-12;
    out.x = lx / distance;
    out.y = ly / distance;
    out.z = lz / distance;
    out.distance = distance;
    const a = o + L_ATTENUATION;
    out.attenuation = 1 / Math.max(1e-12, data[a] + data[a + 1] * distance + data[a + 2] * distance * distance);
    if (this.cosCutoff[l] > -2) {
      // Spot cone: GL_SPOT_CUTOFF in degrees (180: no cone), GL_SPOT_EXPONENT falloff.
      const cosAngle = -(out.x * dir[3 * l] + out.y * dir[3 * l + 1] + out.z * dir[3 * l + 2]);
      if (cosAngle < this.cosCutoff[l]) out.attenuation = 0;
      else out.attenuation *= cosAngle > 0 ? cosAngle ** data[o + L_EXPONENT] : 0;
    }
  }

  private grow(n: number): void {
    Object.assign(this, {
      directional: new Uint8Array(n),
      dir: new Float64Array(3 * n),
      cosCutoff: new Float64Array(n),
      hasAmbient: new Uint8Array(n),
      castsShadow: new Uint8Array(n),
      slot: new Int32Array(n),
    });
  }
}

const toLight = new LightRay();

/**
 * Light the points of s (before texturing) into s.r, s.g, s.b; with `shadows` false (the mirror
 * image, as in MuJoCo's mirrored pass) no light is blocked. This serves solid geoms (a run of
 * pixels, or one point) and the planes that the plane pass (lib/render/planes.ts) leaves to it,
 * a row at a time: those under a positional light, with more shadow-casting lights than shadow
 * buffers, or with a cube texture. On a plane a directional light makes one angle with the normal
 * everywhere, so its ambient and diffuse terms are constants (summed once into the base colour
 * when nothing shadows it), and only the highlight depends on the point (`planeLight`). Every
 * other light and surface goes through the general loop (`pointLight`).
 */
export function light(f: Frame, s: Surfaces, shadows: boolean): void {
  const g = f.g;
  const o = s.geom * GEOM_STRIDE;
  const { n, data, hasAmbient, directional, castsShadow, dir } = f.lights;
  // OpenGL's global ambient light: MuJoCo sets 0.3 only when the scene has no lights.
  const base = n === 0 ? 0.3 + g[o + G_EMISSION] : g[o + G_EMISSION];
  let br = base;
  let bg = base;
  let bb = base;
  for (let l = 0; l < n; l++) {
    if (!s.flat || directional[l] === 0 || (shadows && castsShadow[l] === 1)) continue;
    const ndl = s.nx[0] * dir[3 * l] + s.ny[0] * dir[3 * l + 1] + s.nz[0] * dir[3 * l + 2];
    if (ndl <= 0 && hasAmbient[l] === 0) continue;
    const diffuse = ndl > 0 ? ndl : 0;
    const lo = l * LIGHT_STRIDE;
    br += data[lo + L_AMBIENT] + diffuse * data[lo + L_DIFFUSE];
    bg += data[lo + L_AMBIENT + 1] + diffuse * data[lo + L_DIFFUSE + 1];
    bb += data[lo + L_AMBIENT + 2] + diffuse * data[lo + L_DIFFUSE + 2];
  }
  // rgba multiplies the emission, ambient and diffuse terms, so the specular terms add to the same sums.
  const red = g[o + G_RGBA] * br;
  const grn = g[o + G_RGBA + 1] * bg;
  const blue = g[o + G_RGBA + 2] * bb;
  // A loop, not TypedArray.fill: a builtin call costs more than the loop for the single points of geoms.
  for (let i = 0; i < s.count; i++) {
    s.r[i] = red;
    s.g[i] = grn;
    s.b[i] = blue;
  }
  for (let l = 0; l < n; l++) {
    if (s.flat && directional[l] === 1) planeLight(f, s, l, shadows);
    else pointLight(f, s, l, shadows);
  }
}

/**
 * Directional light l on the points of a plane (one normal): the shadowed part of its ambient
 * and diffuse terms (the unshadowed part is in the base colour), then its highlights.
 */
function planeLight(f: Frame, s: Surfaces, l: number, shadows: boolean): void {
  const g = f.g;
  const o = s.geom * GEOM_STRIDE;
  const { data, hasAmbient, dir } = f.lights;
  const ndl = s.nx[0] * dir[3 * l] + s.ny[0] * dir[3 * l + 1] + s.nz[0] * dir[3 * l + 2];
  if (ndl <= 0 && hasAmbient[l] === 0) return;
  const lo = l * LIGHT_STRIDE;
  const varying = arrive(f, s, l, shadows);
  if (varying) {
    const { r, g: green, b, arriving, count } = s;
    const diffuse = ndl > 0 ? ndl : 0;
    const ar = g[o + G_RGBA] * (data[lo + L_AMBIENT] + diffuse * data[lo + L_DIFFUSE]);
    const ag = g[o + G_RGBA + 1] * (data[lo + L_AMBIENT + 1] + diffuse * data[lo + L_DIFFUSE + 1]);
    const ab = g[o + G_RGBA + 2] * (data[lo + L_AMBIENT + 2] + diffuse * data[lo + L_DIFFUSE + 2]);
    for (let i = 0; i < count; i++) {
      const factor = arriving[i];
      r[i] += factor * ar;
      green[i] += factor * ag;
      b[i] += factor * ab;
    }
  }
  if (ndl > 0) highlights(f, s, l, varying);
}

/** Light l on points with their own normals, or a positional light: ambient and diffuse per point, then highlights. */
function pointLight(f: Frame, s: Surfaces, l: number, shadows: boolean): void {
  const g = f.g;
  const o = s.geom * GEOM_STRIDE;
  const { data, hasAmbient, directional, dir } = f.lights;
  const { nx, ny, nz, r, g: green, b, lx, ly, lz, arriving, count, flat } = s;
  // Directional lights come from one direction, and arrive whole where nothing shadows them.
  const varying = arrive(f, s, l, shadows);
  const fixed = directional[l] === 1;
  const lo = l * LIGHT_STRIDE;
  const ambient = hasAmbient[l] === 1;
  // The light's colours in locals, out of the loop over points.
  const ar = g[o + G_RGBA] * data[lo + L_AMBIENT];
  const ag = g[o + G_RGBA + 1] * data[lo + L_AMBIENT + 1];
  const ab = g[o + G_RGBA + 2] * data[lo + L_AMBIENT + 2];
  const dr = g[o + G_RGBA] * data[lo + L_DIFFUSE];
  const dg = g[o + G_RGBA + 1] * data[lo + L_DIFFUSE + 1];
  const db = g[o + G_RGBA + 2] * data[lo + L_DIFFUSE + 2];
  let lit = false;
  for (let i = 0; i < count; i++) {
    const factor = varying ? arriving[i] : 1;
    const j = flat ? 0 : i;
    const ndl = fixed
      ? nx[j] * dir[3 * l] + ny[j] * dir[3 * l + 1] + nz[j] * dir[3 * l + 2]
      : nx[j] * lx[i] + ny[j] * ly[i] + nz[j] * lz[i];
    if (factor === 0 || (ndl <= 0 && !ambient)) continue;
    const diffuse = ndl > 0 ? ndl : 0;
    r[i] += factor * (ar + diffuse * dr);
    green[i] += factor * (ag + diffuse * dg);
    b[i] += factor * (ab + diffuse * db);
    lit ||= ndl > 0;
  }
  if (lit) highlights(f, s, l, varying);
}

/**
 * The specular term of light l at every point of s that faces it: specular * light specular *
 * max(N.H, 0)^(128 shininess), with H = normalize(L + V) (a local viewer, as MuJoCo sets OpenGL).
 */
function highlights(f: Frame, s: Surfaces, l: number, varying: boolean): void {
  const g = f.g;
  const o = s.geom * GEOM_STRIDE;
  const { data, directional, dir } = f.lights;
  const lo = l * LIGHT_STRIDE;
  const matSpecular = g[o + G_SPECULAR];
  const pr = data[lo + L_SPECULAR];
  const pg = data[lo + L_SPECULAR + 1];
  const pb = data[lo + L_SPECULAR + 2];
  if (matSpecular <= 0 || (pr === 0 && pg === 0 && pb === 0)) return;
  const shininess = 128 * g[o + G_SHININESS];
  // N.H^shininess ~ exp(-shininess (1 - N.H)) is below 1/1000 unless N.H > 1 - 7 / shininess.
  const highlight2 = shininess > 7 ? (1 - 7 / shininess) ** 2 : 0;
  const { nx, ny, nz, vx, vy, vz, r, g: green, b, lx, ly, lz, arriving, count, flat } = s;
  const fixed = directional[l] === 1;
  // Loop constants in locals: a directional light's direction, a plane's normal.
  const [dx, dy, dz, fx, fy, fz] = [dir[3 * l], dir[3 * l + 1], dir[3 * l + 2], nx[0], ny[0], nz[0]];
  for (let i = 0; i < count; i++) {
    const factor = varying ? arriving[i] : 1;
    const ux = fixed ? dx : lx[i];
    const uy = fixed ? dy : ly[i];
    const uz = fixed ? dz : lz[i];
    const mx = flat ? fx : nx[i];
    const my = flat ? fy : ny[i];
    const mz = flat ? fz : nz[i];
    if (factor === 0 || mx * ux + my * uy + mz * uz <= 0) continue;
    const power = specularPower(mx, my, mz, ux + vx[i], uy + vy[i], uz + vz[i], shininess, highlight2);
    if (power === 0) continue;
    const k = factor * matSpecular * power;
    r[i] += k * pr;
    green[i] += k * pg;
    b[i] += k * pb;
  }
}

/**
 * For light l and each point of s: the unit direction towards the light (positional lights) and
 * the fraction that arrives (attenuation, spot cone, shadow). False when the light is directional
 * and arrives whole everywhere: then nothing is written.
 */
function arrive(f: Frame, s: Surfaces, l: number, shadows: boolean): boolean {
  const { directional, dir, castsShadow, slot } = f.lights;
  const { lx, ly, lz, arriving, count, pixel } = s;
  const shadowed = shadows && castsShadow[l] === 1;
  if (directional[l] === 1 && !shadowed) return false;
  const buffer = shadowed && s.buffered && slot[l] >= 0 ? f.shadowBuffers[slot[l]] : undefined;
  if (directional[l] === 1) toLight.set(dir[3 * l], dir[3 * l + 1], dir[3 * l + 2]);
  for (let i = 0; i < count; i++) {
    if (directional[l] === 0) {
      f.lights.towards(l, s, i, toLight);
      lx[i] = toLight.x;
      ly[i] = toLight.y;
      lz[i] = toLight.z;
    }
    arriving[i] = toLight.attenuation;
    if (buffer !== undefined) arriving[i] *= buffer[pixel[i]];
    else if (shadowed && arriving[i] > 0) arriving[i] *= shadowFactor(f, s, i, toLight);
  }
  return true;
}

/**
 * max(N.H, 0)^shininess for H = normalize(L + V), given N and h = L + V; 0 where N.H is below the
 * cut-off (compared as squares, before taking the root). Shared by `highlights` and the plane
 * pass: written out in both instead, frames drew slower (five runs each side by side).
 */
export function specularPower(
  nx: number,
  ny: number,
  nz: number,
  hx: number,
  hy: number,
  hz: number,
  shininess: number,
  cut2: number,
): number {
  const norm2 = hx * hx + hy * hy + hz * hz;
  const cosine = nx * hx + ny * hy + nz * hz;
  if (cosine <= 0 || norm2 < 1e-24 || cosine * cosine <= cut2 * norm2) return 0;
  return shininess > 0 ? (cosine / Math.sqrt(norm2)) ** shininess : 1;
}
