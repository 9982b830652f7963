import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train, WorkerError } from '../../lib/training/trainer.js';
import type { TrainerEvent } from '../../lib/training/trainer.js';
import { loadCheckpoint } from '../../lib/training/checkpoint.js';
import { attemptSeed } from '../../lib/training/early_restart.js';

const FIXTURE = new URL('../fixtures/faulty_envs.ts', import.meta.url).href;
const runDir = () => mkdtempSync(join(tmpdir(), 'a3c-train-'));
const readJsonl = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, number>);

test('a short run writes its folder, and --resume continues it where it stopped', async () => {
  const dir = runDir();
  const events: TrainerEvent[] = [];
  const first = await train(
    { envId: 'InvertedPendulum-v5', numWorkers: 2, totalSteps: 3000, seed: 3, bestWindow: 3 },
    { runDir: dir, onEvent: (e) => events.push(e) },
  );
  assert.ok(first.globalSteps >= 3000 && first.globalSteps < 3000 + 2 * 40, `steps ${first.globalSteps}`);
  assert.ok(first.updates > 0);
  assert.equal(first.skippedUpdates, 0);
  for (const file of ['config.json', 'episodes.jsonl', 'updates.jsonl', 'last.ckpt', 'best.ckpt'])
    assert.ok(existsSync(join(dir, file)), file);
  const episodes = readJsonl(join(dir, 'episodes.jsonl'));
  assert.equal(episodes.length, first.episodes);
  // InvertedPendulum-v5 pays 1 per step, 0 for the step on which the pole falls.
  const paid = (e: Record<string, number>) => e['charts/episodic_length'] - e['charts/episodic_return'];
  assert.ok(episodes.every((e) => e['charts/episodic_length'] >= 1 && (paid(e) === 0 || paid(e) === 1)));
  const finished = episodes.reduce((n, e) => n + e['charts/episodic_length'], 0);
  assert.ok(finished <= first.globalSteps, `${finished} steps in finished episodes of ${first.globalSteps}`);
  assert.ok(events.some((e) => e.type === 'episode') && events.some((e) => e.type === 'stop'));
  // The last progress report before the stop has the final counters (what a progress bar ends on).
  const stop = events.findIndex((e) => e.type === 'stop');
  const lastProgress = events
    .slice(0, stop)
    .filter((e): e is Extract<TrainerEvent, { type: 'progress' }> => e.type === 'progress')
    .at(-1);
  assert.deepEqual(lastProgress && { step: lastProgress.globalStep, episodes: lastProgress.episodes }, {
    step: first.globalSteps,
    episodes: first.episodes,
  });
  // No tensor leak: no live tfjs tensor in any worker at any report (between updates). A run this
  // short may end before a worker's first timed report, so there may be only the final ones.
  const tensorCounts = readJsonl(join(dir, 'updates.jsonl')).map((u) => u['debug/num_tensors']);
  assert.ok(tensorCounts.length >= 1 && tensorCounts.every((n) => n === 0), `tensor counts ${tensorCounts.join(', ')}`);
  const saved = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { envId: string; seed: number };
  assert.equal(saved.envId, 'InvertedPendulum-v5');

  const last = loadCheckpoint(join(dir, 'last'));
  assert.equal(last.counters.globalSteps, first.globalSteps);
  // (InvertedPendulum's updates move the policy by far less than targetKl, so the level has risen.)
  assert.ok(
    Number.isInteger(last.counters.lrLevel) && last.counters.lrLevel !== 0,
    `adaptive learning-rate level ${last.counters.lrLevel} is saved for --resume`,
  );
  assert.ok(
    last.observationStats && last.observationStats.count > 3000,
    'observation statistics shared by both workers',
  );

  await assert.rejects(
    train({ envId: 'InvertedPendulum-v5', numWorkers: 2, totalSteps: 3000 }, { runDir: dir }),
    /already holds a run; resume it with --resume/,
  );
  await assert.rejects(
    train({ totalSteps: 5000, lr: 1 }, { runDir: dir, resume: true }),
    /Cannot change lr when resuming/,
  );

  // Resuming with nothing left to do restores the counters, the adaptive level among them, and saves them unchanged.
  await train({ totalSteps: first.globalSteps }, { runDir: dir, resume: true });
  assert.deepEqual(loadCheckpoint(join(dir, 'last')).counters, last.counters);

  const second = await train({ totalSteps: 5000 }, { runDir: dir, resume: true });
  assert.ok(second.globalSteps >= 5000, `resumed to ${second.globalSteps}`);
  assert.ok(second.episodes > first.episodes);
  const resumed = loadCheckpoint(join(dir, 'last'));
  assert.ok(resumed.optimizer!.step > last.optimizer!.step, 'Adam step count continues');
  assert.ok(resumed.observationStats!.count > last.observationStats!.count);
});

