/**
 * Summarise a run.sh output (one JSON line per probe run): per build, the minimum and median CPU
 * microseconds per call over the repetitions, their ratio to native MuJoCo, and every repetition.
 *
 *   node --import tsx bench/mujoco_speed/summarize.ts OUT.jsonl
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProbeLine {
  build: string;
  protocol: string;
  version: string;
  cpu_us_per_step: number;
  cpu_us_per_step_nstep?: number;
}

const file = process.argv[2];
if (!file) throw new Error('usage: summarize.ts OUT.jsonl');
const groups = new Map<string, number[]>();
const add = (key: string, value: number) => groups.set(key, [...(groups.get(key) ?? []), value]);
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const row = JSON.parse(line) as ProbeLine | { rep: number; loadavg: string };
  if ('rep' in row) continue;
  const build = row.build.endsWith('.js') ? `${basename(row.build)} (${row.version})` : `${row.build} (${row.version})`;
  add(`${build} ${row.protocol}`, row.cpu_us_per_step);
  if (row.cpu_us_per_step_nstep !== undefined) add(`${build} nstep`, row.cpu_us_per_step_nstep);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const native = [...groups.entries()].find(([key]) => key.startsWith('native'))?.[1];
console.log('| build, protocol | runs | CPU us, min | CPU us, median | x native (median) | every run |');
console.log('|---|---|---|---|---|---|');
for (const [key, values] of groups) {
  const ratio = native && !key.endsWith(' call') ? `${(median(values) / median(native)).toFixed(2)}x` : '';
  const all = values.map((v) => v.toFixed(2)).join(', ');
  console.log(
    `| ${key} | ${values.length} | ${Math.min(...values).toFixed(2)} | ${median(values).toFixed(2)} | ${ratio} | ${all} |`,
  );
}
