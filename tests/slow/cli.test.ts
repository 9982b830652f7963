/**
 * The `a3c` command line, run as a user runs it: the built dist/cli.js in a child process
 * (`npm test` builds dist/ first; run alone, a test fails on a stale or missing build).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, CLI } from '../fixtures/built.js';

function a3c(args: string[]) {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('train then eval a checkpoint from the command line', () => {
  const runDir = join(mkdtempSync(join(tmpdir(), 'a3c-cli-')), 'run');
  const trained = a3c([
    'train',
    '--env',
    'InvertedPendulum-v5',
    '--workers',
    '2',
    '--total-steps',
    '3000',
    '--seed',
    '2',
    '--run-dir',
    runDir,
    '--json',
  ]);
  assert.equal(trained.code, 0, trained.stderr);
  const summary = JSON.parse(trained.stdout) as { globalSteps: number; lastPath: string };
  assert.ok(summary.globalSteps >= 3000);
  assert.match(trained.stderr, /Training A3C on InvertedPendulum-v5 with 2 workers for 3000 steps/);
  // The bar ends on the final episode count and on the best score that the last line reports.
  const done = /Done: \d+ steps, (\d+) episodes .* score ([-\d.]+) \(mean - std/.exec(trained.stderr);
  assert.ok(done, trained.stderr);
  const bar = trained.stderr.split('\n').filter((line) => line.includes('% |'));
  assert.match(bar.at(-1) ?? '', new RegExp(`\\| ${done[1]} episodes \\|.*\\| best score ${done[2]} \\|`));
  assert.ok(existsSync(join(runDir, 'last.ckpt')));

  const evaluated = a3c(['eval', '--checkpoint', join(runDir, 'last'), '--episodes', '3', '--json']);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const result = JSON.parse(evaluated.stdout) as {
    returns: number[];
    mean: number;
    std: number;
    deterministic: boolean;
  };
  assert.equal(result.returns.length, 3);
  assert.equal(result.deterministic, true);
  assert.ok(Math.abs(result.mean - result.returns.reduce((a, b) => a + b, 0) / 3) < 1e-9);

  const table = a3c(['eval', '--checkpoint', join(runDir, 'last'), '--episodes', '2', '--stochastic']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /episode {2}1: return/);
  assert.match(table.stdout, /Mean return [-\d.]+ \+- [\d.]+/);

  const again = a3c(['train', '--env', 'InvertedPendulum-v5', '--total-steps', '3000', '--run-dir', runDir]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already holds a run; resume it with --resume/);

  // Resumed with the total it already reached: it says so, and the bar starts from the saved best score.
  const finished = a3c(['train', '--run-dir', runDir, '--resume']);
  assert.equal(finished.code, 0, finished.stderr);
  assert.match(
    finished.stderr,
    new RegExp(
      `Nothing left to train: the run has taken ${summary.globalSteps} steps of its 3000; to train on, pass a larger --total-steps`,
    ),
  );
  const firstBar = finished.stderr.split('\n').find((line) => line.includes('% |')) ?? '';
  assert.match(firstBar, new RegExp(`\\| best score ${done[2]} \\|`));
});

test('bad input gets a clear message and exit code 2', () => {
  const cases: [string[], RegExp][] = [
    [['train', '--workers', '0'], /--workers must be an integer >= 1 and <= \d+, got 0/],
    [['train', '--env', 'Nope-v1'], /--env must be a registered environment \(.*HalfCheetah-v5.*\), got "Nope-v1"/],
    [['train', '--lr', 'fast'], /--lr must be a number > 0 and <= 1, got "fast"/],
    [['train', '--bogus'], /unknown option --bogus for "a3c train"; see "a3c train --help"/],
    [['train', '--total-steps', '3e9'], /--total-steps must be an integer >= 1 and <= 2000000000, got 3000000000/],
    [['eval'], /eval needs --checkpoint PATH/],
    [['eval', '--checkpoint', 'x', '--episodes', '0'], /--episodes must be an integer >= 1/],
    [['render', '--env', 'InvertedPendulum-v5', '--steps', '0', '--png', 'x.png'], /--steps must be an integer >= 1/],
    [['render', '--policy', 'smart', '--video', 'x.mp4'], /--policy must be one of random, zero, got "smart"/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = a3c(args);
    assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
    assert.match(stderr, message, args.join(' '));
  }
  const help = a3c(['train', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--target-kl X +KL per update/);
  const missing = a3c(['eval', '--checkpoint', '/nonexistent/best']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Checkpoint not found: \/nonexistent\/best/);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} (Ctrl-C, kill) stops training cleanly: exit 130, a last checkpoint that --resume accepts`, async () => {
    assertBuilt();
    const runDir = join(mkdtempSync(join(tmpdir(), 'a3c-cli-')), 'run');
    const child = spawn(
      process.execPath,
      [
        CLI,
        'train',
        '--env',
        'InvertedPendulum-v5',
        '--workers',
        '2',
        '--total-steps',
        '10000000',
        '--run-dir',
        runDir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // Wait until training is under way (the progress bar has reported steps), then press Ctrl-C.
    const started = Date.now();
    while (!/\d+\/10000000 steps/.test(stderr.replace(/\b0\/10000000 steps/g, '')) && Date.now() - started < 60_000) {
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill(signal);
    const code = await new Promise<number | null>((resolveExit) => child.once('exit', (c) => resolveExit(c)));
    assert.equal(code, 130, stderr);
    assert.match(stderr, /Stopping( on SIGTERM)?: workers finish their rollout/);
    assert.match(stderr, /Resume with: npx a3c train --run-dir .* --resume/);
    const resumed = a3c(['train', '--run-dir', runDir, '--resume', '--total-steps', '1', '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /resumed from (last|best)\.ckpt at step \d+/);
  });
}
