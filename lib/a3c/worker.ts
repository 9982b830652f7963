/**
 * The A3C worker (Mnih et al. 2016, Algorithm S3), one per thread:
 *
 *   repeat until the global step counter reaches totalSteps (or the trainer says stop):
 *     1. sync the local model from the global parameters          sync: model.setParams(adam.params)
 *     2. roll out up to nSteps in the worker's own env            rollout: collectRollout
 *     3. returns R_t (value target) and GAE advantages A_t        computeUpdate: gae
 *     4. loss = policy + valueCoef * value - entropyCoef * entropy,   computeUpdate: forwardBatch,
 *        and its gradients                                       a3cLoss, backward
 *     5. clip the global gradient norm to maxGradNorm             computeUpdate: clipGradNorm
 *     6. apply them to the global parameters, lock-free           apply: SharedAdam.step (Hogwild)
 *     7. (after the next sync) measure how far the policy moved, KL(before || after),
 *        and adapt the shared learning rate towards targetKl     sync: policyKl, adaptLearningRate
 *
 * Step 7 is not in the paper: A3C has no trust region, and on HalfCheetah updates at a fixed
 * step size now and then move the policy a hundred times further than usual (lib/a3c/adaptive_lr.ts).
 * With `reproducible` the same steps run in a fixed round-robin order (lib/a3c/turn_gate.ts).
 *
 * `runWorker` is plain code driven by a `post` callback, so it can run in a worker thread
 * (lib/training/worker_thread.ts) or, for tests and notebooks, on the main thread.
 */
import { allFinite } from '../common/finite.js';
import { Rng } from '../common/rng.js';
import type { Env } from '../envs/env.js';
import type { MujocoSim } from '../envs/mujoco.js';
import { makeEnv } from '../envs/registry.js';
import { RewardNormalizer } from '../envs/reward_normalizer.js';
import { RunningMeanStd } from '../envs/running_mean_std.js';
import { NormalizeObservation } from '../envs/wrappers.js';
import { ActorCritic } from '../model/actor_critic.js';
import { initBackend } from '../model/backend.js';
import type { WorkerInit, WorkerMessage } from '../training/protocol.js';
import { Counter } from '../training/shared_memory.js';
import { adaptLearningRate, learningRateAt } from './adaptive_lr.js';
import { gae } from './returns.js';
import { collectRollout, EpisodeCursor, type FinishedEpisode, RolloutBuffer } from './rollout.js';
import { a3cLoss } from './losses.js';
import { clipGradNorm, SharedAdam } from './shared_adam.js';
import { StatisticsSnapshot } from './statistics_snapshot.js';
import { TurnGate } from './turn_gate.js';
import { UpdateReport } from './update_report.js';

/** How often a worker reports its mean losses to the trainer. */
const REPORT_INTERVAL_MS = 1000;

/** Build the worker's env: the task, with the shared observation statistics when normalising. */
export async function makeWorkerEnv(init: Pick<WorkerInit, 'config' | 'observationStats'>): Promise<Env> {
  const { config } = init;
  const env = await makeEnv(
    config.envId,
    config.maxEpisodeSteps > 0 ? { maxEpisodeSteps: config.maxEpisodeSteps } : {},
  );
  if (!config.normalizeObservation || !init.observationStats) return env;
  const size = env.observationSpace.size;
  const rms = new RunningMeanStd(size, { storage: new Float64Array(init.observationStats) });
  return new NormalizeObservation(env, { rms, clip: Number.isFinite(config.obsClip) ? config.obsClip : undefined });
}

export async function runWorker(init: WorkerInit, post: (message: WorkerMessage) => void): Promise<void> {
  await initBackend(init.config.backend);
  const worker = await ActorLearner.create(init, post);
  try {
    worker.run();
  } finally {
    worker.close();
  }
}

/** What one rollout left for the update: its length, and the episodes that ended in it. */
interface Rollout {
  steps: number;
  episodes: { episode: FinishedEpisode; atStep: number }[];
  corrupt: boolean;
}

