/**
 * Proves that the executed tutorial notebooks display in a real browser with no network: exports
 * them to HTML with nbconvert, opens each page in headless Chromium with every non-file request
 * blocked, and checks that each plotly figure drew its SVG, that no page script threw, and that
 * each embedded video loads its first frame with a positive duration. Full-page screenshots go to
 * tests/out/screenshots/ for a human look.
 *
 * When Chromium cannot decode H.264 (some builds lack the proprietary codecs), a video is instead
 * verified by reading its MP4 boxes (`describeMp4`), and the report says so.
 *
 *   node --import tsx scripts/check_notebooks_browser.ts [executed.ipynb ...]
 * (default: tests/out/notebooks/*.ipynb, written by tests/notebooks.test.ts)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { describeMp4, PLOT_MARKER_ATTRIBUTE } from '../lib/notebook/notebook.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const JUPYTER_PATH = '/usr/bin/jupyter';
/** Flags for a quiet, offline headless Chromium in a container. */
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

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface BrowserCheckOptions {
  /** Executed notebooks (.ipynb) to export and open. */
  notebooks: readonly string[];
  /** Where the HTML exports go (default tests/out/html). */
  htmlDir?: string;
  /** Where the screenshots go (default tests/out/screenshots). */
  screenshotDir?: string;
  chromiumPath?: string;
  /** Milliseconds to wait for figures and videos on one page (default 30000). */
  timeoutMs?: number;
}

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

export interface PageReport {
  notebook: string;
  html: string;
  screenshot: string;
  plots: PlotReport[];
  videos: VideoReport[];
  pageErrors: string[];
  consoleErrors: string[];
  blockedRequests: string[];
  /** Everything that makes the check fail; empty when the page is fine. */
  failures: string[];
  seconds: number;
}

/** Exports executed notebooks to HTML with Jupyter's own converter; returns the HTML paths. */
export function exportHtml(notebooks: readonly string[], htmlDir: string): string[] {
  mkdirSync(htmlDir, { recursive: true });
  const result = spawnSync(JUPYTER_PATH, ['nbconvert', '--to', 'html', '--output-dir', htmlDir, ...notebooks], {
    encoding: 'utf8',
    env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
  });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(
      `jupyter nbconvert --to html failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}`,
    );
  }
  return notebooks.map((nb) => path.join(htmlDir, `${path.basename(nb, '.ipynb')}.html`));
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

