/**
 * All access to the MuJoCo WebAssembly module (mujoco-js) goes through this file.
 *
 * - The module is loaded once per thread (`loadMujoco()` memoises the promise) and reused by
 *   every model in that thread.
 * - `MujocoSim` owns one `MjModel` and one `MjData` and frees both on `close()`.
 * - `qpos`, `qvel`, `ctrl` and friends returned by mujoco-js are live views into WASM memory,
 *   which can move when the heap grows; the accessors here always copy values out.
 *
 * MuJoCo's world frame is z-up: x forward (the cheetah runs along +x), y to the left, z up.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import load from 'mujoco-js';
import type { MainModule, MjData, MjModel } from 'mujoco-js';

export type { MainModule, MjData, MjModel };
export type { MjvScene, MjvOption, MjvPerturb, MjvCamera } from 'mujoco-js';

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

let vfsCounter = 0;

/**
 * Compile an MJCF file from the host file system into an `MjModel`.
 * Throws an Error naming the file when it is missing or does not compile.
 */
export function compileModel(mujoco: MainModule, file: string): MjModel {
  const path = assetPath(file);
  if (!existsSync(path)) {
    throw new Error(`MuJoCo model file not found: ${path}`);
  }
  const xml = readFileSync(path, 'utf8');
  // Each compile gets its own name in the in-memory file system so concurrent envs never clash.
  const vfsPath = `/model_${vfsCounter++}_${basename(path)}`;
  mujoco.FS.writeFile(vfsPath, xml);
  let model: MjModel | null = null;
  try {
    model = mujoco.MjModel.loadFromXML(vfsPath);
  } catch (error) {
    throw new Error(`MuJoCo model file does not compile: ${path} (${describeWasmError(mujoco, error)})`);
  } finally {
    mujoco.FS.unlink(vfsPath);
  }
  if (!model) {
    throw new Error(`MuJoCo model file does not compile: ${path}`);
  }
  return model;
}

/** mujoco-js throws C++ exceptions as opaque objects; recover the exception type where possible. */
function describeWasmError(mujoco: MainModule, error: unknown): string {
  const m = mujoco as unknown as { getExceptionMessage?: (ptr: number) => [string, string | undefined] };
  const ptr = (error as { excPtr?: number } | null)?.excPtr;
  if (typeof ptr === 'number' && m.getExceptionMessage) {
    try {
      const [type, message] = m.getExceptionMessage(ptr);
      return message ? `${type}: ${message}` : `${type}, an invalid MJCF element or attribute`;
    } catch {
      /* fall through to the generic description */
    }
  }
  return error instanceof Error ? error.message : String(error);
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

/** One compiled model and its data, owned together. Call `close()` to free the WASM memory. */
export class MujocoSim {
  readonly mujoco: MainModule;
  readonly model: MjModel;
  readonly data: MjData;
  readonly nq: number;
  readonly nv: number;
  readonly nu: number;
  private closed = false;
  // Live views of qpos/qvel/ctrl, cached because each view made through the bindings costs about
  // a microsecond and an env step needs several. WASM memory growth detaches them; a detached
  // view has length 0 and is then made again (see `live`).
  private qposView: Float64Array;
  private qvelView: Float64Array;
  private ctrlView: Float64Array;

  private constructor(mujoco: MainModule, model: MjModel) {
    this.mujoco = mujoco;
    this.model = model;
    this.data = new mujoco.MjData(model);
    this.nq = model.nq;
    this.nv = model.nv;
    this.nu = model.nu;
    this.qposView = this.data.qpos as Float64Array;
    this.qvelView = this.data.qvel as Float64Array;
    this.ctrlView = this.data.ctrl as Float64Array;
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

  /**
   * Compute cacc, cfrc_int and cfrc_ext for the current state (mj_rnePostConstraint). mj_step
   * leaves them unset unless the model has force sensors; Gymnasium calls this after every step.
   */
  rnePostConstraint(): void {
    this.assertOpen();
    this.mujoco.mj_rnePostConstraint(this.model, this.data);
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
    for (let i = 0; i < nSteps; i++) this.mujoco.mj_step(this.model, this.data);
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
  private live(field: 'qpos' | 'qvel' | 'ctrl'): Float64Array {
    switch (field) {
      case 'qpos':
        if (this.qposView.length === 0) this.qposView = this.data.qpos as Float64Array;
        return this.qposView;
      case 'qvel':
        if (this.qvelView.length === 0) this.qvelView = this.data.qvel as Float64Array;
        return this.qvelView;
      case 'ctrl':
        if (this.ctrlView.length === 0) this.ctrlView = this.data.ctrl as Float64Array;
        return this.ctrlView;
    }
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
