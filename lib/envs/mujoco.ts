/**
 * All access to MuJoCo goes through this file: Google DeepMind's official WebAssembly bindings,
 * `@mujoco/mujoco` (MuJoCo 3.14), in their single-threaded build.
 *
 * - The module is loaded once per thread (`loadMujoco()` memoises the promise) and reused by
 *   every model in that thread.
 * - `MujocoSim` owns one `MjModel` and one `MjData` and frees both on `close()`.
 * - `qpos`, `qvel`, `ctrl` and friends returned by the bindings are live views into WASM memory,
 *   which can move when the heap grows; the accessors here always copy values out.
 * - The visualiser calls a renderer needs (`mjv_*`) are the small typed functions at the end.
 *
 * Why the single-threaded build: MuJoCo only uses threads for a thread pool the caller creates,
 * which one small model per A3C worker never does. Measured (HalfCheetah, CPU time per mj_step,
 * 5 interleaved runs), the multi-threaded build (`/mt`) steps no faster (13.8 us against 13.7),
 * yet it starts a pool of pthreads in every worker thread, and in Node 20 it does not load at
 * all without a `navigator` global.
 *
 * Speed: mj_step costs about 2.1x native MuJoCo 3.14 (13.7 us against 6.5 us); the call itself
 * is 0.07 us, so calling mj_step once per physics step (the JS bindings have no multi-step call)
 * is already the cheapest way. The rest is the package's build: no SIMD, no link-time
 * optimisation (bench/mujoco_speed/README.md).
 *
 * MuJoCo's world frame is z-up: x forward (the cheetah runs along +x), y to the left, z up.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import load from '@mujoco/mujoco';
import type { MainModule, MjData, MjModel, MjvCamera, MjvOption, MjvPerturb, MjvScene } from '@mujoco/mujoco';

export type { MainModule, MjData, MjModel, MjvCamera, MjvOption, MjvPerturb, MjvScene };

let modulePromise: Promise<MainModule> | undefined;

/** Load the MuJoCo WASM module once per thread; later calls return the same instance. */
export function loadMujoco(): Promise<MainModule> {
  modulePromise ??= load();
  return modulePromise;
}

/** The folder with the project's model files (`assets/`), resolved from this module's location. */
export function assetsDir(): string {
  // lib/envs/mujoco.ts and dist/envs/mujoco.js both sit two levels below the package root.
  return fileURLToPath(new URL('../../assets/', import.meta.url));
}

/** Where a MuJoCo model file (or any asset) lives: absolute path, or a name inside `assets/`. */
export function assetPath(file: string): string {
  return file.startsWith('/') ? file : assetsDir() + file;
}

/**
 * Compile an MJCF file from the host file system into an `MjModel`.
 * Throws an Error naming the file when it is missing or does not compile.
 */
export function compileModel(mujoco: MainModule, file: string): MjModel {
  const path = assetPath(file);
  if (!existsSync(path)) {
    throw new Error(`MuJoCo model file not found: ${path}`);
  }
  // The XML is compiled from a string: the WASM file system cannot see the host's, and the
  // project's models reference no other files (meshes, includes).
  const xml = readFileSync(path, 'utf8');
  try {
    return mujoco.MjModel.from_xml_string(xml);
  } catch (error) {
    // The bindings turn MuJoCo's compile errors into JS Errors with MuJoCo's message.
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`MuJoCo model file does not compile: ${path} (${reason.trim()})`);
  }
}

/** A copied-out physics state: enough to restore the simulation exactly. */
export interface SimState {
  time: number;
  qpos: Float64Array;
  qvel: Float64Array;
}

/** Kinds of named model objects `objectId` looks up, with their mjtObj values. */
const OBJECT_TYPES = { body: 1, joint: 3, geom: 5, site: 6, camera: 7, actuator: 19 } as const;
export type ObjectKind = keyof typeof OBJECT_TYPES;

