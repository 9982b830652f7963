/**
 * `a3c eval` (evaluate a checkpoint, optionally record a video) and `a3c render` (a video or a
 * PNG of an env without a checkpoint). Flags come from the schemas below (lib/cli/flags.ts).
 */
import { resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { field } from '../common/schema.js';
import { Rng } from '../common/rng.js';
import { CONFIG_SCHEMA, DEFAULT_CONFIG } from '../config.js';
import type { Env } from '../envs/env.js';
import { makeEnv } from '../envs/registry.js';
import { recordEpisode } from '../media/video.js';
import { checkOutputPath } from '../common/output_path.js';
import { resolveCheckpointPath } from '../training/checkpoint.js';
import { evaluate, loadPolicy, type EvaluationResult } from '../training/evaluate.js';
import { parseFlags, UsageError, type CommandSpec } from './flags.js';

export const EVAL_COMMAND = {
  name: 'eval',
  summary: "Evaluate a checkpoint: each episode's return, then mean and std (and optionally a video).",
  groups: {
    'eval options': {
      checkpoint: field.text<string | undefined>({
        default: undefined,
        doc: 'the checkpoint, e.g. runs/x/best (the .ckpt suffix may be omitted); required',
        metavar: 'PATH',
      }),
      episodes: field.int({ default: 10, min: 1, max: 100_000, doc: 'episodes to play' }),
      deterministic: field.bool({ default: true, doc: 'play the mean action (the default)' }),
      stochastic: field.bool({ default: false, doc: 'sample actions from the policy instead' }),
      seed: field.int({
        default: 0,
        min: 0,
        max: 2 ** 31 - 1,
        doc: 'reset seed of the first episode (episode i: seed + i)',
      }),
      video: field.text<string | undefined>({
        default: undefined,
        doc: 'also record one deterministic episode as MP4',
        metavar: 'FILE',
      }),
      json: field.bool({ default: false, doc: 'print the results as JSON' }),
      overwrite: field.bool({
        default: false,
        doc: 'let --video replace a checkpoint, a symlink or a non-video file (never the checkpoint read)',
      }),
    },
  },
} satisfies CommandSpec;

export async function evalCommand(args: string[]): Promise<number> {
  const options = parseFlags(EVAL_COMMAND, args)['eval options'];
  if (!options.checkpoint) throw new UsageError('eval needs --checkpoint PATH (e.g. runs/x/best)');
  if (options.deterministic && options.stochastic)
    throw new UsageError('--deterministic and --stochastic exclude each other');
  // Refuse a bad --video before the evaluation, not after minutes of it.
  if (options.video) {
    const inputs = [resolveCheckpointPath(options.checkpoint)];
    checkOutputPath(options.video, { kind: 'video', inputs, overwrite: options.overwrite });
  }
  const result = await evaluateCheckpoint(options.checkpoint, {
    overwrite: options.overwrite ?? false,
    episodes: options.episodes ?? 10,
    seed: options.seed ?? 0,
    deterministic: !options.stochastic,
    video: options.video,
    quiet: options.json ?? false,
  });
  if (options.json) console.log(JSON.stringify(result, null, 2));
  return 0;
}

export async function evaluateCheckpoint(
  checkpointPath: string,
  options: {
    episodes: number;
    seed: number;
    deterministic: boolean;
    video?: string;
    quiet: boolean;
    overwrite?: boolean;
  },
): Promise<EvaluationResult & { checkpoint: string; envId: string; video?: string }> {
  const { checkpoint, policy, env } = await loadPolicy(checkpointPath, { seed: options.seed });
  const log = (line: string) => {
    if (!options.quiet) console.log(line);
  };
  try {
    const mode = options.deterministic ? 'deterministic' : 'stochastic';
    log(
      `Evaluating ${checkpointPath} on ${checkpoint.config.envId} (trained ${checkpoint.counters.globalSteps} steps), ${options.episodes} episodes, ${mode} actions`,
    );
    const result = evaluate(policy, env, {
      episodes: options.episodes,
      deterministic: options.deterministic,
      seed: options.seed,
      onEpisode: ({ index, episodeReturn, length }) =>
        log(
          `  episode ${String(index + 1).padStart(2)}: return ${episodeReturn.toFixed(1).padStart(8)}  length ${length}`,
        ),
    });
    log(
      `Mean return ${result.mean.toFixed(1)} +- ${result.std.toFixed(1)} (min ${result.min.toFixed(1)}, max ${result.max.toFixed(1)})`,
    );
    let video: string | undefined;
    const videoPath = options.video;
    if (videoPath) {
      const recorded = await withFrameBar((onFrame) =>
        recordEpisode({
          env,
          policy: (observation) => policy.act(observation, { deterministic: true }),
          path: videoPath,
          seed: options.seed,
          inputs: [resolveCheckpointPath(checkpointPath)],
          overwrite: options.overwrite,
          onFrame,
        }),
      );
      video = recorded.path;
      log(`Video: ${recorded.path} (${recorded.frames} frames, episode return ${recorded.episodeReturn.toFixed(1)})`);
    }
    return { ...result, checkpoint: checkpointPath, envId: checkpoint.config.envId, video };
  } finally {
    env.close();
    policy.model.dispose();
  }
}

export const RENDER_COMMAND = {
  name: 'render',
  summary: 'Record a video or a PNG frame of an env without a checkpoint (random or zero actions).',
  groups: {
    'render options': {
      env: { ...CONFIG_SCHEMA.envId, flag: undefined },
      policy: field.oneOf(['random', 'zero'] as const, {
        default: 'random',
        doc: 'actions: uniform random, or all zero (a3c eval --video records a trained policy)',
      }),
      video: field.text<string | undefined>({ default: undefined, doc: 'MP4 file to write', metavar: 'FILE' }),
      png: field.text<string | undefined>({ default: undefined, doc: 'PNG of the first frame', metavar: 'FILE' }),
      seed: field.int({ default: 0, min: 0, max: 2 ** 31 - 1, doc: 'reset seed (and the random actions)' }),
      steps: field.int({ default: 0, min: 1, max: 1_000_000, doc: "episode length limit (default: the task's own)" }),
      overwrite: field.bool({
        default: false,
        doc: 'let --video/--png replace a checkpoint, a symlink or another kind of file',
      }),
    },
  },
} satisfies CommandSpec;

export async function renderCommand(args: string[]): Promise<number> {
  const options = parseFlags(RENDER_COMMAND, args)['render options'];
  if (!options.video && !options.png) throw new UsageError('render needs --video out.mp4 and/or --png frame.png');
  const overwrite = options.overwrite;
  if (options.png) checkOutputPath(options.png, { kind: 'png', overwrite });
  if (options.video)
    checkOutputPath(options.video, { kind: 'video', inputs: options.png ? [options.png] : [], overwrite });
  const envId = options.env ?? DEFAULT_CONFIG.envId;
  const seed = options.seed ?? 0;
  const env: Env = await makeEnv(envId, options.steps ? { maxEpisodeSteps: options.steps } : {});
  try {
    const rng = new Rng(seed);
    const policy = () =>
      options.policy === 'zero' ? new Float64Array(env.actionSpace.size) : env.actionSpace.sample(rng);
    if (options.png) {
      const { savePng } = await import('../media/png.js');
      const { createRenderer } = await import('../media/render.js');
      env.reset({ seed });
      const renderer = createRenderer(env, {});
      try {
        savePng(options.png, renderer.render(), renderer.width, renderer.height);
      } finally {
        renderer.close();
      }
      console.log(`Frame: ${resolve(options.png)}`);
    }
    if (options.video) {
      const video = options.video;
      const recorded = await withFrameBar((onFrame) =>
        recordEpisode({ env, policy, path: video, seed, overwrite, onFrame }),
      );
      console.log(
        `Video: ${recorded.path} (${recorded.frames} frames, episode return ${recorded.episodeReturn.toFixed(1)})`,
      );
    }
  } finally {
    env.close();
  }
  return 0;
}

/**
 * Run `record` with a bar of the frames written (a video takes 10-20 s), on a terminal only: a
 * log gets the line that follows. The bar runs to the recording's frame limit and is cleared when
 * the video is done, also when the episode ends sooner.
 */
async function withFrameBar<T>(
  record: (onFrame: (frames: number, maxFrames: number) => void) => Promise<T>,
): Promise<T> {
  if (process.stderr.isTTY !== true) return record(() => {});
  const bar = new SingleBar({
    format: 'Recording the video {bar} {value}/{total} frames | ETA {eta_formatted}',
    barsize: 20,
    clearOnComplete: true,
    hideCursor: true,
    stream: process.stderr,
  });
  let started = false;
  try {
    return await record((frames, maxFrames) => {
      if (!started) bar.start(maxFrames, 0);
      started = true;
      bar.update(frames);
    });
  } finally {
    bar.stop();
  }
}
