/**
 * Every registered task against real Gymnasium: the fixtures in tests/fixtures/gymnasium/ were
 * recorded by scripts/gymnasium_traces.py with Gymnasium 1.3 and MuJoCo 3.14 (pip). For each
 * fixture whose task is registered here (others are skipped, naming the task):
 *
 * 1. The env facts: dt, render fps, the TimeLimit and reward threshold of the registration, the
 *    action space bounds and the observation shape.
 * 2. The compiled model facts: sizes, option values, object names in id order, and the body,
 *    joint, dof, geom, site, actuator and camera arrays.
 * 3. Every recorded episode replayed: `reset({ seed })`, then the state Gymnasium had after its
 *    reset (its reset noise comes from numpy's np_random, which no TypeScript env reproduces) is
 *    set exactly with `setState`, then the recorded actions are stepped. Each observation,
 *    reward and info term must match Gymnasium's, and every step must end as Gymnasium's did
 *    (terminated, truncated by the TimeLimit, or neither). Twice: step by step, each step
 *    started from Gymnasium's exact state after the previous one (the physics and the task's
 *    formulas, free of chaos), and open loop, our state carried along as in training. The reset
 *    observation is not compared: the env computes it from its own reset noise before the state
 *    is replaced; the same observation function is compared after every step.
 *
 * Needs no Python: the fixtures are committed. The test prints each task's largest absolute and
 * relative difference (node --test shows them as diagnostics).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Env, Info } from '../lib/envs/env.js';
import type { MujocoEnv } from '../lib/envs/mujoco_env.js';
import { MODEL_FLAG_NAMES, type ModelFlag, type ObjectKind } from '../lib/envs/mujoco.js';
import { envIds, envSpec, makeEnv } from '../lib/envs/registry.js';
import { TimeLimit } from '../lib/envs/wrappers.js';

/**
 * Both sides run float64 MuJoCo 3.14, so a step should agree to rounding: the fixture keeps 12
 * significant digits (relative error <= 5e-13), and the WebAssembly build and the native wheel
 * may round a few operations differently (no fused multiply-add in WASM, another libm for
 * sin/cos), differences of about 1e-16. RELATIVE bounds what that may grow to; ABSOLUTE covers
 * values that pass through zero (a velocity, a constraint force), where a relative bound means
 * nothing. Measured: every task's largest difference is the fixture's rounding (about 5e-12
 * relative), but for the two exceptions below.
 */
const RELATIVE = 1e-9;
const ABSOLUTE = 1e-9;

/**
 * Measured exception, step by step: Pusher's arm pushes the object with contacts solved by 20
 * iterations of the Newton solver, which stops at its tolerance; started from Gymnasium's exact
 * state (but our own warmstart, the previous step's accelerations) one velocity of 312 steps
 * differed by 4.9e-9 (episode 2, step 85). Its absolute bound is 1e-8.
 */
const STEP_ABSOLUTE: Record<string, number> = { 'Pusher-v5': 1e-8 };

/**
 * Measured exception, open loop: where a contact begins, HalfCheetah's and Pusher's contact
 * solver turns a last-bit difference of the state into one of about 1e-9, and the next contacts
 * grow it further (HalfCheetah's runs apart entirely within 100 steps: that is chaos, not a
 * different model, since every step started from Gymnasium's state agrees). The first
 * difference beyond 1e-9 came at steps 41, 87 and 36 of HalfCheetah's episodes and step 73 of
 * one Pusher episode, so their open-loop replays compare the first 25 steps of each episode.
 */
const OPEN_LOOP_STEPS: Record<string, number> = { 'HalfCheetah-v5': 25, 'Pusher-v5': 25, 'Ant-v5': 25 };

/**
 * Not comparable step by step: Ant's and Humanoid's velocity is the change of a body position
 * (xpos of the torso, the bodies' xipos for the centre of mass) that MuJoCo computed in the last
 * mj_forward of the previous step, i.e. before that step's final integration. Setting the state
 * recorded after that step recomputes them from the integrated state, so these terms differ
 * (by up to 8e-2 for Ant, 3e-4 for Humanoid) while every other value agrees to 5e-12; the open
 * loop compares them (Ant's first difference beyond 1e-9 came at step 40 of one episode).
 */
const LAGGED_TERMS = ['x_velocity', 'y_velocity', 'reward_forward', 'reward'];
const STEP_SKIPS: Record<string, string[]> = { 'Ant-v5': LAGGED_TERMS, 'Humanoid-v5': LAGGED_TERMS };

interface Episode {
  seed: number | null;
  seed_of_stream: number;
  qpos: number[];
  qvel: number[];
  actions: number[][];
  observations: number[][];
  rewards: number[];
  qpos_after: number[][];
  qvel_after: number[][];
  info: Record<string, (number | boolean | number[])[]>;
  end: 'terminated' | 'truncated' | null;
}

interface Fixture {
  task: string;
  versions: Record<string, string>;
  env: {
    dt: number;
    render_fps: number;
    max_episode_steps: number | null;
    reward_threshold: number | null;
    action_low: number[];
    action_high: number[];
    observation_shape: number[];
  };
  model: Record<string, number | number[] | Record<string, (string | null)[]>>;
  episodes: Episode[];
}