test('an aborted run stops cleanly with a last checkpoint that resume accepts', async () => {
  const dir = runDir();
  const controller = new AbortController();
  const result = await train(
    { envId: 'InvertedPendulum-v5', numWorkers: 2, totalSteps: 10_000_000 },
    {
      runDir: dir,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'episode' && e.episode >= 5) controller.abort();
      },
    },
  );
  assert.equal(result.aborted, true);
  assert.ok(result.globalSteps < 10_000_000);
  const last = loadCheckpoint(join(dir, 'last'));
  assert.equal(last.counters.globalSteps, result.globalSteps);
  const resumed = await train({ totalSteps: result.globalSteps + 500 }, { runDir: dir, resume: true });
  assert.ok(resumed.globalSteps >= result.globalSteps + 500);
});

test('a worker that throws is reported with its id; the run stops, writes last and never hangs', async () => {
  const dir = runDir();
  const started = performance.now();
  await assert.rejects(
    train({ envId: 'Faulty-v0', numWorkers: 2, totalSteps: 100_000 }, { runDir: dir, preload: [FIXTURE] }),
    (error: unknown) => {
      assert.ok(error instanceof WorkerError);
      assert.ok(error.workerId === 0 || error.workerId === 1);
      assert.match(error.message, /worker [01] failed: injected fault: the env broke at its step 301/);
      return true;
    },
  );
  assert.ok(performance.now() - started < 60_000);
  assert.ok(existsSync(join(dir, 'last.ckpt')), 'last checkpoint written after the failure');
  assert.ok(loadCheckpoint(join(dir, 'last')).counters.globalSteps < 100_000);
});

test('a worker that hangs is terminated after the grace period and reported by id; the run ends', async () => {
  const dir = runDir();
  const started = performance.now();
  await assert.rejects(
    train(
      { envId: 'Hang-v0', numWorkers: 2, totalSteps: 3000, evalIntervalSteps: 0 },
      { runDir: dir, preload: [FIXTURE], stopGraceSeconds: 2 },
    ),
    (error: unknown) => {
      assert.ok(error instanceof WorkerError);
      assert.equal(error.workerId, 1);
      assert.match(error.message, /worker 1 failed: did not stop within 2 s after the run ended/);
      return true;
    },
  );
  assert.ok(performance.now() - started < 60_000, 'the run ended instead of hanging');
  assert.ok(loadCheckpoint(join(dir, 'last')).counters.globalSteps >= 3000, 'worker 0 finished the run; last written');
});

test('a reward that is NaN or absurd once is skipped and counted; statistics and last stay usable', async () => {
  for (const envId of ['OneNaNReward-v0', 'OneHugeReward-v0']) {
    const dir = runDir();
    const result = await train(
      { envId, numWorkers: 1, totalSteps: 2000, evalIntervalSteps: 0 },
      { runDir: dir, preload: [FIXTURE] },
    );
    assert.equal(result.skippedUpdates, 1, `${envId}: one bad reward, one skipped update`);
    assert.ok(result.updates > 50, `${envId}: training went on (${result.updates} updates)`);
    const last = loadCheckpoint(join(dir, 'last'));
    assert.ok(last.params.every(Number.isFinite), envId);
    const stats = [last.rewardStats, last.observationStats].map((json) => JSON.stringify(json));
    assert.ok(!stats.some((text) => text.includes('null')), `${envId}: statistics stay finite: ${stats.join(' ')}`);
    // The reward statistics never saw 1e308: the std of the discounted return stays that of the task's rewards.
    assert.ok(Math.sqrt(last.rewardStats?.var[0] ?? Number.NaN) < 1000, `${envId}: ${stats[0]}`);
  }
});

