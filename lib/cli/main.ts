#!/usr/bin/env node
/**
 * The `a3c` command line (`a3c <command> --help` lists a command's options):
 *
 *   a3c train  --env HalfCheetah-v5 --workers 2 --total-steps 1000000 --seed 1 --run-dir runs/x [--resume]
 *   a3c eval   --checkpoint runs/x/best --episodes 10 [--stochastic] [--json] [--video out.mp4]
 *   a3c render --env HalfCheetah-v5 --policy random --video out.mp4 [--png frame.png]
 *   a3c main   (what `npm start` runs: train HalfCheetah-v5 with the defaults (2M steps), evaluate, record a video)
 *   a3c envs   (list the registered environments)
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { field } from '../common/schema.js';
import { ConfigError, DEFAULT_CONFIG } from '../config.js';
import { envIds } from '../envs/registry.js';
import { WorkerError } from '../training/trainer.js';
import { EVAL_COMMAND, evalCommand, evaluateCheckpoint, RENDER_COMMAND, renderCommand } from './eval_command.js';
import { OutputPathError } from '../common/output_path.js';
import { RunFolderError } from '../training/run_folder.js';
import { HelpRequested, helpText, parseFlags, UsageError, type CommandSpec } from './flags.js';
import { defaultRunDir, TRAIN_COMMAND, trainCommand, trainWithProgress } from './train_command.js';

const MAIN_COMMAND = {
  name: 'main',
  summary: 'The main job (npm start): train HalfCheetah-v5 with the defaults, evaluate the best model, record a video.',
  groups: {
    'main options': {
      runDir: field.text<string | undefined>({ default: undefined, doc: 'run folder', metavar: 'DIR' }),
      totalSteps: { ...TRAIN_COMMAND.groups['A3C configuration (lib/config.ts)'].totalSteps },
    },
  },
} satisfies CommandSpec;

const COMMANDS: Record<string, { spec: CommandSpec; run: (args: string[]) => Promise<number> }> = {
  train: { spec: TRAIN_COMMAND, run: trainCommand },
  eval: { spec: EVAL_COMMAND, run: evalCommand },
  render: { spec: RENDER_COMMAND, run: renderCommand },
  main: { spec: MAIN_COMMAND, run: mainCommand },
};

const HELP = `Usage: a3c <command> [options]

Commands:
${Object.values(COMMANDS)
  .map(({ spec }) => `  ${spec.name.padEnd(8)} ${spec.summary}`)
  .join('\n')}
  envs     List the registered environments
  help     This text; "a3c <command> --help" lists the options of a command`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(HELP);
    return name === undefined ? 1 : 0;
  }
  if (name === 'envs') {
    console.log(envIds().join('\n'));
    return 0;
  }
  const command = COMMANDS[name];
  if (!command)
    throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')}, envs, help`);
  try {
    return await command.run(rest);
  } catch (error) {
    if (!(error instanceof HelpRequested)) throw error;
    console.log(helpText(command.spec));
    return 0;
  }
}

/** `npm start`: train with the defaults, then evaluate the best checkpoint and record a video. */
async function mainCommand(args: string[]): Promise<number> {
  const options = parseFlags(MAIN_COMMAND, args)['main options'];
  const runDir = resolve(options.runDir ?? defaultRunDir(DEFAULT_CONFIG.envId, DEFAULT_CONFIG.seed));
  const result = await trainWithProgress(
    { totalSteps: options.totalSteps ?? DEFAULT_CONFIG.totalSteps },
    { runDir, resume: false, preload: [] },
  );
  if (result.aborted) return 130;
  mkdirSync(runDir, { recursive: true });
  await evaluateCheckpoint(result.bestPath ?? result.lastPath, {
    episodes: 10,
    seed: 0,
    deterministic: true,
    video: join(runDir, 'episode.mp4'),
    quiet: false,
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof ConfigError) {
      console.error(
        `a3c: ${error.message}\nRun "a3c help" for the commands, "a3c <command> --help" for their options.`,
      );
      process.exit(2);
    }
    if (error instanceof OutputPathError || error instanceof RunFolderError) {
      console.error(`a3c: ${error.message}`);
      process.exit(error.exitCode);
    }
    if (error instanceof WorkerError) {
      console.error(
        `a3c: training failed, ${error.message}\n${error.workerStack ?? ''}\nThe last checkpoint was written; fix the cause and resume with --resume.`,
      );
      process.exit(1);
    }
    console.error(`a3c: ${(error as Error).message ?? String(error)}`);
    process.exit(1);
  },
);
