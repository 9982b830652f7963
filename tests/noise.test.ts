import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CorrelatedNoise } from '../lib/a3c/noise.js';
import { ActorCritic, defaultModelSpec } from '../lib/model/actor_critic.js';
import { Rng } from '../lib/common/rng.js';
import { resolveConfig, configFromJSON } from '../lib/config.js';

/** n consecutive draws of one dimension of the process. */
function series(rho: number, n: number, seed: number, size = 3, dim = 1): Float64Array {
  const noise = new CorrelatedNoise(size, rho, new Rng(seed));
  const xs = new Float64Array(n);
  for (let t = 0; t < n; t++) xs[t] = noise.next()[dim];
  return xs;
}

function autocorrelation(xs: Float64Array, lag: number): number {
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= xs.length;
  let num = 0;
  let den = 0;
  for (let t = 0; t < xs.length; t++) {
    den += (xs[t] - mean) ** 2;
    if (t + lag < xs.length) num += (xs[t] - mean) * (xs[t + lag] - mean);
  }
  return num / den;
}

test('CorrelatedNoise: N(0, 1) marginals and lag-k autocorrelation rho^k', () => {
  const n = 200_000;
  for (const rho of [0.5, 0.7, 0.9]) {
    const xs = series(rho, n, 7);
    let mean = 0;
    let squares = 0;
    for (const x of xs) {
      mean += x;
      squares += x * x;
    }
    mean /= n;
    const variance = squares / n - mean * mean;
    // An AR(1) mean has std sqrt((1 + rho) / (1 - rho) / n); 5 of those is a generous bound.
    const meanBound = 5 * Math.sqrt((1 + rho) / (1 - rho) / n);
    assert.ok(Math.abs(mean) < meanBound, `rho ${rho}: mean ${mean} (bound ${meanBound})`);
    assert.ok(Math.abs(variance - 1) < 0.05, `rho ${rho}: variance ${variance}`);
    for (const lag of [1, 2, 5]) {
      const r = autocorrelation(xs, lag);
      assert.ok(
        Math.abs(r - rho ** lag) < 0.02,
        `rho ${rho}, lag ${lag}: autocorrelation ${r}, expected ${rho ** lag}`,
      );
    }
  }
});

test('CorrelatedNoise: dimensions are independent of each other', () => {
  const noise = new CorrelatedNoise(2, 0.7, new Rng(3));
  const n = 100_000;
  let cross = 0;
  for (let t = 0; t < n; t++) {
    const eps = noise.next();
    cross += eps[0] * eps[1];
  }
  assert.ok(Math.abs(cross / n) < 0.03, `cross-correlation ${cross / n}`);
});

test("CorrelatedNoise: rho 0 is exactly the generator's independent normal stream", () => {
  const noise = new CorrelatedNoise(4, 0, new Rng(11));
  const reference = new Rng(11);
  for (let t = 0; t < 50; t++) {
    const eps = noise.next();
    for (let i = 0; i < 4; i++) assert.equal(eps[i], reference.normal());
  }
});

test('CorrelatedNoise: rejects rho outside [0, 1) and bad sizes, saying what is allowed', () => {
  assert.throws(() => new CorrelatedNoise(6, 1, new Rng(1)), /rho must be in \[0, 1\).*got 1/);
  assert.throws(() => new CorrelatedNoise(6, -0.1, new Rng(1)), /rho must be in \[0, 1\)/);
  assert.throws(() => new CorrelatedNoise(6, Number.NaN, new Rng(1)), /rho must be in \[0, 1\)/);
  assert.throws(() => new CorrelatedNoise(0, 0.5, new Rng(1)), /size must be a positive integer/);
});

test('ActorCritic.act with given noise: u = mu + sigma * eps, and the same log-prob as a sampled u', () => {
  const spec = defaultModelSpec({
    observationSize: 17,
    actionSize: 6,
    actionLow: new Array(6).fill(-1),
    actionHigh: new Array(6).fill(1),
    initLogStd: -0.4,
  });
  const model = new ActorCritic(spec, { rng: new Rng(5) });
  const observation = Array.from({ length: 17 }, (_, i) => Math.sin(i));
  const { mean, logStd } = model.forward(observation);
  const eps = [0.3, -1.2, 0, 2.5, -0.7, 1];
  const out = model.act(observation, new Rng(0), { noise: eps });
  for (let i = 0; i < 6; i++) assert.equal(out.rawAction[i], Math.fround(mean[i] + Math.exp(logStd[i]) * eps[i]));
  // The log-prob is a function of u alone: replaying the same u through the sampling path agrees.
  const sampler = new Rng(9);
  const sampled = model.act(observation, sampler);
  const replayEps = Array.from(sampled.rawAction, (u, i) => (u - mean[i]) / Math.exp(logStd[i]));
  const replay = model.act(observation, new Rng(0), { noise: replayEps });
  assert.ok(Math.abs(replay.logProb - sampled.logProb) < 1e-6, `${replay.logProb} vs ${sampled.logProb}`);
  assert.throws(() => model.act(observation, new Rng(0), { noise: [1, 2] }), /noise must have 6 numbers/);
  assert.throws(() => model.act(observation, new Rng(0), { noise: [0, 0, Number.NaN, 0, 0, 0] }), /noise contains NaN/);
});

test('config: noiseCorrelation is validated; runs saved before it existed read back as independent noise', () => {
  assert.equal(resolveConfig({ noiseCorrelation: 0.5 }).noiseCorrelation, 0.5);
  assert.throws(() => resolveConfig({ noiseCorrelation: 1 }), /noiseCorrelation must be in \[0, 1\)/);
  assert.throws(() => resolveConfig({ noiseCorrelation: -0.2 }), /noiseCorrelation must be in \[0, 1\)/);
  const saved = JSON.parse(JSON.stringify(resolveConfig({}))) as Record<string, unknown>;
  delete saved.noiseCorrelation;
  assert.equal(configFromJSON(saved).noiseCorrelation, 0);
});
