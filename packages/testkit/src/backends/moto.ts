import { type ChildProcess, execFile, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { findFreePort } from './free-port.js';

/** A running moto server (AWS service mocks over HTTP) on loopback. */
export interface MotoServer {
  /** e.g. `http://127.0.0.1:5123`; pass it as the SDK client `endpoint`. */
  readonly endpoint: string;
  /** True when this process started the server (false when `MOTO_ENDPOINT` was reused). */
  readonly owned: boolean;
  /** Stops the server this process started; a no-op for a reused `MOTO_ENDPOINT`. */
  stop(): Promise<void>;
}

/** Options for {@link startMoto}. */
export interface StartMotoOptions {
  /** Environment to read `MOTO_ENDPOINT` from. Default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Python interpreter. Default `python3`. */
  readonly python?: string;
  /** How long to wait for the server to answer. Default 20 000 ms. */
  readonly readyTimeoutMs?: number;
}

/** moto cannot be started: the Python module is missing or the server never became ready. */
export class MotoUnavailableError extends Error {
  override readonly name = 'MotoUnavailableError';
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
    return { endpoint: reused.replace(/\/+$/, ''), owned: false, stop: async () => {} };
  }
  const python = options.python ?? 'python3';
  await assertMotoInstalled(python);
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
  return { endpoint, owned: true, stop: () => stopChild(child) };
}

/** True when `python3 -m moto.server` can run here (or `MOTO_ENDPOINT` is set). */
export async function isMotoAvailable(
  environment: Readonly<Record<string, string | undefined>> = process.env,
  python = 'python3',
): Promise<boolean> {
  if (environment.MOTO_ENDPOINT) return true;
  try {
    await assertMotoInstalled(python);
    return true;
  } catch {
    return false;
  }
}

function assertMotoInstalled(python: string): Promise<void> {
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
            `moto server is not installed for ${python} (${stderr.trim() || error.message}). ` +
              "Install it with `pip install 'moto[server]'` or `bash scripts/install-moto.sh`, " +
              'or set MOTO_ENDPOINT to a running moto server.',
            { cause: error },
          ),
        );
      },
    );
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited early (code ${code}, signal ${signal})`;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(exited);
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`timed out after ${timeoutMs} ms`);
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