/** MjData arrays a task observes (world positions, forces), read through `readData`. */
export type DataField =
  | 'xpos'
  | 'xipos'
  | 'site_xpos'
  | 'qfrc_constraint'
  | 'qfrc_actuator'
  | 'cinert'
  | 'cvel'
  | 'cfrc_ext'
  | 'ten_length'
  | 'ten_velocity';

type LiveField = 'qpos' | 'qvel' | 'ctrl' | 'cfrc_ext';

/**
 * MuJoCo's boolean model arrays. MuJoCo 3.14 stores them as C `bool`, and the 3.14 bindings
 * cannot return a `bool` array (reading `model.jnt_limited` throws "_emval_take_value has unknown
 * type memory_view<bool>"), so `modelFlags` reads them element by element through the named
 * accessors (`model.jnt(i).limited`), which can.
 */
const MODEL_FLAGS = {
  jnt_limited: { count: 'njnt', element: 'jnt', key: 'limited' },
  actuator_ctrllimited: { count: 'nu', element: 'actuator', key: 'ctrllimited' },
  actuator_forcelimited: { count: 'nu', element: 'actuator', key: 'forcelimited' },
  actuator_actlimited: { count: 'nu', element: 'actuator', key: 'actlimited' },
  eq_active0: { count: 'neq', element: 'eq', key: 'active0' },
  light_active: { count: 'nlight', element: 'light', key: 'active' },
  light_castshadow: { count: 'nlight', element: 'light', key: 'castshadow' },
  mat_texuniform: { count: 'nmat', element: 'mat', key: 'texuniform' },
} as const;

/** The name of a boolean model array `modelFlags` can read, e.g. 'jnt_limited'. */
export type ModelFlag = keyof typeof MODEL_FLAGS;

/** The fields `modelFlags` reads, for code that walks every field of a model. */
export const MODEL_FLAG_NAMES = Object.keys(MODEL_FLAGS) as ModelFlag[];

/** One compiled model and its data, owned together. Call `close()` to free the WASM memory. */
export class MujocoSim {
  readonly mujoco: MainModule;
  readonly model: MjModel;
  readonly data: MjData;
  readonly nq: number;
  readonly nv: number;
  readonly nu: number;
  /** Number of bodies, the world (body 0) included: cfrc_ext has 6 * nbody values. */
  readonly nbody: number;
  private closed = false;
  // Live views, cached because each view made through the bindings costs about a microsecond
  // and an env step needs several. WASM memory growth detaches them; a detached view has length
  // 0 and is then made again (see `live`).
  private readonly views = new Map<LiveField, Float64Array>();

  private constructor(mujoco: MainModule, model: MjModel) {
    this.mujoco = mujoco;
    this.model = model;
    try {
      this.data = new mujoco.MjData(model);
    } catch (error) {
      model.delete();
      throw error;
    }
    this.nq = model.nq;
    this.nv = model.nv;
    this.nu = model.nu;
    this.nbody = model.nbody;
  }

  /** Load the module (once per thread) and compile `file` (absolute, or a name in `assets/`). */
  static async fromFile(file: string): Promise<MujocoSim> {
    const mujoco = await loadMujoco();
    return new MujocoSim(mujoco, compileModel(mujoco, file));
  }

  get timestep(): number {
    return this.model.opt.timestep;
  }

  get time(): number {
    return this.data.time;
  }

  /** A copy of qpos (never the live WASM view). */
  qpos(): Float64Array {
    return Float64Array.from(this.live('qpos'));
  }

  /** A copy of qvel (never the live WASM view). */
  qvel(): Float64Array {
    return Float64Array.from(this.live('qvel'));
  }

  /**
   * Copy qpos[from..nq) into `target` at `targetOffset` without allocating: the env step's hot
   * path (an observation is assembled from slices of qpos and qvel).
   */
  readQpos(target: Float64Array, targetOffset = 0, from = 0): void {
    this.assertOpen();
    copyRange(this.live('qpos'), from, target, targetOffset);
  }

