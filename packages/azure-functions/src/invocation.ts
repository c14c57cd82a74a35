import type { HttpRequest, InvocationContext } from '@azure/functions';
import type {
  Clock,
  Invocation,
  InvocationEvent,
  InvocationHttp,
  InvocationLogger,
  TraceHeaders,
  Trigger,
} from '@faultline/core';
import { deadlineAfter, resolvePlatformIdentity } from '@faultline/core/adapter-kit';

/** What the adapter learns once, when a handler is wrapped (the environment is never read per invocation). */
export interface FunctionIdentity {
  readonly stage: string | undefined;
  readonly region: string | undefined;
  /** Added to the invocation start to give `deadlineMs`; the host sends no deadline with an invocation. */
  readonly timeoutMs: number | undefined;
  /** The host's route prefix without slashes (`api` by default, `''` for none), cut from the front of `http.path`. */
  readonly routePrefix: string;
  readonly clock: Clock;
}

/**
 * Options that describe the function app, shared by `withFaults` and `installFaults`.
 *
 * @example
 * ```ts
 * import type { FunctionIdentityOptions } from '@faultline/azure-functions';
 *
 * const identity: FunctionIdentityOptions = { stage: 'prod', region: 'westeurope', timeoutMs: 230_000 };
 * ```
 */
export interface FunctionIdentityOptions {
  /** Deployment stage (`stage`) used by experiment guards. Default `FAULTLINE_STAGE`. */
  readonly stage?: string;
  /** Region (`region`). Default `REGION_NAME` (set by App Service / Functions). */
  readonly region?: string;
  /**
   * The app's `functionTimeout` in ms, so `timeout` faults know the deadline. Default: the
   * `AzureFunctionsJobHost__functionTimeout` app setting (`hh:mm:ss`, the host.json override) when set; otherwise
   * unknown and `timeout` faults are skipped.
   */
  readonly timeoutMs?: number;
  /**
   * The host's HTTP route prefix (host.json `extensions.http.routePrefix`), which `http.path` leaves out so a path
   * reads the same as on Lambda and Cloud Functions (`/orders/42`, not `/api/orders/42`). Default: the
   * `AzureFunctionsJobHost__extensions__http__routePrefix` app setting when set (the host's own override of
   * host.json), else `api`, the host's default. A prefix set in host.json only must be repeated here (or in that app
   * setting): the worker cannot see host.json. `''` means the app has no prefix.
   */
  readonly routePrefix?: string;
}

/** The app setting that overrides host.json's `extensions.http.routePrefix` (the Functions host reads it too). */
export const routePrefixVariable = 'AzureFunctionsJobHost__extensions__http__routePrefix';

/** Reads the app identity once from options and the environment. */
export function resolveFunctionIdentity(
  options: FunctionIdentityOptions,
  environment: Readonly<Record<string, string | undefined>>,
  clock: Clock,
): FunctionIdentity {
  const { stage, region } = resolvePlatformIdentity(options, environment, { region: ['REGION_NAME'] });
  return {
    stage,
    region,
    timeoutMs: options.timeoutMs ?? parseTimeSpanMs(environment.AzureFunctionsJobHost__functionTimeout),
    routePrefix: normalizeRoutePrefix(options.routePrefix ?? environment[routePrefixVariable] ?? 'api'),
    clock,
  };
}

/** `/api/` → `api`, ` v1/edge ` → `v1/edge`, `/` → `''`: the prefix as the host joins it in front of routes. */
function normalizeRoutePrefix(prefix: string): string {
  return prefix.trim().replace(/^\/+|\/+$/g, '');
}

/**
 * Parses a .NET time span as host.json writes `functionTimeout` (`hh:mm:ss`, `d.hh:mm:ss`, `hh:mm:ss.fff`).
 * `-1` (unbounded) and anything unreadable give `undefined`.
 */
export function parseTimeSpanMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^\s*(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?\s*$/.exec(text);
  if (match === null) return undefined;
  const [, days = '0', hours = '0', minutes = '0', seconds = '0', fraction = ''] = match;
  const fractionMs = fraction === '' ? 0 : Math.round(Number(`0.${fraction}`) * 1000);
  const totalMs =
    ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 +
    Number(seconds) * 1000 +
    fractionMs;
  return totalMs > 0 ? totalMs : undefined;
}

/** The v4 trigger binding type (`httpTrigger`, `queueTrigger`, …) of an invocation, lower-cased. */
export function readTriggerType(context: InvocationContext): string {
  const type = (context.options as { trigger?: { type?: unknown } } | undefined)?.trigger?.type;
  return typeof type === 'string' ? type.toLowerCase() : '';
}

export const triggerKinds: Readonly<Record<string, Trigger>> = {
  httptrigger: 'http',
  queuetrigger: 'queue',
  servicebustrigger: 'queue',
  eventhubtrigger: 'queue',
  kafkatrigger: 'queue',
  rabbitmqtrigger: 'queue',
  eventgridtrigger: 'event',
  cosmosdbtrigger: 'event',
  blobtrigger: 'event',
  timertrigger: 'schedule',
};

