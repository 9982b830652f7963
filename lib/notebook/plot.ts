/**
 * Plotly figures in the tslab notebooks, offline: traces (a worker's episode returns, their
 * moving average), layouts, the inlined plotly bundle, and `LivePlot`, the training curve that
 * redraws while A3C's workers train (asynchronous actor-learners, Mnih et al. 2016).
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
import type { NotebookDisplay } from './notebook.js';

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
