/**
 * Textures of a rendered frame, sampled as MuJoCo's OpenGL renderer samples them
 * (render_context.c, mjr_uploadTexture): 2D textures with a mip pyramid, GL_REPEAT wrapping and
 * GL_LINEAR_MIPMAP_LINEAR filtering (the checker floor of the MuJoCo tasks), cube maps and skyboxes
 * with OpenGL's cube face selection. Mip levels are kept with 8 bits per channel like an RGB8
 * OpenGL texture. Geoms map textures as MuJoCo does: 2D textures object-linearly in the geom's
 * frame, cube textures by the direction from the geom's centre.
 */
import type { Surfaces } from './lighting.js';
import { G_MAT, G_POS, G_SIZE, G_TEXREPEAT, G_TEXUNIFORM, TEXTURE_2D } from './scene.js';

const INV255 = 1 / 255;
const RGB_MASK = 0xffffff;
/** Bit of a packed texel: its 2x2 bilinear block is one colour. */
const UNIFORM_BLOCK = 1 << 24;

/** A texture converted to floats in [0, 1]: a mip pyramid for 2D, 6 faces (+x,-x,+y,-y,+z,-z) for cube maps. */
export interface RayTexture {
  type: number;
  /** Width of level 0 (also the edge of each cube face). */
  width: number;
  height: number;
  /** All levels back to back, level 0 first, RGB interleaved; cube maps have only level 0. */
  texels: Float32Array;
  /**
   * The same texels as 8-bit RGB packed in one integer each (r | g << 8 | b << 16), as an RGB8
   * OpenGL texture stores its mip levels: one load per texel, and small enough to stay in cache.
   * Bit 24 marks texels whose 2x2 bilinear block has a single colour.
   */
  packed: Int32Array;
  /** Where each level starts in `packed` (in texels). */
  packedOffset: Int32Array;
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
export function makeTexture(
  type: number,
  width: number,
  height: number,
  nchannel: number,
  data: ArrayLike<number>,
): RayTexture {
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
  const mean = readLevel0(texels, width * height, nchannel, data);
  for (let level = 1; level < widths.length; level++) {
    downsample(
      texels,
      offsets[level - 1],
      widths[level - 1],
      heights[level - 1],
      offsets[level],
      widths[level],
      heights[level],
    );
  }
  return {
    type,
    width,
    height,
    texels,
    packed: packTexels(texels, offsets, widths, heights),
    packedOffset: offsets.map((offset) => offset / 3),
    levelWidth: Int32Array.from(widths),
    levelHeight: Int32Array.from(heights),
    maxRho: 2 ** (widths.length - 1),
    mean,
  };
}

/** Level 0 as RGB floats in [0, 1] (one channel is grey); returns the mean colour. */
function readLevel0(
  texels: Float32Array,
  count: number,
  nchannel: number,
  data: ArrayLike<number>,
): [number, number, number] {
  let sr = 0;
  let sg = 0;
  let sb = 0;
  for (let i = 0; i < count; i++) {
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
  return [sr / count, sg / count, sb / count];
}

/**
 * One mip level from the previous one (w x h at `from` to nw x nh at `to`, sizes halved rounding
 * down) with an area-weighted box filter: every texel is the mean of the region it covers, so odd
 * sizes lose nothing and the last level is the mean of the texture. Rows first, then columns.
 */
function downsample(
  texels: Float32Array,
  from: number,
  w: number,
  h: number,
  to: number,
  nw: number,
  nh: number,
): void {
  const half = new Float64Array(3 * nw * h);
  const sx = w / nw;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < nw; x++) {
      const lo = x * sx;
      const hi = Math.min(w, lo + sx);
      for (let j = Math.floor(lo); j < hi; j++) {
        const weight = (Math.min(hi, j + 1) - Math.max(lo, j)) / sx;
        for (let c = 0; c < 3; c++) half[3 * (y * nw + x) + c] += weight * texels[from + 3 * (y * w + j) + c];
      }
    }
  }
  const sy = h / nh;
  for (let y = 0; y < nh; y++) {
    const lo = y * sy;
    const hi = Math.min(h, lo + sy);
    for (let x = 0; x < nw; x++) {
      for (let j = Math.floor(lo); j < hi; j++) {
        const weight = (Math.min(hi, j + 1) - Math.max(lo, j)) / sy;
        for (let c = 0; c < 3; c++) texels[to + 3 * (y * nw + x) + c] += weight * half[3 * (j * nw + x) + c];
      }
    }
  }
}

/**
 * Every level as 8-bit RGB packed in one integer per texel, with `UNIFORM_BLOCK` set on texels
 * whose 2x2 bilinear block (with wrap-around) has a single colour: a sample there is that colour
 * whatever the weights, one load instead of four (most of a checker texture).
 */
