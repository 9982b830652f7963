/**
 * The whole distribution of a block of runs, as README reports it: how many runs reach each
 * threshold, the median and the quartiles, the worst and the best. Used by `scripts/sweep.ts`
 * (its last line) and `scripts/plot_sweep.ts` (the figure's title and the printed table).
 *
 * Quartiles are linearly interpolated between order statistics (numpy's default, "type 7" in
 * Hyndman and Fan), so the figures match what `numpy.percentile` gives for the same numbers.
 */

/** The q-quantile (0 <= q <= 1) of `values`, interpolated between the two nearest order statistics. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('quantile of no values');
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile: q must be in [0, 1], got ${q}`);
  const sorted = [...values].sort((a, b) => a - b);
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

export interface Distribution {
  runs: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  /** For each threshold, how many runs reached it (result >= threshold). */
  reached: { threshold: number; count: number }[];
}

export function distribution(values: readonly number[], thresholds: readonly number[]): Distribution {
  return {
    runs: values.length,
    min: quantile(values, 0),
    q1: quantile(values, 0.25),
    median: quantile(values, 0.5),
    q3: quantile(values, 0.75),
    max: quantile(values, 1),
    reached: thresholds.map((threshold) => ({ threshold, count: values.filter((v) => v >= threshold).length })),
  };
}

/** One line, e.g. "20 runs: 18 (90%) >= 3000, 19 (95%) >= 2500; median 3,560, quartiles 3,310-3,800, range 2,110-4,400". */
export function describeDistribution(d: Distribution): string {
  const round = (x: number) => Math.round(x).toLocaleString('en-US');
  const reached = d.reached
    .map(({ threshold, count }) => `${count} (${Math.round((100 * count) / d.runs)}%) >= ${threshold}`)
    .join(', ');
  return (
    `${d.runs} runs: ${reached}; median ${round(d.median)}, quartiles ${round(d.q1)}-${round(d.q3)}, ` +
    `range ${round(d.min)}-${round(d.max)}`
  );
}