test('an env that keeps giving absurd rewards stops the run with a clear error; last stays finite', async () => {
  const dir = runDir();
  await assert.rejects(
    train(
      { envId: 'HugeReward-v0', numWorkers: 1, totalSteps: 5000, normalizeObservation: false, normalizeReward: false },
      { runDir: dir, preload: [FIXTURE] },
    ),
    /worker 0 failed: 100 updates in a row were skipped: the env keeps returning non-finite observations or absurd rewards/,
  );
  const last = loadCheckpoint(join(dir, 'last'));
  assert.ok(last.params.every(Number.isFinite));
  assert.equal(last.counters.updates, 0);
  assert.ok(last.counters.skippedUpdates >= 100);
});

test('one worker with the same seed gives identical episodes (determinism)', async () => {
  const returns = async () => {
    const dir = runDir();
    await train({ envId: 'InvertedPendulum-v5', numWorkers: 1, totalSteps: 1500, seed: 9 }, { runDir: dir });
    return readJsonl(join(dir, 'episodes.jsonl')).map((e) => e['charts/episodic_return']);
  };
  const a = await returns();
  const b = await returns();
  assert.ok(a.length >= 5);
  assert.deepEqual(a, b);
});

test('reproducible mode: two runs with the same seed give the same episodes, evaluations and final parameters', async () => {
  const withoutClock = (path: string) =>
    readJsonl(path).map((row) => {
      const { wall_seconds: _, ...rest } = row;
      return rest;
    });
  const run = async (reproducible: boolean) => {
    const dir = runDir();
    await train(
      { envId: 'InvertedPendulum-v5', numWorkers: 2, totalSteps: 6000, seed: 5, reproducible, evalIntervalSteps: 2000 },
      { runDir: dir },
    );
    return {
      episodes: withoutClock(join(dir, 'episodes.jsonl')),
      evaluations: withoutClock(join(dir, 'evaluations.jsonl')),
      params: loadCheckpoint(join(dir, 'last')).params,
    };
  };
  const [a, b] = [await run(true), await run(true)];
  assert.ok(a.episodes.length > 20 && a.evaluations.length >= 2);
  assert.deepEqual(a.episodes, b.episodes, 'the same episodes in the same order');
  assert.deepEqual(a.evaluations, b.evaluations, 'the same periodic evaluations');
  assert.deepEqual(Array.from(a.params), Array.from(b.params), 'the same final parameters, bit for bit');
  // The control: two Hogwild workers interleave differently from run to run.
  const hogwild = await run(false);
  assert.notDeepEqual(Array.from(hogwild.params), Array.from(a.params));
});

test('invalid configuration is rejected before anything starts', async () => {
  const dir = runDir();
  writeFileSync(join(dir, 'keep.txt'), 'x');
  await assert.rejects(train({ numWorkers: 0 }, { runDir: join(dir, 'new') }), /numWorkers must be an integer >= 1/);
  assert.ok(!existsSync(join(dir, 'new')), 'no run folder created');
});

test('an evaluation that beats the best is confirmed on more episodes before it becomes best', async () => {
  const dir = runDir();
  const events: TrainerEvent[] = [];
  await train(
    {
      envId: 'InvertedPendulum-v5',
      numWorkers: 1,
      totalSteps: 8000,
      seed: 5,
      evalIntervalSteps: 500,
      evalEpisodes: 2,
      evalConfirmEpisodes: 3,
    },
    // Evaluations run from the progress ticker: tick often enough to see most of them.
    { runDir: dir, onEvent: (e) => events.push(e), progressIntervalSeconds: 0.005 },
  );
  const evaluations = events.filter((e): e is Extract<TrainerEvent, { type: 'evaluation' }> => e.type === 'evaluation');
  assert.ok(evaluations.length >= 5, `${evaluations.length} evaluations`);
  // The rule written out here from its definition: score = mean - (population) std of the returns.
  const score = (returns: number[]) => {
    const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
    return mean - Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / returns.length);
  };
  let best: number | null = null;
  let spread = 0;
  for (const e of evaluations) {
    // Confirmed (5 episodes) exactly when the 2-episode screen's score beat the best so far.
    const confirmed: boolean = best === null || score(e.returns.slice(0, 2)) > best;
    assert.equal(e.returns.length, confirmed ? 5 : 2, `evaluation at ${e.globalStep}`);
    assert.ok(Math.abs(e.meanReturn - e.returns.reduce((a, b) => a + b, 0) / e.returns.length) < 1e-9);
    assert.ok(Math.abs(e.score - score(e.returns)) < 1e-9, 'score is mean minus std');
    // Best exactly when the score of all its episodes still beats the best so far.
    assert.equal(e.best, confirmed && (best === null || score(e.returns) > best), `best at ${e.globalStep}`);
    if (e.best) best = e.score;
    spread = Math.max(spread, e.stdReturn);
  }
  // Returns that differ between episodes, so that the score and the mean choose differently.
  assert.ok(spread > 0, 'some evaluation has a spread');
  assert.equal(loadCheckpoint(join(dir, 'best')).bestScore, best);
  const logged = readJsonl(join(dir, 'evaluations.jsonl'));
  assert.deepEqual(
    logged.map((l) => l['eval/episodes']),
    evaluations.map((e) => e.returns.length),
  );
});

