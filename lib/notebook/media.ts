/**
 * Images and videos in the tslab notebooks (the "watch the agent" step): PNG frames of the
 * renderer, and MP4 episodes inlined as HTML5 video, checked first by reading the MP4's boxes
 * (`describeMp4`), so a truncated or empty file is an error instead of a blank player.
 */
import { readFileSync } from 'node:fs';
import type { NotebookDisplay } from './notebook.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Shows PNG bytes (for example a frame from the renderer) as an image output. */
export function showImage(display: NotebookDisplay, pngBytes: Uint8Array): void {
  if (!(pngBytes instanceof Uint8Array)) throw new Error('showImage: expected PNG bytes as a Uint8Array (or Buffer)');
  if (!PNG_SIGNATURE.every((byte, i) => pngBytes[i] === byte)) {
    throw new Error(
      `showImage: the ${pngBytes.length} bytes given are not a PNG (no PNG signature); encode frames with pngjs first`,
    );
  }
  display.png(pngBytes);
}

/** What `describeMp4` reads from an MP4's boxes. */
export interface Mp4Description {
  /** `ftyp` major brand, e.g. `isom`. */
  majorBrand: string;
  /** `mvhd` duration / timescale. */
  durationSeconds: number;
  /** Sample entry types of every track's `stsd`, e.g. `avc1` for H.264. */
  codecs: string[];
  /** Size of the first visual sample entry, when there is one. */
  width?: number;
  height?: number;
}

const CONTAINER_BOXES = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl']);
const VISUAL_SAMPLE_ENTRIES = new Set(['avc1', 'avc3', 'hev1', 'hvc1', 'mp4v', 'vp09', 'av01']);

/**
 * Reads an MP4 (ISO BMFF, ISO/IEC 14496-12) far enough to prove it is a playable video file:
 * `ftyp` brand, `mvhd` duration and each track's codec. Throws on anything else, so a broken file
 * fails in the cell that embeds it rather than as a blank player.
 */
export function describeMp4(bytes: Uint8Array): Mp4Description {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fourcc = (at: number): string => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  const result: Mp4Description = { majorBrand: '', durationSeconds: Number.NaN, codecs: [] };

  const walk = (start: number, end: number): void => {
    let at = start;
    while (at + 8 <= end) {
      let size = view.getUint32(at);
      const type = fourcc(at + 4);
      let header = 8;
      if (size === 1) {
        if (at + 16 > end) throw new Error(`describeMp4: box '${type}' at byte ${at} is truncated`);
        size = Number(view.getBigUint64(at + 8));
        header = 16;
      } else if (size === 0) {
        size = end - at;
      }
      if (size < header || at + size > end)
        throw new Error(`describeMp4: box '${type}' at byte ${at} claims ${size} bytes but only ${end - at} remain`);
      const body = at + header;
      if (type === 'ftyp') {
        result.majorBrand = fourcc(body);
      } else if (type === 'mvhd') {
        // Version 0: 4-byte creation/modification times and duration; version 1: 8-byte ones.
        const version = bytes[body];
        if (body + (version === 1 ? 32 : 20) > at + size)
          throw new Error(`describeMp4: 'mvhd' box at byte ${at} is too short for version ${version}`);
        const timescale = view.getUint32(body + (version === 1 ? 20 : 12));
        const duration = version === 1 ? Number(view.getBigUint64(body + 24)) : view.getUint32(body + 16);
        if (timescale === 0) throw new Error('describeMp4: mvhd timescale is 0');
        result.durationSeconds = duration / timescale;
      } else if (type === 'stsd') {
        // Full box header (4 bytes) and entry count (4 bytes), then sample entries, each a box.
        const count = view.getUint32(body + 4);
        let entry = body + 8;
        for (let i = 0; i < count && entry + 8 <= at + size; i++) {
          const entrySize = view.getUint32(entry);
          const codec = fourcc(entry + 4);
          result.codecs.push(codec);
          // VisualSampleEntry: 6 reserved + 2 data_reference_index + 16 pre_defined/reserved bytes, then width, height.
          if (VISUAL_SAMPLE_ENTRIES.has(codec) && result.width === undefined && entry + 36 <= at + size) {
            result.width = view.getUint16(entry + 32);
            result.height = view.getUint16(entry + 34);
          }
          if (entrySize < 8) break;
          entry += entrySize;
        }
      } else if (CONTAINER_BOXES.has(type)) {
        walk(body, at + size);
      }
      at += size;
    }
  };

  if (bytes.length < 8 || fourcc(4) !== 'ftyp') {
    throw new Error(
      `describeMp4: not an MP4 file (the first box must be 'ftyp'; got ${bytes.length < 8 ? `${bytes.length} bytes` : `'${fourcc(4)}'`})`,
    );
  }
  walk(0, bytes.length);
  if (!Number.isFinite(result.durationSeconds))
    throw new Error("describeMp4: no 'moov/mvhd' box, so the file has no duration (was encoding interrupted?)");
  if (result.codecs.length === 0) throw new Error("describeMp4: no track with a sample description ('stsd')");
  return result;
}

export interface ShowVideoOptions {
  /** Display width in CSS pixels (default: the video's own width). */
  width?: number;
  loop?: boolean;
  /** Autoplay only works muted in browsers, so autoplay implies muted. */
  autoplay?: boolean;
  /** Refuse files above this many bytes (default 25 MB): the video is stored inside the notebook. */
  maxBytes?: number;
}

/** Marker attribute on every embedded video. */
export const VIDEO_MARKER_ATTRIBUTE = 'data-a3c-video';

/** HTML of an HTML5 `<video controls>` with the MP4 inlined as a base64 data URI. */
export function videoHtml(mp4: Uint8Array, options: ShowVideoOptions = {}): string {
  const maxBytes = options.maxBytes ?? 25 * 1024 * 1024;
  if (mp4.length > maxBytes) {
    throw new Error(
      `showVideo: the MP4 has ${mp4.length} bytes, above maxBytes=${maxBytes}; render fewer frames or a smaller size, or raise maxBytes`,
    );
  }
  if (options.width !== undefined && !(Number.isFinite(options.width) && options.width > 0)) {
    throw new Error(`showVideo: width must be a positive number of pixels, got ${options.width}`);
  }
  const info = describeMp4(mp4);
  const attributes = ['controls', 'playsinline', `${VIDEO_MARKER_ATTRIBUTE}="${info.codecs.join(',')}"`];
  const width = options.width ?? info.width;
  if (width !== undefined) attributes.push(`width="${width}"`);
  if (options.loop === true) attributes.push('loop');
  if (options.autoplay === true) attributes.push('autoplay', 'muted');
  const base64 = Buffer.from(mp4.buffer, mp4.byteOffset, mp4.byteLength).toString('base64');
  return `<video ${attributes.join(' ')} src="data:video/mp4;base64,${base64}"></video>`;
}

/** Shows an MP4 (a path or its bytes) as an inline video player. */
export function showVideo(display: NotebookDisplay, mp4: string | Uint8Array, options: ShowVideoOptions = {}): void {
  const bytes = typeof mp4 === 'string' ? readFileSync(mp4) : mp4;
  display.html(videoHtml(bytes, options));
}
