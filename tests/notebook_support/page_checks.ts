/**
 * What a notebook page must show in Chromium, whichever page it is: every plotly figure drew its
 * SVG, every embedded video decodes a frame with a positive duration, and no request leaves this
 * machine. Used by the JupyterLab notebook test (tests/slow/notebooks.test.ts).
 *
 * When Chromium cannot decode H.264 (some builds lack the proprietary codecs), a video is instead
 * verified by reading its MP4 boxes (`describeMp4`), and the report says so.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describeMp4, PLOT_MARKER_ATTRIBUTE } from '../../lib/notebook/notebook.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
/**
 * Flags for a quiet, offline headless Chromium in a container: without the background-networking
 * ones Chromium tries to reach Google's hosts on its own.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The H.264 profile ffmpeg's libx264 writes for `-profile:v baseline` (and what browsers test for). */
const H264_TYPE = 'video/mp4; codecs="avc1.42E01E"';

export interface PlotReport {
  /** SVG paths inside the figure: axes, grid and one per trace line at least. */
  paths: number;
  /** Text the figure's div holds when plotly did not draw (the loader's message). */
  message: string;
}

export interface VideoReport {
  /** `canPlayType` for baseline H.264: "probably", "maybe" or "" (cannot decode). */
  canPlayH264: string;
  /** How the video was proven: the browser decoded it, or its MP4 container was read. */
  verifiedBy: 'browser' | 'container';
  durationSeconds: number;
  width: number;
  height: number;
  /** Distinct colours (4 bits per channel) in a frame drawn from the video; 0 when not decoded by the browser. */
  frameColors: number;
  error: string | null;
}

/*
 * The few browser APIs the page functions below use. The project's tsconfig has no DOM lib, and
 * adding one for this file would put DOM globals into the type-check of lib/ as well; these
 * functions run in Chromium, where the real objects have these members.
 */
interface PageElement {
  classList: { contains(name: string): boolean };
  textContent: string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
}
interface PageVideo {
  canPlayType(type: string): string;
  readyState: number;
  error: { code: number; message: string } | null;
  preload: string;
  duration: number;
  currentTime: number;
  videoWidth: number;
  videoHeight: number;
  src: string;
  addEventListener(type: string, listener: () => void, options?: { once: boolean }): void;
  load(): void;
}
interface Canvas2D {
  drawImage(source: PageVideo, x: number, y: number): void;
  getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray };
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): Canvas2D | null;
}
interface PageDocument {
  querySelectorAll(selector: string): ArrayLike<PageElement>;

  createElement(tag: 'canvas'): PageCanvas;
}

/**
 * Lets through requests to this machine (and data:/blob: URLs) and aborts every other one,
 * recording its URL: a notebook that needs a CDN fails here instead of on a learner's offline laptop.
 */
export async function blockRemoteRequests(context: BrowserContext, blocked: string[]): Promise<void> {
  const local = new Set(['localhost', '127.0.0.1', '[::1]']);
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.protocol === 'blob:' || local.has(url.hostname)) return route.continue();
    // An output can ask twice (an <img> re-rendered); one line per URL is enough.
    if (!blocked.includes(url.href)) blocked.push(url.href);
    return route.abort('blockedbyclient');
  });
}

export async function checkPlots(page: Page, timeoutMs: number): Promise<PlotReport[]> {
  const selector = `[${PLOT_MARKER_ATTRIBUTE}]`;
  // Drawn = plotly put its class and SVG on the div; otherwise wait until the timeout and report.
  await page
    .waitForFunction(
      (sel) => {
        const doc = (globalThis as unknown as { document: PageDocument }).document;
        return Array.from(doc.querySelectorAll(sel)).every(
          (el) => el.classList.contains('js-plotly-plot') && el.querySelector('svg.main-svg path') !== null,
        );
      },
      selector,
      { timeout: timeoutMs },
    )
    .catch(() => undefined);
  return page.$$eval(selector, (found) =>
    (found as unknown as PageElement[]).map((el) => ({
      paths: el.querySelectorAll('svg.main-svg path').length,
      message: el.classList.contains('js-plotly-plot') ? '' : (el.textContent ?? '').slice(0, 200),
    })),
  );
}