async function checkPlots(page: Page, timeoutMs: number): Promise<PlotReport[]> {
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

async function checkVideos(page: Page, timeoutMs: number): Promise<VideoReport[]> {
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
          if (context !== null && canvas.width > 0) {
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

/** Exports, opens and checks each notebook; never throws for a bad page, it lists failures. */
export async function checkNotebooksInBrowser(options: BrowserCheckOptions): Promise<PageReport[]> {
  const htmlDir = options.htmlDir ?? path.join(ROOT, 'tests', 'out', 'html');
  const screenshotDir = options.screenshotDir ?? path.join(ROOT, 'tests', 'out', 'screenshots');
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (options.notebooks.length === 0)
    throw new Error('checkNotebooksInBrowser: no notebooks given; run tests/notebooks.test.ts first to execute them');
  mkdirSync(screenshotDir, { recursive: true });
  const htmlFiles = exportHtml(options.notebooks, htmlDir);

  const browser = await chromium.launch({
    executablePath: options.chromiumPath ?? CHROMIUM_PATH,
    args: [...CHROMIUM_FLAGS],
  });
  const reports: PageReport[] = [];
  try {
    for (let n = 0; n < htmlFiles.length; n++) {
      const started = Date.now();
      const html = htmlFiles[n];
      const name = path.basename(html, '.html');
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      const page = await context.newPage();
      const pageErrors: string[] = [];
      const consoleErrors: string[] = [];
      const blockedRequests: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      // Offline by construction: anything but local files is refused, so a CDN link would show up.
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:') || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
        blockedRequests.push(url);
        return route.abort('blockedbyclient');
      });

      const failures: string[] = [];
      let plots: PlotReport[] = [];
      let videos: VideoReport[] = [];
      const screenshot = path.join(screenshotDir, `${name}.png`);
      try {
        await page.goto(pathToFileURL(html).href, { waitUntil: 'load', timeout: timeoutMs });
        plots = await checkPlots(page, timeoutMs);
        videos = await checkVideos(page, timeoutMs);
        // Let MathJax typeset before the screenshot; it is optional, so do not wait long.
        await page.waitForTimeout(500);
        await page.screenshot({ path: screenshot, fullPage: true });
      } catch (error) {
        failures.push(`page did not load or check: ${(error as Error).message.split('\n')[0]}`);
      }
      plots.forEach((p, i) => {
        if (p.paths === 0)
          failures.push(`figure ${i + 1} of ${plots.length} did not draw${p.message === '' ? '' : `: "${p.message}"`}`);
      });
      videos.forEach((v, i) => {
        if (v.error !== null) failures.push(`video ${i + 1}: ${v.error}`);
        else if (!(v.durationSeconds > 0)) failures.push(`video ${i + 1}: duration ${v.durationSeconds}, expected > 0`);
      });
      for (const message of pageErrors) failures.push(`page script error: ${message}`);
      for (const url of blockedRequests) failures.push(`network request blocked (pages must work offline): ${url}`);
      reports.push({
        notebook: options.notebooks[n],
        html,
        screenshot,
        plots,
        videos,
        pageErrors,
        consoleErrors,
        blockedRequests,
        failures,
        seconds: (Date.now() - started) / 1000,
      });
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return reports;
}

/** One line per page and one per problem, for the CLI and for test failure messages. */
export function formatReports(reports: readonly PageReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    const videoText = r.videos
      .map(
        (v) =>
          `${v.durationSeconds.toFixed(2)} s ${v.width}x${v.height} (${v.verifiedBy === 'browser' ? `decoded by Chromium, canPlayType ${v.canPlayH264}, frame with ${v.frameColors} colours` : 'Chromium cannot decode H.264; MP4 container verified instead'})`,
      )
      .join(', ');
    lines.push(
      `${r.failures.length === 0 ? 'ok  ' : 'FAIL'} ${path.basename(r.html)}: ${r.plots.length} figure(s) drawn with ${r.plots.map((p) => p.paths).join('/')} SVG paths; ` +
        `${r.videos.length} video(s)${videoText === '' ? '' : `: ${videoText}`}; ${r.seconds.toFixed(1)} s; screenshot ${path.relative(ROOT, r.screenshot)}`,
    );
    for (const failure of r.failures) lines.push(`     - ${failure}`);
    for (const message of r.consoleErrors) lines.push(`     (console error, not a failure: ${message})`);
  }
  return lines.join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  if (!existsSync(CHROMIUM_PATH) || !existsSync(JUPYTER_PATH)) {
    console.error(
      `check_notebooks_browser: needs ${CHROMIUM_PATH} and ${JUPYTER_PATH}; install them with: bash scripts/install-jupyter.sh`,
    );
    return 2;
  }
  let notebooks = [...argv];
  if (notebooks.length === 0) {
    const executed = path.join(ROOT, 'tests', 'out', 'notebooks');
    notebooks = existsSync(executed)
      ? readdirSync(executed)
          .filter((f) => f.endsWith('.ipynb'))
          .sort()
          .map((f) => path.join(executed, f))
      : [];
  }
  if (notebooks.length === 0) {
    console.error(
      'check_notebooks_browser: no executed notebooks in tests/out/notebooks; run: node --import tsx --test tests/notebooks.test.ts',
    );
    return 2;
  }
  const reports = await checkNotebooksInBrowser({ notebooks });
  console.log(formatReports(reports));
  return reports.every((r) => r.failures.length === 0) ? 0 : 1;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`check_notebooks_browser: ${(error as Error).message}`);
      process.exitCode = 2;
    },
  );
}
