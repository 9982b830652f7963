import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeDistribution, distribution, quantile } from '../scripts/distribution.js';

test('quantile: interpolates between order statistics like numpy.percentile', () => {
  // numpy.percentile([4, 1, 3, 2], [0, 25, 50, 75, 100]) = [1, 1.75, 2.5, 3.25, 4]
  const values = [4, 1, 3, 2];
  assert.deepEqual(
    [0, 0.25, 0.5, 0.75, 1].map((q) => quantile(values, q)),
    [1, 1.75, 2.5, 3.25, 4],
  );
  // odd count: the median is the middle value, not an average
  assert.equal(quantile([10, 30, 20], 0.5), 20);
  assert.equal(quantile([7], 0.25), 7);
});

test('quantile: refuses no values and q outside [0, 1]', () => {
  assert.throws(() => quantile([], 0.5), /no values/);
  assert.throws(() => quantile([1, 2], 1.5), /q must be in \[0, 1\], got 1.5/);
  assert.throws(() => quantile([1, 2], Number.NaN), /q must be in/);
});

test('distribution: counts runs at or above each threshold, and describes them in one line', () => {
  const d = distribution([3000, 2499.9, 3600, 2500, 4100], [2500, 3000]);
  assert.deepEqual(d.reached, [
    { threshold: 2500, count: 4 },
    { threshold: 3000, count: 3 },
  ]);
  assert.equal(d.median, 3000);
  assert.equal(d.min, 2499.9);
  assert.equal(d.max, 4100);
  assert.equal(
    describeDistribution(d),
    '5 runs: 4 (80%) >= 2500, 3 (60%) >= 3000; median 3,000, quartiles 2,500-3,600, range 2,500-4,100',
  );
});