/** Steps 3-5 done: the clipped gradients of one rollout, waiting to be applied (step 6). */
interface Update {
  gradients: Float32Array;
  info: { policyLoss: number; valueLoss: number; entropy: number; std: number; totalLoss: number };
  gradNorm: number;
  /** The policy's means on the rollout's states, for the KL of step 7. */
  means: Float32Array;
  length: number;
}

/** One worker: its env, local model and random stream, and the loop of the outline above. */
export class ActorLearner {
  private readonly config: WorkerInit['config'];
  private readonly counters: Int32Array;
  private readonly buffer: RolloutBuffer;
  private readonly batch;
  private readonly report = new UpdateReport();
  private lastReport = performance.now();
  private readonly logStd: { offset: number; size: number };
  /** The policy of the last applied update's rollout: its length, means and logStd (for step 7). */
  private readonly previous;
  private readonly cursor: EpisodeCursor;
  /** The MuJoCo simulation behind the wrappers, to check its instability warnings. */
  private readonly sim: MujocoSim | undefined;

  private constructor(
    private readonly init: WorkerInit,
    private readonly post: (message: WorkerMessage) => void,
    private readonly env: Env,
    private readonly adam: SharedAdam,
    private readonly model: ActorCritic,
    private readonly rng: Rng,
    private readonly rewardNormalizer: RewardNormalizer | null,
    /** Reproducible mode: the round-robin turns and the statistics frozen between them. */
    private readonly turns: { gate: TurnGate; statistics: StatisticsSnapshot } | null,
  ) {
    this.config = init.config;
    this.counters = new Int32Array(init.counters);
    const { observationSize, actionSize } = init.modelSpec;
    this.buffer = new RolloutBuffer(this.config.nSteps, observationSize, actionSize);
    this.batch = {
      observations: this.buffer.observations,
      rawActions: this.buffer.rawActions,
      returns: new Float32Array(this.config.nSteps),
      advantages: new Float32Array(this.config.nSteps),
      length: 0,
    };
    const logStd = model.layout.find((entry) => entry.name === 'actor.logStd');
    if (!logStd) throw new Error('the actor-critic has no actor.logStd parameter');
    this.logStd = logStd;
    this.previous = { length: 0, means: new Float32Array(0) as Float32Array, logStd: new Float32Array(logStd.size) };
    this.sim = (env.unwrapped as unknown as { sim?: MujocoSim }).sim;
    this.cursor = new EpisodeCursor(env.reset({ seed: init.envSeed }).observation);
  }

  static async create(init: WorkerInit, post: (message: WorkerMessage) => void): Promise<ActorLearner> {
    const { config } = init;
    const adam = SharedAdam.attach(init.adamBuffers, { lr: config.lr, betas: config.adamBetas, eps: config.adamEps });
    const shared = {
      observation: attachRms(init.observationStats, init.modelSpec.observationSize, config.normalizeObservation),
      reward: attachRms(init.rewardStats, 1, config.normalizeReward),
    };
    // Reproducible mode: the rollouts normalise with copies of the statistics taken at the
    // worker's turn, and their new samples reach the shared statistics at its next turn.
    const statistics = config.reproducible ? new StatisticsSnapshot(shared.observation, shared.reward) : null;
    const env = statistics
      ? await makeWorkerEnv({ config, observationStats: null }).then((e) => statistics.wrapEnv(e, config.obsClip))
      : await makeWorkerEnv(init);
    const rewardStats = statistics ? statistics.localReward : shared.reward;
    const rewardNormalizer = rewardStats ? new RewardNormalizer(rewardStats, config.gamma) : null;
    if (statistics && rewardNormalizer) statistics.recordRewardsOf(rewardNormalizer);
    const model = new ActorCritic(init.modelSpec, { params: adam.params });
    const gate = new TurnGate(new Int32Array(init.counters), init.workerId, config.numWorkers, config.totalSteps);
    const turns = statistics ? { gate, statistics } : null;
    return new ActorLearner(init, post, env, adam, model, Rng.fromState(init.rng), rewardNormalizer, turns);
  }

