import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../lib/common/rng.js';

test('same seed gives the same stream, different seeds differ', () => {
  const a = new Rng(7);
  const b = new Rng(7);
  const c = new Rng(8);
  const xs = Array.from({ length: 5 }, () => a.random());
  assert.deepEqual(
    xs,
    Array.from({ length: 5 }, () => b.random()),
  );
  assert.notDeepEqual(
    xs,
    Array.from({ length: 5 }, () => c.random()),
  );
});

test('state round-trips through JSON and resumes the exact stream', () => {
  const a = new Rng(3);
  a.normal();
  const saved = JSON.parse(JSON.stringify(a.getState()));
  const b = Rng.fromState(saved);
  assert.deepEqual([a.normal(), a.random(), a.normal()], [b.normal(), b.random(), b.normal()]);
});

test('spawned streams differ from each other and from the parent', () => {
  const parent = new Rng(1);
  const s1 = parent.spawn();
  const s2 = parent.spawn();
  const draws = (rng: Rng) => Array.from({ length: 10 }, () => rng.random());
  const [a, b, c] = [draws(parent), draws(s1), draws(s2)];
  for (let i = 0; i < 10; i++) {
    assert.ok(a[i] !== b[i] && a[i] !== c[i] && b[i] !== c[i], `draw ${i}: ${a[i]}, ${b[i]}, ${c[i]}`);
  }
});

test('normal draws have mean 0 and variance 1 (n = 20000, 5 sigma bounds)', () => {
  const rng = new Rng(11);
  const n = 20000;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = rng.normal();
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  const variance = sumSq / n - mean * mean;
  // Standard error of the mean is 1/sqrt(n) = 0.0071; of the variance about sqrt(2/n) = 0.01.
  assert.ok(Math.abs(mean) < 5 * 0.0071, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 5 * 0.01, `variance ${variance}`);
});

test('uniform draws stay in [low, high)', () => {
  const rng = new Rng(5);
  let [min, max, sum] = [Infinity, -Infinity, 0];
  for (let i = 0; i < 10000; i++) {
    const x = rng.uniform(-0.1, 0.1);
    assert.ok(x >= -0.1 && x < 0.1);
    [min, max, sum] = [Math.min(min, x), Math.max(max, x), sum + x];
  }
  // And they fill the interval: the extremes of 10,000 draws lie within 0.001 of its ends, and
  // the mean within 5 standard errors (0.2 / sqrt(12 * 10000) = 0.00058) of 0.
  assert.ok(min < -0.099 && max > 0.099, `${min}, ${max}`);
  assert.ok(Math.abs(sum / 10000) < 5 * 0.00058, `mean ${sum / 10000}`);
});