test('an early restart sets the attempt aside and starts over with a new seed, at most maxRestarts times', async () => {
  const dir = runDir();
  const events: TrainerEvent[] = [];
  const config = {
    envId: 'InvertedPendulum-v5',
    numWorkers: 1,
    totalSteps: 2500,
    seed: 4,
    evalIntervalSteps: 500,
    evalEpisodes: 1,
    evalConfirmEpisodes: 0,
    maxRestarts: 1,
    reproducible: true,
  };
  // A bar no model reaches: the first attempt restarts at its first evaluation at or after step 1000.
  const earlyCheck = { steps: 1000, minScore: 1e9 };
  const result = await train(config, { runDir: dir, earlyCheck, onEvent: (e) => events.push(e) });
  const restarts = events.filter((e): e is Extract<TrainerEvent, { type: 'restart' }> => e.type === 'restart');
  assert.equal(restarts.length, 1, 'one restart, then maxRestarts is used up');
  assert.equal(result.restarts, 1);
  assert.ok(restarts[0].globalStep >= 1000 && restarts[0].globalStep < 1500, `restart at ${restarts[0].globalStep}`);
  assert.equal(restarts[0].seed, attemptSeed(4, 1));
  assert.equal(restarts[0].setAsideTo, join(dir, 'attempt-1'));
  // The abandoned attempt's logs and best are set aside; the run's own files are the new attempt's.
  for (const file of ['episodes.jsonl', 'evaluations.jsonl', 'best.ckpt'])
    assert.ok(existsSync(join(dir, 'attempt-1', file)), `attempt-1/${file}`);
  const abandoned = readJsonl(join(dir, 'attempt-1', 'evaluations.jsonl'));
  assert.ok(abandoned.at(-1)!.global_step >= 1000);
  const episodes = readJsonl(join(dir, 'episodes.jsonl'));
  assert.ok(episodes[0].global_step < 500, 'the new attempt starts from step 0');
  assert.equal(episodes[0].episode, 1);
  assert.ok(result.globalSteps >= 2500 && result.globalSteps < 2600, `${result.globalSteps} steps`);
  const last = loadCheckpoint(join(dir, 'last'));
  assert.equal(last.counters.restarts, 1);
  assert.equal(last.counters.globalSteps, result.globalSteps);
  // Resumed, the run keeps its restart count: the check is used up and it does not restart again.
  const resumed = await train({ totalSteps: 3000 }, { runDir: dir, resume: true, earlyCheck });
  assert.equal(resumed.restarts, 1);
  // The same seed restarts the same way: the new attempt's first episodes are the same.
  const again = runDir();
  await train(config, { runDir: again, earlyCheck });
  assert.deepEqual(
    readJsonl(join(again, 'episodes.jsonl'))
      .slice(0, 5)
      .map((e) => e['charts/episodic_return']),
    episodes.slice(0, 5).map((e) => e['charts/episodic_return']),
  );
  // --overwrite removes the set-aside attempt with the rest of the run.
  await train({ ...config, maxRestarts: 0 }, { runDir: again, overwrite: true });
  assert.ok(!existsSync(join(again, 'attempt-1')));
});
