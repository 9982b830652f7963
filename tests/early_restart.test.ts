import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../lib/config.js';
import { attemptSeed, EARLY_CHECKS, earlyCheckFor, failsEarlyCheck } from '../lib/training/early_restart.js';

const cheetah = { ...DEFAULT_CONFIG, envId: 'HalfCheetah-v5' };

test('the early check applies to tasks that have one, while restarts remain and before the budget ends', () => {
  assert.deepEqual(earlyCheckFor(cheetah, 0), EARLY_CHECKS['HalfCheetah-v5']);
  assert.deepEqual(earlyCheckFor(cheetah, cheetah.maxRestarts - 1), EARLY_CHECKS['HalfCheetah-v5']);
  assert.equal(earlyCheckFor(cheetah, cheetah.maxRestarts), null, 'no restart left');
  assert.equal(earlyCheckFor({ ...cheetah, maxRestarts: 0 }, 0), null, 'disabled');
  assert.equal(earlyCheckFor({ ...cheetah, envId: 'Hopper-v5' }, 0), null, 'no measured check for Hopper');
  assert.equal(earlyCheckFor({ ...cheetah, evalIntervalSteps: 0 }, 0), null, 'no evaluations to judge by');
  assert.equal(earlyCheckFor({ ...cheetah, totalSteps: 700_000 }, 0), null, 'the budget ends at the check');
  assert.notEqual(earlyCheckFor({ ...cheetah, totalSteps: 700_001 }, 0), null);
  const custom = { steps: 10, minScore: 5 };
  assert.equal(
    earlyCheckFor({ ...cheetah, envId: 'Hopper-v5' }, 0, custom),
    custom,
    'an explicit check replaces the table',
  );
  assert.equal(earlyCheckFor(cheetah, 0, null), null, 'null disables it');
});

test('a run fails the early check when its best score is below the bar at or after the check step', () => {
  const check = { steps: 700_000, minScore: 2000 };
  assert.equal(failsEarlyCheck(check, 699_999, 0), false, 'too early to judge');
  assert.equal(failsEarlyCheck(check, 700_000, 1999.9), true);
  assert.equal(failsEarlyCheck(check, 700_040, null), true, 'no evaluation at all');
  assert.equal(failsEarlyCheck(check, 700_040, 2000), false);
  assert.equal(failsEarlyCheck(check, 900_000, 4000), false);
});

test('each attempt has its own seed, the same on every run, within the seed range', () => {
  assert.equal(attemptSeed(7, 0), 7, 'the first attempt uses the run seed');
  const seeds = [0, 1, 2, 3].map((r) => attemptSeed(7, r));
  assert.equal(new Set(seeds).size, 4);
  // Pinned: a reproducible run's restarts, and so its results, depend on these values.
  assert.deepEqual(seeds, [7, 1_000_010, 2_000_013, 3_000_016]);
  const top = attemptSeed(2 ** 31 - 1, 2);
  assert.ok(Number.isInteger(top) && top >= 0 && top < 2 ** 31, `${top}`);
});
