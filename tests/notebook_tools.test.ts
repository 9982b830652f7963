/**
 * Unit tests of the notebook tooling that need no Jupyter: the display helpers of lib/notebook/
 * (moving average, trace builders, figure HTML, the live plot's throttle, PNG/MP4 checks), the
 * notebook stripper, and the checks applied to executed notebooks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import ffmpeg from '@ffmpeg-installer/ffmpeg';
import {
  describeMp4,
  episodeReturnTraces,
  figureHtml,
  figureLayout,
  initPlotly,
  isPlotlyInitialised,
  lineTrace,
  LivePlot,
  movingAverage,
  notebookBudget,
  plot,
  plotlyBundlePath,
  plotlyScript,
  showImage,
  showVideo,
  videoHtml,
  PLOT_MARKER_ATTRIBUTE,
  PLOTLY_BUNDLE_MARKER_ATTRIBUTE,
} from '../lib/notebook/notebook.js';
import type { NotebookDisplay } from '../lib/notebook/notebook.js';
import { serializeNotebook, stripFiles, stripNotebook } from '../scripts/strip_notebooks.js';
import {
  countOutputs,
  findErrors,
  findMissingOutputs,
  looksLikeError,
  readExpectations,
} from './notebook_support/notebook_checks.js';
import type { Notebook } from './notebook_support/notebook_checks.js';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Records what a notebook display was given. */
class RecordingDisplay implements NotebookDisplay {
  readonly html: (s: string) => void;
  readonly png: (b: Uint8Array) => void;
  readonly htmls: string[] = [];
  readonly pngs: Uint8Array[] = [];
  constructor() {
    this.html = (s) => this.htmls.push(s);
    this.png = (b) => this.pngs.push(b);
  }
}

// Runs first: module state starts with no bundle emitted.
test('LivePlot refuses to start before the plotly bundle is on the page', () => {
  assert.equal(isPlotlyInitialised(), false);
  assert.throws(() => new LivePlot(new RecordingDisplay()), /call initPlotly\(tslab\.display\)/);
});

test('movingAverage is a trailing mean over the available values', () => {
  // window 2: [1], [1,3], [3,2], [2,6] -> 1, 2, 2.5, 4
  assert.deepEqual(movingAverage([1, 3, 2, 6], 2), [1, 2, 2.5, 4]);
  // window 3: 1, (1+3)/2 = 2, (1+3+2)/3 = 2, (3+2+6)/3 = 11/3
  const w3 = movingAverage([1, 3, 2, 6], 3);
  assert.deepEqual(w3.slice(0, 3), [1, 2, 2]);
  assert.ok(Math.abs(w3[3] - 11 / 3) < 1e-12);
  // A window longer than the data is the running mean: 4, (4+8)/2 = 6, (4+8+0)/3 = 4
  assert.deepEqual(movingAverage([4, 8, 0], 10), [4, 6, 4]);
  assert.deepEqual(movingAverage([5, -1, 7], 1), [5, -1, 7]);
  assert.deepEqual(movingAverage([], 3), []);
});

test('movingAverage rejects a bad window or non-finite values', () => {
  assert.throws(() => movingAverage([1, 2], 0), /window must be a positive integer, got 0/);
  assert.throws(() => movingAverage([1, 2], 1.5), /positive integer/);
  assert.throws(() => movingAverage([1, Number.NaN, 2], 2), /values\[1\] is NaN/);
});

test('lineTrace indexes x by default and checks lengths', () => {
  assert.deepEqual(lineTrace([5, 6, 7], { name: 'r', color: '#123456', width: 2 }), {
    type: 'scatter',
    mode: 'lines',
    x: [0, 1, 2],
    y: [5, 6, 7],
    name: 'r',
    line: { color: '#123456', width: 2 },
  });
  assert.throws(() => lineTrace([1, 2], { x: [0] }), /x has 1 values but y has 2/);
});

