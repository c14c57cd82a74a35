import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { FaultlineError } from '@faultline/core';

/*
 * A loopback stand-in for the Azure Functions Node.js worker. `@azure/functions` (v4) `require`s a module named
 * `@azure/functions-core` that only the real worker provides; without it `app.http(...)` silently switches to "test
 * mode" and registers nothing. This host supplies that module, so registrations, hooks and every invocation go
 * through the library's OWN code (ProgrammingModel → InvocationModel.getArguments → invokeFunction → getResponse),
 * exactly as on Azure, and serves HTTP triggers on 127.0.0.1.
 *
 * Not simulated: HTTP streaming (`app.setup({ enableHttpStream: true })` is refused with a clear error), retries,
 * and output bindings to real services (outputs are returned by `invoke`).
 *
 * The worker contract is internal and unpublished. It was written against `@azure/functions` 4.16.5 (worker API
 * 3.x); `tests/integration/local-host-contract.test.ts` in `@faultline/azure-functions` fails loudly when the
 * library changes what it expects.
 */

/** The subset of the worker's RPC typed data the library reads and writes. */
export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  stream?: Uint8Array | null;
  http?: RpcHttpData | null;
  int?: number | null;
  double?: number | null;
}

/** HTTP request/response data in the worker's RPC shape. */
export interface RpcHttpData {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  body?: RpcTypedData | null;
  params?: Record<string, string> | null;
  statusCode?: string | null;
  query?: Record<string, string> | null;
  cookies?: RpcHttpCookie[] | null;
  enableContentNegotiation?: boolean | null;
}

/** A response cookie in the worker's RPC shape (only the fields the host writes back). */
export interface RpcHttpCookie {
  name?: string | null;
  value?: string | null;
  domain?: { value?: string | null } | null;
  path?: { value?: string | null } | null;
  secure?: { value?: boolean | null } | null;
  httpOnly?: { value?: boolean | null } | null;
  maxAge?: { value?: number | null } | null;
  sameSite?: string | number | null;
}

/** One binding of a registered function, as the library describes it. */
export interface RpcBindingInfo {
  type?: string | null;
  direction?: 'in' | 'out' | 'inout' | null;
  route?: string;
  methods?: string[];
  [option: string]: unknown;
}

/** What `registerFunction` receives. */
export interface FunctionMetadata {
  name: string;
  bindings: Record<string, RpcBindingInfo>;
  [option: string]: unknown;
}

type FunctionCallback = (...inputs: unknown[]) => unknown;
type HookCallback = (context: Record<string, unknown>) => unknown;

interface RpcInvocationResponse {
  invocationId?: string;
  outputData?: { name?: string | null; data?: RpcTypedData | null }[] | null;
  returnValue?: RpcTypedData | null;
}

interface CoreInvocationContext {
  invocationId: string;
  request: {
    invocationId: string;
    functionId: string;
    inputData: { name: string; data: RpcTypedData }[];
    triggerMetadata: Record<string, RpcTypedData>;
  };
  metadata: FunctionMetadata;
  state?: 'preInvocationHooks' | 'postInvocationHooks' | 'invocation';
  log(level: string, category: string, message: string): void;
}

interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(context: CoreInvocationContext): InvocationModel;
  getCapabilities?(
    capabilities: Record<string, string>,
  ): Record<string, string> | Promise<Record<string, string>>;
}

/** One log line the library or a function wrote through the worker. */
export interface AzureFunctionsHostLogEntry {
  readonly level: string;
  /** `system` (library/worker) or `user` (`context.log`). */
  readonly category: string;
  readonly message: string;
  readonly functionName: string | undefined;
  readonly invocationId: string | undefined;
}

/** One invocation the host ran, for assertions (the host, not the caller, chooses invocation ids). */
export interface AzureFunctionsInvocationRecord {
  readonly functionName: string;
  readonly invocationId: string;
  /** The trigger binding type, e.g. `httpTrigger`, `queueTrigger`. */
  readonly triggerType: string;
  /** `failed` when the handler (or a hook) threw. */
  readonly outcome: 'succeeded' | 'failed';
}

