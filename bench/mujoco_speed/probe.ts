/**
 * Physics speed probe for one MuJoCo WebAssembly build: CPU microseconds per `mj_step` of a model,
 * printed as one JSON line, so builds can be compared with each other and with native MuJoCo
 * (probe.c, probe.py in this folder, same protocols). A measurement tool, not part of the
 * library: it loads the packages directly because comparing builds is its point (lib/ reaches
 * MuJoCo only through lib/envs/mujoco.ts).
 *
 *   node --import tsx bench/mujoco_speed/probe.ts <build> <protocol> [steps] [model.xml]
 *
 * build:    st (@mujoco/mujoco), mt (@mujoco/mujoco/mt), or a path to another build's JS glue
 *           (e.g. mujoco-js 0.0.7's dist/mujoco_wasm.js); WASM=file.wasm swaps in another binary.
 * protocol: const  - constant controls (+-0.5), one mj_step per call;
 *           random - probe.c's: uniform controls in [-1, 1] redrawn every 5 steps, reset with qpos
 *                    noise every 5000 steps (xorshift64, the same numbers as the C probe);
 *           step12 - constant controls, mj_step1 + mj_step2;
 *           call   - a trivial bound call (mj_isSparse), the bindings' cost of one call.
 * CPU time (process.cpuUsage) is reported next to wall time: on a busy machine it is the fairer.
 */
import { readFileSync } from 'node:fs';

/** The part of a MuJoCo module the probe uses, common to every build. */
interface Handle {
  delete(): void;
}
interface Model extends Handle {
  nu: number;
  nq: number;
}
interface Data extends Handle {
  ctrl: Float64Array;
  qpos: Float64Array;
}
interface Module {
  MjModel: { from_xml_string?(xml: string): Model; loadFromXML?(path: string): Model };
  MjData: new (model: Model) => Data;
  FS: { writeFile(path: string, data: string): void };
  mj_step(m: Model, d: Data): void;
  mj_step1(m: Model, d: Data): void;
  mj_step2(m: Model, d: Data): void;
  mj_resetData(m: Model, d: Data): void;
  mj_isSparse(m: Model): number;
  mj_versionString?(): string;
}

const [build = 'st', protocol = 'const', stepsArg = '100000', modelFile = 'assets/half_cheetah.xml'] =
  process.argv.slice(2);
const steps = Number(stepsArg);
if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${stepsArg}`);

async function loadBuild(name: string): Promise<Module> {
  // The multi-threaded build sizes its pthread pool from navigator.hardwareConcurrency, which
  // Node 20 does not define.
  const g = globalThis as { navigator?: unknown };
  if (name === 'mt' && g.navigator === undefined) g.navigator = { hardwareConcurrency: 2 };
  const specifier = name === 'st' ? '@mujoco/mujoco' : name === 'mt' ? '@mujoco/mujoco/mt' : name;
  const factory = (await import(specifier)).default as (options?: object) => Promise<Module>;
  return factory(process.env.WASM ? { wasmBinary: readFileSync(process.env.WASM) } : undefined);
}

function compile(m: Module, xml: string): Model {
  if (m.MjModel.from_xml_string) return m.MjModel.from_xml_string(xml);
  // mujoco-js 0.0.7 compiles from its in-memory file system only.
  m.FS.writeFile('/probe.xml', xml);
  if (!m.MjModel.loadFromXML) throw new Error('this build has neither from_xml_string nor loadFromXML');
  return m.MjModel.loadFromXML('/probe.xml');
}

/** probe.c's xorshift64 stream, drawn in advance in the C loop's order (BigInt is slow). */
function randomDraws(nu: number, nq: number): Float64Array {
  const mask = (1n << 64n) - 1n;
  let s = 88172645463325252n;
  const uniform = () => {
    s ^= (s << 13n) & mask;
    s ^= s >> 7n;
    s ^= (s << 17n) & mask;
    return Number(s >> 11n) / 9007199254740992;
  };
  const draws: number[] = [];
  for (let i = 0; i < steps; i++) {
    if (i % 5 === 0) for (let k = 0; k < nu; k++) draws.push(2 * uniform() - 1);
    if (i % 5000 === 0) for (let k = 0; k < nq; k++) draws.push(0.2 * uniform() - 0.1);
  }
  return Float64Array.from(draws);
}

function run(m: Module, model: Model, data: Data, draws: Float64Array): void {
  if (protocol === 'const') for (let i = 0; i < steps; i++) m.mj_step(model, data);
  else if (protocol === 'step12')
    for (let i = 0; i < steps; i++) {
      m.mj_step1(model, data);
      m.mj_step2(model, data);
    }
  else if (protocol === 'call') for (let i = 0; i < steps; i++) m.mj_isSparse(model);
  else if (protocol === 'random') {
    let p = 0;
    for (let i = 0; i < steps; i++) {
      if (i % 5 === 0) {
        const ctrl = data.ctrl;
        for (let k = 0; k < model.nu; k++) ctrl[k] = draws[p++];
      }
      if (i % 5000 === 0) {
        m.mj_resetData(model, data);
        const qpos = data.qpos;
        for (let k = 0; k < model.nq; k++) qpos[k] += draws[p++];
      }
      m.mj_step(model, data);
    }
  } else throw new Error(`unknown protocol ${protocol}; use const, random, step12 or call`);
}

const m = await loadBuild(build);
const model = compile(m, readFileSync(modelFile, 'utf8'));
const data = new m.MjData(model);
const setConstantControls = () => {
  const ctrl = data.ctrl;
  for (let k = 0; k < model.nu; k++) ctrl[k] = k % 2 ? 0.5 : -0.5;
};
setConstantControls();
for (let i = 0; i < 2000; i++) m.mj_step(model, data); // warm-up: V8 tiers the hot functions up
m.mj_resetData(model, data);
setConstantControls();
const draws = protocol === 'random' ? randomDraws(model.nu, model.nq) : new Float64Array(0);
const cpuStart = process.cpuUsage();
const wallStart = process.hrtime.bigint();
run(m, model, data, draws);
const wall = Number(process.hrtime.bigint() - wallStart) / 1e3 / steps;
const cpu = process.cpuUsage(cpuStart);
console.log(
  JSON.stringify({
    build,
    protocol,
    version: m.mj_versionString?.() ?? 'unknown',
    steps,
    cpu_us_per_step: Number(((cpu.user + cpu.system) / steps).toFixed(3)),
    wall_us_per_step: Number(wall.toFixed(3)),
    x: data.qpos[0],
  }),
);
data.delete();
model.delete();
