import type { IncomingMessage } from 'node:http';
import type {
  Clock,
  Invocation,
  InvocationEvent,
  InvocationHttp,
  TraceHeaders,
  Trigger,
} from '@faultline/core';
import { deadlineAfter, resolvePlatformIdentity } from '@faultline/core/adapter-kit';

/** What the adapter learns once, when a handler is wrapped (environment is never read per request). */
export interface FunctionIdentity {
  readonly function: string;
  readonly region: string | undefined;
  readonly stage: string | undefined;
  /** Added to the invocation start to give `deadlineMs`; the platform sends no deadline. */
  readonly timeoutMs: number | undefined;
  readonly clock: Clock;
}

/**
 * Options shared by the HTTP and CloudEvent wrappers that describe the function.
 *
 * @example
 * ```ts
 * withFaults(handler, { functionName: 'orders', region: 'europe-west1', stage: 'staging', timeoutMs: 60_000 });
 * ```
 */
export interface FunctionIdentityOptions {
  /** Function name for `match`/`sampleBy` (`function`). Default `K_SERVICE`, else `FUNCTION_TARGET`, else `FUNCTION_NAME`. */
  readonly functionName?: string;
  /** Region (`region`). Default `FUNCTION_REGION`. */
  readonly region?: string;
  /** Deployment stage (`stage`) used by experiment guards. Default `FAULTLINE_STAGE`. */
  readonly stage?: string;
  /**
   * The function's configured timeout in ms (`--timeout`), so `timeout` faults know the deadline. Cloud Functions
   * sends no deadline with the request; without this option `timeout` faults are skipped (and say so in an event).
   */
  readonly timeoutMs?: number;
}

const gcpVariables = {
  functionName: ['K_SERVICE', 'FUNCTION_TARGET', 'FUNCTION_NAME'],
  region: ['FUNCTION_REGION'],
};

/** Reads the function identity once from options and the environment. */
export function resolveFunctionIdentity(
  options: FunctionIdentityOptions,
  environment: Readonly<Record<string, string | undefined>>,
  clock: Clock,
): FunctionIdentity {
  const { functionName, region, stage } = resolvePlatformIdentity(options, environment, gcpVariables);
  return { function: functionName ?? 'unknown', region, stage, timeoutMs: options.timeoutMs, clock };
}

/** A request as the Functions Framework hands it over (an Express request is an `IncomingMessage`). */
export type FunctionRequest = IncomingMessage;

let generatedIds = 0;

/**
 * The request id, in order of preference: the trace id of `X-Cloud-Trace-Context` (`TRACE/SPAN;o=1`), the trace id
 * of W3C `traceparent`, the `Function-Execution-Id` header, or a generated id.
 */
export function readRequestId(headers: IncomingMessage['headers']): string {
  const cloudTrace = firstValue(headers['x-cloud-trace-context']);
  if (cloudTrace) {
    const slash = cloudTrace.indexOf('/');
    const traceId = slash === -1 ? cloudTrace : cloudTrace.slice(0, slash);
    if (traceId) return traceId;
  }
  const traceparent = firstValue(headers.traceparent);
  if (traceparent) {
    const traceId = traceparent.split('-')[1];
    if (traceId) return traceId;
  }
  const executionId = firstValue(headers['function-execution-id']);
  if (executionId) return executionId;
  generatedIds = (generatedIds + 1) % Number.MAX_SAFE_INTEGER;
  return `faultline-${process.pid}-${generatedIds}`;
}

/**
 * The normalized invocation of an HTTP function call. Its trace (read only when an event is written) comes from
 * `X-Cloud-Trace-Context`, else `traceparent`. A Cloud Scheduler job's request (header `X-CloudScheduler: true`) is
 * a `schedule` invocation, with `event.type` `gcp:cloud-scheduler` and `event.source` the job name
 * (`X-CloudScheduler-JobName`); `http` is filled all the same.
 */
