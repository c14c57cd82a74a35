import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants, realpathSync } from 'node:fs';
import type { Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { FaultlineError } from '@faultline/core';
import { findFreePort } from './free-port.js';

/** Where the moto server came from, for people reading the demo's or a test's output. */
export type MotoOrigin =
  | { readonly kind: 'endpoint'; readonly endpoint: string }
  | {
      readonly kind: 'python';
      readonly python: string;
      readonly via: 'MOTO_PYTHON' | 'option' | 'PATH';
      readonly skipped: readonly string[];
    };

/** A running moto server (AWS service mocks over HTTP) on loopback. */
export interface MotoServer {
  /** e.g. `http://127.0.0.1:5123`; pass it as the SDK client `endpoint`. */
  readonly endpoint: string;
  /** True when this process started the server (false when `MOTO_ENDPOINT` was reused). */
  readonly owned: boolean;
  /** The reused endpoint, or the Python that runs the server and how it was found. */
  readonly origin: MotoOrigin;
  /** Stops the server this process started; a no-op for a reused `MOTO_ENDPOINT`. */
  stop(): Promise<void>;
}

/** Options for {@link startMoto}. */
export interface StartMotoOptions {
  /** Environment to read `MOTO_ENDPOINT`, `MOTO_PYTHON` and `PATH` from. Default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Python interpreter. Default: found by {@link findMotoPython}. */
  readonly python?: string;
  /** How long to wait for the server to answer. Default 20 000 ms. */
  readonly readyTimeoutMs?: number;
}

/** moto cannot be started: the Python module is missing or the server never became ready. */
export class MotoUnavailableError extends FaultlineError {
  override readonly name = 'MotoUnavailableError';

  constructor(message: string, options?: { readonly cause?: unknown }) {
    super('BACKEND_UNAVAILABLE', message, options);
  }
}

/**
 * Starts a moto server for SSM/DynamoDB tests, or reuses the one `.ci/run` started (`MOTO_ENDPOINT`). Tests that
 * share it isolate themselves by unique names (random parameter names, table names); nothing resets it globally.
 *
 * @example
 * ```ts
 * import { startMoto } from '@faultline/testkit';
 * const moto = await startMoto();
 * const client = new SSMClient({ endpoint: moto.endpoint, region: 'us-east-1' });
 * // …
 * await moto.stop();
 * ```
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const environment = options.environment ?? process.env;
  const reused = environment.MOTO_ENDPOINT;
  if (reused !== undefined && reused !== '') {
    const endpoint = reused.replace(/\/+$/, '');
    return { endpoint, owned: false, origin: { kind: 'endpoint', endpoint }, stop: async () => {} };
  }
  let origin: MotoOrigin;
  if (options.python !== undefined) {
    await assertMotoInstalled(options.python);
    origin = { kind: 'python', python: options.python, via: 'option', skipped: [] };
  } else origin = await findMotoPython(environment);
  const python = origin.python;
  const port = await findFreePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    // Keep only the tail: moto logs every request, and only the last lines help when it fails to start.
    stderr = (stderr + chunk).slice(-4000);
  });
  try {
    await waitUntilReady(endpoint, child, options.readyTimeoutMs ?? 20_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new MotoUnavailableError(
      `moto server did not become ready on ${endpoint}: ${(error as Error).message}\n${stderr}`,
      { cause: error },
    );
  }
  // The test runner must not wait for moto when a suite forgets to stop it, and moto must not outlive this process.
  child.unref();
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  (child.stderr as Socket | null)?.unref();
  return { endpoint, owned: true, origin, stop: () => stopChild(child) };
}

/**
 * Finds a Python that can run the moto server, independently of `PATH` order (package managers put the Node
 * binary's folder first, and with it a system `python3` that may lack moto): `MOTO_PYTHON` when set (it must have
 * moto), else every `python3` then `python` on `PATH`, in order, each tried with
 * `import moto.server, flask, flask_cors`. Says which one it picked and which it skipped.
 *
 * @example
 * ```ts
 * const found = await findMotoPython();
 * console.log(`moto via ${found.python} (${found.via}); skipped ${found.skipped.join(', ') || 'none'}`);
 * ```
 */
export async function findMotoPython(
  environment: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Extract<MotoOrigin, { kind: 'python' }>> {
  const chosen = environment.MOTO_PYTHON;
  if (chosen !== undefined && chosen !== '') {
    await assertMotoInstalled(chosen, 'MOTO_PYTHON');
    return { kind: 'python', python: chosen, via: 'MOTO_PYTHON', skipped: [] };
  }
  const skipped: string[] = [];
  const reasons: string[] = [];
  // An environment without PATH (e.g. `{}` to ignore MOTO_ENDPOINT) searches this process's PATH.
  for (const candidate of pythonsOnPath(environment.PATH ?? process.env.PATH ?? '')) {
    try {
      await assertMotoInstalled(candidate);
      return { kind: 'python', python: candidate, via: 'PATH', skipped };
    } catch (error) {
      skipped.push(candidate);
      reasons.push(`${candidate}: ${firstLine((error as Error).message)}`);
    }
  }
  throw new MotoUnavailableError(
    `no Python with the moto server was found (${reasons.length === 0 ? 'no python3 or python on PATH' : reasons.join('; ')}). ` +
      "Install it with `pip install 'moto[server]'` or `bash scripts/install-moto.sh`, set MOTO_PYTHON to a Python " +
      'that has it, or set MOTO_ENDPOINT to a running moto server.',
  );
}

/** Every executable `python3`, then `python`, on `path`, in order, once each (by real path). */
function pythonsOnPath(path: string): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  for (const name of ['python3', 'python']) {
    for (const directory of path.split(delimiter)) {
      if (directory === '') continue;
      const candidate = join(directory, name);
      try {
        accessSync(candidate, constants.X_OK);
      } catch {
        continue;
      }
      // pyenv shims are scripts that pick a Python by configuration: the shim itself is the identity, not its target.
      const identity = candidate.includes('/shims/') ? candidate : safeRealpath(candidate);
      if (seen.has(identity)) continue;
      seen.add(identity);
      found.push(candidate);
    }
  }
  return found;
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/**
 * One line for people: where moto runs and how it was found.
 *
 * @example
 * ```ts
 * describeMotoOrigin(moto.origin); // 'moto via /root/.pyenv/shims/python3 (first python3 on PATH with moto; skipped /usr/bin/python3)'
 * ```
 */
export function describeMotoOrigin(origin: MotoOrigin): string {
  if (origin.kind === 'endpoint') return `moto already running at ${origin.endpoint} (MOTO_ENDPOINT)`;
  const how =
    origin.via === 'MOTO_PYTHON'
      ? 'MOTO_PYTHON'
      : origin.via === 'option'
        ? 'as configured'
        : `first Python on PATH with moto${origin.skipped.length === 0 ? '' : `; skipped ${origin.skipped.join(', ')}`}`;
  return `moto via ${origin.python} (${how})`;
}

/** True when `MOTO_ENDPOINT` is set, or a Python with moto is found ({@link findMotoPython}) or given. */
export async function isMotoAvailable(
  environment: Readonly<Record<string, string | undefined>> = process.env,
  python?: string,
): Promise<boolean> {
  if (environment.MOTO_ENDPOINT) return true;
  try {
    if (python === undefined) await findMotoPython(environment);
    else await assertMotoInstalled(python);
    return true;
  } catch {
    return false;
  }
}

function assertMotoInstalled(python: string, named?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      ['-c', 'import moto.server, flask, flask_cors'],
      { timeout: 15_000 },
      (error, _out, stderr) => {
        if (!error) {
          resolve();
          return;
        }
        reject(
          new MotoUnavailableError(
            `moto server is not installed for ${python}${named === undefined ? '' : ` (${named})`} (${lastLine(stderr.trim()) || error.message}). ` +
              "Install it with `pip install 'moto[server]'` or `bash scripts/install-moto.sh`, " +
              'or set MOTO_ENDPOINT to a running moto server.',
            { cause: error },
          ),
        );
      },
    );
  });
}

function lastLine(text: string): string {
  return text.split('\n').at(-1) ?? text;
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited early (code ${code}, signal ${signal})`;
  });
  while (Date.now() < deadline) {
    if (exited) throw new FaultlineError('BACKEND_UNAVAILABLE', exited);
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new FaultlineError('BACKEND_UNAVAILABLE', `timed out after ${timeoutMs} ms`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  // Re-reference the child so the process stays alive until moto has really exited.
  child.ref();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    force.unref();
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