test('episodeReturnTraces: one trace per worker and a moving average in global-step order', () => {
  const traces = episodeReturnTraces(
    [
      { workerId: 0, globalStep: 300, episodeReturn: 6 },
      { workerId: 1, globalStep: 100, episodeReturn: 2 },
      { workerId: 0, globalStep: 200, episodeReturn: 4 },
      { workerId: 1, globalStep: 400, episodeReturn: 8 },
    ],
    { window: 2 },
  );
  assert.equal(traces.length, 3);
  assert.deepEqual([traces[0].name, traces[0].x, traces[0].y], ['worker 0', [200, 300], [4, 6]]);
  assert.deepEqual([traces[1].name, traces[1].x, traces[1].y], ['worker 1', [100, 400], [2, 8]]);
  // In step order the returns are 2, 4, 6, 8; window 2 gives 2, (2+4)/2, (4+6)/2, (6+8)/2.
  assert.deepEqual(
    [traces[2].x, traces[2].y],
    [
      [100, 200, 300, 400],
      [2, 3, 5, 7],
    ],
  );
  assert.equal(episodeReturnTraces([{ workerId: 3, globalStep: 1, episodeReturn: 1 }], { perWorker: false }).length, 1);
});

test('figureLayout writes titles the way plotly 3+ reads them', () => {
  const layout = figureLayout({ title: 'T', xTitle: 'step', yTitle: 'return', height: 200 });
  assert.deepEqual(layout.title, { text: 'T' });
  assert.deepEqual(layout.xaxis, { title: { text: 'step' } });
  assert.deepEqual(layout.yaxis, { title: { text: 'return' } });
  assert.equal(layout.height, 200);
});

/** The figure JSON inside the HTML of `figureHtml`. */
function figureSpec(html: string): {
  data: { name?: string; x: unknown[]; y: unknown[] }[];
  config: Record<string, unknown>;
} {
  const match = /fig=(\{.*\});\n/.exec(html);
  assert.ok(match !== null, 'figure JSON not found');
  return JSON.parse(match[1]);
}

test('figureHtml: a marked div, figure JSON that cannot close the script, rounded numbers', () => {
  const html = figureHtml({ traces: [{ name: '</script><b>', x: [1, 2, 3], y: [0.123456789, 2, Number.NaN] }] });
  assert.ok(html.includes(`${PLOT_MARKER_ATTRIBUTE}="1"`));
  // Exactly one </script>: the script's own end tag.
  assert.equal(html.split('</script>').length, 2);
  const spec = figureSpec(html);
  assert.equal(spec.data[0].name, '</script><b>');
  // Integers are kept, 0.123456789 keeps 6 significant digits, NaN becomes a gap (null).
  assert.deepEqual(spec.data[0].x, [1, 2, 3]);
  assert.deepEqual(spec.data[0].y, [0.123457, 2, null]);
  assert.equal(spec.config.displaylogo, false);
  assert.throws(() => figureHtml({ traces: [{ x: [1], y: [1, 2] }] }), /traces\[0\] has 1 x values and 2 y values/);
});

test('plotlyScript inlines the offline bundle, gzip+base64 by default', () => {
  const bundle = readFileSync(plotlyBundlePath());
  const script = plotlyScript();
  assert.ok(script.includes(`${PLOTLY_BUNDLE_MARKER_ATTRIBUTE}="gzip"`));
  const base64 = /atob\("([A-Za-z0-9+/=]+)"\)/.exec(script);
  assert.ok(base64 !== null, 'no base64 payload');
  assert.ok(gunzipSync(Buffer.from(base64[1], 'base64')).equals(bundle), 'the payload is not the plotly bundle');
  // gzip+base64 must stay well under half the plain bundle, or compressing is not worth the code.
  assert.ok(script.length < bundle.length / 2, `${script.length} bytes for a ${bundle.length}-byte bundle`);
  const plain = plotlyScript({ compress: false });
  assert.ok(plain.includes(`${PLOTLY_BUNDLE_MARKER_ATTRIBUTE}="plain"`) && plain.length > bundle.length);
  assert.equal(plain.split('</script>').length, 2, 'the inlined bundle must not close its script early');
});

test('plot emits the bundle with the first figure only; initPlotly re-emits it', () => {
  const display = new RecordingDisplay();
  plot(display, { traces: [lineTrace([1, 2])] });
  plot(display, { traces: [lineTrace([3, 4])] });
  assert.equal(isPlotlyInitialised(), true);
  assert.ok(
    display.htmls[0].includes(PLOTLY_BUNDLE_MARKER_ATTRIBUTE) && display.htmls[0].includes(PLOT_MARKER_ATTRIBUTE),
  );
  assert.ok(
    !display.htmls[1].includes(PLOTLY_BUNDLE_MARKER_ATTRIBUTE) && display.htmls[1].includes(PLOT_MARKER_ATTRIBUTE),
  );
  initPlotly(display);
  assert.ok(display.htmls[2].includes(PLOTLY_BUNDLE_MARKER_ATTRIBUTE));
});

