/**
 * A private JupyterLab server for the notebook tests: which Jupyter to use, starting it on a free
 * localhost port with a random token and a throwaway configuration, its REST API, and stopping it.
 *
 * JupyterLab comes from the project's own venv (`.venv/`, made by scripts/install-jupyter.sh with
 * pip). Everything the server writes (config, runtime files, workspaces, user settings) goes to a
 * temporary folder, so a developer's own Jupyter setup neither changes nor is changed by the test.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const INSTALL_HINT = 'install with: bash scripts/install-jupyter.sh';

/** The `jupyter` of the project's venv, or null with the reason when JupyterLab 4 is not there. */
export function findJupyterLab(root: string): { jupyter: string } | { missing: string } {
  const jupyter = path.join(root, '.venv', 'bin', 'jupyter');
  if (!existsSync(path.join(root, '.venv', 'bin', 'jupyter-lab')))
    return { missing: `JupyterLab is not installed in ${path.join(root, '.venv')}; ${INSTALL_HINT}` };
  return { jupyter };
}

/**
 * JupyterLab settings for a test run: every cell stays in the DOM (the default windowing detaches
 * off-screen cells, so their figures and videos could not be checked or screenshotted), cells
 * record their execution times, and nothing asks the internet for news or updates.
 */
const LAB_SETTINGS: Record<string, Record<string, unknown>> = {
  '@jupyterlab/notebook-extension/tracker.jupyterlab-settings': { windowingMode: 'none', recordTiming: true },
  '@jupyterlab/apputils-extension/notification.jupyterlab-settings': { fetchNews: 'false', checkForUpdates: false },
};

export interface JupyterServerOptions {
  /** The `jupyter` executable (from `findJupyterLab`). */
  jupyter: string;
  /** The folder the server serves; kernels start in the folder of their notebook. */
  rootDir: string;
  /** Environment of the server and so of its kernels (PATH, JUPYTER_PATH, the notebook budget). */
  env: NodeJS.ProcessEnv;
  /** Milliseconds to wait for the server to answer (default 60000). */
  startTimeoutMs?: number;
}

export interface JupyterServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  baseUrl: string;
  token: string;
  /** Calls the REST API with the token; throws on a status outside 2xx. */
  api(method: 'GET' | 'POST' | 'DELETE', route: string): Promise<unknown>;
  /** Everything the server printed so far (for error messages). */
  log(): string;
  stop(): Promise<void>;
}

/** A port that was free a moment ago; the server is told not to try others if it is taken since. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * JupyterLab's debugger asks every kernel for a debug session; tslab has none, and each refusal
 * surfaces as an uncaught "No active debugger session" in the page, which the test counts as a
 * page error. The debugger is no part of the tutorial, so the test's JupyterLab goes without it.
 */
function writePageConfig(configDir: string): void {
  mkdirSync(path.join(configDir, 'labconfig'), { recursive: true });
  const config = { disabledExtensions: { '@jupyterlab/debugger-extension': true } };
  writeFileSync(path.join(configDir, 'labconfig', 'page_config.json'), JSON.stringify(config));
}

function writeLabSettings(settingsDir: string): void {
  for (const [file, settings] of Object.entries(LAB_SETTINGS)) {
    const target = path.join(settingsDir, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, JSON.stringify(settings));
  }
}

function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Starts `jupyter lab` and resolves once its API answers. */
export async function startJupyterServer(options: JupyterServerOptions): Promise<JupyterServer> {
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const home = mkdtempSync(path.join(tmpdir(), 'a3c-jupyterlab-'));
  const settingsDir = path.join(home, 'settings');
  writeLabSettings(settingsDir);
  writePageConfig(path.join(home, 'config'));
  const args = [
    'lab',
    '--no-browser',
    '--ServerApp.ip=127.0.0.1',
    `--ServerApp.port=${port}`,
    '--ServerApp.port_retries=0',
    `--IdentityProvider.token=${token}`,
    `--ServerApp.root_dir=${options.rootDir}`,
    // window.jupyterapp: the test drives JupyterLab through its own command registry.
    '--LabApp.expose_app_in_browser=True',
    `--LabApp.user_settings_dir=${settingsDir}`,
    `--LabApp.workspaces_dir=${path.join(home, 'workspaces')}`,
    // Offline: no extension manager asking PyPI, no update check.
    '--LabApp.extension_manager=readonly',
    '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
  ];
  // CI runs as root, which Jupyter refuses without this flag.
  if (process.getuid?.() === 0) args.push('--allow-root');
  const env = {
    ...options.env,
    JUPYTER_CONFIG_DIR: path.join(home, 'config'),
    JUPYTER_RUNTIME_DIR: path.join(home, 'runtime'),
    JUPYTER_DATA_DIR: path.join(home, 'data'),
  };
  const child = spawn(options.jupyter, args, { cwd: options.rootDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const baseUrl = `http://127.0.0.1:${port}`;

  async function api(method: 'GET' | 'POST' | 'DELETE', route: string): Promise<unknown> {
    const response = await fetch(`${baseUrl}${route}`, { method, headers: { Authorization: `token ${token}` } });
    if (!response.ok) throw new Error(`${method} ${route}: HTTP ${response.status} ${await response.text()}`);
    const text = await response.text();
    return text === '' ? null : JSON.parse(text);
  }

  async function stop(): Promise<void> {
    // The server shuts its kernels down on its own shutdown request; a signal is the fallback.
    await api('POST', '/api/shutdown').catch(() => undefined);
    if (!(await exited(child, 15_000))) {
      child.kill('SIGTERM');
      if (!(await exited(child, 5_000))) child.kill('SIGKILL');
    }
    rmSync(home, { recursive: true, force: true });
  }

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`jupyter lab exited (${child.exitCode ?? child.signalCode}) before answering:\n${output}`);
    if (
      await api('GET', '/api/status').then(
        () => true,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `jupyter lab did not answer on ${baseUrl} within ${options.startTimeoutMs ?? 60_000} ms:\n${output}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { baseUrl, token, api, log: () => output, stop };
}
