/**
 * Display helpers for the tslab notebooks: plotly figures, live training curves, images and
 * videos, all offline (no CDN) so an executed notebook and its nbconvert HTML export open without
 * network.
 *
 * The notebooks show what A3C does while it learns: the episodic return of every worker
 * (asynchronous actor-learners, Mnih et al. 2016, Algorithm S3) and its moving average, and a
 * rendered episode of the trained policy.
 *
 * This module never imports tslab: callers pass tslab's display object (`tslab.display` or
 * `tslab.newDisplay()`), so `dist/index.js` still loads in plain Node and in the CLI.
 *
 * How plotly reaches the page. The 4.8 MB plotly bundle is inlined once, gzip+base64 (about 2 MB),
 * by `initPlotly`. Each figure is a small `<div>` plus a script that draws into it with
 * `window.Plotly` if present, or else queues itself until the bundle script has defined it. This
 * works wherever scripts of HTML outputs run: live in JupyterLab (trusted outputs), classic
 * Notebook, and the nbconvert HTML export opened from disk, whatever order the outputs render in.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';

/** The part of tslab's `Display` these helpers use (tslab's own type satisfies it). */
export interface NotebookDisplay {
  html(s: string): void;
  png(b: Uint8Array): void;
}

/** A plotly trace. The common scatter fields are typed; any other plotly attribute passes through. */
export interface PlotTrace {
  /** Plotly trace type; `scatter` when omitted. */
  type?: string;
  x?: readonly (number | string)[];
  y?: readonly (number | string)[];
  name?: string;
  mode?: 'lines' | 'markers' | 'lines+markers';
  line?: { color?: string; width?: number; dash?: 'solid' | 'dot' | 'dash' | 'dashdot' };
  marker?: { color?: string; size?: number };
  opacity?: number;
  showlegend?: boolean;
  [attribute: string]: unknown;
}

/** A plotly layout object, passed to plotly as is (see `figureLayout` for a short way to build one). */
export type PlotLayout = Record<string, unknown>;

export interface Figure {
  traces: readonly PlotTrace[];
  layout?: PlotLayout;
  /** Plotly config; merged over `{ responsive: true, displaylogo: false }`. */
  config?: Record<string, unknown>;
}

/** Environment variable the notebooks read to pick their training budget. */
export const NOTEBOOK_BUDGET_ENV = 'A3C_NOTEBOOK_BUDGET';

/** `ci`: seconds-long runs so every notebook executes in the test suite; `full`: the real thing. */
export type NotebookBudget = 'ci' | 'full';

const NOTEBOOK_BUDGETS: readonly NotebookBudget[] = ['ci', 'full'];

/** Reads `A3C_NOTEBOOK_BUDGET` (unset or empty means `full`). */
export function notebookBudget(env: Record<string, string | undefined> = process.env): NotebookBudget {
  const value = env[NOTEBOOK_BUDGET_ENV];
  if (value === undefined || value === '') return 'full';
  if ((NOTEBOOK_BUDGETS as readonly string[]).includes(value)) return value as NotebookBudget;
  throw new Error(
    `${NOTEBOOK_BUDGET_ENV}=${JSON.stringify(value)} is not a budget; allowed: ${NOTEBOOK_BUDGETS.join(', ')} (unset means full)`,
  );
}

// ---------------------------------------------------------------------------------------------
// Pure helpers: moving average and trace builders.

/**
 * Trailing moving average: out[i] is the mean of values[max(0, i - window + 1) .. i], so the first
 * window - 1 points average over what is available and the output has the input's length.
 */
export function movingAverage(values: readonly number[], window: number): number[] {
  if (!Number.isInteger(window) || window < 1) {
    throw new Error(`movingAverage: window must be a positive integer, got ${window}`);
  }
  const out = new Array<number>(values.length);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new Error(`movingAverage: values[${i}] is ${v}; only finite numbers are allowed`);
    sum += v;
    if (i >= window) sum -= values[i - window];
    out[i] = sum / Math.min(i + 1, window);
  }
  return out;
}

export interface LineTraceOptions {
  /** x values; 0, 1, 2, ... when omitted. */
  x?: readonly number[];
  name?: string;
  color?: string;
  width?: number;
  dash?: 'solid' | 'dot' | 'dash' | 'dashdot';
  opacity?: number;
  showlegend?: boolean;
}

