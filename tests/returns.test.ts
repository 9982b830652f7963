import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discountedReturns, gae } from '../lib/a3c/returns.js';

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-12, message = ''): void {
  assert.equal(actual.length, expected.length, `${message} length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance,
      `${message}[${i}]: got ${actual[i]}, expected ${expected[i]}`,
    );
  }
}

test('discountedReturns: hand-computed 3-step example with a bootstrap value', () => {
  // gamma = 0.5, R_3 = bootstrap = 4:
  //   R_2 = 3 + 0.5 * 4    = 5
  //   R_1 = 2 + 0.5 * 5    = 4.5
  //   R_0 = 1 + 0.5 * 4.5  = 3.25
  assertClose(discountedReturns({ rewards: [1, 2, 3], bootstrapValue: 4, gamma: 0.5 }), [3.25, 4.5, 5]);
});

test('discountedReturns: bootstrap 0 (terminated) vs V(s_T) (cut or truncated) differ by gamma^(T-t) V(s_T)', () => {
  const rewards = [0.5, -1, 2, 0];
  const gamma = 0.9;
  const cut = discountedReturns({ rewards, bootstrapValue: 10, gamma });
  const terminated = discountedReturns({ rewards, bootstrapValue: 0, gamma });
  const T = rewards.length;
  assertClose(
    Array.from(cut, (r, t) => r - terminated[t]),
    Array.from({ length: T }, (_, t) => gamma ** (T - t) * 10),
    1e-12,
  );
});

test('gae: hand-computed 3-step example', () => {
  // gamma = 0.9, lambda = 0.8 (gamma * lambda = 0.72), V = [0.5, 1, 1.5], V(s_3) = bootstrap = 2
  //   delta_2 = 2 + 0.9 * 2   - 1.5 = 2.3
  //   delta_1 = 0 + 0.9 * 1.5 - 1   = 0.35
  //   delta_0 = 1 + 0.9 * 1   - 0.5 = 1.4
  //   A_2 = 2.3
  //   A_1 = 0.35 + 0.72 * 2.3   = 2.006
  //   A_0 = 1.4  + 0.72 * 2.006 = 2.84432
  // n-step returns: R_2 = 2 + 0.9 * 2 = 3.8, R_1 = 0.9 * 3.8 = 3.42, R_0 = 1 + 0.9 * 3.42 = 4.078
  const { advantages, returns } = gae({
    rewards: [1, 0, 2],
    values: [0.5, 1, 1.5],
    bootstrapValue: 2,
    gamma: 0.9,
    gaeLambda: 0.8,
  });
  assertClose(advantages, [2.84432, 2.006, 2.3], 1e-12, 'advantages');
  assertClose(returns, [4.078, 3.42, 3.8], 1e-12, 'returns');
});

// Stable-Baselines3's test idea: a constant value function V = c and a single reward of 1 on the
// last step. Then every TD error is known in closed form:
//   delta_t     = 0 + gamma * c - c = (gamma - 1) c          for t < T - 1
//   delta_{T-1} = 1 + gamma * b - c                          (b = bootstrap: c if cut, 0 if terminated)
// and the advantage, from its definition A_t = sum_k (gamma lambda)^k delta_{t+k}, is
//   A_t = (gamma - 1) c * sum_{k=0}^{T-2-t} (gamma lambda)^k + (gamma lambda)^{T-1-t} * (1 + gamma b - c)
// summed here directly (not by the recursion the implementation uses).
function expectedConstantValueAdvantages(
  T: number,
  c: number,
  bootstrap: number,
  gamma: number,
  lambda: number,
): number[] {
  const gl = gamma * lambda;
  return Array.from({ length: T }, (_, t) => {
    let sum = 0;
    for (let k = 0; k <= T - 2 - t; k++) sum += gl ** k;
    return (gamma - 1) * c * sum + gl ** (T - 1 - t) * (1 + gamma * bootstrap - c);
  });
}

for (const terminated of [true, false]) {
  test(`gae: constant value, reward on the last step, sweep of gamma and lambda (${terminated ? 'terminated, bootstrap 0' : 'cut, bootstrap V(s_T)'})`, () => {
    const T = 6;
    const c = 0.7;
    const bootstrap = terminated ? 0 : c;
    const rewards = Array.from({ length: T }, (_, t) => (t === T - 1 ? 1 : 0));
    const values = new Array(T).fill(c);
    for (const gamma of [0, 0.5, 0.9, 0.99, 1]) {
      for (const gaeLambda of [0, 0.5, 0.95, 1]) {
        const { advantages, returns } = gae({ rewards, values, bootstrapValue: bootstrap, gamma, gaeLambda });
        assertClose(
          advantages,
          expectedConstantValueAdvantages(T, c, bootstrap, gamma, gaeLambda),
          1e-12,
          `gamma=${gamma} lambda=${gaeLambda}`,
        );
        // R_t = gamma^(T-1-t) * 1 + gamma^(T-t) * bootstrap
        assertClose(
          returns,
          Array.from({ length: T }, (_, t) => gamma ** (T - 1 - t) + gamma ** (T - t) * bootstrap),
          1e-12,
          'returns',
        );
      }
    }
  });
}

test('gae: with V = 0 and bootstrap 0, A_t = (gamma lambda)^(T-1-t) and R_t = gamma^(T-1-t)', () => {
  const T = 5;
  const rewards = [0, 0, 0, 0, 1];
  const { advantages, returns } = gae({
    rewards,
    values: new Array(T).fill(0),
    bootstrapValue: 0,
    gamma: 0.9,
    gaeLambda: 0.5,
  });
  assertClose(advantages, [0.45 ** 4, 0.45 ** 3, 0.45 ** 2, 0.45, 1]);
  assertClose(returns, [0.9 ** 4, 0.9 ** 3, 0.9 ** 2, 0.9, 1]);
});

test('gae: lambda = 1 gives the n-step return minus V, lambda = 0 gives the one-step TD error', () => {
  const rewards = [0.3, -0.2, 1.1, 0.05, -0.7];
  const values = [0.9, -0.4, 0.25, 1.3, 0.6];
  const bootstrapValue = -0.35;
  const gamma = 0.97;
  const full = gae({ rewards, values, bootstrapValue, gamma, gaeLambda: 1 });
  const returns = discountedReturns({ rewards, bootstrapValue, gamma });
  assertClose(
    full.advantages,
    Array.from(returns, (r, t) => r - values[t]),
    1e-12,
    'lambda=1',
  );
  assertClose(full.returns, returns, 1e-12, 'returns');

  const td = gae({ rewards, values, bootstrapValue, gamma, gaeLambda: 0 });
  const next = [...values.slice(1), bootstrapValue];
  assertClose(
    td.advantages,
    rewards.map((r, t) => r + gamma * next[t] - values[t]),
    1e-12,
    'lambda=0',
  );
  // The value target does not depend on lambda.
  assertClose(td.returns, returns, 1e-12, 'returns');
});

test('gae and discountedReturns: an empty rollout gives empty arrays', () => {
  assert.equal(discountedReturns({ rewards: [], bootstrapValue: 1, gamma: 0.9 }).length, 0);
  const { advantages, returns } = gae({ rewards: [], values: [], bootstrapValue: 1, gamma: 0.9, gaeLambda: 0.9 });
  assert.equal(advantages.length + returns.length, 0);
});

test('gae and discountedReturns: reject bad input with a clear message', () => {
  const ok = { rewards: [1, 2], values: [0, 0], bootstrapValue: 0, gamma: 0.9, gaeLambda: 0.9 };
  assert.throws(() => gae({ ...ok, values: [0] }), /values must have one entry per reward, got 1 values for 2 rewards/);
  assert.throws(() => gae({ ...ok, gamma: 1.5 }), /gamma must be a number in \[0, 1\], got 1.5/);
  assert.throws(() => gae({ ...ok, gaeLambda: -0.1 }), /gaeLambda must be a number in \[0, 1\]/);
  assert.throws(() => gae({ ...ok, gamma: Number.NaN }), /gamma must be a number in \[0, 1\]/);
  assert.throws(() => gae({ ...ok, rewards: [1, Number.NaN] }), /rewards\[1\] must be a finite number/);
  assert.throws(() => gae({ ...ok, values: [0, Infinity] }), /values\[1\] must be a finite number/);
  assert.throws(() => gae({ ...ok, bootstrapValue: Number.NaN }), /bootstrapValue must be a finite number/);
  assert.throws(
    () => discountedReturns({ rewards: [1], bootstrapValue: 0, gamma: -1 }),
    /gamma must be a number in \[0, 1\]/,
  );
});