function packTexels(texels: Float32Array, offsets: Int32Array, widths: number[], heights: number[]): Int32Array {
  const packed = new Int32Array(texels.length / 3);
  for (let i = 0; i < packed.length; i++) {
    packed[i] =
      Math.round(255 * texels[3 * i]) |
      (Math.round(255 * texels[3 * i + 1]) << 8) |
      (Math.round(255 * texels[3 * i + 2]) << 16);
  }
  for (let level = 0; level < widths.length; level++) {
    const w = widths[level];
    const h = heights[level];
    const base = offsets[level] / 3;
    for (let y = 0; y < h; y++) {
      const row0 = base + y * w;
      const row1 = base + ((y + 1) % h) * w;
      for (let x = 0; x < w; x++) {
        const x1 = (x + 1) % w;
        const c = packed[row0 + x] & RGB_MASK;
        if (
          (packed[row0 + x1] & RGB_MASK) === c &&
          (packed[row1 + x] & RGB_MASK) === c &&
          (packed[row1 + x1] & RGB_MASK) === c
        ) {
          packed[row0 + x] |= UNIFORM_BLOCK;
        }
      }
    }
  }
  return packed;
}

/**
 * GL_LINEAR_MIPMAP_LINEAR with GL_REPEAT: level of detail log2(rho) for rho texels per pixel,
 * bilinear in the two nearest levels and linear between them (GL_LINEAR below level 0).
 */
export function sampleTrilinear(texture: RayTexture, s: number, t: number, rho: number, out: Float64Array): void {
  // The coordinates travel in `out`: V8 would box doubles passed to the (not inlined) sampler.
  out[0] = s;
  out[1] = t;
  out[2] = rho;
  sampleTrilinearMany(texture, out, 1, out);
}

/**
 * `sampleTrilinear` for `count` points at once: coords holds (s, t, rho) per point, out receives
 * (r, g, b) per point (it may be the same array). One call per row of pixels keeps the loop tight.
 */
export function sampleTrilinearMany(texture: RayTexture, coords: Float64Array, count: number, out: Float64Array): void {
  const data = texture.packed;
  const widths = texture.levelWidth;
  const heights = texture.levelHeight;
  const offsets = texture.packedOffset;
  const maxRho = texture.maxRho;
  const lastLevel = offsets.length - 1;
  for (let i = 0; i < 3 * count; i += 3) {
    let s = coords[i];
    let t = coords[i + 1];
    const rho = coords[i + 2];
    s -= Math.floor(s);
    t -= Math.floor(t);
    let level = 0;
    let frac = 0;
    if (rho >= maxRho) {
      level = lastLevel;
    } else if (rho > 1) {
      // log2(rho) as the exponent plus a linear mantissa (within 0.09 of the exact logarithm).
      level = 31 - Math.clz32(rho);
      frac = rho / (1 << level) - 1;
    }
    let r = 0;
    let g = 0;
    let b = 0;
    for (let k = 0; k < 2; k++) {
      const weight = k === 0 ? 1 - frac : frac;
      if (weight <= 0) break;
      const w = widths[level + k];
      const h = heights[level + k];
      const base = offsets[level + k];
      const u = s * w - 0.5;
      const v = t * h - 0.5;
      let x0 = Math.floor(u);
      let y0 = Math.floor(v);
      const au = u - x0;
      const av = v - y0;
      // u, v lie in [-0.5, size - 0.5): only the first texel wraps around to the last one.
      if (x0 < 0) x0 = w - 1;
      if (y0 < 0) y0 = h - 1;
      const row0 = base + y0 * w;
      const t00 = data[row0 + x0];
      if ((t00 & UNIFORM_BLOCK) !== 0) {
        r += weight * (t00 & 255);
        g += weight * ((t00 >> 8) & 255);
        b += weight * ((t00 >> 16) & 255);
        continue;
      }
      const x1 = x0 + 1 === w ? 0 : x0 + 1;
      const row1 = base + (y0 + 1 === h ? 0 : y0 + 1) * w;
      const t01 = data[row0 + x1];
      const t10 = data[row1 + x0];
      const t11 = data[row1 + x1];
      const w11 = au * av * weight;
      const w10 = av * weight - w11;
      const w01 = au * weight - w11;
      const w00 = weight - w01 - w10 - w11;
      r += w00 * (t00 & 255) + w01 * (t01 & 255) + w10 * (t10 & 255) + w11 * (t11 & 255);
      g += w00 * ((t00 >> 8) & 255) + w01 * ((t01 >> 8) & 255) + w10 * ((t10 >> 8) & 255) + w11 * ((t11 >> 8) & 255);
      b +=
        w00 * ((t00 >> 16) & 255) + w01 * ((t01 >> 16) & 255) + w10 * ((t10 >> 16) & 255) + w11 * ((t11 >> 16) & 255);
    }
    out[i] = r * INV255;
    out[i + 1] = g * INV255;
    out[i + 2] = b * INV255;
  }
}

