import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FaultlineError } from '@faultline/core';
import { findFreePort } from '../backends/free-port.js';
import { loopbackEnvironment } from '../loopback-env.js';
import { type WatchedProcess, watchChildProcess } from './child-process.js';

/*
 * The real Google Cloud Functions Framework binary (`functions-framework`, what Cloud Run functions start) serving a
 * function folder on 127.0.0.1. The framework's CLI has no host option and listens on every interface, so a
 * test-only preload, always the first `--import` in NODE_OPTIONS, binds it to 127.0.0.1.
 */

/** Options of {@link startFunctionsFramework}. */
export interface FunctionsFrameworkOptions {
  /** The function's folder (`--source`): the framework loads the `main` of its package.json. */
  readonly source: string;
  /** The function's name (`--target`). */
  readonly target: string;
  /** `--signature-type` (`http`, `event`, `cloudevent`); default: none, so the framework's own default applies. */
  readonly signatureType?: string;
  /** More files preloaded with `--import` (e.g. a faultline preload), after the loopback preload, in this order. */
  readonly imports?: readonly string[];
  /**
   * Environment on top of `PATH` and the loopback environment (FAULTLINE_*, GCLOUD_PROJECT, …). A `NODE_OPTIONS`
   * here comes after the `--import` flags.
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** Default: `source`. */
  readonly cwd?: string;
  /**
   * The framework's `build/src/main.js` (its package.json `bin`), run with this process's Node. Default: the
   * `@google-cloud/functions-framework` testkit depends on (the version the workspace pins).
   */
  readonly frameworkMain?: string;
  /**
   * Whether to wait until the server accepts connections. Default `true`. `false` returns as soon as the process is
   * spawned, for a function that must fail to load: await `exited` and read `output()`.
   */
  readonly waitUntilListening?: boolean;
  /** How long to wait for the server to listen. Default 20 s. */
  readonly startTimeoutMs?: number;
}

/** A running `functions-framework` process. */
export interface FunctionsFrameworkProcess extends WatchedProcess {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
}

/**
 * Starts `functions-framework --source=<source> --target=<target> --port=<free loopback port>` as a child process
 * (bound to 127.0.0.1, with the loopback environment) and waits until it listens. Rejects with the child's output
 * when it exits first or never listens, and stops it then.
 *
 * @example
 * ```ts
 * const framework = await startFunctionsFramework({
 *   source: functionFolder,
 *   target: 'orders',
 *   imports: [faultlinePreload],
 *   environment: { FAULTLINE_STAGE: 'test', FAULTLINE_CONFIG: experiment },
 * });
 * try {
 *   expect((await fetch(`${framework.url}/orders/1`)).status, framework.output()).toBe(503);
 * } finally {
 *   await framework.stop();
 * }
 * ```
 */
export async function startFunctionsFramework(
  options: FunctionsFrameworkOptions,
): Promise<FunctionsFrameworkProcess> {
  const frameworkMain = options.frameworkMain ?? defaultFrameworkMain();
  const preloads = [await writeLoopbackPreload(), ...(options.imports ?? [])];
  const { NODE_OPTIONS: extraNodeOptions, ...environment } = options.environment ?? {};
  const port = await findFreePort();
  const child = spawn(
    process.execPath,
    [
      frameworkMain,
      `--source=${options.source}`,
      `--target=${options.target}`,
      `--port=${port}`,
      ...(options.signatureType === undefined ? [] : [`--signature-type=${options.signatureType}`]),
    ],
    {
      cwd: options.cwd ?? options.source,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...loopbackEnvironment,
        ...environment,
        NODE_OPTIONS: [
          ...preloads.map((file) => `--import=${pathToFileURL(file).href}`),
          ...(extraNodeOptions === undefined ? [] : [extraNodeOptions]),
        ].join(' '),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const framework: FunctionsFrameworkProcess = {
    ...watchChildProcess(child),
    url: `http://127.0.0.1:${port}`,
    port,
  };
  if (options.waitUntilListening === false) return framework;

  let ended = false;
  void framework.exited.then(() => {
    ended = true;
  });
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (ended) {
        throw new FaultlineError(
          'HOST_INIT_FAILED',
          `functions-framework --target=${options.target} exited (${child.exitCode ?? child.signalCode}) ` +
            `before listening:\n${framework.output()}`,
        );
      }
      if (await accepts(port)) return framework;
      if (Date.now() > deadline) {
        throw new FaultlineError(
          'HOST_INIT_FAILED',
          `functions-framework --target=${options.target} did not listen on ${port} within ${timeoutMs} ms:\n` +
            framework.output(),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await framework.stop();
    throw error;
  }
}

function defaultFrameworkMain(): string {
  // The package's main is build/src/index.js; its `bin` is main.js next to it (its exports map hides package.json).
  const index = createRequire(import.meta.url).resolve('@google-cloud/functions-framework');
  return join(dirname(index), 'main.js');
}

/**
 * Binds every listen on a port without a host to 127.0.0.1: the port as a number or as a string of digits (the
 * framework passes its `--port` on as the string it was given), or as `{ port }` options.
 */
const loopbackPreloadSource = [
  "import net from 'node:net';",
  'const listen = net.Server.prototype.listen;',
  "const isPort = (value) => typeof value === 'number' || (typeof value === 'string' && /^\\d+$/.test(value));",
  'net.Server.prototype.listen = function (...args) {',
  '  const [first] = args;',
  "  if (isPort(first) && typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');",
  "  else if (typeof first === 'object' && first !== null && isPort(first.port) && first.host === undefined) {",
  "    args[0] = { ...first, host: '127.0.0.1' };",
  '  }',
  '  return listen.apply(this, args);',
  '};',
].join('\n');

let loopbackPreload: Promise<string> | undefined;

/**
 * Writes the loopback preload once per process, to a file of the temporary folder named by its user and content
 * (written to a file of its own, then renamed over it, so a concurrent reader never sees half of it). Reused across
 * processes, never removed: a test process stopped by a signal could not remove it anyway.
 */
function writeLoopbackPreload(): Promise<string> {
  loopbackPreload ??= (async () => {
    const hash = createHash('sha256').update(loopbackPreloadSource).digest('hex').slice(0, 16);
    const file = join(tmpdir(), `faultline-loopback-listen-${process.getuid?.() ?? 'user'}-${hash}.mjs`);
    const staged = `${file}.${process.pid}`;
    await writeFile(staged, loopbackPreloadSource);
    await rename(staged, file);
    return file;
  })().catch((error: unknown) => {
    loopbackPreload = undefined;
    throw error;
  });
  return loopbackPreload;
}

/** Whether something accepts connections on 127.0.0.1:`port` (without sending a request). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
