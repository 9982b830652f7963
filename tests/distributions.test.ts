import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HALF_LOG_2PI,
  diagonalGaussianKl,
  gaussianEntropy,
  gaussianLogProb,
  logOneMinusTanhSquared,
  scaleAction,
  scaleLogDetJacobian,
  softplus,
  squashedGaussianLogProb,
  tanhLogDetJacobian,
} from '../lib/model/distributions.js';

function close(actual: number, expected: number, tolerance: number, message = ''): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${message} got ${actual}, expected ${expected} (tolerance ${tolerance})`,
  );
}

/** The normal density itself, 1 / (sigma sqrt(2 pi)) exp(-(x - mu)^2 / (2 sigma^2)). */
function normalPdf(x: number, mu: number, sigma: number): number {
  return Math.exp(-((x - mu) ** 2) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI));
}

test('gaussianLogProb: standard normal at x = 1 is -1/2 - log(2 pi)/2', () => {
  close(gaussianLogProb({ x: [1], mean: [0], logStd: [0] }), -0.5 - 0.5 * Math.log(2 * Math.PI), 1e-15);
  close(HALF_LOG_2PI, 0.9189385332046727, 1e-15);
});

test('gaussianLogProb: a diagonal Gaussian is the log of the product of its 1-D densities', () => {
  const x = [1, 3, -0.5];
  const mean = [0, 1, 0.25];
  const sigma = [2, 0.5, 1.5];
  const density = x.reduce((p, xi, i) => p * normalPdf(xi, mean[i], sigma[i]), 1);
  close(gaussianLogProb({ x, mean, logStd: sigma.map(Math.log) }), Math.log(density), 1e-12);
});

test('gaussianEntropy: sum of the 1-D entropies log(sigma sqrt(2 pi e))', () => {
  const sigma = [2, 0.5, 1];
  const expected = sigma.reduce((h, s) => h + 0.5 * Math.log(2 * Math.PI * Math.E * s * s), 0);
  close(gaussianEntropy(sigma.map(Math.log)), expected, 1e-12);
  // A 6-D unit Gaussian (the default HalfCheetah policy at logStd = 0): 6 * 1.4189385...
  close(gaussianEntropy(new Array(6).fill(0)), 6 * 1.4189385332046727, 1e-12);
});

test('softplus: log(1 + e^x) without overflow', () => {
  close(softplus(0), Math.LN2, 1e-15);
  close(softplus(2), Math.log(1 + Math.exp(2)), 1e-14);
  close(softplus(-3), Math.log(1 + Math.exp(-3)), 1e-15);
  assert.equal(softplus(1000), 1000);
  close(softplus(-1000), 0, 1e-300);
});

test('logOneMinusTanhSquared: equals log(1 - tanh(u)^2) where that is representable, finite where it is not', () => {
  for (const u of [-3, -0.7, 0, 0.3, 1.5, 4])
    close(logOneMinusTanhSquared(u), Math.log(1 - Math.tanh(u) ** 2), 1e-9, `u=${u}`);
  // For |u| = 20, 1 - tanh(u)^2 rounds to 0 in double precision: the naive form gives -Infinity.
  // Exactly, 1 - tanh(u)^2 = sech(u)^2 = 4 e^{-2|u|} / (1 + e^{-2|u|})^2, whose log is log 4 - 2|u|
  // up to 2 log(1 + e^{-40}) ~ 8e-18.
  assert.equal(Math.log(1 - Math.tanh(20) ** 2), -Infinity);
  close(logOneMinusTanhSquared(20), Math.log(4) - 40, 1e-12);
  close(logOneMinusTanhSquared(-20), Math.log(4) - 40, 1e-12);
  close(tanhLogDetJacobian([0, 20]), 0 + Math.log(4) - 40, 1e-12);
});

test('scaleAction and scaleLogDetJacobian map (-1, 1) affinely onto [low, high]', () => {
  // a = low + (y + 1) (high - low) / 2:  y = -1 -> -2;  y = 0.5 -> 0 + 1.5 * 0.5 = 0.75
  assert.deepEqual(Array.from(scaleAction({ squashed: [-1, 0.5], low: [-2, 0], high: [2, 1] })), [-2, 0.75]);
  // log|da/dy| = log((high - low) / 2): log 2 + log 0.5 = 0
  close(scaleLogDetJacobian({ low: [-2, 0], high: [2, 1] }), 0, 1e-15);
  close(scaleLogDetJacobian({ low: [-1], high: [1] }), 0, 1e-15);
  close(scaleLogDetJacobian({ low: [0], high: [6] }), Math.log(3), 1e-15);
});

test('squashedGaussianLogProb: the change of variables done by hand, with a numerical Jacobian', () => {
  // 2-D, different boxes. The action is a_i = low_i + (tanh(u_i) + 1) (high_i - low_i) / 2; its
  // inverse is u_i(a) = atanh(2 (a_i - low_i) / (high_i - low_i) - 1). The density of a is the
  // density of u at u(a) times |du/da|, here by central finite differences of the inverse map.
  const low = [-1, 0];
  const high = [1, 4];
  const mean = [0.2, -0.4];
  const logStd = [Math.log(0.6), Math.log(1.3)];
  const u = [0.9, -1.7];
  const inverse = (a: number, i: number) => Math.atanh((2 * (a - low[i])) / (high[i] - low[i]) - 1);
  const a = scaleAction({ squashed: u.map(Math.tanh), low, high });
  let density = 1;
  for (let i = 0; i < 2; i++) {
    const h = 1e-6;
    const duda = (inverse(a[i] + h, i) - inverse(a[i] - h, i)) / (2 * h);
    density *= normalPdf(u[i], mean[i], Math.exp(logStd[i])) * Math.abs(duda);
  }
  close(squashedGaussianLogProb({ u, mean, logStd, low, high }), Math.log(density), 1e-7);
});

test('squashedGaussianLogProb: with the box (-1, 1) only the tanh term remains', () => {
  const u = [0.5];
  const expected = Math.log(normalPdf(0.5, 0, 1) / (1 - Math.tanh(0.5) ** 2));
  close(squashedGaussianLogProb({ u, mean: [0], logStd: [0], low: [-1], high: [1] }), expected, 1e-12);
});

test('distribution helpers reject bad input with a clear message', () => {
  assert.throws(() => gaussianLogProb({ x: [1, 2], mean: [0], logStd: [0, 0] }), /mean has length 1, x has 2/);
  assert.throws(() => gaussianLogProb({ x: [Number.NaN], mean: [0], logStd: [0] }), /x\[0\] must be a number/);
  assert.throws(() => scaleAction({ squashed: [0], low: [1], high: [1] }), /low < high/);
  assert.throws(() => scaleLogDetJacobian({ low: [-Infinity], high: [1] }), /must be finite with low < high/);
  assert.throws(
    () => squashedGaussianLogProb({ u: [0, 0], mean: [0, 0], logStd: [0, 0], low: [-1], high: [1] }),
    /length/,
  );
});

test('diagonalGaussianKl: hand-computed values, zero for equal Gaussians, and a Monte Carlo check', () => {
  // N(0, 1) -> N(1, 2^2): log 2 + (1 + 1) / (2 * 4) - 1/2 = 0.693147 + 0.25 - 0.5 = 0.443147.
  close(
    diagonalGaussianKl({ mean: [0], logStd: [0] }, { mean: [1], logStd: [Math.log(2)] }),
    Math.log(2) - 0.25,
    1e-12,
  );
  // N(1, 0.5^2) -> N(0, 1): 0 - log 0.5 + (0.25 + 1) / 2 - 1/2 = 0.693147 + 0.125 = 0.818147.
  close(
    diagonalGaussianKl({ mean: [1], logStd: [Math.log(0.5)] }, { mean: [0], logStd: [0] }),
    Math.log(2) + 0.125,
    1e-12,
  );
  // Dimensions add.
  close(
    diagonalGaussianKl({ mean: [0, 1], logStd: [0, Math.log(0.5)] }, { mean: [1, 0], logStd: [Math.log(2), 0] }),
    Math.log(2) - 0.25 + Math.log(2) + 0.125,
    1e-12,
  );
  assert.equal(diagonalGaussianKl({ mean: [0.3, -2], logStd: [-2, 0.5] }, { mean: [0.3, -2], logStd: [-2, 0.5] }), 0);
  // E_old[log p_old(x) - log p_new(x)] by sampling, 200k draws.
  const old = { mean: [0.2, -0.4], logStd: [-1, -0.5] };
  const next = { mean: [0.5, -0.1], logStd: [-0.8, -0.9] };
  let seed = 12345;
  const uniform = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed + 0.5) / 2147483648;
  };
  let sum = 0;
  const draws = 200_000;
  for (let k = 0; k < draws; k++) {
    const x = old.mean.map(
      (m, i) => m + Math.exp(old.logStd[i]) * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()),
    );
    sum += gaussianLogProb({ x, ...old }) - gaussianLogProb({ x, ...next });
  }
  close(sum / draws, diagonalGaussianKl(old, next), 0.01, 'Monte Carlo');
  assert.throws(
    () => diagonalGaussianKl({ mean: [0], logStd: [0] }, { mean: [0, 1], logStd: [0, 0] }),
    /diagonalGaussianKl: newMean has length 2, oldMean has 1/,
  );
});
