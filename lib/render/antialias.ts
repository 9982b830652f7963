/**
 * Anti-aliasing of silhouettes (also those seen in the mirror), in place of MuJoCo's 4x
 * multisampling: where neighbouring pixels show different geoms and differ noticeably in colour,
 * 4 rotated-grid sample rays find which of the geoms shown around the pixel each sample sees, and
 * the pixel becomes the mean of the colours of those geoms there (taken from the pixel itself or
 * the neighbour that shows the same geoms): colours weighted by coverage.
 */
import type { Frame } from './frame.js';
import { mirrorKey } from './reflection.js';
import { Ray } from './shapes.js';

/** Neighbouring pixels of different geoms closer in colour than this (0..255) are not re-sampled. */
const CONTRAST = 12;
/** The pixel itself, then its 4 edge neighbours, then the diagonal ones. */
const NEIGHBOUR_DX = [0, -1, 1, 0, 0, -1, 1, -1, 1];
const NEIGHBOUR_DY = [0, 0, 0, -1, 1, -1, -1, 1, 1];
/** 4x rotated-grid sample offsets within a pixel (as common 4x MSAA patterns). */
const SAMPLES = [-0.125, -0.375, 0.375, -0.125, 0.125, 0.375, -0.375, 0.125];

let edges = new Uint8Array(0);
let edgeList = new Int32Array(0);
let edgeCount = 0;
let source = new Uint8Array(0);

/** Smooth the edges of frame `out`, whose pixels show the geoms in f.keys. */
export function smoothEdges(f: Frame, out: Uint8Array): void {
  const { width, height, keys } = f;
  if (edges.length !== width * height) {
    [edges, edgeList, source] = [
      new Uint8Array(width * height),
      new Int32Array(width * height),
      new Uint8Array(3 * width * height),
    ];
  }
  edges.fill(0);
  edgeCount = 0;
  for (let py = 0; py < height; py++) {
    for (let i = py * width; i < (py + 1) * width - 1; i++) if (keys[i] !== keys[i + 1]) markEdge(out, i, i + 1);
  }
  for (let i = 0; i < width * (height - 1); i++) if (keys[i] !== keys[i + width]) markEdge(out, i, i + width);
  if (edgeCount === 0) return;
  source.set(out);
  for (let e = 0; e < edgeCount; e++) resample(f, edgeList[e], out);
}

/** Neighbouring pixels i and j show different geoms: both are edge pixels if their colours differ enough. */
function markEdge(out: Uint8Array, i: number, j: number): void {
  if (contrast(out, 3 * i, 3 * j) <= CONTRAST) return;
  if (edges[i] === 0) {
    edges[i] = 1;
    edgeList[edgeCount++] = i;
  }
  if (edges[j] === 0) {
    edges[j] = 1;
    edgeList[edgeCount++] = j;
  }
}

/** The pixel's neighbours (itself first), and the distinct geoms they show directly and in the mirror. */
const neighbours = new Int32Array(9);
const primary = new Int32Array(9);
const reflected = new Int32Array(9);
let nneighbours = 0;
let nprimary = 0;
let nreflected = 0;

/** Replace edge pixel i by the mean of the colours its 4 samples see. */
function resample(f: Frame, i: number, out: Uint8Array): void {
  const { width, height, keys } = f;
  const py = (i / width) | 0;
  const px = i - py * width;
  nneighbours = nprimary = nreflected = 0;
  for (let n = 0; n < 9; n++) {
    const qx = px + NEIGHBOUR_DX[n];
    const qy = py + NEIGHBOUR_DY[n];
    if (qx < 0 || qy < 0 || qx >= width || qy >= height) continue;
    const q = qy * width + qx;
    neighbours[nneighbours++] = q;
    const id = (keys[q] & 0xffff) - 1;
    const mirrored = (keys[q] >>> 16) - 1;
    if (id >= 0 && !contains(primary, nprimary, id)) primary[nprimary++] = id;
    if (mirrored >= 0 && !contains(reflected, nreflected, mirrored)) reflected[nreflected++] = mirrored;
  }
  let r = 0;
  let g = 0;
  let b = 0;
  for (let s = 0; s < 4; s++) {
    const key = sampleKey(f, px, py, s);
    let from = i;
    for (let n = 0; n < nneighbours; n++) {
      if (keys[neighbours[n]] !== key) continue;
      from = neighbours[n];
      break;
    }
    r += source[3 * from];
    g += source[3 * from + 1];
    b += source[3 * from + 2];
  }
  out[3 * i] = (r + 2) >> 2;
  out[3 * i + 1] = (g + 2) >> 2;
  out[3 * i + 2] = (b + 2) >> 2;
}

const ray = new Ray();

/** Key of what sample ray s of pixel (px, py) sees among the geoms shown around the pixel. */
function sampleKey(f: Frame, px: number, py: number, s: number): number {
  f.camera.ray(px + 0.5 + SAMPLES[2 * s], py + 0.5 + SAMPLES[2 * s + 1], ray);
  let bestT = Infinity;
  let best = -1;
  for (let n = 0; n < nprimary; n++) {
    f.geoms.intersect(f.g, primary[n], ray);
    if (ray.t >= bestT) continue;
    bestT = ray.t;
    best = primary[n];
  }
  if (best < 0 || best !== f.geoms.mirror) return best + 1;
  ray.t = bestT;
  return (best + 1) | (mirrorKey(f, ray, reflected, nreflected) << 16);
}

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
