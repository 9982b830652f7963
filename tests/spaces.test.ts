/** Gymnasium's Box space: printing, sampling, membership, clipping and bound checks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../lib/common/rng.js';
import { Box } from '../lib/envs/spaces.js';

test('toString prints like Gymnasium', () => {
  assert.equal(String(new Box(-1, 1, [6], 'float32')), 'Box(-1.0, 1.0, (6,), float32)');
  assert.equal(String(new Box(-Infinity, Infinity, [17], 'float64')), 'Box(-inf, inf, (17,), float64)');
  assert.equal(String(new Box(-3, 3, [1], 'float32')), 'Box(-3.0, 3.0, (1,), float32)');
  // A float32 bound prints as the shortest decimal of that float32, as numpy prints Humanoid's box.
  assert.equal(String(new Box(Math.fround(-0.4), Math.fround(0.4), [17])), 'Box(-0.4, 0.4, (17,), float32)');
  assert.equal(String(new Box(-0.4, 0.4, [17], 'float64')), 'Box(-0.4, 0.4, (17,), float64)');
  assert.equal(String(new Box(0, 0.5, [2, 3])), 'Box(0.0, 0.5, (2, 3), float32)');
  // Equal per-element bounds collapse to one number, as Gymnasium's _short_repr does.
  assert.equal(String(new Box([2, 2], [4, 4], [2], 'float64')), 'Box(2.0, 4.0, (2,), float64)');
});

test('sample stays within finite bounds, is float32-representable, and covers the box', () => {
  const box = new Box([-1, 0, 10], [1, 0.25, 20], [3], 'float32');
  const rng = new Rng(1);
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let k = 0; k < 2000; k++) {
    const x = box.sample(rng);
    assert.ok(box.contains(x), `sample ${Array.from(x)} outside the box`);
    for (let i = 0; i < 3; i++) {
      assert.equal(x[i], Math.fround(x[i]), 'float32 value');
      lo[i] = Math.min(lo[i], x[i]);
      hi[i] = Math.max(hi[i], x[i]);
    }
  }
  // 2000 uniform draws come within 1% of each end of every interval.
  assert.ok(lo[0] < -0.98 && hi[0] > 0.98 && lo[1] < 0.0025 && hi[1] > 0.2475 && lo[2] < 10.1 && hi[2] > 19.9);
});

test('sample on unbounded and half-bounded dimensions respects the finite side', () => {
  const box = new Box([-Infinity, 2, -Infinity], [Infinity, Infinity, -5], [3], 'float64');
  const rng = new Rng(2);
  let negative = false;
  for (let k = 0; k < 500; k++) {
    const x = box.sample(rng);
    assert.ok(Number.isFinite(x[0]));
    assert.ok(x[1] >= 2, `x[1] = ${x[1]} below its low bound 2`);
    assert.ok(x[2] <= -5, `x[2] = ${x[2]} above its high bound -5`);
    negative ||= x[0] < 0;
  }
  assert.ok(negative, 'the unbounded dimension takes both signs');
});

test('contains checks length, bounds (inclusive) and NaN', () => {
  const box = new Box(-1, 1, [2], 'float64');
  assert.equal(box.contains([-1, 1]), true);
  assert.equal(box.contains([0, 1.0000001]), false);
  assert.equal(box.contains([0]), false);
  assert.equal(box.contains([0, 0, 0]), false);
  assert.equal(box.contains([NaN, 0]), false);
  const open = new Box(-Infinity, Infinity, [1], 'float64');
  assert.equal(open.contains([1e300]), true);
  assert.equal(open.contains([NaN]), false);
});

test('clip moves each element into its interval', () => {
  const box = new Box([-1, 0], [1, 2], [2], 'float64');
  assert.deepEqual(Array.from(box.clip([-5, 5])), [-1, 2]);
  assert.deepEqual(Array.from(box.clip([0.5, 1.5])), [0.5, 1.5]);
  assert.equal(box.size, 2);
});

test('bad bounds and shapes are rejected with the reason', () => {
  assert.throws(() => new Box(1, -1, [2]), /low <= high.*low\[0\]=1 > high\[0\]=-1/);
  assert.throws(() => new Box([0, 2], [1, 1], [2]), /low\[1\]=2 > high\[1\]=1/);
  assert.throws(() => new Box(NaN, 1, [1]), /low <= high/);
  assert.throws(() => new Box([0, 0, 0], 1, [2]), /low has 3 elements, expected 2/);
  assert.throws(() => new Box(0, 1, [0]), /shape must be positive integers/);
  assert.throws(() => new Box(0, 1, [2.5]), /shape must be positive integers/);
});

test('toJSON gives plain arrays', () => {
  assert.deepEqual(new Box(-1, 1, [2]).toJSON(), { low: [-1, -1], high: [1, 1], shape: [2], dtype: 'float32' });
});