const eventTypes: Readonly<Record<string, string>> = {
  queuetrigger: 'azure:storage-queue',
  servicebustrigger: 'azure:service-bus',
  eventhubtrigger: 'azure:event-hubs',
  kafkatrigger: 'azure:kafka',
  rabbitmqtrigger: 'azure:rabbitmq',
  cosmosdbtrigger: 'azure:cosmos-db',
  blobtrigger: 'azure:storage-blob',
  timertrigger: 'azure:timer',
};

/**
 * Builds the normalized invocation. Called only when a fault could fire, never on the idle path.
 *
 * - `function` is the function name, `requestId` the invocation id.
 * - HTTP triggers fill `http` from the `HttpRequest` (upper-case method, lower-case headers, first value of
 *   repeated query keys); `http.path` leaves out the host's route prefix (`/orders/7` for `/api/orders/7`).
 * - Other triggers fill `event`: `type` is `azure:storage-queue`, `azure:service-bus`, `azure:event-hubs`,
 *   `azure:timer`, … (an Event Grid event's own `eventType`/`type`); `source` is the queue, topic, event hub,
 *   container, blob path or schedule from the trigger binding (an Event Grid event's `topic`/`source`).
 *
 * @example
 * ```ts
 * import { HttpRequest, InvocationContext } from '@azure/functions';
 * import { systemClock } from '@faultline/core/adapter-kit';
 * const request = new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/orders/7' });
 * const context = new InvocationContext({ functionName: 'orders', options: { trigger: { name: 'req', type: 'httpTrigger' } } });
 * const invocation = toAzureInvocation(request, context, { stage: 'dev', region: undefined, timeoutMs: undefined, routePrefix: 'api', clock: systemClock });
 * invocation.http?.path; // '/orders/7'
 * ```
 */
export function toAzureInvocation(
  input: unknown,
  context: InvocationContext,
  identity: FunctionIdentity,
): Invocation {
  const triggerType = readTriggerType(context);
  const trigger = triggerKinds[triggerType] ?? 'other';
  return new AzureInvocation(
    context,
    trigger,
    identity,
    trigger === 'http' ? toInvocationHttp(input as HttpRequest, identity.routePrefix) : undefined,
    trigger === 'http' ? undefined : toInvocationEvent(triggerType, input, context),
    input,
  );
}

/**
 * An Azure invocation: plain fields, plus what reads the `InvocationContext` only when an event is written — its
 * trace (`context.traceContext.traceParent`, the W3C context the host correlates in Application Insights) and its
 * logger (`context.info`, `context.warn`, …, so App Insights files faultline's lines under the invocation's
 * `operation_Id`). Methods live on the prototype: building one allocates nothing more than a plain object would.
 */
class AzureInvocation implements Invocation {
  readonly cloud = 'azure' as const;
  readonly function: string;
  readonly stage: string | undefined;
  readonly region: string | undefined;
  readonly requestId: string;
  readonly deadlineMs: number | undefined;
  readonly #context: InvocationContext;

  constructor(
    context: InvocationContext,
    readonly trigger: Trigger,
    identity: FunctionIdentity,
    readonly http: InvocationHttp | undefined,
    readonly event: InvocationEvent | undefined,
    readonly raw: unknown,
  ) {
    this.#context = context;
    this.function = context.functionName;
    this.stage = identity.stage;
    this.region = identity.region;
    this.requestId = context.invocationId;
    this.deadlineMs = deadlineAfter(identity.clock, identity.timeoutMs);
  }

  get traceHeaders(): TraceHeaders {
    const traceParent = this.#context.traceContext?.traceParent;
    return { traceparent: typeof traceParent === 'string' ? traceParent : undefined };
  }

  /** Read only when an event about the invocation is written: the closure costs nothing on other paths. */
  get platformLog(): InvocationLogger {
    const context = this.#context;
    return (level, line) => context[level](line);
  }
}

/**
 * Invocations kept for the life of the process, one of each kind. V8 holds the shape of an object weakly once no
 * object of that shape is alive, and invocations all die young: a full garbage collection would then drop the shapes
 * and throw away the optimized code of everything that reads them (the wrapper, the decision, each match condition),
 * so after every major GC the next invocations that cannot fire would run unoptimized until V8 recompiles them.
 */
const keptShapes: unknown[] = [];

/** Keeps one HTTP and one event invocation alive (see {@link keptShapes}); called when an adapter is created. */
export function keepInvocationShapes(identity: FunctionIdentity): void {
  if (keptShapes.length > 0) return;
  // Best effort, at adapter creation: a shape that cannot be built costs speed, never the user's function.
  try {
    const request = { method: 'GET', url: 'http://localhost/' } as unknown as HttpRequest;
    const http = toAzureInvocation(request, shapeContext('httpTrigger'), identity);
    keptShapes.push(http, http.http, toAzureInvocation({}, shapeContext('queueTrigger'), identity));
  } catch {
    // Nothing kept: the hot path stays correct, only slower after a full GC.
  }
}