test('LivePlot redraws at most once per throttleMs and flush draws the held-back state', () => {
  let clock = 0;
  const display = new RecordingDisplay();
  const live = new LivePlot(display, { throttleMs: 1000, now: () => clock });
  const traces = (name: string) => [lineTrace([1, 2], { name })];
  assert.equal(live.update(traces('a')), true); // t = 0: first update draws
  clock = 500;
  assert.equal(live.update(traces('b')), false); // 500 ms since the last draw
  clock = 999;
  assert.equal(live.update(traces('c')), false);
  clock = 1000;
  assert.equal(live.update(traces('d')), true); // 1000 ms since t = 0
  live.flush(); // nothing held back: no draw
  assert.equal(live.draws, 2);
  clock = 1500;
  assert.equal(live.update(traces('e')), false);
  live.flush();
  assert.equal(live.draws, 3);
  assert.deepEqual(
    display.htmls.map((h) => figureSpec(h).data[0].name),
    ['a', 'd', 'e'],
  );
  assert.throws(() => new LivePlot(display, { throttleMs: -1 }), /throttleMs must be a finite number >= 0, got -1/);
});

test('showImage passes PNG bytes through and rejects anything else', () => {
  const image = new PNG({ width: 2, height: 2 });
  image.data.fill(255);
  const bytes = PNG.sync.write(image);
  const display = new RecordingDisplay();
  showImage(display, bytes);
  assert.equal(display.pngs[0], bytes);
  assert.throws(() => showImage(display, new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0, 0])), /not a PNG/);
});

/** An ISO BMFF box: 4-byte big-endian size, 4-character type, payload. */
function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  const size = 8 + payload.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  out.set(Buffer.from(type, 'latin1'), 4);
  let at = 8;
  for (const p of payload) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function u32(...values: number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  values.forEach((v, i) => new DataView(out.buffer).setUint32(4 * i, v));
  return out;
}

/** A minimal MP4: ftyp, moov/mvhd (version 0) and one avc1 track of `width` x `height`. */
function tinyMp4(timescale: number, duration: number, width: number, height: number): Uint8Array {
  // mvhd v0: version+flags, creation, modification, timescale, duration (then fields describeMp4 ignores).
  const mvhd = box('mvhd', u32(0, 0, 0, timescale, duration), new Uint8Array(80));
  // avc1 VisualSampleEntry: 6 reserved, 2 data_reference_index, 16 pre_defined/reserved, width, height, rest.
  const entry = new Uint8Array(70);
  new DataView(entry.buffer).setUint16(24, width);
  new DataView(entry.buffer).setUint16(26, height);
  const stsd = box('stsd', u32(0, 1), box('avc1', entry));
  const trak = box('trak', box('mdia', box('minf', box('stbl', stsd))));
  return Buffer.concat([box('ftyp', Buffer.from('isom', 'latin1'), u32(512)), box('moov', mvhd, trak)]);
}

test('describeMp4 reads brand, duration (mvhd duration / timescale), codec and size', () => {
  // 2500 ticks at 1000 ticks per second = 2.5 s
  assert.deepEqual(describeMp4(tinyMp4(1000, 2500, 64, 48)), {
    majorBrand: 'isom',
    durationSeconds: 2.5,
    codecs: ['avc1'],
    width: 64,
    height: 48,
  });
  // mvhd version 1: 8-byte times and duration; 1800 ticks at 600 per second = 3 s
  const v1 = box('mvhd', new Uint8Array([1, 0, 0, 0]), new Uint8Array(16), u32(600, 0, 1800), new Uint8Array(80));
  const file = Buffer.concat([
    box('ftyp', Buffer.from('mp42', 'latin1'), u32(0)),
    box(
      'moov',
      v1,
      box('trak', box('mdia', box('minf', box('stbl', box('stsd', u32(0, 1), box('mp4v', new Uint8Array(70))))))),
    ),
  ]);
  assert.equal(describeMp4(file).durationSeconds, 3);
  assert.deepEqual(describeMp4(file).codecs, ['mp4v']);
});

