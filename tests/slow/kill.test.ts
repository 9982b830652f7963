/**
 * Runs killed with SIGKILL at random moments (scripts/kill_runs.ts, a few of them here; the
 * script's default of 20 is the figure README quotes): every checkpoint left behind must load,
 * and every folder must be resumable or, killed before its first checkpoint, restartable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { assertBuilt } from '../fixtures/built.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/kill_runs.ts', import.meta.url));

test('runs killed at random times leave readable checkpoints and a folder that resumes or restarts', () => {
  // scripts/kill_runs.ts runs the built command line.
  assertBuilt();
  // Kills from 0.2 s (before config.json or the first checkpoint) to 4 s (training under way).
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', SCRIPT, '--runs', '4', '--seed', '7', '--max-seconds', '4'],
    {
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /4 runs killed: \d+ resumed, \d+ restarted, 0 neither; 0 unreadable checkpoints/);
});