function shapeContext(type: string): InvocationContext {
  return {
    functionName: 'shape',
    invocationId: 'shape',
    options: { trigger: { type } },
  } as unknown as InvocationContext;
}

/**
 * The HTTP part of an invocation, computed on demand: undici's `Headers` costs ~0.5 µs per `get` and ~1 µs to
 * iterate, and `new URL()` ~2 µs, so a match on `http.path` alone must not pay for headers or query. Each part is
 * computed at most once per invocation.
 */
class LazyInvocationHttp implements InvocationHttp {
  readonly #request: HttpRequest;
  readonly #routePrefix: string;
  #method: string | undefined;
  #path: string | undefined;
  #headers: Readonly<Record<string, string>> | undefined;
  #query: Readonly<Record<string, string>> | undefined;

  constructor(request: HttpRequest, routePrefix: string) {
    this.#request = request;
    this.#routePrefix = routePrefix;
  }

  get method(): string {
    this.#method ??= this.#request.method.toUpperCase();
    return this.#method;
  }

  get path(): string {
    this.#path ??= withoutRoutePrefix(readUrlPath(this.#request.url), this.#routePrefix);
    return this.#path;
  }

  get headers(): Readonly<Record<string, string>> {
    if (this.#headers === undefined) {
      const headers: Record<string, string> = {};
      // Headers iterates lower-case names and already joins repeated values with ", ".
      for (const [name, value] of this.#request.headers) headers[name] = value;
      this.#headers = headers;
    }
    return this.#headers;
  }

  get query(): Readonly<Record<string, string>> {
    if (this.#query === undefined) {
      const query: Record<string, string> = {};
      for (const [name, value] of this.#request.query) {
        if (!Object.hasOwn(query, name)) query[name] = value;
      }
      this.#query = query;
    }
    return this.#query;
  }

  /** A plain snapshot, so JSON logs and test assertions see the values rather than an empty class instance. */
  toJSON(): InvocationHttp {
    return { method: this.method, path: this.path, headers: this.headers, query: this.query };
  }
}

function toInvocationHttp(request: HttpRequest, routePrefix: string): InvocationHttp {
  return new LazyInvocationHttp(request, routePrefix);
}

/**
 * The path the function's route sees: `/api/orders/7` → `/orders/7` under the prefix `api`, `/api` → `/`. The host
 * matches routes case-insensitively, and so does this; a path outside the prefix is kept whole.
 */
export function withoutRoutePrefix(path: string, routePrefix: string): string {
  if (routePrefix === '') return path;
  const end = routePrefix.length + 1;
  if (path.length < end || (path.length > end && path.charCodeAt(end) !== 47) /* / */) return path;
  if (path.slice(1, end).toLowerCase() !== routePrefix.toLowerCase()) return path;
  return path.length === end ? '/' : path.slice(end);
}

/**
 * The path of an absolute URL without parsing it: the text between the authority and `?`/`#`, e.g.
 * `http://host:7071/api/orders/7?x=1` → `/api/orders/7`. Percent-encoding is kept as the client sent it.
 */
export function readUrlPath(url: string): string {
  const schemeEnd = url.indexOf('://');
  let index = schemeEnd === -1 ? 0 : schemeEnd + 3;
  // The authority ends at the first '/', '?' or '#'; only a '/' starts a path.
  while (index < url.length) {
    const code = url.charCodeAt(index);
    if (code === 47 /* / */) break;
    if (code === 63 /* ? */ || code === 35 /* # */) return '/';
    index += 1;
  }
  if (index >= url.length) return '/';
  let end = index;
  while (end < url.length) {
    const code = url.charCodeAt(end);
    if (code === 63 || code === 35) break;
    end += 1;
  }
  return url.slice(index, end);
}

function toInvocationEvent(triggerType: string, input: unknown, context: InvocationContext): InvocationEvent {
  const binding = (context.options as { trigger?: Record<string, unknown> } | undefined)?.trigger ?? {};
  if (triggerType === 'eventgridtrigger') {
    const event = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    return {
      type: stringOrUndefined(event.eventType) ?? stringOrUndefined(event.type) ?? 'azure:event-grid',
      source: stringOrUndefined(event.topic) ?? stringOrUndefined(event.source),
    };
  }
  const topic = stringOrUndefined(binding.topicName);
  const subscription = stringOrUndefined(binding.subscriptionName);
  const source =
    stringOrUndefined(binding.queueName) ??
    (topic === undefined ? undefined : subscription === undefined ? topic : `${topic}/${subscription}`) ??
    stringOrUndefined(binding.eventHubName) ??
    stringOrUndefined(binding.topic) ??
    stringOrUndefined(binding.containerName) ??
    stringOrUndefined(binding.path) ??
    stringOrUndefined(binding.schedule);
  return { type: eventTypes[triggerType] ?? (triggerType === '' ? undefined : triggerType), source };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