const FIXTURE_DIR = new URL('./fixtures/gymnasium/', import.meta.url);
const fixtureFiles = readdirSync(FIXTURE_DIR)
  .filter((name) => name.endsWith('.json'))
  .sort();

/** The largest differences seen, and where, for the report line of a task. */
class Differences {
  /** The absolute bound (ABSOLUTE unless a measured exception applies). */
  constructor(private readonly absoluteBound = ABSOLUTE) {}

  maxAbsolute = 0;
  maxRelative = 0;
  where = '';

  failures = 0;
  firstFailure = '';

  /**
   * Compare `actual` with Gymnasium's `expected`, keeping the maxima; a value outside the
   * tolerance is counted (all are compared, so a failing run still reports its largest difference).
   */
  check(actual: number, expected: number, what: string): void {
    const absolute = Math.abs(actual - expected);
    const relative = expected === 0 ? (absolute === 0 ? 0 : Infinity) : absolute / Math.abs(expected);
    if (absolute > this.maxAbsolute) {
      this.maxAbsolute = absolute;
      this.where = what;
    }
    if (relative !== Infinity && relative > this.maxRelative) this.maxRelative = relative;
    if (!(absolute <= this.absoluteBound + RELATIVE * Math.abs(expected))) {
      this.failures++;
      this.firstFailure ||= `${what}: ours ${actual}, Gymnasium ${expected} (difference ${absolute.toExponential(2)})`;
    }
  }

  toString(): string {
    return `max abs difference ${this.maxAbsolute.toExponential(2)} (${this.where}), max relative ${this.maxRelative.toExponential(2)}`;
  }
}

/** A model fact of our compiled model: a size, `opt.<name>` or an array, as plain numbers. */
function ourModelFact(env: Env, key: string): number[] {
  const sim = (env.unwrapped as MujocoEnv).sim;
  // MuJoCo 3.14's bindings cannot return its bool arrays; modelFlags reads them one by one.
  if ((MODEL_FLAG_NAMES as string[]).includes(key)) return Array.from(sim.modelFlags(key as ModelFlag));
  const model = sim.model as unknown as Record<string, unknown>;
  const value = key.startsWith('opt.') ? (model.opt as Record<string, unknown>)[key.slice(4)] : model[key];
  if (typeof value === 'number') return [value];
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  throw new Error(`MjModel field ${key} is missing from the bindings (got ${typeof value})`);
}

/** MjModel arrays of each kind's name addresses into the `names` buffer. */
const NAME_ADDRESSES: Record<ObjectKind, string> = {
  body: 'name_bodyadr',
  joint: 'name_jntadr',
  geom: 'name_geomadr',
  site: 'name_siteadr',
  camera: 'name_camadr',
  actuator: 'name_actuatoradr',
};

/**
 * Names of the first `count` objects of a kind, null where unnamed (as Python's mj_id2name),
 * read from the `names` buffer: mujoco-js's mj_id2name returns garbage for an unnamed object.
 */
function objectNames(env: Env, kind: ObjectKind, count: number): (string | null)[] {
  const model = (env.unwrapped as MujocoEnv).sim.model as unknown as Record<string, ArrayLike<number>>;
  const bytes = model.names;
  const addresses = model[NAME_ADDRESSES[kind]];
  return Array.from({ length: count }, (_, i) => {
    let name = '';
    for (let k = addresses[i]; bytes[k] !== 0; k++) name += String.fromCharCode(bytes[k]);
    return name === '' ? null : name;
  });
}

function checkEnvFacts(env: Env, fixture: Fixture): void {
  const facts = fixture.env;
  assert.ok(Math.abs(env.dt - facts.dt) < 1e-15, `dt ${env.dt}, Gymnasium ${facts.dt}`);
  assert.equal(env.metadata.fps, facts.render_fps, 'render fps');
  const limit = env instanceof TimeLimit ? env.maxEpisodeSteps : null;
  assert.equal(limit, facts.max_episode_steps, 'TimeLimit of the registration');
  assert.equal(envSpec(fixture.task).rewardThreshold ?? null, facts.reward_threshold, 'reward threshold');
  assert.deepEqual(Array.from(env.actionSpace.low), facts.action_low, 'action low');
  assert.deepEqual(Array.from(env.actionSpace.high), facts.action_high, 'action high');
  assert.deepEqual([...env.observationSpace.shape], facts.observation_shape, 'observation shape');
}

function checkModelFacts(env: Env, fixture: Fixture): void {
  const { names, ...numeric } = fixture.model;
  for (const [key, expected] of Object.entries(numeric)) {
    const ours = ourModelFact(env, key);
    const theirs = typeof expected === 'number' ? [expected] : (expected as number[]);
    assert.equal(ours.length, theirs.length, `${key}: ${ours.length} values, Gymnasium ${theirs.length}`);
    // One compiler, one version: the compiled numbers are the same to the last bit or nearly.
    theirs.forEach((value, i) =>
      assert.ok(
        Math.abs(ours[i] - value) <= 1e-12 * Math.max(1, Math.abs(value)),
        `${key}[${i}]: ours ${ours[i]}, Gymnasium ${value}`,
      ),
    );
  }
  for (const [kind, expected] of Object.entries(names as Record<ObjectKind, (string | null)[]>)) {
    assert.deepEqual(objectNames(env, kind as ObjectKind, expected.length), expected, `${kind} names in id order`);
  }
}