test('describeMp4 rejects files that are not complete MP4s', () => {
  assert.throws(() => describeMp4(PNG.sync.write(new PNG({ width: 1, height: 1 }))), /not an MP4 file/);
  const whole = tinyMp4(1000, 1000, 8, 8);
  assert.throws(() => describeMp4(whole.subarray(0, whole.length - 10)), /claims \d+ bytes but only \d+ remain/);
  assert.throws(() => describeMp4(box('ftyp', Buffer.from('isom', 'latin1'), u32(0))), /no 'moov\/mvhd' box/);
  const shortMvhd = Buffer.concat([
    box('ftyp', Buffer.from('isom', 'latin1'), u32(0)),
    box('moov', box('mvhd', u32(0, 0, 0))),
  ]);
  assert.throws(() => describeMp4(shortMvhd), /'mvhd' box at byte \d+ is too short for version 0/);
});

test('showVideo embeds a real ffmpeg MP4 as a data URI of the same bytes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'a3c-video-'));
  const mp4Path = path.join(dir, 'clip.mp4');
  // 1 s of test pattern at 10 frames per second, 64x48, H.264.
  execFileSync(
    ffmpeg.path,
    [
      '-y',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=64x48:rate=10:duration=1',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      mp4Path,
    ],
    { stdio: 'pipe' },
  );
  const bytes = readFileSync(mp4Path);
  const info = describeMp4(bytes);
  assert.deepEqual([info.codecs, info.width, info.height], [['avc1'], 64, 48]);
  assert.ok(Math.abs(info.durationSeconds - 1) < 0.05, `duration ${info.durationSeconds}`);

  const display = new RecordingDisplay();
  showVideo(display, mp4Path, { width: 320, loop: true });
  const html = display.htmls[0];
  assert.match(
    html,
    /^<video controls playsinline data-a3c-video="avc1" width="320" loop src="data:video\/mp4;base64,/,
  );
  const payload = /base64,([A-Za-z0-9+/=]+)"/.exec(html);
  assert.ok(payload !== null && Buffer.from(payload[1], 'base64').equals(bytes));
  assert.throws(() => videoHtml(bytes, { maxBytes: 100 }), /above maxBytes=100/);
  assert.throws(() => videoHtml(bytes, { width: 0 }), /width must be a positive number/);
});

test('notebookBudget reads A3C_NOTEBOOK_BUDGET', () => {
  assert.equal(notebookBudget({}), 'full');
  assert.equal(notebookBudget({ A3C_NOTEBOOK_BUDGET: '' }), 'full');
  assert.equal(notebookBudget({ A3C_NOTEBOOK_BUDGET: 'ci' }), 'ci');
  assert.throws(() => notebookBudget({ A3C_NOTEBOOK_BUDGET: 'fast' }), /"fast" is not a budget; allowed: ci, full/);
});

/** A notebook as nbclient leaves it after a run. */
function executedFixture(): Record<string, unknown> {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'tslab' }, language_info: { name: 'typescript' }, a3c: { expect: ['plotly'] } },
    cells: [
      { cell_type: 'markdown', id: 'aa', metadata: {}, source: '# Title' },
      {
        cell_type: 'code',
        id: 'bb',
        execution_count: 3,
        source: 'console.log(1)',
        metadata: { execution: { 'iopub.status.busy': '2026-01-01T00:00:00Z' }, tags: ['keep'] },
        outputs: [{ output_type: 'stream', name: 'stdout', text: ['1\n'] }],
      },
      { cell_type: 'code', execution_count: null, source: '', metadata: { scrolled: true }, outputs: [] },
    ],
  };
}

test('stripNotebook clears outputs, counts and per-run metadata, and keeps the rest', () => {
  const { notebook, changes } = stripNotebook(executedFixture());
  assert.deepEqual(changes, [
    '1 code cell(s) with outputs',
    '1 execution count(s)',
    'cell metadata execution, scrolled',
    'notebook metadata language_info',
    '1 cell(s) without an id',
  ]);
  const cells = notebook.cells as Record<string, unknown>[];
  assert.deepEqual([cells[1].outputs, cells[1].execution_count, cells[1].metadata], [[], null, { tags: ['keep'] }]);
  assert.equal(cells[0].source, '# Title');
  assert.match(String(cells[2].id), /^[0-9a-f]{8}$/);
  assert.deepEqual(notebook.metadata, { kernelspec: { name: 'tslab' }, a3c: { expect: ['plotly'] } });
  assert.deepEqual(stripNotebook(notebook).changes, [], 'a stripped notebook is clean');
  assert.throws(
    () => stripNotebook({ nbformat: 3, worksheets: [] }, 'old.ipynb'),
    /old\.ipynb: only nbformat 4 notebooks are supported, got nbformat 3/,
  );
});