  /** Copy qvel[from..nv) into `target` at `targetOffset` without allocating. */
  readQvel(target: Float64Array, targetOffset = 0, from = 0): void {
    this.assertOpen();
    copyRange(this.live('qvel'), from, target, targetOffset);
  }

  /**
   * Copy the external contact forces on every body, cfrc_ext (nbody x 6: torque then force, in
   * the body's centre-of-mass frame), into `target` at `targetOffset`. MuJoCo fills them only
   * in `rnePostConstraint()`, which Gymnasium's step runs after the physics steps.
   */
  readCfrcExt(target: Float64Array, targetOffset = 0): void {
    this.assertOpen();
    copyRange(this.live('cfrc_ext'), 0, target, targetOffset);
  }

  /** One qpos value, e.g. the root x position, read without a copy of the whole vector. */
  qposAt(index: number): number {
    this.assertOpen();
    return this.live('qpos')[index];
  }

  /** Id of a named body, joint, geom, site, camera or actuator; an Error naming it if missing. */
  objectId(kind: ObjectKind, name: string): number {
    this.assertOpen();
    const id = this.mujoco.mj_name2id(this.model, OBJECT_TYPES[kind], name);
    if (id < 0) throw new Error(`The model has no ${kind} named "${name}"`);
    return id;
  }

  /**
   * Copy `count` values of an MjData array from index `from` into `target` at `targetOffset`,
   * e.g. the world position of body b: `readData('xpos', 3 * b, 3, target)`. The values are
   * those of the last mj_forward / mj_step (positions, forces) and are copied, never viewed.
   */
  readData(field: DataField, from: number, count: number, target: Float64Array, targetOffset = 0): void {
    this.assertOpen();
    const source = this.data[field] as Float64Array;
    if (from < 0 || count < 0 || from + count > source.length || targetOffset + count > target.length) {
      throw new Error(`Cannot read ${field}[${from}..${from + count}) of ${source.length} values into the target`);
    }
    for (let i = 0; i < count; i++) target[targetOffset + i] = source[from + i];
  }

  /** A boolean model array (e.g. 'jnt_limited', 'actuator_ctrllimited') as 0/1 bytes, copied. */
  modelFlags(field: ModelFlag): Uint8Array {
    this.assertOpen();
    const spec = MODEL_FLAGS[field];
    if (spec === undefined) {
      throw new Error(`Unknown model flag array "${String(field)}"; known: ${MODEL_FLAG_NAMES.join(', ')}`);
    }
    const count = this.model[spec.count] as number;
    const flags = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      // Each accessor is a new handle on the WASM heap: deleted at once (about 27 bytes leak otherwise).
      const element = this.model[spec.element](i) as unknown as Record<string, unknown> & { delete(): void };
      try {
        flags[i] = element[spec.key] ? 1 : 0;
      } finally {
        element.delete();
      }
    }
    return flags;
  }

  /** The initial qpos/qvel of the model (qpos0, zero velocity), copied. */
  initialState(): { qpos: Float64Array; qvel: Float64Array } {
    return {
      qpos: Float64Array.from(this.model.qpos0 as Float64Array),
      qvel: new Float64Array(this.nv),
    };
  }

  /** Write the control vector (MuJoCo clamps to ctrlrange when the actuator is ctrllimited). */
  setControl(ctrl: ArrayLike<number>): void {
    this.assertOpen();
    this.live('ctrl').set(ctrl);
  }

  /** Advance `nSteps` physics steps with the current control. */
  step(nSteps = 1): void {
    this.assertOpen();
    const { mujoco, model, data } = this;
    for (let i = 0; i < nSteps; i++) mujoco.mj_step(model, data);
  }

  /** Compute cacc, cfrc_int and cfrc_ext (contact forces) for the current state (mj_rnePostConstraint). */
  rnePostConstraint(): void {
    this.assertOpen();
    this.mujoco.mj_rnePostConstraint(this.model, this.data);
  }

  /** Reset to the model's default state (mj_resetData). */
  reset(): void {
    this.assertOpen();
    this.mujoco.mj_resetData(this.model, this.data);
  }

  /** Set qpos and qvel and recompute derived quantities (mj_forward), like Gymnasium's set_state. */
  setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): void {
    this.assertOpen();
    if (qpos.length !== this.nq || qvel.length !== this.nv) {
      throw new Error(
        `setState expects qpos of length ${this.nq} and qvel of length ${this.nv}, got ${qpos.length} and ${qvel.length}`,
      );
    }
    this.live('qpos').set(qpos);
    this.live('qvel').set(qvel);
    this.mujoco.mj_forward(this.model, this.data);
  }

  getState(): SimState {
    return { time: this.data.time, qpos: this.qpos(), qvel: this.qvel() };
  }

  /** Number of MuJoCo warnings raised so far (e.g. unstable simulation); see mjtWarning. */
  warningCount(): number {
    this.assertOpen();
    // `data.warning` is a view of mjData's own array (deleting it aborts the module), while each
    // element `get(i)` returns is a copy that must be deleted (measured: 300 bytes a call leak
    // otherwise).
    const warnings = this.data.warning;
    let total = 0;
    for (let i = 0; i < warnings.size(); i++) {
      const stat = warnings.get(i);
      if (!stat) continue;
      total += stat.number;
      stat.delete();
    }
    return total;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.views.clear();
    this.data.delete();
    this.model.delete();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('MujocoSim is closed');
  }

  /** The cached live view, made again when WASM memory growth has detached it (length 0). */
  private live(field: LiveField): Float64Array {
    let view = this.views.get(field);
    if (view === undefined || view.length === 0) {
      view = this.data[field] as Float64Array;
      this.views.set(field, view);
    }
    return view;
  }
}