  run(): void {
    this.post({ type: 'ready', workerId: this.init.workerId });
    if (this.turns) this.runInTurns(this.turns);
    else this.runHogwild();
    if (this.report.count > 0 || this.report.skipped > 0) this.flushReport();
    this.post({ type: 'stopped', workerId: this.init.workerId, rng: this.rng.getState() });
  }

  close(): void {
    this.model.dispose();
    this.env.close();
  }

  /** Hogwild (the default): A3C's asynchronous loop, in the outline's order. */
  private runHogwild(): void {
    // Atomics.load: see the trainer's stop request and the other workers' steps as soon as written.
    while (
      Atomics.load(this.counters, Counter.Stop) === 0 &&
      Atomics.load(this.counters, Counter.GlobalSteps) < this.config.totalSteps
    ) {
      this.sync();
      const rollout = this.rollout();
      const globalStep = this.commitSteps(rollout);
      this.apply(rollout.corrupt ? null : this.computeUpdate(rollout.steps), globalStep);
      this.maybeReport(globalStep);
    }
  }

  /**
   * Reproducible mode: during its turn a worker applies the update of its previous rollout,
   * counts that rollout's steps and episodes, merges its statistics samples, and syncs; then it
   * passes the turn on and collects and differentiates its next rollout in parallel with the others.
   */
  private runInTurns({ gate, statistics }: { gate: TurnGate; statistics: StatisticsSnapshot }): void {
    let pending: { rollout: Rollout; update: Update | null } | null = null;
    while (gate.wait()) {
      if (pending) {
        const globalStep = this.commitSteps(pending.rollout);
        this.apply(pending.update, globalStep);
        statistics.exchange();
        this.maybeSnapshot(globalStep - pending.rollout.steps, globalStep, statistics);
        this.maybeReport(globalStep);
      } else {
        statistics.exchange();
      }
      this.sync();
      gate.release();
      const rollout = this.rollout();
      pending = { rollout, update: rollout.corrupt ? null : this.computeUpdate(rollout.steps) };
    }
  }

  /** Step 1, and step 7 for the previous update: sync the local model, then measure the KL it moved. */
  private sync(): void {
    const { model, previous, counters, config } = this;
    model.setParams(this.adam.params);
    if (previous.length === 0) return;
    // `batch.observations` still holds the previous rollout: the next one has not started.
    const kl = model.policyKl(this.batch.observations, previous.length, previous.means, previous.logStd);
    this.report.addKl(kl);
    if (config.targetKl > 0) adaptLearningRate(counters, kl, config.targetKl);
    previous.length = 0;
  }

  /** Step 2: up to nSteps in the worker's env with the local policy. */
  private rollout(): Rollout {
    const episodes: Rollout['episodes'] = [];
    const { buffer } = this;
    const steps = collectRollout({
      env: this.env,
      model: this.model,
      rng: this.rng,
      cursor: this.cursor,
      buffer,
      rewardScale: this.config.rewardScale,
      rewardNormalizer: this.rewardNormalizer,
      onEpisode: (episode) => episodes.push({ episode, atStep: buffer.length }),
    });
    const warnings = this.sim?.warningCount() ?? 0;
    if (warnings > 0) throw new Error(`MuJoCo raised ${warnings} simulation warning(s) (unstable physics)`);
    return { steps, episodes, corrupt: buffer.corrupt };
  }

  /** Count the rollout's steps and episodes in the shared counters; returns the global step after it. */
  private commitSteps(rollout: Rollout): number {
    // Atomics.add: steps and episodes from all workers are counted exactly once.
    const before = Atomics.add(this.counters, Counter.GlobalSteps, rollout.steps);
    for (const { episode, atStep } of rollout.episodes) {
      this.post({
        type: 'episode',
        workerId: this.init.workerId,
        episode: Atomics.add(this.counters, Counter.Episodes, 1) + 1,
        episodeReturn: episode.episodeReturn,
        length: episode.length,
        globalStep: before + atStep,
        infoMeans: episode.infoMeans,
      });
    }
    return before + rollout.steps;
  }