export function toHttpInvocation(request: FunctionRequest, identity: FunctionIdentity): Invocation {
  return new HttpInvocation(request, identity);
}

/** What every GCP invocation takes from the function's identity, whatever the call's signature. */
abstract class GcpInvocation {
  readonly cloud = 'gcp' as const;
  readonly function: string;
  readonly stage: string | undefined;
  readonly region: string | undefined;
  readonly deadlineMs: number | undefined;

  constructor(identity: FunctionIdentity) {
    this.function = identity.function;
    this.stage = identity.stage;
    this.region = identity.region;
    this.deadlineMs = deadlineAfter(identity.clock, identity.timeoutMs);
  }
}

/**
 * A class rather than an object literal so its `traceHeaders` getter lives once on the prototype: an invocation that
 * no fault fires for allocates nothing for it.
 */
class HttpInvocation extends GcpInvocation implements Invocation {
  readonly trigger: Trigger;
  readonly requestId: string;
  readonly http: InvocationHttp;
  readonly event: InvocationEvent | undefined;
  readonly raw: FunctionRequest;

  constructor(request: FunctionRequest, identity: FunctionIdentity) {
    super(identity);
    const scheduled = firstValue(request.headers['x-cloudscheduler']) === 'true';
    this.trigger = scheduled ? 'schedule' : 'http';
    this.event = scheduled
      ? { type: cloudSchedulerEventType, source: firstValue(request.headers['x-cloudscheduler-jobname']) }
      : undefined;
    this.requestId = readRequestId(request.headers);
    this.http = toHttp(request);
    this.raw = request;
  }

  get traceHeaders(): TraceHeaders {
    const headers = this.raw.headers;
    return {
      cloudTrace: firstValue(headers['x-cloud-trace-context']),
      traceparent: firstValue(headers.traceparent),
    };
  }
}

/** `event.type` of a Cloud Scheduler job's HTTP request (Cloud Scheduler sends no CloudEvent type of its own). */
const cloudSchedulerEventType = 'gcp:cloud-scheduler';

/**
 * The CloudEvent type of a Pub/Sub message (Eventarc and Pub/Sub triggers): a `queue` invocation, since Pub/Sub
 * redelivers a message until the function acknowledges it. Every other CloudEvent is an `event`.
 */
const pubSubMessageType = 'google.cloud.pubsub.topic.v1.messagePublished';

/**
 * The fields of a CloudEvent the adapter reads (the Functions Framework's `CloudEvent` fits).
 *
 * @example
 * ```ts
 * const event: CloudEventLike = { id: 'e-1', type: 'google.cloud.pubsub.topic.v1.messagePublished', source: '//pubsub' };
 * ```
 */
export interface CloudEventLike {
  readonly id?: string;
  readonly type?: string;
  readonly source?: string;
  /** The distributed tracing extension's W3C trace context, when the producer set it. */
  readonly traceparent?: string;
}

/**
 * The normalized invocation of a CloudEvent function call; the request id is the event id (stable on retries), the
 * trace the event's `traceparent` (CloudEvents' distributed tracing extension). A Pub/Sub message
 * (`google.cloud.pubsub.topic.v1.messagePublished`) is a `queue` invocation, any other CloudEvent an `event`;
 * `event.type` / `event.source` are the CloudEvent's `type` / `source` (for Pub/Sub the topic,
 * `//pubsub.googleapis.com/projects/<project>/topics/<topic>`).
 */
export function toCloudEventInvocation(cloudEvent: CloudEventLike, identity: FunctionIdentity): Invocation {
  return new CloudEventInvocation(cloudEvent, identity);
}

/** A class for the same reason as {@link HttpInvocation}. */
class CloudEventInvocation extends GcpInvocation implements Invocation {
  readonly trigger: Trigger;
  readonly requestId: string;
  readonly http = undefined;
  readonly event: InvocationEvent;
  readonly raw: unknown;