/** A line (`scatter`, `mode: 'lines'`) trace. */
export function lineTrace(y: readonly number[], options: LineTraceOptions = {}): PlotTrace {
  if (options.x !== undefined && options.x.length !== y.length) {
    throw new Error(
      `lineTrace: x has ${options.x.length} values but y has ${y.length}; they must have the same length`,
    );
  }
  const trace: PlotTrace = {
    type: 'scatter',
    mode: 'lines',
    x: options.x ?? y.map((_, i) => i),
    y,
  };
  if (options.name !== undefined) trace.name = options.name;
  const line: NonNullable<PlotTrace['line']> = {};
  if (options.color !== undefined) line.color = options.color;
  if (options.width !== undefined) line.width = options.width;
  if (options.dash !== undefined) line.dash = options.dash;
  if (Object.keys(line).length > 0) trace.line = line;
  if (options.opacity !== undefined) trace.opacity = options.opacity;
  if (options.showlegend !== undefined) trace.showlegend = options.showlegend;
  return trace;
}

/** One finished episode, as the trainer's `episode` event reports it. */
export interface EpisodePoint {
  workerId: number;
  globalStep: number;
  episodeReturn: number;
}

export interface EpisodeReturnTracesOptions {
  /** Episodes in the moving average (over all workers, in global-step order). */
  window?: number;
  /** Draw one faint line per worker (default true); the average is always drawn. */
  perWorker?: boolean;
}

/** Colours of plotly's default qualitative palette, so worker k keeps its colour across plots. */
const WORKER_COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/**
 * Training curve of A3C: each worker's episodic returns against the global step counter T (the
 * x axis is shared because all workers advance the same T), plus the moving average over all
 * episodes, which is the curve to judge learning by.
 */
export function episodeReturnTraces(
  episodes: readonly EpisodePoint[],
  options: EpisodeReturnTracesOptions = {},
): PlotTrace[] {
  const window = options.window ?? 20;
  const sorted = [...episodes].sort((a, b) => a.globalStep - b.globalStep);
  const traces: PlotTrace[] = [];
  if (options.perWorker ?? true) {
    const workerIds = [...new Set(sorted.map((e) => e.workerId))].sort((a, b) => a - b);
    for (const workerId of workerIds) {
      const mine = sorted.filter((e) => e.workerId === workerId);
      traces.push(
        lineTrace(
          mine.map((e) => e.episodeReturn),
          {
            x: mine.map((e) => e.globalStep),
            name: `worker ${workerId}`,
            color: WORKER_COLORS[workerId % WORKER_COLORS.length],
            width: 1,
            opacity: 0.45,
          },
        ),
      );
    }
  }
  traces.push(
    lineTrace(
      movingAverage(
        sorted.map((e) => e.episodeReturn),
        window,
      ),
      {
        x: sorted.map((e) => e.globalStep),
        name: `mean of last ${window} episodes`,
        color: '#000000',
        width: 2.5,
      },
    ),
  );
  return traces;
}

export interface FigureLayoutOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Pixels; plotly's width follows the output area. */
  height?: number;
}

/** A compact plotly layout (plotly 3+ wants titles as `{ text }` objects, which this hides). */
export function figureLayout(options: FigureLayoutOptions = {}): PlotLayout {
  const layout: PlotLayout = {
    height: options.height ?? 360,
    margin: { l: 60, r: 20, t: options.title === undefined ? 20 : 50, b: 90 },
    legend: { orientation: 'h', y: -0.3 },
  };
  if (options.title !== undefined) layout.title = { text: options.title };
  if (options.xTitle !== undefined) layout.xaxis = { title: { text: options.xTitle } };
  if (options.yTitle !== undefined) layout.yaxis = { title: { text: options.yTitle } };
  return layout;
}

// ---------------------------------------------------------------------------------------------
// Plotly bundle and figures as HTML.

/** Marker attribute on every figure's `<div>`; tests and the browser check look for it. */
export const PLOT_MARKER_ATTRIBUTE = 'data-a3c-plot';
/** Marker attribute on the bundle's `<script>`. */
export const PLOTLY_BUNDLE_MARKER_ATTRIBUTE = 'data-a3c-plotly-bundle';

/** Path of the offline plotly bundle in node_modules. */
export function plotlyBundlePath(): string {
  return createRequire(import.meta.url).resolve('plotly.js-dist-min');
}