function checkInfo(
  info: Info,
  episode: Episode,
  t: number,
  differences: Differences,
  where: string,
  skips: readonly string[] = [],
): void {
  assert.deepEqual(Object.keys(info).sort(), Object.keys(episode.info).sort(), `${where}: info keys`);
  for (const [key, values] of Object.entries(episode.info)) {
    const expected = values[t];
    if (skips.includes(key)) continue;
    if (typeof expected === 'boolean') assert.equal(info[key], expected, `${where}: info.${key}`);
    else if (Array.isArray(expected)) {
      // An array term (Humanoid's tendon_length, tendon_velocity), compared element by element.
      const ours = info[key] as readonly number[];
      assert.equal(ours.length, expected.length, `${where}: info.${key} length`);
      expected.forEach((value, i) => differences.check(ours[i], value, `${where}: info.${key}[${i}]`));
    } else differences.check(info[key] as number, expected as number, `${where}: info.${key}`);
  }
}

/**
 * Replay one recorded episode from Gymnasium's post-reset state and compare every step: open
 * loop (our own state carried from step to step), or with `resync` each step started from
 * Gymnasium's exact state after the previous one.
 */
function replay(env: Env, episode: Episode, index: number, differences: Differences, resync: boolean): void {
  const task = env.unwrapped as MujocoEnv;
  env.reset({ seed: episode.seed ?? episode.seed_of_stream });
  task.setState(episode.qpos, episode.qvel);
  const last = episode.actions.length - 1;
  const steps = resync ? episode.actions.length : (OPEN_LOOP_STEPS[env.id] ?? episode.actions.length);
  episode.actions.slice(0, steps).forEach((action, t) => {
    const where = `episode ${index} step ${t + 1}`;
    if (resync && t > 0) task.setState(episode.qpos_after[t - 1], episode.qvel_after[t - 1]);
    const result = env.step(action);
    const expected = episode.observations[t];
    assert.equal(result.observation.length, expected.length, `${where}: observation size`);
    expected.forEach((value, i) => differences.check(result.observation[i], value, `${where}: observation[${i}]`));
    const skips = resync ? (STEP_SKIPS[env.id] ?? []) : [];
    if (!skips.includes('reward')) differences.check(result.reward, episode.rewards[t], `${where}: reward`);
    checkInfo(result.info, episode, t, differences, where, skips);
    assert.equal(result.terminated, t === last && episode.end === 'terminated', `${where}: terminated`);
    assert.equal(result.truncated, t === last && episode.end === 'truncated', `${where}: truncated`);
  });
}

/** Run `check` on a new env of the fixture's task, closing it afterwards. */
async function withEnv(fixture: Fixture, check: (env: Env, fixture: Fixture) => void): Promise<void> {
  const env = await makeEnv(fixture.task);
  try {
    check(env, fixture);
  } finally {
    env.close();
  }
}

for (const file of fixtureFiles) {
  const fixture = JSON.parse(readFileSync(new URL(file, FIXTURE_DIR), 'utf8')) as Fixture;
  const skip = envIds().includes(fixture.task) ? false : `${fixture.task} is not registered in lib/envs/registry.ts`;
  describe(`${fixture.task} against Gymnasium ${fixture.versions.gymnasium} / MuJoCo ${fixture.versions.mujoco}`, {
    skip,
  }, () => {
    test('dt, render fps, TimeLimit, reward threshold and spaces', () => withEnv(fixture, checkEnvFacts));
    test('compiled model facts', () => withEnv(fixture, checkModelFacts));

    for (const resync of [true, false]) {
      const name = resync
        ? "every recorded step, started from Gymnasium's state, gives its observation, reward, info and episode end"
        : 'recorded episodes replayed open loop give the same observations, rewards, info and episode ends';
      test(name, async (t) => {
        const env = await makeEnv(fixture.task);
        const differences = new Differences(resync ? (STEP_ABSOLUTE[fixture.task] ?? ABSOLUTE) : ABSOLUTE);
        try {
          fixture.episodes.forEach((episode, index) => replay(env, episode, index, differences, resync));
        } finally {
          env.close();
          const steps = fixture.episodes.reduce((sum, e) => sum + e.actions.length, 0);
          const mode = resync
            ? 'step by step'
            : `open loop${OPEN_LOOP_STEPS[fixture.task] ? ` (first ${OPEN_LOOP_STEPS[fixture.task]} steps of each episode)` : ''}`;
          t.diagnostic(`${fixture.task} ${mode}: ${fixture.episodes.length} episodes, ${steps} steps; ${differences}`);
        }
        assert.equal(
          differences.failures,
          0,
          `${differences.failures} values outside the tolerance, first: ${differences.firstFailure}`,
        );
      });
    }
  });
}
