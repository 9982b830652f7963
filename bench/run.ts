/**
 * `npm run bench`: runs every `bench/*.bench.ts` section and prints one table (or JSON with
 * `--json`). Each section exports `default async function (context) => BenchRow[]`.
 *
 *   npm run bench                      all sections
 *   npm run bench -- --only env,models some sections
 *   npm run bench -- --json            machine-readable output
 */
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchContext, BenchRow } from './types.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? new Set((args[onlyIndex + 1] ?? '').split(',').filter(Boolean)) : undefined;

const dir = fileURLToPath(new URL('.', import.meta.url));
const sections = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();
if (only) {
  const unknown = [...only].filter((s) => !sections.includes(s));
  if (unknown.length > 0) {
    console.error(`Unknown bench section(s): ${unknown.join(', ')}. Known: ${sections.join(', ')}`);
    process.exit(2);
  }
}

const context: BenchContext = {
  quick,
  log: (message) => {
    if (!json) process.stderr.write(`${message}\n`);
  },
};
const rows: BenchRow[] = [];
for (const section of sections) {
  if (only && !only.has(section)) continue;
  context.log(`[bench] ${section} ...`);
  const module = (await import(pathToFileURL(`${dir}${section}.bench.ts`).href)) as {
    default: (c: BenchContext) => Promise<BenchRow[]>;
  };
  rows.push(...(await module.default(context)));
}

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  node: process.version,
  date: new Date().toISOString(),
};
if (json) {
  console.log(JSON.stringify({ machine, rows }, null, 2));
} else {
  console.log(`\n${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.date}\n`);
  const header = ['section', 'benchmark', 'value', 'unit', 'notes'];
  const table = rows.map((r) => [r.section, r.name, formatValue(r.value), r.unit, r.notes ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
}
process.exit(0);

function formatValue(value: number): string {
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
