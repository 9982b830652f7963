/**
 * PNG files of rendered frames (the pictures of a trained A3C agent, and the reference images of
 * the renderer's tests). Frames are RGB bytes, row 0 at the top, as `Renderer.render()` returns;
 * encoding and decoding use pngjs.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../common/files.js';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';

/** An RGB image: width * height * 3 bytes, row 0 at the top. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Encode an RGB frame as a PNG file's bytes. */
export function encodePng(rgb: Uint8Array, width: number, height: number): Buffer {
  checkFrame(rgb, width, height);
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  const rgba = png.data;
  for (let i = 0, j = 0; i < width * height; i++, j += 3) {
    rgba[4 * i] = rgb[j];
    rgba[4 * i + 1] = rgb[j + 1];
    rgba[4 * i + 2] = rgb[j + 2];
    rgba[4 * i + 3] = 255;
  }
  return PNG.sync.write(png, { colorType: 2 });
}

/** Write an RGB frame as a PNG file (creating the folder if needed). */
export function savePng(path: string, rgb: Uint8Array, width: number, height: number): void {
  const bytes = encodePng(rgb, width, height);
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, bytes);
}

/** Decode PNG bytes into an RGB image (alpha dropped, grey and palette images expanded). */
export function decodePng(bytes: Uint8Array): RgbImage {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { width, height } = png;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data[3 * i] = png.data[4 * i];
    data[3 * i + 1] = png.data[4 * i + 1];
    data[3 * i + 2] = png.data[4 * i + 2];
  }
  return { width, height, data };
}

/** Read a PNG file into an RGB image. */
export function loadPng(path: string): RgbImage {
  return decodePng(readFileSync(path));
}

/**
 * Shrink an RGB image by an integer factor, each output pixel the mean of a factor x factor block
 * (used to keep reference images small).
 */
export function downscale(rgb: Uint8Array, width: number, height: number, factor: number): RgbImage {
  checkFrame(rgb, width, height);
  if (!Number.isInteger(factor) || factor < 1 || width % factor !== 0 || height % factor !== 0) {
    throw new Error(`downscale factor must be a positive integer dividing ${width}x${height}, got ${factor}`);
  }
  const w = width / factor;
  const h = height / factor;
  const data = new Uint8Array(w * h * 3);
  const n = factor * factor;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++) {
          for (let dx = 0; dx < factor; dx++) sum += rgb[3 * ((y * factor + dy) * width + x * factor + dx) + c];
        }
        data[3 * (y * w + x) + c] = Math.round(sum / n);
      }
    }
  }
  return { width: w, height: h, data };
}

function checkFrame(rgb: Uint8Array, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`Image width and height must be positive integers, got ${width}x${height}`);
  }
  if (rgb.length !== width * height * 3) {
    throw new Error(`An RGB image of ${width}x${height} needs ${width * height * 3} bytes, got ${rgb.length}`);
  }
}