/** Options for {@link installAzureFunctionsHost}. */
export interface AzureFunctionsHostOptions {
  /**
   * Receives every log line. Default: errors, and warnings of the host itself, go to stderr; everything is kept in
   * `logs`.
   */
  readonly onLog?: (entry: AzureFunctionsHostLogEntry) => void;
}

/** The result of invoking a non-HTTP function. */
export interface AzureFunctionsInvocationResult {
  readonly invocationId: string;
  /** The function's return value, converted back from the worker's typed data. */
  readonly returnValue: unknown;
  /** Values set on `context.extraOutputs`, by binding name. */
  readonly outputs: Readonly<Record<string, unknown>>;
}

/** Options for {@link AzureFunctionsHost.invoke}. */
export interface InvokeOptions {
  /** Default: a random UUID, like the host. */
  readonly invocationId?: string;
  /** Trigger metadata (e.g. `{ dequeueCount: 1 }` for a queue), passed as JSON typed data. */
  readonly triggerMetadata?: Readonly<Record<string, unknown>>;
}

/** Options for {@link AzureFunctionsHost.listen}. */
export interface ListenOptions {
  /** Default 0 (a free port). Always bound to 127.0.0.1. */
  readonly port?: number;
  /** `extensions.http.routePrefix` of host.json. Default `api`, like Azure. */
  readonly routePrefix?: string;
}

/** A running HTTP front for the registered HTTP functions. */
export interface AzureFunctionsHttpServer {
  /** e.g. `http://127.0.0.1:7071` (no route prefix). */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** The local worker: registered functions, hooks, invocations and an HTTP front. One per process. */
export interface AzureFunctionsHost {
  /** Names of the functions registered through `app.*(...)` so far. */
  readonly functionNames: readonly string[];
  /** Registration metadata (bindings) of a function. */
  functionMetadata(name: string): FunctionMetadata | undefined;
  /** Number of hooks currently registered under `name` (`preInvocation`, `postInvocation`, `appStart`, …). */
  hookCount(name: string): number;
  /** The programming model the library set (`@azure/functions`), once a function was registered. */
  readonly programmingModel: { readonly name: string; readonly version: string } | undefined;
  /** Every log line so far (bounded to the last 1000). */
  readonly logs: readonly AzureFunctionsHostLogEntry[];
  /** Every finished invocation so far, oldest first (bounded to the last 1000). */
  readonly invocations: readonly AzureFunctionsInvocationRecord[];
  /** Invokes a non-HTTP function (queue, Service Bus, Event Hubs, timer, …) with `input` as its trigger data. */
  invoke(
    functionName: string,
    input: unknown,
    options?: InvokeOptions,
  ): Promise<AzureFunctionsInvocationResult>;
  /** Serves HTTP-triggered functions on 127.0.0.1. Runs the `appStart` hooks first. */
  listen(options?: ListenOptions): Promise<AzureFunctionsHttpServer>;
  /** Forgets one registered function (its name and route become free again). */
  unregisterFunction(name: string): void;
  /** Forgets registered functions (e.g. between test files sharing a process). Hooks stay until disposed. */
  unregisterFunctions(): void;
}

/** The local host cannot serve what was asked (unknown function, unsupported feature). */
export class AzureFunctionsHostError extends FaultlineError {
  override readonly name = 'AzureFunctionsHostError';