function copyRange(source: Float64Array, from: number, target: Float64Array, targetOffset: number): void {
  const count = source.length - from;
  if (from < 0 || count < 0 || targetOffset < 0 || targetOffset + count > target.length) {
    throw new Error(
      `Cannot copy ${source.length} values from index ${from} into ${target.length} values at offset ${targetOffset}`,
    );
  }
  for (let i = 0; i < count; i++) target[targetOffset + i] = source[from + i];
}

// Visualisation: the few mjv_* calls a renderer makes, typed, so no other file calls the module.

/** Reset `option` to MuJoCo's default visualisation options (mjv_defaultOption). */
export function defaultVisualOption(sim: MujocoSim, option: MjvOption): void {
  sim.mujoco.mjv_defaultOption(option);
}

/** Reset `perturb` to no perturbation (mjv_defaultPerturb). */
export function defaultPerturb(sim: MujocoSim, perturb: MjvPerturb): void {
  sim.mujoco.mjv_defaultPerturb(perturb);
}

/** Reset `camera` to MuJoCo's default camera (mjv_defaultCamera). */
export function defaultCamera(sim: MujocoSim, camera: MjvCamera): void {
  sim.mujoco.mjv_defaultCamera(camera);
}

/** Set `camera` to the model's default free camera, from its statistics (mjv_defaultFreeCamera). */
export function defaultFreeCamera(sim: MujocoSim, camera: MjvCamera): void {
  sim.mujoco.mjv_defaultFreeCamera(sim.model, camera);
}

/** What `updateScene` draws with: MuJoCo's visualiser objects, owned by the caller. */
export interface SceneInputs {
  option: MjvOption;
  perturb: MjvPerturb;
  camera: MjvCamera;
  /** Bitmask of mjtCatBit categories to include (e.g. mjCAT_ALL). */
  categories: number;
}

/** Fill `scene` with the simulation's current geoms, lights and cameras (mjv_updateScene). */
export function updateScene(sim: MujocoSim, inputs: SceneInputs, scene: MjvScene): void {
  const { option, perturb, camera, categories } = inputs;
  sim.mujoco.mjv_updateScene(sim.model, sim.data, option, perturb, camera, categories, scene);
}