/**
 * Cube map lookup in direction (x, y, z) with OpenGL's face selection and face coordinates
 * (faces +x, -x, +y, -y, +z, -z stacked in the data, as MuJoCo stores them), bilinear, clamped.
 */
export function sampleCube(texture: RayTexture, x: number, y: number, z: number, out: Float64Array): void {
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  const az = Math.abs(z);
  // The major axis picks the face; (sc, tc) are the face coordinates of OpenGL's table.
  let [face, sc, tc, ma] = [0, 0, 0, 0];
  if (ax >= ay && ax >= az) [face, sc, tc, ma] = x > 0 ? [0, -z, -y, ax] : [1, z, -y, ax];
  else if (ay >= az) [face, sc, tc, ma] = y > 0 ? [2, x, z, ay] : [3, x, -z, ay];
  else [face, sc, tc, ma] = z > 0 ? [4, x, -y, az] : [5, -x, -y, az];
  const data = texture.texels;
  const w = texture.width;
  // A square texture is one face repeated six times (MuJoCo's "repeated" cube upload).
  const faceOffset = texture.height >= 6 * w ? face * w * w : 0;
  if (ma === 0) {
    out[0] = texture.mean[0];
    out[1] = texture.mean[1];
    out[2] = texture.mean[2];
    return;
  }
  const u = Math.min(w - 1, Math.max(0, 0.5 * (sc / ma + 1) * w - 0.5));
  const v = Math.min(w - 1, Math.max(0, 0.5 * (tc / ma + 1) * w - 0.5));
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
    out[c] =
      (1 - av) * ((1 - au) * data[i00 + c] + au * data[i01 + c]) + av * ((1 - au) * data[i10 + c] + au * data[i11 + c]);
  }
}

/**
 * MuJoCo's object-linear mapping of a 2D texture on the geom at record o: s = ks x - 0.5,
 * t = -kt y - 0.5 in the geom frame, repeated texrepeat times per object size, or per metre with
 * texuniform.
 */
export function planarScale(g: Float64Array, o: number): [number, number] {
  const uniform = g[o + G_TEXUNIFORM] > 0;
  const s0 = g[o + G_SIZE];
  const s1 = g[o + G_SIZE + 1];
  return [
    (0.5 * g[o + G_TEXREPEAT]) / (uniform || !(s0 > 0) ? 1 : s0),
    (0.5 * g[o + G_TEXREPEAT + 1]) / (uniform || !(s1 > 0) ? 1 : s1),
  ];
}

/** The colour of `texture` on the geom at record o at point i of s, into out (r, g, b). */
export function textureColour(
  g: Float64Array,
  o: number,
  texture: RayTexture,
  s: Surfaces,
  i: number,
  out: Float64Array,
): void {
  const m = o + G_MAT;
  const px = s.x[i] - g[o + G_POS];
  const py = s.y[i] - g[o + G_POS + 1];
  const pz = s.z[i] - g[o + G_POS + 2];
  const lx = g[m] * px + g[m + 3] * py + g[m + 6] * pz;
  const ly = g[m + 1] * px + g[m + 4] * py + g[m + 7] * pz;
  if (texture.type === TEXTURE_2D) {
    const [ks, kt] = planarScale(g, o);
    // Texels per pixel along the most stretched direction sets the mip level, as in OpenGL.
    const ndv = Math.max(s.nx[i] * s.vx[i] + s.ny[i] * s.vy[i] + s.nz[i] * s.vz[i], 1e-3);
    const rho = (s.footprint[i] / ndv) * Math.max(ks * texture.width, kt * texture.height);
    sampleTrilinear(texture, ks * lx - 0.5, -kt * ly - 0.5, rho, out);
    return;
  }
  const lz = g[m + 2] * px + g[m + 5] * py + g[m + 8] * pz;
  const uniform = g[o + G_TEXUNIFORM] > 0;
  const sx = uniform ? 1 : 1 / Math.max(g[o + G_SIZE], 1e-9);
  const sy = uniform ? 1 : 1 / Math.max(g[o + G_SIZE + 1], 1e-9);
  const sz = uniform ? 1 : 1 / Math.max(g[o + G_SIZE + 2], 1e-9);
  sampleCube(texture, lx * sx, ly * sy, lz * sz, out);
}