  constructor(message: string, options?: { readonly cause?: unknown }) {
    super('HOST_FAILED', message, options);
  }
}

const coreModuleName = '@azure/functions-core';
const hostSymbol = Symbol.for('faultline.testkit.azure-functions-host');
const workerVersion = '3.10.1';

interface Registration {
  readonly metadata: FunctionMetadata;
  readonly callback: FunctionCallback;
  readonly triggerName: string;
  readonly triggerType: string;
  readonly route: CompiledRoute | undefined;
  readonly methods: readonly string[] | undefined;
}

interface HostState {
  readonly registrations: Map<string, Registration>;
  readonly hooks: Map<string, Set<HookCallback>>;
  readonly logs: AzureFunctionsHostLogEntry[];
  readonly invocations: AzureFunctionsInvocationRecord[];
  readonly appHookData: Record<string, unknown>;
  programmingModel: ProgrammingModel | undefined;
  onLog: ((entry: AzureFunctionsHostLogEntry) => void) | undefined;
  capabilitiesLoaded: boolean;
  readonly host: AzureFunctionsHost;
}

/**
 * Installs the local worker for this process (idempotent: later calls return the same host) so that
 * `@azure/functions`' `app.http(...)`, `app.storageQueue(...)`, `app.hook.*(...)` register for real. Install it
 * BEFORE the first `app.*` call: the library decides once per process whether it runs under a worker.
 *
 * @example
 * ```ts
 * import { installAzureFunctionsHost } from '@faultline/testkit';
 *
 * const host = installAzureFunctionsHost();
 * await import('./functions/orders.js'); // calls app.http('orders', …)
 * const server = await host.listen({ routePrefix: '' });
 * const response = await fetch(`${server.url}/orders/42`);
 * await server.stop();
 * ```
 */
export function installAzureFunctionsHost(options: AzureFunctionsHostOptions = {}): AzureFunctionsHost {
  const globals = globalThis as { [hostSymbol]?: HostState };
  const existing = globals[hostSymbol];
  if (existing !== undefined) {
    if (options.onLog !== undefined) existing.onLog = options.onLog;
    return existing.host;
  }
  const state = createHostState(options);
  globals[hostSymbol] = state;
  provideCoreModule(createCoreApi(state));
  return state.host;
}

function createHostState(options: AzureFunctionsHostOptions): HostState {
  const registrations = new Map<string, Registration>();
  const hooks = new Map<string, Set<HookCallback>>();
  const logs: AzureFunctionsHostLogEntry[] = [];
  const invocations: AzureFunctionsInvocationRecord[] = [];
  const state: HostState = {
    registrations,
    hooks,
    logs,
    invocations,
    appHookData: {},
    programmingModel: undefined,
    onLog: options.onLog,
    capabilitiesLoaded: false,
    host: undefined as unknown as AzureFunctionsHost,
  };
  const host: AzureFunctionsHost = {
    get functionNames() {
      return [...registrations.keys()];
    },
    functionMetadata: (name) => registrations.get(name)?.metadata,
    hookCount: (name) => hooks.get(name)?.size ?? 0,
    get programmingModel() {
      const model = state.programmingModel;
      return model === undefined ? undefined : { name: model.name, version: model.version };
    },
    logs,
    invocations,
    invoke: async (functionName, input, invokeOptions = {}) => {
      const registration = registrations.get(functionName);
      if (registration === undefined) {
        throw new AzureFunctionsHostError(
          `No function named "${functionName}" is registered; registered: ${[...registrations.keys()].join(', ') || 'none'}.`,
        );
      }
      await loadCapabilities(state);
      const invocationId = invokeOptions.invocationId ?? randomUUID();
      const triggerMetadata: Record<string, RpcTypedData> = {};
      for (const [name, value] of Object.entries(invokeOptions.triggerMetadata ?? {})) {
        triggerMetadata[name] = toTypedData(value);
      }
      const response = await runInvocation(
        state,
        registration,
        invocationId,
        toTypedData(input),
        triggerMetadata,
      );
      const outputs: Record<string, unknown> = {};
      for (const output of response.outputData ?? []) {
        if (output.name) outputs[output.name] = fromTypedData(output.data);
      }
      return { invocationId, returnValue: fromTypedData(response.returnValue), outputs };
    },
    listen: async (listenOptions = {}) => {
      await loadCapabilities(state);
      await runHooks(state, 'appStart', {
        hookData: {},
        appHookData: state.appHookData,
        functionAppDirectory: process.cwd(),
      });
      return serveHttp(state, listenOptions);
    },
    unregisterFunction: (name) => {
      registrations.delete(name);
    },
    unregisterFunctions: () => registrations.clear(),
  };
  (state as { host: AzureFunctionsHost }).host = host;
  return state;
}

function createCoreApi(state: HostState): Record<string, unknown> {
  return {
    version: workerVersion,
    get hostVersion() {
      return '4.1037.0';
    },
    setProgrammingModel(model: ProgrammingModel) {
      state.programmingModel = model;
    },
    getProgrammingModel() {
      return state.programmingModel;
    },
    registerFunction(metadata: FunctionMetadata, callback: FunctionCallback) {
      if (state.registrations.has(metadata.name)) {
        throw new AzureFunctionsHostError(
          `A function with name "${metadata.name}" has already been registered.`,
        );
      }
      const trigger = Object.entries(metadata.bindings).find(
        ([, binding]) => binding.direction === 'in' && /trigger$/i.test(binding.type ?? ''),
      );
      if (trigger === undefined) {
        throw new AzureFunctionsHostError(`Function "${metadata.name}" has no trigger binding.`);
      }
      const [triggerName, binding] = trigger;
      const triggerType = binding.type ?? '';
      const isHttp = triggerType.toLowerCase() === 'httptrigger';
      state.registrations.set(metadata.name, {
        metadata,
        callback,
        triggerName,
        triggerType,
        route: isHttp ? compileRoute(binding.route ?? metadata.name) : undefined,
        methods: isHttp
          ? (binding.methods ?? ['GET', 'POST']).map((method) => method.toUpperCase())
          : undefined,
      });
      return { dispose: () => state.registrations.delete(metadata.name) };
    },
    registerHook(hookName: string, callback: HookCallback) {
      const known = ['preInvocation', 'postInvocation', 'appStart', 'appTerminate', 'log'];
      if (!known.includes(hookName))
        throw new FaultlineError('INVALID_ARGUMENT', `Unrecognized hook "${hookName}"`);
      let set = state.hooks.get(hookName);
      if (set === undefined) {
        set = new Set();
        state.hooks.set(hookName, set);
      }
      set.add(callback);
      return { dispose: () => set.delete(callback) };
    },
    log(level: string, category: string, message: string) {
      record(state, { level, category, message, functionName: undefined, invocationId: undefined });
    },
  };
}

/** Makes `require('@azure/functions-core')` return the host's API, as the real worker does. */
function provideCoreModule(coreApi: Record<string, unknown>): void {
  const moduleApi = createRequire(import.meta.url)('node:module') as {
    _load: (request: string, parent: unknown, isMain: boolean) => unknown;
  };
  const originalLoad = moduleApi._load;
  moduleApi._load = function load(this: unknown, request: string, parent: unknown, isMain: boolean) {
    if (request === coreModuleName) return coreApi;
    return originalLoad.call(this, request, parent, isMain);
  };
}

async function loadCapabilities(state: HostState): Promise<void> {
  if (state.capabilitiesLoaded || state.programmingModel?.getCapabilities === undefined) return;
  state.capabilitiesLoaded = true;
  const capabilities = await state.programmingModel.getCapabilities({});
  if (capabilities.HttpUri !== undefined) {
    throw new AzureFunctionsHostError(
      'The app enabled HTTP streaming (app.setup({ enableHttpStream: true })), which the local host does not support.',
    );
  }
}

/** The worker's invocation sequence: arguments → preInvocation hooks → handler → postInvocation hooks → response. */
async function runInvocation(
  state: HostState,
  registration: Registration,
  invocationId: string,
  triggerData: RpcTypedData,
  triggerMetadata: Record<string, RpcTypedData>,
): Promise<RpcInvocationResponse> {
  const model = state.programmingModel;
  if (model === undefined)
    throw new AzureFunctionsHostError('@azure/functions never set its programming model.');
  const functionName = registration.metadata.name;
  let invocationContext: unknown;
  const coreContext: CoreInvocationContext = {
    invocationId,
    request: {
      invocationId,
      functionId: functionName,
      inputData: [{ name: registration.triggerName, data: triggerData }],
      triggerMetadata,
    },
    metadata: registration.metadata,
    log: (level, category, message) =>
      record(state, { level, category, message, functionName, invocationId }, invocationContext),
  };
  const invocationModel = model.getInvocationModel(coreContext);
  const { context, inputs } = await invocationModel.getArguments();
  invocationContext = context;
  const hookData: Record<string, unknown> = {};

  coreContext.state = 'preInvocationHooks';
  const preContext = {
    hookData,
    appHookData: state.appHookData,
    invocationContext: context,
    functionCallback: registration.callback,
    inputs,
  };
  await runHooks(state, 'preInvocation', preContext);

  coreContext.state = 'invocation';
  let result: unknown;
  let error: unknown;
  try {
    result = await invocationModel.invokeFunction(context, preContext.inputs, preContext.functionCallback);
  } catch (thrown) {
    error = thrown;
  }

  coreContext.state = 'postInvocationHooks';
  const postContext = {
    hookData,
    appHookData: state.appHookData,
    invocationContext: context,
    inputs: preContext.inputs,
    result,
    error,
  };
  await runHooks(state, 'postInvocation', postContext);
  const failed = postContext.error !== undefined && postContext.error !== null;
  state.invocations.push({
    functionName,
    invocationId,
    triggerType: registration.triggerType,
    outcome: failed ? 'failed' : 'succeeded',
  });
  if (state.invocations.length > 1000) state.invocations.splice(0, state.invocations.length - 1000);
  if (failed) throw postContext.error;
  return invocationModel.getResponse(context, postContext.result);
}

async function runHooks(state: HostState, name: string, context: Record<string, unknown>): Promise<void> {
  for (const callback of [...(state.hooks.get(name) ?? [])]) {
    await callback(context);
  }
}

async function serveHttp(state: HostState, options: ListenOptions): Promise<AzureFunctionsHttpServer> {
  const prefix = normalizePrefix(options.routePrefix ?? 'api');
  const server: Server = createServer((request, response) => {
    handleHttp(state, prefix, request, response).catch((error: unknown) => {
      record(state, {
        level: 'error',
        category: 'system',
        message: `Unhandled host error: ${String(error)}`,
        functionName: undefined,
        invocationId: undefined,
      });
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await runHooks(state, 'appTerminate', { hookData: {}, appHookData: state.appHookData });
    },
  };
}

async function handleHttp(
  state: HostState,
  prefix: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
  const method = (request.method ?? 'GET').toUpperCase();
  let relativePath: string | undefined = url.pathname;
  if (prefix !== '') {
    relativePath =
      url.pathname === `/${prefix}`
        ? ''
        : url.pathname.startsWith(`/${prefix}/`)
          ? url.pathname.slice(prefix.length + 2)
          : undefined;
  } else {
    relativePath = url.pathname.slice(1);
  }
  let matched: { registration: Registration; params: Record<string, string> } | undefined;
  let pathMatchedOnly = false;
  if (relativePath !== undefined) {
    for (const registration of state.registrations.values()) {
      const params = registration.route?.(relativePath);
      if (params === undefined) continue;
      if (registration.methods?.includes(method)) {
        matched = { registration, params };
        break;
      }
      pathMatchedOnly = true;
    }
  }
  if (matched === undefined) {
    response.writeHead(pathMatchedOnly ? 405 : 404).end();
    return;
  }
  const body = await readBody(request);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    if (!(name in query)) query[name] = value;
  }
  const invocationId = randomUUID();
  let rpcResponse: RpcInvocationResponse;
  try {
    rpcResponse = await runInvocation(
      state,
      matched.registration,
      invocationId,
      {
        http: {
          method,
          url: url.toString(),
          headers,
          query,
          params: matched.params,
          body: body.length > 0 ? { bytes: body } : null,
        },
      },
      {},
    );
  } catch (error) {
    // Like the Functions host: an unhandled error becomes an empty 500; the details go to the log.
    record(state, {
      level: 'error',
      category: 'system',
      message: `Executed '${matched.registration.metadata.name}' (Failed, Id=${invocationId}): ${describeError(error)}`,
      functionName: matched.registration.metadata.name,
      invocationId,
    });
    response.writeHead(500).end();
    return;
  }
  writeHttpResponse(response, rpcResponse);
}

function writeHttpResponse(response: ServerResponse, rpcResponse: RpcInvocationResponse): void {
  const http = rpcResponse.returnValue?.http;
  if (http === undefined || http === null) {
    // A handler that returns nothing answers 204 on Azure (the runtime's default for an empty HTTP output).
    response.writeHead(204).end();
    return;
  }
  const status = Number(http.statusCode ?? '200');
  const headers: Record<string, string | string[]> = { ...(http.headers ?? {}) };
  const cookies = (http.cookies ?? []).map(formatCookie);
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const bodyBytes = typedDataToBuffer(http.body);
  response.writeHead(status, headers);
  response.end(bodyBytes);
}

function formatCookie(cookie: RpcHttpCookie): string {
  const parts = [`${cookie.name ?? ''}=${cookie.value ?? ''}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  if (typeof cookie.maxAge?.value === 'number') parts.push(`Max-Age=${cookie.maxAge.value}`);
  if (cookie.secure?.value) parts.push('Secure');
  if (cookie.httpOnly?.value) parts.push('HttpOnly');
  return parts.join('; ');
}

type CompiledRoute = (path: string) => Record<string, string> | undefined;

/** Route templates as the Functions host reads them: `orders/{id}`, `{id?}`, `{*rest}`, `{id:int}` (constraint ignored). */
function compileRoute(template: string): CompiledRoute {
  const segments = template
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter((segment) => segment !== '');
  return (path) => {
    const parts = path
      .replace(/^\/+|\/+$/g, '')
      .split('/')
      .filter((part) => part !== '');
    const params: Record<string, string> = {};
    for (let index = 0; index < segments.length; index += 1) {
      const segment = segments[index] ?? '';
      const parameter = /^\{(\*?)([A-Za-z0-9_]+)(?::[^}?]*)?(\??)\}$/.exec(segment);
      const part = parts[index];
      if (parameter === null) {
        if (part === undefined || part.toLowerCase() !== segment.toLowerCase()) return undefined;
        continue;
      }
      const [, catchAll, name = '', optional] = parameter;
      if (catchAll === '*') {
        const rest = parts.slice(index).join('/');
        if (rest !== '') params[name] = decodeSegment(rest);
        return params;
      }
      if (part === undefined) {
        if (optional === '?') continue;
        return undefined;
      }
      params[name] = decodeSegment(part);
    }
    return parts.length <= segments.length ? params : undefined;
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function normalizePrefix(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

function toTypedData(value: unknown): RpcTypedData {
  if (typeof value === 'string') return { string: value };
  if (Buffer.isBuffer(value)) return { bytes: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { int: value } : { double: value };
  return { json: JSON.stringify(value ?? null) };
}

function fromTypedData(data: RpcTypedData | null | undefined): unknown {
  if (data === null || data === undefined) return undefined;
  if (typeof data.string === 'string') return data.string;
  if (typeof data.json === 'string') return JSON.parse(data.json) as unknown;
  if (data.bytes) return Buffer.from(data.bytes);
  if (typeof data.int === 'number') return data.int;
  if (typeof data.double === 'number') return data.double;
  if (data.http) return data.http;
  return undefined;
}

function typedDataToBuffer(data: RpcTypedData | null | undefined): Buffer {
  if (data === null || data === undefined) return Buffer.alloc(0);
  if (data.bytes) return Buffer.from(data.bytes);
  if (typeof data.string === 'string') return Buffer.from(data.string);
  if (typeof data.json === 'string') return Buffer.from(data.json);
  return Buffer.alloc(0);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function record(state: HostState, logged: AzureFunctionsHostLogEntry, invocationContext?: unknown): void {
  let entry = logged;
  const logHooks = state.hooks.get('log');
  if (logHooks !== undefined && logHooks.size > 0) {
    // Like the worker: log hooks run synchronously and may change the level and the message.
    const hookContext: Record<string, unknown> = {
      level: entry.level,
      category: entry.category,
      message: entry.message,
      invocationContext,
      hookData: {},
      appHookData: state.appHookData,
    };
    for (const callback of [...logHooks]) {
      try {
        callback(hookContext);
      } catch (error) {
        process.stderr.write(`[azure-functions-host] a log hook failed: ${describeError(error)}\n`);
      }
    }
    entry = { ...entry, level: String(hookContext.level), message: String(hookContext.message) };
  }
  state.logs.push(entry);
  if (state.logs.length > 1000) state.logs.splice(0, state.logs.length - 1000);
  if (state.onLog !== undefined) {
    state.onLog(entry);
  } else if (
    entry.level === 'error' ||
    entry.level === 'critical' ||
    (entry.level === 'warning' && entry.category === 'system')
  ) {
    // Host problems and function errors; a function's own warnings stay in `logs` (Application Insights on Azure).
    process.stderr.write(`[azure-functions-host] ${entry.level}: ${entry.message}\n`);
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
