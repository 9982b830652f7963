/**
 * Keeps the committed tutorial notebooks free of outputs, so git holds the lesson and not a
 * 5 MB plotly bundle or a base64 video from somebody's last run.
 *
 * Clean means (nbformat 4, https://nbformat.readthedocs.io/en/latest/format_description.html):
 * code cells have `outputs: []` and `execution_count: null`; cell metadata has none of the
 * per-run keys Jupyter front-ends and nbclient write (`execution` timings, `ExecuteTime`,
 * `collapsed`, `scrolled`); notebook metadata has no `signature`, `widgets` state or
 * kernel-reported `language_info`; nbformat 4.5+ cells have an `id`.
 *
 *   node --import tsx scripts/strip_notebooks.ts            strip notebooks/*.ipynb in place
 *   node --import tsx scripts/strip_notebooks.ts --check    list notebooks that are not clean, exit 1 if any
 *   ... [--check] a.ipynb b.ipynb                           only these files
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Per-run cell metadata written by nbclient (`execution`), classic extensions and front-ends. */
export const TRANSIENT_CELL_METADATA: readonly string[] = ['execution', 'ExecuteTime', 'collapsed', 'scrolled'];
/** Notebook metadata that depends on who ran it last rather than on the lesson. */
export const TRANSIENT_NOTEBOOK_METADATA: readonly string[] = ['signature', 'widgets', 'language_info'];

export interface StripResult {
  notebook: JsonObject;
  /** What was removed or added, one entry per kind, e.g. "3 cells with outputs". Empty when clean. */
  changes: string[];
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns a stripped copy of a parsed notebook and what stripping changed. `name` is for error messages. */
export function stripNotebook(input: unknown, name = 'notebook'): StripResult {
  if (!isObject(input)) throw new Error(`${name}: a notebook must be a JSON object`);
  if (input.nbformat !== 4)
    throw new Error(`${name}: only nbformat 4 notebooks are supported, got nbformat ${JSON.stringify(input.nbformat)}`);
  if (!Array.isArray(input.cells)) throw new Error(`${name}: "cells" must be an array`);
  const notebook = structuredClone(input);
  const cells = notebook.cells as Json[];
  const needsIds = typeof notebook.nbformat_minor === 'number' && notebook.nbformat_minor >= 5;
  let withOutputs = 0;
  let withCounts = 0;
  let withIdsAdded = 0;
  const cellKeys = new Set<string>();

  cells.forEach((cell, i) => {
    if (!isObject(cell)) throw new Error(`${name}: cells[${i}] must be an object`);
    if (cell.cell_type === 'code') {
      if (!Array.isArray(cell.outputs) || cell.outputs.length > 0) withOutputs += 1;
      if (cell.execution_count !== null) withCounts += 1;
      cell.outputs = [];
      cell.execution_count = null;
    }
    if (isObject(cell.metadata)) {
      for (const key of TRANSIENT_CELL_METADATA) {
        if (key in cell.metadata) {
          cellKeys.add(key);
          delete cell.metadata[key];
        }
      }
    }
    if (needsIds && typeof cell.id !== 'string') {
      cell.id = randomBytes(4).toString('hex');
      withIdsAdded += 1;
    }
  });

  const notebookKeys: string[] = [];
  if (isObject(notebook.metadata)) {
    for (const key of TRANSIENT_NOTEBOOK_METADATA) {
      if (key in notebook.metadata) {
        notebookKeys.push(key);
        delete notebook.metadata[key];
      }
    }
  }

  const changes: string[] = [];
  if (withOutputs > 0) changes.push(`${withOutputs} code cell(s) with outputs`);
  if (withCounts > 0) changes.push(`${withCounts} execution count(s)`);
  if (cellKeys.size > 0) changes.push(`cell metadata ${[...cellKeys].join(', ')}`);
  if (notebookKeys.length > 0) changes.push(`notebook metadata ${notebookKeys.join(', ')}`);
  if (withIdsAdded > 0) changes.push(`${withIdsAdded} cell(s) without an id`);
  return { notebook, changes };
}

/** Jupyter's on-disk layout (nbformat writes sorted keys, one-space indent, trailing newline). */
export function serializeNotebook(notebook: JsonObject): string {
  const sortKeys = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (!isObject(value)) return value;
    const sorted: JsonObject = {};
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key]);
    return sorted;
  };
  return `${JSON.stringify(sortKeys(notebook), null, 1)}\n`;
}

/** The notebooks/*.ipynb of the project, sorted. */
export function defaultNotebooks(root: string): string[] {
  const folder = path.join(root, 'notebooks');
  return readdirSync(folder)
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .map((f) => path.join(folder, f));
}

export interface StripFilesResult {
  /** Notebooks that were not clean, with what was (or would be) stripped. */
  dirty: { file: string; changes: string[] }[];
}

/** Strips files in place, or with `check` only reports which are not clean. */
export function stripFiles(files: readonly string[], options: { check: boolean }): StripFilesResult {
  const dirty: StripFilesResult['dirty'] = [];
  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
    }
    const { notebook, changes } = stripNotebook(parsed, file);
    if (changes.length === 0) continue;
    dirty.push({ file, changes });
    if (!options.check) writeFileSync(file, serializeNotebook(notebook));
  }
  return { dirty };
}

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  const unknown = argv.filter((a) => a.startsWith('-') && a !== '--check');
  if (unknown.length > 0) {
    console.error(
      `strip_notebooks: unknown option(s) ${unknown.join(' ')}; usage: strip_notebooks.ts [--check] [file.ipynb ...]`,
    );
    return 2;
  }
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const given = argv.filter((a) => !a.startsWith('-'));
  const files = given.length > 0 ? given : defaultNotebooks(root);
  const { dirty } = stripFiles(files, { check });
  for (const { file, changes } of dirty) {
    const shown = path.relative(process.cwd(), file) || file;
    console.log(`${check ? 'not clean' : 'stripped'}: ${shown}: ${changes.join('; ')}`);
  }
  if (check && dirty.length > 0) {
    console.log(`${dirty.length} notebook(s) are not clean; run: node --import tsx scripts/strip_notebooks.ts`);
    return 1;
  }
  if (dirty.length === 0) console.log(`${files.length} notebook(s) clean`);
  return 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`strip_notebooks: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
