/**
 * Checkpoints (lib/training/checkpoint.ts): an exact round trip, clear refusals of wrong, damaged,
 * older-format and non-finite checkpoints (each naming the file), and saves that never replace a
 * good checkpoint with a broken one: not when killed mid-write, not on a full disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import {
  CHECKPOINT_VERSION,
  CheckpointError,
  loadCheckpoint,
  resolveCheckpointPath,
  saveCheckpoint,
} from '../lib/training/checkpoint.js';
import { FileWriteError } from '../lib/common/files.js';
import { withTmpfs } from './fixtures/tmpfs.js';
import type { Checkpoint } from '../lib/training/checkpoint.js';
import { defaultModelSpec } from '../lib/model/actor_critic.js';
import { makeCheckpoint } from './fixtures/checkpoint.js';

test('a checkpoint round-trips exactly (parameters bit for bit)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-ckpt-'));
  const original = makeCheckpoint(3);
  saveCheckpoint(join(dir, 'best.ckpt'), original);
  const loaded = loadCheckpoint(join(dir, 'best'));
  assert.deepEqual(loaded.params, original.params);
  assert.deepEqual(loaded.optimizer, original.optimizer);
  assert.deepEqual(loaded.observationStats, original.observationStats);
  assert.deepEqual(loaded.rewardStats, original.rewardStats);
  assert.deepEqual(loaded.counters, original.counters);
  assert.deepEqual(loaded.rng, original.rng);
  assert.deepEqual(loaded.modelSpec, original.modelSpec);
  // The whole config, Infinity (written as null in JSON) included.
  assert.deepEqual(loaded.config, original.config);
  assert.equal(loaded.config.maxGradNorm, Infinity);
  assert.equal(loaded.config.seed, 3);
  assert.equal(loaded.bestScore, 7.5);
  assert.equal(loaded.wallSeconds, original.wallSeconds);
  assert.equal(loaded.meanReturn, original.meanReturn);
});

test('loading a checkpoint that does not match the env or model says so', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-ckpt-'));
  const path = join(dir, 'last.ckpt');
  saveCheckpoint(path, makeCheckpoint(1));
  assert.throws(
    () => loadCheckpoint(path, { envId: 'InvertedPendulum-v5' }),
    /trained on HalfCheetah-v5, not InvertedPendulum-v5/,
  );
  const other = defaultModelSpec({
    observationSize: 4,
    actionSize: 1,
    actionLow: [-3],
    actionHigh: [3],
    initLogStd: 0,
  });
  assert.throws(
    () => loadCheckpoint(path, { modelSpec: other }),
    /holds a squashed model, 17 observations, 6 actions.*expected a squashed model, 4 observations, 1 actions/,
  );
  assert.throws(() => loadCheckpoint(join(dir, 'missing')), /Checkpoint not found: .*missing/);
  writeFileSync(join(dir, 'garbage.ckpt'), '{"format": "something-else"}');
  assert.throws(() => loadCheckpoint(join(dir, 'garbage.ckpt')), /not an a3c-ts checkpoint/);
  writeFileSync(join(dir, 'truncated.ckpt'), readFileSync(path, 'utf8').slice(0, 1000));
  assert.throws(() => loadCheckpoint(join(dir, 'truncated.ckpt')), /not readable JSON/);
});

test('a checkpoint with the wrong number of parameters is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-ckpt-'));
  const bad = { ...makeCheckpoint(1), params: new Float32Array(10) };
  assert.throws(() => saveCheckpoint(join(dir, 'x.ckpt'), bad), /10 parameters do not match the model spec/);
  assert.deepEqual(readdirSync(dir), [], 'nothing written');
});

test('resolveCheckpointPath accepts the path with or without .ckpt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-ckpt-'));
  saveCheckpoint(join(dir, 'best.ckpt'), makeCheckpoint(1));
  assert.equal(resolveCheckpointPath(join(dir, 'best')), join(dir, 'best.ckpt'));
  assert.equal(resolveCheckpointPath(join(dir, 'best.ckpt')), join(dir, 'best.ckpt'));
  // A run folder: the error names the checkpoints in it, and nothing is chosen for the user.
  assert.throws(
    () => resolveCheckpointPath(dir),
    new RegExp(
      `^CheckpointError: ${dir} is a run folder, not a checkpoint: pass ${dir}/best \\(the best evaluation\\)$`,
    ),
  );
  saveCheckpoint(join(dir, 'last.ckpt'), makeCheckpoint(1));
  assert.throws(
    () => resolveCheckpointPath(dir),
    /pass .*\/best \(the best evaluation\) or .*\/last \(the end of the run\)$/,
  );
});

test('a writer killed mid-write never leaves a broken or missing checkpoint', async () => {
  // A child process rewrites the checkpoint in a loop with different contents; we SIGKILL it at
  // a random moment several times. After each kill the file must load and be one complete version.
  const dir = mkdtempSync(join(tmpdir(), 'a3c-ckpt-'));
  const path = join(dir, 'last.ckpt');
  saveCheckpoint(path, makeCheckpoint(0));
  const script = join(dir, 'writer.ts');
  writeFileSync(
    script,
    `
    import { saveCheckpoint } from ${JSON.stringify(new URL('../lib/training/checkpoint.ts', import.meta.url).pathname)};
    import { resolveConfig } from ${JSON.stringify(new URL('../lib/config.ts', import.meta.url).pathname)};
    import { defaultModelSpec, paramLayout } from ${JSON.stringify(new URL('../lib/model/actor_critic.ts', import.meta.url).pathname)};
    const modelSpec = defaultModelSpec({ observationSize: 17, actionSize: 6, actionLow: new Array(6).fill(-1), actionHigh: new Array(6).fill(1), initLogStd: 0 });
    const size = paramLayout(modelSpec).reduce((n, e) => n + e.size, 0);
    for (let i = 1; ; i++) {
      const params = new Float32Array(size).fill(i);
      saveCheckpoint(${JSON.stringify(path)}, { config: resolveConfig(), modelSpec, params, optimizer: { step: i, m: params, v: params },
        observationStats: null, rewardStats: null, counters: { globalSteps: i, episodes: 0, updates: i, skippedUpdates: 0, lrLevel: 0 }, rng: [], wallSeconds: 0, meanReturn: null, bestScore: null });
      if (i === 1) process.stdout.write('saved once\\n');
    }
  `,
  );
  for (let round = 0; round < 4; round++) {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolveReady) => child.stdout.once('data', () => resolveReady()));
    await new Promise((r) => setTimeout(r, 150 + 100 * round));
    child.kill('SIGKILL');
    const signal = await new Promise((r) => child.once('exit', (_code, killedBy) => r(killedBy)));
    assert.equal(signal, 'SIGKILL', 'the writer was still writing when it was killed');
    const loaded = loadCheckpoint(path);
    const version = loaded.counters.globalSteps;
    // The writer saved at least once (versions 1, 2, ...), so the first file (4000) is gone.
    assert.ok(version >= 1 && version < 4000, `a version of the writer's, got ${version}`);
    assert.ok(
      loaded.params.every((p) => p === version),
      'all parameters from one write',
    );
  }
});

test('a checkpoint with a NaN or infinite value is refused and the previous file is kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-ckpt-'));
  const path = join(dir, 'last.ckpt');
  const good = makeCheckpoint(1);
  saveCheckpoint(path, good);
  const poisoned: [string, (c: Checkpoint) => void][] = [
    ['params\\[3\\] \\(NaN\\)', (c) => (c.params[3] = Number.NaN)],
    ['optimizer\\.v\\[0\\] \\(Infinity\\)', (c) => (c.optimizer!.v[0] = Number.POSITIVE_INFINITY)],
    ['observationStats\\.mean\\[2\\] \\(NaN\\)', (c) => (c.observationStats!.mean[2] = Number.NaN)],
    ['rewardStats\\.var\\[0\\] \\(-Infinity\\)', (c) => (c.rewardStats!.var[0] = Number.NEGATIVE_INFINITY)],
  ];
  for (const [field, poison] of poisoned) {
    const bad = makeCheckpoint(2);
    poison(bad);
    assert.throws(
      () => saveCheckpoint(path, bad),
      (error: Error) =>
        error instanceof CheckpointError &&
        new RegExp(`^Refusing to save checkpoint ${path}: ${field} is not finite .*previous file is kept$`).test(
          error.message,
        ),
    );
  }
  assert.deepEqual(loadCheckpoint(path).params, good.params);
  assert.deepEqual(readdirSync(dir), ['last.ckpt']);
});

test('a checkpoint of another format version says which version wrote it and which this one reads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-ckpt-'));
  const path = join(dir, 'best.ckpt');
  saveCheckpoint(path, makeCheckpoint(1));
  const file = JSON.parse(readFileSync(path, 'utf8'));
  const older = join(dir, 'older.ckpt');
  writeFileSync(older, JSON.stringify({ ...file, version: 1 }));
  assert.equal(CHECKPOINT_VERSION, 2);
  assert.throws(() => loadCheckpoint(older), {
    message: `Checkpoint ${older} was written by an older version of a3c-ts (format 1); this version reads format 2`,
  });
  const newer = join(dir, 'newer.ckpt');
  writeFileSync(newer, JSON.stringify({ ...file, version: 3 }));
  assert.throws(() => loadCheckpoint(newer), /written by a newer version of a3c-ts \(format 3\)/);
});

test('every loading error names the file: damaged arrays, missing fields, non-finite values', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-ckpt-'));
  const path = join(dir, 'best.ckpt');
  saveCheckpoint(path, makeCheckpoint(1));
  const file = JSON.parse(readFileSync(path, 'utf8'));
  const damaged = (name: string, change: Record<string, unknown>) => {
    const damagedPath = join(dir, name);
    writeFileSync(damagedPath, JSON.stringify({ ...file, ...change }));
    return damagedPath;
  };
  const shortParams = damaged('short.ckpt', { params: 'AAA=' });
  assert.throws(() => loadCheckpoint(shortParams), {
    message: `Checkpoint ${shortParams} is damaged: its parameters: corrupt float32 data (2 bytes, not a multiple of 4)`,
  });
  const noCounters = damaged('counters.ckpt', { counters: undefined, paramNames: 'x' });
  assert.throws(() => loadCheckpoint(noCounters), {
    message: `Checkpoint ${noCounters} is damaged: paramNames must be a list of names; counters must hold globalSteps, episodes, updates, skippedUpdates and lrLevel`,
  });
  const badRestarts = damaged('restarts.ckpt', { counters: { ...file.counters, restarts: 1.5 } });
  assert.throws(() => loadCheckpoint(badRestarts), {
    message: `Checkpoint ${badRestarts} is damaged: counters.restarts must be a whole number when present`,
  });
  assert.equal(
    loadCheckpoint(damaged('restarts2.ckpt', { counters: { ...file.counters, restarts: 2 } })).counters.restarts,
    2,
  );
  const nan = Buffer.from(Buffer.from(file.params, 'base64'));
  nan.writeFloatLE(Number.NaN, 0);
  const nanParams = damaged('nan.ckpt', { params: nan.toString('base64') });
  assert.throws(() => loadCheckpoint(nanParams), {
    message: `Checkpoint ${nanParams} is damaged: params[0] (NaN) is not finite`,
  });
  const badSpec = damaged('spec.ckpt', { modelSpec: { ...file.modelSpec, observationSize: -1 } });
  assert.throws(
    () => loadCheckpoint(badSpec),
    (error: Error) => error.message.startsWith(`Checkpoint ${badSpec} holds an invalid model spec: `),
  );
});

test('saving on a real full disk (tmpfs) fails clearly and the previous checkpoint still loads', async (t) => {
  const probeDir = mkdtempSync(join(tmpdir(), 'a3c-ckpt-'));
  saveCheckpoint(join(probeDir, 'probe.ckpt'), makeCheckpoint(1));
  const size = statSync(join(probeDir, 'probe.ckpt')).size;
  // Room for one checkpoint and half of another: the second save runs out of space mid-write.
  await withTmpfs(t, Math.ceil((1.5 * size) / 4096) * 4096, (dir) => {
    const path = join(dir, 'last.ckpt');
    const first = makeCheckpoint(1);
    saveCheckpoint(path, first);
    assert.throws(
      () => saveCheckpoint(path, makeCheckpoint(2)),
      (error: Error) =>
        error instanceof FileWriteError && error.message === `Cannot write ${path}: the disk is full (ENOSPC)`,
    );
    assert.deepEqual(loadCheckpoint(path).params, first.params);
    assert.deepEqual(readdirSync(dir), ['last.ckpt']);
  });
});