export interface PlotlyScriptOptions {
  /**
   * Inline the bundle gzip-compressed and base64-encoded (about 2.0 MB instead of 4.8 MB),
   * decompressed in the page with `DecompressionStream` (Chrome 80, Firefox 113, Safari 16.4).
   * Default true; false inlines the plain bundle for older browsers.
   */
  compress?: boolean;
}

const bundleScriptCache = new Map<boolean, string>();

/**
 * The `<script>` that defines `window.Plotly` from the inlined bundle unless the page already has
 * it, then draws every figure that queued itself while waiting.
 */
export function plotlyScript(options: PlotlyScriptOptions = {}): string {
  const compress = options.compress ?? true;
  const cached = bundleScriptCache.get(compress);
  if (cached !== undefined) return cached;
  const bundle = readFileSync(plotlyBundlePath());
  // The bundle runs as a Function body with module/exports/define shadowed, so a page that has
  // CommonJS or RequireJS globals (classic Notebook) still gets window.Plotly instead of a module.
  const loader = compress
    ? `var b=atob(${JSON.stringify(gzipSync(bundle, { level: 9 }).toString('base64'))}),a=new Uint8Array(b.length);` +
      'for(var i=0;i<b.length;i++)a[i]=b.charCodeAt(i);' +
      "return new Response(new Blob([a]).stream().pipeThrough(new DecompressionStream('gzip'))).text();"
    : `return Promise.resolve(${escapeForScript(JSON.stringify(bundle.toString('utf8')))});`;
  const script =
    `<script type="text/javascript" ${PLOTLY_BUNDLE_MARKER_ATTRIBUTE}="${compress ? 'gzip' : 'plain'}">\n` +
    '(function(){var w=window;\n' +
    'function drain(){var q=w.__a3cPlotlyQueue||[];w.__a3cPlotlyQueue=[];for(var i=0;i<q.length;i++)q[i]();}\n' +
    'if(w.Plotly){drain();return;}\n' +
    'if(w.__a3cPlotlyLoading)return;\n' +
    'w.__a3cPlotlyLoading=true;\n' +
    `(function(){${loader}})().then(function(code){new Function('module','exports','define',code)();w.__a3cPlotlyLoading=false;drain();})` +
    '.catch(function(e){w.__a3cPlotlyLoading=false;w.__a3cPlotlyError=String(e);drain();});\n' +
    '})();\n</script>';
  bundleScriptCache.set(compress, script);
  return script;
}

let plotlyInitialised = false;

/**
 * Emits the plotly bundle as an output of the current cell. Call it once near the top of a
 * notebook (`initPlotly(tslab.display)`); `plot` does it by itself the first time if you forget.
 * Calling it again re-emits the bundle, which keeps the notebook self-contained when the first
 * cell is re-run.
 */
export function initPlotly(display: NotebookDisplay, options: PlotlyScriptOptions = {}): void {
  display.html(plotlyScript(options));
  plotlyInitialised = true;
}

/** Whether `initPlotly` (or a first `plot`) has emitted the bundle in this kernel. */
export function isPlotlyInitialised(): boolean {
  return plotlyInitialised;
}

/** Makes JSON safe inside an inline `<script>`: no `</script>` or `<!--` can close it early. */
function escapeForScript(json: string): string {
  return json
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Integers stay exact; other numbers keep 6 significant digits, which no plot can show the lack of. */
function roundForPlot(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value))
    return Number(value.toPrecision(6));
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

function validateFigure(figure: Figure): void {
  if (!Array.isArray(figure.traces)) throw new Error('plot: figure.traces must be an array of plotly traces');
  figure.traces.forEach((trace, i) => {
    if (trace === null || typeof trace !== 'object')
      throw new Error(`plot: traces[${i}] must be an object, got ${trace === null ? 'null' : typeof trace}`);
    if (trace.x !== undefined && trace.y !== undefined && trace.x.length !== trace.y.length) {
      throw new Error(
        `plot: traces[${i}] has ${trace.x.length} x values and ${trace.y.length} y values; they must match`,
      );
    }
  });
}

/**
 * HTML of one figure: a `<div>` and the script that draws it. Without the bundle on the page the
 * div says how to load it instead of staying blank.
 */