test('strip_notebooks --check lists a dirty notebook and exits 1; stripping makes it pass', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'a3c-strip-'));
  const file = path.join(dir, 'dirty.ipynb');
  writeFileSync(file, serializeNotebook(executedFixture() as never));
  const script = path.join(ROOT, 'scripts', 'strip_notebooks.ts');
  const check = () =>
    spawnSync(process.execPath, ['--import', 'tsx', script, '--check', file], { cwd: ROOT, encoding: 'utf8' });
  const before = check();
  assert.equal(before.status, 1);
  assert.match(before.stdout, /not clean: .*dirty\.ipynb: 1 code cell\(s\) with outputs/);
  assert.deepEqual(stripFiles([file], { check: true }).dirty.length, 1, 'check mode must not modify the file');
  stripFiles([file], { check: false });
  const after = check();
  assert.equal(after.status, 0, after.stdout);
  assert.match(after.stdout, /1 notebook\(s\) clean/);
});

test('looksLikeError tells tslab errors from warnings', () => {
  assert.equal(looksLikeError("1:7 - Type 'string' is not assignable to type 'number'.\n"), true);
  assert.equal(
    looksLikeError("evalmachine.<anonymous>:3\nthrow new Error('boom');\n^\n\nError: boom\n    at evalmachine"),
    true,
  );
  assert.equal(looksLikeError('RangeError [ERR_OUT_OF_RANGE]: bad\n'), true);
  assert.equal(looksLikeError('UnhandledPromiseRejection: This error originated ...'), true);
  assert.equal(
    looksLikeError(
      'Hi there. Looks like you are running TensorFlow.js in Node.js. To speed things up dramatically, install our node backend\n',
    ),
    false,
  );
  assert.equal(looksLikeError('(node:123) Warning: some deprecation\n'), false);
  assert.equal(looksLikeError(''), false);
});

test('findErrors, countOutputs and findMissingOutputs read an executed notebook', () => {
  const display = new RecordingDisplay();
  initPlotly(display);
  const notebook: Notebook = {
    metadata: { a3c: { expect: ['plotly', 'video'] } },
    cells: [
      {
        cell_type: 'code',
        source: 'initPlotly()',
        outputs: [{ output_type: 'display_data', data: { 'text/html': display.htmls[0] } }],
      },
      {
        cell_type: 'code',
        source: 'plot()',
        outputs: [{ output_type: 'display_data', data: { 'text/html': figureHtml({ traces: [] }).split(/(?<=\n)/) } }],
      },
      {
        cell_type: 'code',
        source: 'x()',
        outputs: [{ output_type: 'error', ename: 'TypeError', evalue: 'x is not a function', traceback: [] }],
      },
      {
        cell_type: 'code',
        source: 'warn()',
        outputs: [{ output_type: 'stream', name: 'stderr', text: 'Warning: slow\n' }],
      },
    ],
  };
  assert.deepEqual(findErrors(notebook), [{ cell: 2, message: 'cell 2 (x()): TypeError: x is not a function' }]);
  assert.deepEqual(countOutputs(notebook), { plotly: 1, plotlyBundles: 1, video: 0, image: 0 });
  assert.deepEqual(
    findMissingOutputs(notebook).map((p) => p.message),
    ['metadata.a3c.expect lists "video" but the executed notebook has no video output'],
  );

  const noBundle: Notebook = { metadata: { a3c: { expect: [] } }, cells: [notebook.cells[1]] };
  assert.match(findMissingOutputs(noBundle)[0].message, /no plotly bundle output/);
  assert.throws(() => readExpectations({ metadata: {}, cells: [] }), /must declare "a3c": \{"expect": \[...\]\}/);
  assert.throws(
    () => readExpectations({ metadata: { a3c: { expect: ['gif'] } }, cells: [] }),
    /"gif"; allowed: plotly, video, image/,
  );
});