  /**
   * Steps 3-5 on the rollout in the buffer: targets, loss and gradients, clipping. Null when a
   * return, the loss or a gradient is not finite: applied, it would poison every worker's model.
   */
  private computeUpdate(steps: number): Update | null {
    const { buffer, batch, config } = this;
    const target = gae({
      rewards: buffer.rewards.subarray(0, steps),
      values: buffer.values.subarray(0, steps),
      bootstrapValue: buffer.bootstrapValue,
      gamma: config.gamma,
      gaeLambda: config.gaeLambda,
    });
    batch.length = steps;
    batch.returns.set(target.returns);
    batch.advantages.set(target.advantages);
    // 4. forward, loss, backward.
    const outputs = this.model.forwardBatch(batch);
    const loss = a3cLoss({ ...outputs, ...batch, valueCoef: config.valueCoef, entropyCoef: config.entropyCoef });
    const gradients = this.model.backward(outputs, loss);
    // The one finiteness check of the update: a non-finite return, advantage or network output
    // makes the loss non-finite, and a backward pass can overflow on its own; either would poison
    // the shared parameters of every worker, so the update is skipped and counted instead.
    if (!Number.isFinite(loss.totalLoss) || !allFinite(gradients)) return null;
    const gradNorm = clipGradNorm(gradients, config.maxGradNorm);
    const { totalLoss, policyLoss, valueLoss, entropy, std } = loss;
    const info = { totalLoss, policyLoss, valueLoss, entropy, std };
    return { gradients, info, gradNorm, means: outputs.mean, length: steps };
  }

  /** Step 6: apply the update to the global parameters at the scheduled rate (or count it as skipped). */
  private apply(update: Update | null, globalStep: number): void {
    const { counters, previous } = this;
    if (!update) {
      Atomics.add(counters, Counter.SkippedUpdates, 1);
      this.report.skip();
      previous.length = 0;
      return;
    }
    const lr = learningRateAt(this.config, globalStep, Atomics.load(counters, Counter.LrLevel));
    this.adam.step(update.gradients, { lr });
    Atomics.add(counters, Counter.Updates, 1);
    this.report.add(update.info, update.gradNorm, lr);
    previous.length = update.length;
    previous.means = update.means;
    previous.logStd.set(this.model.params.subarray(this.logStd.offset, this.logStd.offset + this.logStd.size));
  }

  /** Reproducible mode: send the trainer the model to evaluate when the steps crossed an evaluation point. */
  private maybeSnapshot(before: number, after: number, statistics: StatisticsSnapshot): void {
    const { evalIntervalSteps: interval, totalSteps } = this.config;
    if (interval <= 0 || after >= totalSteps || Math.floor(before / interval) === Math.floor(after / interval)) return;
    this.post({
      type: 'snapshot',
      workerId: this.init.workerId,
      globalStep: after,
      params: new Float32Array(this.adam.params),
      observationStats: statistics.sharedObservationJSON(),
    });
  }

  private maybeReport(globalStep: number): void {
    if (performance.now() - this.lastReport < REPORT_INTERVAL_MS) return;
    this.flushReport(globalStep);
  }

  private flushReport(globalStep = Atomics.load(this.counters, Counter.GlobalSteps)): void {
    this.post(this.report.flush(this.init.workerId, globalStep));
    this.lastReport = performance.now();
  }
}

/** A RunningMeanStd over shared storage, or null when that normalisation is off. */
function attachRms(storage: SharedArrayBuffer | null, size: number, enabled: boolean): RunningMeanStd | null {
  return enabled && storage ? new RunningMeanStd(size, { storage: new Float64Array(storage) }) : null;
}
