/**
 * The command line is generated from the config schema: every config field is a flag of
 * `a3c train`, a field added to the schema becomes a flag with no other edit, and malformed
 * input gets an error that says what is allowed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { field, flagOf } from '../lib/common/schema.js';
import { CONFIG_SCHEMA, DEFAULT_CONFIG, resolveConfig, type A3CConfig } from '../lib/config.js';
import { HelpRequested, helpText, parseFlags, UsageError } from '../lib/cli/flags.js';
import { RENDER_COMMAND } from '../lib/cli/eval_command.js';
import { belowUsualText, summaryText, TRAIN_COMMAND } from '../lib/cli/train_command.js';
import type { TrainResult } from '../lib/training/trainer.js';

test('every config field is a flag of a3c train, listed in its help with its default', () => {
  const help = helpText(TRAIN_COMMAND);
  for (const [key, spec] of Object.entries(CONFIG_SCHEMA)) {
    assert.match(help, new RegExp(`--${flagOf(key, spec)}\\b`), key);
  }
  assert.match(help, /--target-kl X +KL per update .* \(default 0\.01\)/);
  assert.match(help, /--normalize-reward .*\(default on; --no-normalize-reward turns it off\)/);
  // A doc that gives its default in words is not followed by a second one.
  assert.match(help, /--workers N +worker threads, .*\(default: the number of cores, \d+ here; at most 4 per core\)\n/);
  assert.match(helpText(RENDER_COMMAND), /--steps N +episode length limit \(default: the task's own\)\n/);
});

test('a field added to the schema is a flag with no other edit', () => {
  const schema = { ...CONFIG_SCHEMA, clipRange: field.number({ default: 0.2, min: 0, max: 1, doc: 'a new setting' }) };
  const spec = { name: 'train', summary: '', groups: { config: schema } };
  const parsed = parseFlags(spec, ['--clip-range', '0.3', '--n-steps=40']);
  assert.deepEqual(parsed.config, { clipRange: 0.3, nSteps: 40 });
  assert.match(helpText(spec), /--clip-range X +a new setting \(default 0\.2\)/);
  assert.throws(() => parseFlags(spec, ['--clip-range', '2']), /--clip-range must be a number >= 0 and <= 1, got 2/);
});

test('values are parsed strictly and checked by their field', () => {
  const parse = (...args: string[]) => parseFlags(TRAIN_COMMAND, args)['A3C configuration (lib/config.ts)'];
  assert.deepEqual(parse('--total-steps', '1e6', '--seed', '1_000'), { totalSteps: 1_000_000, seed: 1000 });
  assert.deepEqual(parse('--hidden', '64,32', '--max-grad-norm', 'Infinity'), {
    hiddenSizes: [64, 32],
    maxGradNorm: Infinity,
  });
  assert.deepEqual(parse('--no-normalize-reward', '--normalize-observation'), {
    normalizeReward: false,
    normalizeObservation: true,
  });
  const cases: [string[], RegExp][] = [
    [['--lr', 'abc'], /--lr must be a number > 0 and <= 1, got "abc"/],
    [['--workers', '0'], /--workers must be an integer >= 1/],
    [['--steps', '5'], /unknown option --steps for "a3c train"; see "a3c train --help"/],
    [['--seed'], /--seed needs a value \(N\)/],
    [['--seed', '--lr', '1'], /--seed needs a value/],
    [['--seed', '1', '--seed', '2'], /--seed is given twice/],
    [['--resume=yes'], /--resume is a switch and takes no value/],
    [['--no-lr'], /unknown option --no-lr/],
    [['--model', 'cnn'], /--model must be one of squashed, separate, shared, got "cnn"/],
    [['--env', 'Nope-v0'], /--env must be a registered environment/],
    [['positional'], /unexpected argument "positional"/],
  ];
  for (const [args, message] of cases) {
    assert.throws(
      () => parseFlags(TRAIN_COMMAND, args),
      (error: unknown) => error instanceof UsageError && message.test(error.message),
      args.join(' '),
    );
  }
  assert.throws(() => parseFlags(TRAIN_COMMAND, ['--seed', '1', '-h']), HelpRequested);
});

test('a run that ends below what the defaults usually reach says so, and what to look at', () => {
  const result = (bestScore: number | null, overrides: Partial<A3CConfig> = {}) =>
    ({
      runDir: '/runs/x',
      config: resolveConfig({ envId: 'HalfCheetah-v5', seed: 7, ...overrides }),
      bestScore,
      aborted: false,
      bestPath: '/runs/x/best.ckpt',
      lastPath: '/runs/x/last.ckpt',
    }) as TrainResult;
  const poor = belowUsualText(result(1800), DEFAULT_CONFIG);
  assert.match(
    poor,
    /ended below what the defaults usually reach on HalfCheetah-v5 \(best score 1800\.0; all 20 held-out runs of the defaults/,
  );
  assert.match(poor, /evaluations\.jsonl.*policy\/kl.*--video \/runs\/x\/episode\.mp4/);
  assert.equal(belowUsualText(result(3100), DEFAULT_CONFIG), '', 'a good run gets no warning');
  assert.equal(belowUsualText(result(1800, { lr: 1e-3 }), DEFAULT_CONFIG), '', 'other settings: no known usual result');
  assert.equal(belowUsualText(result(1800, { totalSteps: 100_000 }), DEFAULT_CONFIG), '', 'a short run is not judged');
});

test("the end-of-run line: after early restarts the counters are the last attempt's and the time the whole run's", () => {
  const result = (restarts: number) =>
    ({ globalSteps: 2_000_000, episodes: 2000, wallSeconds: 165.2, stepsPerSecond: 18105.4, restarts }) as TrainResult;
  assert.equal(summaryText(result(0)), '2000000 steps, 2000 episodes in 165 s (18105 steps/s)');
  assert.equal(
    summaryText(result(1)),
    '2000000 steps, 2000 episodes in the attempt after 1 early restart (18105 steps/s); 165 s in all',
  );
  assert.match(summaryText(result(3)), /after 3 early restarts/);
});
