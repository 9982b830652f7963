/**
 * Checks on an executed notebook, used by the JupyterLab notebook test (lab_session.ts).
 *
 * tslab reports both compile errors ("1:7 - Type 'string' is not assignable ...") and uncaught
 * exceptions as stderr streams, not as nbformat `error` outputs, so stderr text is searched for
 * error shapes as well. What a notebook must show is declared in its metadata,
 * `"a3c": {"expect": ["plotly", "video", "image"]}`, and checked against its outputs.
 */
import {
  PLOT_MARKER_ATTRIBUTE,
  PLOTLY_BUNDLE_MARKER_ATTRIBUTE,
  VIDEO_MARKER_ATTRIBUTE,
} from '../../lib/notebook/notebook.js';

/** Output kinds a notebook can declare in `metadata.a3c.expect`. */
export const EXPECTATION_KINDS = ['plotly', 'video', 'image'] as const;
export type ExpectationKind = (typeof EXPECTATION_KINDS)[number];

export interface NotebookOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[] | unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface NotebookCell {
  cell_type: string;
  source: string | string[];
  outputs?: NotebookOutput[];
  metadata?: Record<string, unknown>;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
}

export interface Problem {
  /** Index of the cell, or null for the notebook as a whole. */
  cell: number | null;
  message: string;
}

/** nbformat stores multi-line strings either whole or as a list of lines. */
export function joinText(text: string | string[] | unknown): string {
  if (Array.isArray(text)) return text.join('');
  return typeof text === 'string' ? text : '';
}

/** Shapes of error text in a stderr stream. Warnings (tfjs's backend hints, deprecations) match none. */
const ERROR_PATTERNS: readonly RegExp[] = [
  /^\s*[\w.]*(Error|Exception)\b(:|\s*\[|$)/m, // "Error: boom", "TypeError: x", "RangeError [ERR_...]"
  /^\d+:\d+ - /m, // tslab compile diagnostics, "line:column - message"
  /\b(Uncaught|Unhandled)/, // "Uncaught Error", "UnhandledPromiseRejection", "Unhandled rejection"
  /^Traceback \(most recent call last\)/m,
];

/** True when a stderr text reads like an error rather than a warning or progress line. */
export function looksLikeError(text: string): boolean {
  return ERROR_PATTERNS.some((pattern) => pattern.test(text));
}

function firstLine(cell: NotebookCell): string {
  const line =
    joinText(cell.source)
      .split('\n')
      .find((l) => l.trim() !== '') ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

function excerpt(text: string, max = 600): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `${trimmed.slice(0, max)}...` : trimmed;
}

/** Error outputs and error-like stderr anywhere in an executed notebook. */
export function findErrors(notebook: Notebook): Problem[] {
  const problems: Problem[] = [];
  notebook.cells.forEach((cell, index) => {
    for (const output of cell.outputs ?? []) {
      if (output.output_type === 'error') {
        problems.push({
          cell: index,
          message: `cell ${index} (${firstLine(cell)}): ${output.ename ?? 'error'}: ${output.evalue ?? ''}`,
        });
      } else if (output.output_type === 'stream' && output.name === 'stderr') {
        const text = joinText(output.text);
        if (looksLikeError(text))
          problems.push({
            cell: index,
            message: `cell ${index} (${firstLine(cell)}) wrote an error to stderr:\n${excerpt(text)}`,
          });
      }
    }
  });
  return problems;
}

/** All text of a cell's outputs (streams, text/plain, errors), to show why a cell failed. */
export function cellOutputText(cell: NotebookCell): string {
  return (cell.outputs ?? [])
    .map((o) => {
      if (o.output_type === 'stream') return joinText(o.text);
      if (o.output_type === 'error') return `${o.ename}: ${o.evalue}`;
      return joinText(o.data?.['text/plain']);
    })
    .join('');
}

/** Reads and validates `metadata.a3c.expect`. */
export function readExpectations(notebook: Notebook): ExpectationKind[] {
  const a3c = notebook.metadata.a3c as { expect?: unknown } | undefined;
  if (a3c === undefined || !Array.isArray(a3c.expect)) {
    throw new Error(
      `notebook metadata must declare "a3c": {"expect": [...]}, a list drawn from ${EXPECTATION_KINDS.join(', ')} (may be empty)`,
    );
  }
  for (const kind of a3c.expect) {
    if (!(EXPECTATION_KINDS as readonly unknown[]).includes(kind)) {
      throw new Error(`metadata.a3c.expect has ${JSON.stringify(kind)}; allowed: ${EXPECTATION_KINDS.join(', ')}`);
    }
  }
  return a3c.expect as ExpectationKind[];
}

export interface OutputCounts {
  plotly: number;
  plotlyBundles: number;
  video: number;
  image: number;
}

/** Counts rich outputs by kind, recognising the markers `lib/notebook/` writes. */
export function countOutputs(notebook: Notebook): OutputCounts {
  const counts: OutputCounts = { plotly: 0, plotlyBundles: 0, video: 0, image: 0 };
  for (const cell of notebook.cells) {
    for (const output of cell.outputs ?? []) {
      if (output.output_type !== 'display_data' && output.output_type !== 'execute_result') continue;
      const html = joinText(output.data?.['text/html']);
      counts.plotly += html.split(`${PLOT_MARKER_ATTRIBUTE}=`).length - 1;
      counts.plotlyBundles += html.split(`${PLOTLY_BUNDLE_MARKER_ATTRIBUTE}=`).length - 1;
      if (html.includes(`${VIDEO_MARKER_ATTRIBUTE}=`) && html.includes('src="data:video/mp4;base64,'))
        counts.video += 1;
      if (output.data?.['image/png'] !== undefined) counts.image += 1;
    }
  }
  return counts;
}

/** Declared outputs that are missing, and figures that would render blank for lack of the bundle. */
export function findMissingOutputs(notebook: Notebook): Problem[] {
  let expected: ExpectationKind[];
  try {
    expected = readExpectations(notebook);
  } catch (error) {
    return [{ cell: null, message: (error as Error).message }];
  }
  const counts = countOutputs(notebook);
  const problems: Problem[] = [];
  for (const kind of expected) {
    if (counts[kind] === 0)
      problems.push({
        cell: null,
        message: `metadata.a3c.expect lists "${kind}" but the executed notebook has no ${kind} output`,
      });
  }
  if (counts.plotly > 0 && counts.plotlyBundles === 0) {
    problems.push({
      cell: null,
      message:
        'the notebook has plotly figures but no plotly bundle output: call initPlotly(tslab.display) before the first LivePlot',
    });
  }
  return problems;
}