export function figureHtml(figure: Figure): string {
  validateFigure(figure);
  const id = `a3c-plot-${randomBytes(6).toString('hex')}`;
  const spec = {
    data: figure.traces,
    layout: figure.layout ?? figureLayout(),
    config: { responsive: true, displaylogo: false, ...figure.config },
  };
  const json = escapeForScript(JSON.stringify(spec, roundForPlot));
  const height = typeof spec.layout.height === 'number' ? spec.layout.height : 360;
  return (
    `<div id="${id}" ${PLOT_MARKER_ATTRIBUTE}="1" style="width:100%;min-height:${height}px">` +
    '[plotly figure: shown when the notebook is trusted and initPlotly has run]</div>\n' +
    '<script type="text/javascript">\n' +
    `(function(){var w=window,id=${JSON.stringify(id)},fig=${json};\n` +
    'function draw(){var el=document.getElementById(id);if(!el)return;\n' +
    "if(!w.Plotly){el.textContent='Plotly failed to load: '+(w.__a3cPlotlyError||'run initPlotly(tslab.display) in an earlier cell');return;}\n" +
    "el.textContent='';w.Plotly.newPlot(el,fig.data,fig.layout,fig.config);}\n" +
    'if(w.Plotly)draw();else(w.__a3cPlotlyQueue=w.__a3cPlotlyQueue||[]).push(draw);\n' +
    '})();\n</script>'
  );
}

/** Shows a plotly figure as the output of the current cell (emitting the bundle first if needed). */
export function plot(display: NotebookDisplay, figure: Figure): void {
  const html = figureHtml(figure);
  if (!plotlyInitialised) {
    display.html(`${plotlyScript()}\n${html}`);
    plotlyInitialised = true;
  } else {
    display.html(html);
  }
}

export interface LivePlotOptions {
  layout?: PlotLayout;
  config?: Record<string, unknown>;
  /** Minimum milliseconds between two redraws (default 1500): each redraw resends the figure. */
  throttleMs?: number;
  /** Clock in milliseconds; tests inject a fake one. */
  now?: () => number;
}

/**
 * A figure redrawn in place, for training curves. Give it a display from `tslab.newDisplay()`,
 * whose content each redraw replaces. `update` redraws at most once per `throttleMs`; the latest
 * traces are kept, and `flush` draws them when training ends.
 */
export class LivePlot {
  private readonly display: NotebookDisplay;
  private readonly layout: PlotLayout;
  private readonly config: Record<string, unknown> | undefined;
  private readonly throttleMs: number;
  private readonly now: () => number;
  private lastDrawMs = Number.NEGATIVE_INFINITY;
  private pending: readonly PlotTrace[] | null = null;
  private drawCount = 0;

  constructor(display: NotebookDisplay, options: LivePlotOptions = {}) {
    const throttleMs = options.throttleMs ?? 1500;
    if (!Number.isFinite(throttleMs) || throttleMs < 0) {
      throw new Error(`LivePlot: throttleMs must be a finite number >= 0, got ${throttleMs}`);
    }
    if (!plotlyInitialised) {
      // A live display replaces its content on every redraw, so it cannot be the one output that
      // carries the bundle: the saved notebook would lose it after the first redraw.
      throw new Error(
        'LivePlot: call initPlotly(tslab.display) in an earlier cell first; the live display cannot carry the plotly bundle',
      );
    }
    this.display = display;
    this.layout = options.layout ?? figureLayout();
    this.config = options.config;
    this.throttleMs = throttleMs;
    this.now = options.now ?? (() => Date.now());
  }

  /** Number of redraws sent so far. */
  get draws(): number {
    return this.drawCount;
  }

  /** Records the latest traces; redraws now unless the last redraw was under `throttleMs` ago. Returns whether it redrew. */
  update(traces: readonly PlotTrace[]): boolean {
    this.pending = traces;
    if (this.now() - this.lastDrawMs < this.throttleMs) return false;
    this.draw();
    return true;
  }

  /** Draws the latest traces if `update` held them back. */
  flush(): void {
    if (this.pending !== null) this.draw();
  }

  private draw(): void {
    const traces = this.pending ?? [];
    this.pending = null;
    this.display.html(figureHtml({ traces, layout: this.layout, config: this.config }));
    this.lastDrawMs = this.now();
    this.drawCount += 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Images and videos.

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