export async function checkVideos(page: Page, timeoutMs: number): Promise<VideoReport[]> {
  const count = await page.locator('video').count();
  const reports: VideoReport[] = [];
  for (let i = 0; i < count; i++) {
    const video = page.locator('video').nth(i);
    const state = await video.evaluate(
      async (element, args: { type: string; timeoutMs: number }) => {
        const v = element as unknown as PageVideo;
        const canPlayH264 = v.canPlayType(args.type);
        // loadeddata (readyState >= 2) means the first frame was decoded, not only the header parsed.
        if (canPlayH264 !== '' && v.readyState < 2 && v.error === null) {
          await new Promise<void>((resolve) => {
            v.addEventListener('loadeddata', () => resolve(), { once: true });
            v.addEventListener('error', () => resolve(), { once: true });
            setTimeout(resolve, args.timeoutMs);
            v.preload = 'auto';
            v.load();
          });
        }
        // Seek into the clip and draw the frame to a canvas: proves pixels were decoded (and makes
        // the screenshot show a frame instead of a blank poster).
        let frameColors = 0;
        if (canPlayH264 !== '' && v.readyState >= 2 && v.duration > 0) {
          await new Promise<void>((resolve) => {
            v.addEventListener('seeked', () => resolve(), { once: true });
            setTimeout(resolve, args.timeoutMs);
            v.currentTime = Math.min(0.5, v.duration / 2);
          });
          const canvas = (globalThis as unknown as { document: PageDocument }).document.createElement('canvas');
          canvas.width = v.videoWidth;
          canvas.height = v.videoHeight;
          const context = canvas.getContext('2d');
          // 'seeked' can fire before the new frame is ready to draw (one CI run in many drew a
          // blank canvas): draw again for up to 2 s until the frame shows more than one colour.
          for (let attempt = 0; attempt < 20 && frameColors <= 1 && context !== null && canvas.width > 0; attempt++) {
            if (attempt > 0) await new Promise<void>((resolve) => setTimeout(resolve, 100));
            context.drawImage(v, 0, 0);
            const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
            const colors = new Set<number>();
            // 4 bits per channel, so codec noise does not count as colours.
            for (let p = 0; p < pixels.length; p += 4)
              colors.add(((pixels[p] >> 4) << 8) | ((pixels[p + 1] >> 4) << 4) | (pixels[p + 2] >> 4));
            frameColors = colors.size;
          }
        }
        return {
          canPlayH264,
          readyState: v.readyState,
          duration: v.duration,
          width: v.videoWidth,
          height: v.videoHeight,
          error: v.error === null ? null : `MediaError ${v.error.code}: ${v.error.message}`,
          frameColors,
          src: canPlayH264 === '' ? v.src : '',
        };
      },
      { type: H264_TYPE, timeoutMs },
    );
    if (state.canPlayH264 !== '') {
      reports.push({
        canPlayH264: state.canPlayH264,
        verifiedBy: 'browser',
        durationSeconds: state.duration,
        width: state.width,
        height: state.height,
        frameColors: state.frameColors,
        error:
          state.error ??
          (state.readyState < 2
            ? `readyState ${state.readyState} after ${timeoutMs} ms: no frame decoded`
            : state.frameColors <= 1
              ? 'the decoded frame is one flat colour: nothing visible was encoded'
              : null),
      });
      continue;
    }
    const prefix = 'data:video/mp4;base64,';
    let report: VideoReport = {
      canPlayH264: '',
      verifiedBy: 'container',
      durationSeconds: Number.NaN,
      width: 0,
      height: 0,
      frameColors: 0,
      error: null,
    };
    if (!state.src.startsWith(prefix)) {
      report.error = `src is not an inline MP4 data URI (starts with ${JSON.stringify(state.src.slice(0, 40))})`;
    } else {
      try {
        const info = describeMp4(Buffer.from(state.src.slice(prefix.length), 'base64'));
        report = { ...report, durationSeconds: info.durationSeconds, width: info.width ?? 0, height: info.height ?? 0 };
        if (!info.codecs.includes('avc1')) report.error = `codecs ${info.codecs.join(',')}, expected avc1 (H.264)`;
      } catch (error) {
        report.error = (error as Error).message;
      }
    }
    reports.push(report);
  }
  return reports;
}