  constructor(cloudEvent: CloudEventLike, identity: FunctionIdentity) {
    super(identity);
    const event = (cloudEvent ?? {}) as CloudEventLike;
    this.trigger = event.type === pubSubMessageType ? 'queue' : 'event';
    this.requestId = typeof event.id === 'string' && event.id !== '' ? event.id : readRequestId({});
    this.event = {
      type: typeof event.type === 'string' ? event.type : undefined,
      source: typeof event.source === 'string' ? event.source : undefined,
    };
    this.raw = cloudEvent;
  }

  get traceHeaders(): TraceHeaders {
    const traceparent = (this.raw as CloudEventLike | undefined)?.traceparent;
    return { traceparent: typeof traceparent === 'string' ? traceparent : undefined };
  }
}

/**
 * Invocations kept for the life of the process, one of each kind. V8 holds the shape of an object weakly once no
 * object of that shape is alive, and invocations all die young: a full garbage collection would then drop the shapes
 * and throw away the optimized code of everything that reads them (the wrapper, the decision, each match condition),
 * so after every major GC the next invocations that cannot fire would run unoptimized until V8 recompiles them.
 */
const keptShapes: unknown[] = [];

/** Keeps one HTTP and one CloudEvent invocation alive (see {@link keptShapes}); called when a wrapper is created. */
export function keepInvocationShapes(identity: FunctionIdentity): void {
  if (keptShapes.length > 0) return;
  // Best effort, at wrapper creation: a shape that cannot be built costs speed, never the user's function.
  try {
    const http = toHttpInvocation(
      {
        method: 'GET',
        url: '/',
        headers: { 'function-execution-id': 'shape' },
      } as unknown as FunctionRequest,
      identity,
    );
    keptShapes.push(http, http.http, toCloudEventInvocation({ id: 'shape' }, identity));
  } catch {
    // Nothing kept: the hot path stays correct, only slower after a full GC.
  }
}

/**
 * The HTTP view of a request, built only when a fault may fire. Node already lower-cases header names, so the
 * headers object is reused as is unless a header repeats as an array; the query is parsed on first read only,
 * since most matches never look at it.
 */
class RequestHttpView implements InvocationHttp {
  readonly method: string;
  readonly path: string;
  readonly #url: string;
  readonly #queryStart: number;
  readonly #rawHeaders: IncomingMessage['headers'];
  #headers: Readonly<Record<string, string>> | undefined;
  #query: Readonly<Record<string, string>> | undefined;

  constructor(request: FunctionRequest) {
    const url = request.url ?? '/';
    const queryStart = url.indexOf('?');
    this.#url = url;
    this.#queryStart = queryStart;
    this.#rawHeaders = request.headers;
    this.method = request.method === undefined ? 'GET' : request.method.toUpperCase();
    this.path = queryStart === -1 ? url : url.slice(0, queryStart);
  }

  get headers(): Readonly<Record<string, string>> {
    this.#headers ??= normalizeHeaders(this.#rawHeaders);
    return this.#headers;
  }

  get query(): Readonly<Record<string, string>> {
    if (this.#query === undefined) {
      const query: Record<string, string> = {};
      if (this.#queryStart !== -1) {
        for (const [name, value] of new URLSearchParams(this.#url.slice(this.#queryStart + 1))) {
          if (!Object.hasOwn(query, name)) query[name] = value;
        }
      }
      this.#query = query;
    }
    return this.#query;
  }

  toJSON(): InvocationHttp {
    return { method: this.method, path: this.path, headers: this.headers, query: this.query };
  }
}

function normalizeHeaders(headers: IncomingMessage['headers']): Readonly<Record<string, string>> {
  for (const name in headers) {
    if (typeof headers[name] !== 'string') return joinHeaders(headers);
  }
  return headers as Readonly<Record<string, string>>;
}

function joinHeaders(headers: IncomingMessage['headers']): Readonly<Record<string, string>> {
  const joined: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    joined[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return joined;
}

function toHttp(request: FunctionRequest): InvocationHttp {
  return new RequestHttpView(request);
}

function firstValue(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value[0] : value;
}
