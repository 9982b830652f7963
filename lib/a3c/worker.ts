/**
 * The A3C worker (Mnih et al. 2016, Algorithm S3), one per thread:
 *
 *   repeat until the global step counter reaches totalSteps (or the trainer says stop):
 *     1. sync the local model from the global parameters          model.setParams(adam.params)
 *     2. roll out up to nSteps in the worker's own env            collectRollout
 *     3. returns R_t (value target) and GAE advantages A_t        gae
 *     4. loss = policy + valueCoef * value - entropyCoef * entropy, and its gradients
 *     5. clip the global gradient norm to maxGradNorm             clipGradNorm
 *     6. apply them to the global parameters, lock-free           SharedAdam.step (Hogwild)
 *     7. (after the next sync) measure how far the policy moved, KL(before || after),
 *        and adapt the shared learning rate towards targetKl     policyKl, adaptLearningRate
 *
 * Step 7 is not in the paper: A3C has no trust region, and on HalfCheetah updates at a fixed
 * step size now and then move the policy a hundred times further than usual (lib/a3c/adaptive_lr.ts).
 *
 * `runWorker` is plain code driven by a `post` callback, so it can run in a worker thread
 * (lib/training/worker_thread.ts) or, for tests and notebooks, on the main thread.
 */
import { adaptLearningRate, learningRateAt } from './adaptive_lr.js';
import { initBackend, liveTensorCount } from '../model/backend.js';
import { ActorCritic } from '../model/actor_critic.js';
import { gae } from './returns.js';
import { SharedAdam, clipGradNorm, allFinite } from './shared_adam.js';
import { RunningMeanStd } from '../envs/running_mean_std.js';
import { RewardNormalizer } from '../envs/reward_normalizer.js';
import { NormalizeObservation } from '../envs/wrappers.js';
import { makeEnv } from '../envs/registry.js';
import { Rng } from '../common/rng.js';
import { Counter } from '../training/shared_memory.js';
import type { WorkerInit, WorkerMessage } from '../training/protocol.js';
import type { Env } from '../envs/env.js';
import { RolloutBuffer, EpisodeCursor, collectRollout } from './rollout.js';
import type { MujocoSim } from '../envs/mujoco.js';

/** How often a worker reports its mean losses to the trainer. */
const REPORT_INTERVAL_MS = 1000;
/**
 * Updates skipped in a row (non-finite data or losses) before the worker gives up with an error:
 * one bad step is skipped and counted, but an env that keeps producing them is broken.
 */
export const MAX_CONSECUTIVE_SKIPS = 100;

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
  const { workerId, config } = init;
  await initBackend(config.backend);
  const counters = new Int32Array(init.counters);
  const adam = SharedAdam.attach(init.adamBuffers, { lr: config.lr, betas: config.adamBetas, eps: config.adamEps });
  const env = await makeWorkerEnv(init);
  const model = new ActorCritic(init.modelSpec, { params: adam.params });
  const rng = Rng.fromState(init.rng);
  const rewardStats =
    config.normalizeReward && init.rewardStats
      ? new RunningMeanStd(1, { storage: new Float64Array(init.rewardStats) })
      : null;
  // The physics behind the wrappers, to check MuJoCo's instability warnings after each rollout.
  const sim = (env.unwrapped as unknown as { sim?: MujocoSim }).sim;
  const rewardNormalizer = rewardStats ? new RewardNormalizer(rewardStats, config.gamma) : null;
  const cursor = new EpisodeCursor(env.reset({ seed: init.envSeed }).observation);
  const buffer = new RolloutBuffer(config.nSteps, init.modelSpec.observationSize, init.modelSpec.actionSize);
  const batch = {
    observations: buffer.observations,
    rawActions: buffer.rawActions,
    returns: new Float32Array(config.nSteps),
    advantages: new Float32Array(config.nSteps),
    length: 0,
  };
  const report = new UpdateReport();
  let lastReport = performance.now();
  // The policy of the last update's rollout (its means on the rollout's states, its logStd), kept
  // to measure KL(policy then || policy after the update and the other workers' updates since).
  const logStd = model.layout.find((entry) => entry.name === 'actor.logStd')!;
  const previous = { length: 0, means: new Float32Array(0) as Float32Array, logStd: new Float32Array(logStd.size) };
  post({ type: 'ready', workerId });

  try {
    // Atomics.load: see the trainer's stop request and the other workers' steps as soon as written.
    while (
      Atomics.load(counters, Counter.Stop) === 0 &&
      Atomics.load(counters, Counter.GlobalSteps) < config.totalSteps
    ) {
      model.setParams(adam.params);
      if (previous.length > 0) {
        // `batch.observations` still holds the previous rollout: the next one has not started.
        const kl = model.policyKl(batch.observations, previous.length, previous.means, previous.logStd);
        report.addKl(kl);
        if (config.targetKl > 0) adaptLearningRate(counters, kl, config.targetKl);
        previous.length = 0;
      }
      const steps = collectRollout({
        env,
        model,
        rng,
        cursor,
        buffer,
        rewardScale: config.rewardScale,
        rewardNormalizer,
        onEpisode: (episode) => {
          // Atomics.add: episodes and steps from all workers are counted exactly once.
          Atomics.add(counters, Counter.Episodes, 1);
          post({
            type: 'episode',
            workerId,
            episodeReturn: episode.episodeReturn,
            length: episode.length,
            globalStep: Atomics.load(counters, Counter.GlobalSteps) + buffer.length,
            infoMeans: episode.infoMeans,
          });
        },
      });
      const globalStep = Atomics.add(counters, Counter.GlobalSteps, steps) + steps;
      if (sim) {
        const warnings = sim.warningCount();
        if (warnings > 0)
          throw new Error(
            `MuJoCo raised ${warnings} simulation warning(s) (unstable physics) at global step ${globalStep}`,
          );
      }
      if (buffer.corrupt) {
        // The env gave a non-finite observation or an absurd reward (lib/a3c/rollout.ts): no update.
        Atomics.add(counters, Counter.SkippedUpdates, 1);
        report.skip();
        previous.length = 0;
        continue;
      }

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

      const lr = learningRateAt(config, globalStep, Atomics.load(counters, Counter.LrLevel));
      // A non-finite return, loss or gradient (e.g. exploding rewards) would poison the shared
      // parameters of every worker: skip that update and count it instead.
      const targetsFinite =
        allFinite(batch.returns.subarray(0, steps)) && allFinite(batch.advantages.subarray(0, steps));
      const result = targetsFinite
        ? model.computeGradients(batch, { valueCoef: config.valueCoef, entropyCoef: config.entropyCoef })
        : null;
      if (!result || !Number.isFinite(result.info.totalLoss) || !allFinite(result.gradients)) {
        Atomics.add(counters, Counter.SkippedUpdates, 1);
        report.skip();
      } else {
        const gradNorm = clipGradNorm(result.gradients, config.maxGradNorm);
        adam.step(result.gradients, { lr });
        Atomics.add(counters, Counter.Updates, 1);
        report.add(result.info, gradNorm, lr);
        previous.length = steps;
        previous.means = result.means;
        previous.logStd.set(model.params.subarray(logStd.offset, logStd.offset + logStd.size));
      }

      const now = performance.now();
      if (now - lastReport >= REPORT_INTERVAL_MS) {
        post(report.flush(workerId, globalStep));
        lastReport = now;
      }
    }
    if (report.count > 0 || report.skipped > 0)
      post(report.flush(workerId, Atomics.load(counters, Counter.GlobalSteps)));
    post({ type: 'stopped', workerId, rng: rng.getState() });
  } finally {
    model.dispose();
    env.close();
  }
}

/** Running means of the loss terms between two reports. */
class UpdateReport {
  count = 0;
  skipped = 0;
  private consecutiveSkips = 0;

  /** Count a skipped update; throws once MAX_CONSECUTIVE_SKIPS have been skipped in a row. */
  skip(): void {
    this.skipped += 1;
    this.consecutiveSkips += 1;
    if (this.consecutiveSkips >= MAX_CONSECUTIVE_SKIPS) {
      throw new Error(
        `${MAX_CONSECUTIVE_SKIPS} updates in a row were skipped: the env keeps returning non-finite observations or absurd rewards, or the losses are not finite (see charts/skipped_updates)`,
      );
    }
  }
  private klCount = 0;
  private klSum = 0;
  private sums = { policyLoss: 0, valueLoss: 0, entropy: 0, std: 0, gradNorm: 0, learningRate: 0 };

  addKl(kl: number): void {
    this.klCount += 1;
    this.klSum += kl;
  }

  add(
    info: { policyLoss: number; valueLoss: number; entropy: number; std: number },
    gradNorm: number,
    learningRate: number,
  ): void {
    this.count += 1;
    this.consecutiveSkips = 0;
    this.sums.policyLoss += info.policyLoss;
    this.sums.valueLoss += info.valueLoss;
    this.sums.entropy += info.entropy;
    this.sums.std += info.std;
    this.sums.gradNorm += gradNorm;
    this.sums.learningRate += learningRate;
  }

  flush(workerId: number, globalStep: number): WorkerMessage {
    const n = Math.max(1, this.count);
    const message: WorkerMessage = {
      type: 'updates',
      workerId,
      globalStep,
      count: this.count,
      skipped: this.skipped,
      policyLoss: this.sums.policyLoss / n,
      valueLoss: this.sums.valueLoss / n,
      entropy: this.sums.entropy / n,
      std: this.sums.std / n,
      gradNorm: this.sums.gradNorm / n,
      learningRate: this.sums.learningRate / n,
      kl: this.klCount > 0 ? this.klSum / this.klCount : 0,
      numTensors: liveTensorCount(),
    };
    this.count = 0;
    this.skipped = 0;
    this.klCount = 0;
    this.klSum = 0;
    for (const key of Object.keys(this.sums) as (keyof typeof this.sums)[]) this.sums[key] = 0;
    return message;
  }
}
