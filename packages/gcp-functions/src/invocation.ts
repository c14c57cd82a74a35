import type { IncomingMessage } from 'node:http';
import type { Clock, Invocation, InvocationHttp } from '@faultline/core';

/** What the adapter learns once, when a handler is wrapped (environment is never read per request). */
export interface FunctionIdentity {
  readonly function: string;
  readonly region: string | undefined;
  readonly stage: string | undefined;
  /** Added to the invocation start to give `deadlineMs`; the platform sends no deadline. */
  readonly timeoutMs: number | undefined;
  readonly clock: Clock;
}

/** Options shared by the HTTP and CloudEvent wrappers that describe the function. */
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

/** Reads the function identity once from options and the environment. */
export function resolveFunctionIdentity(
  options: FunctionIdentityOptions,
  environment: Readonly<Record<string, string | undefined>>,
  clock: Clock,
): FunctionIdentity {
  return {
    function:
      options.functionName ??
      nonEmpty(environment.K_SERVICE) ??
      nonEmpty(environment.FUNCTION_TARGET) ??
      nonEmpty(environment.FUNCTION_NAME) ??
      'unknown',
    region: options.region ?? nonEmpty(environment.FUNCTION_REGION),
    stage: options.stage ?? nonEmpty(environment.FAULTLINE_STAGE),
    timeoutMs: options.timeoutMs,
    clock,
  };
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

/** The normalized invocation of an HTTP function call. */
export function toHttpInvocation(request: FunctionRequest, identity: FunctionIdentity): Invocation {
  return {
    cloud: 'gcp',
    function: identity.function,
    stage: identity.stage,
    region: identity.region,
    trigger: 'http',
    requestId: readRequestId(request.headers),
    deadlineMs: identity.timeoutMs === undefined ? undefined : identity.clock.now() + identity.timeoutMs,
    http: toHttp(request),
    event: undefined,
    raw: request,
  };
}

/** The fields of a CloudEvent the adapter reads (the Functions Framework's `CloudEvent` fits). */
export interface CloudEventLike {
  readonly id?: string;
  readonly type?: string;
  readonly source?: string;
}

/** The normalized invocation of a CloudEvent function call; the request id is the event id (stable on retries). */
export function toCloudEventInvocation(cloudEvent: CloudEventLike, identity: FunctionIdentity): Invocation {
  const event = (cloudEvent ?? {}) as CloudEventLike;
  return {
    cloud: 'gcp',
    function: identity.function,
    stage: identity.stage,
    region: identity.region,
    trigger: 'event',
    requestId: typeof event.id === 'string' && event.id !== '' ? event.id : readRequestId({}),
    deadlineMs: identity.timeoutMs === undefined ? undefined : identity.clock.now() + identity.timeoutMs,
    http: undefined,
    event: {
      type: typeof event.type === 'string' ? event.type : undefined,
      source: typeof event.source === 'string' ? event.source : undefined,
    },
    raw: cloudEvent,
  };
}

function toHttp(request: FunctionRequest): InvocationHttp {
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const query: Record<string, string> = {};
  if (queryStart !== -1) {
    for (const [name, value] of new URLSearchParams(url.slice(queryStart + 1))) {
      if (!Object.hasOwn(query, name)) query[name] = value;
    }
  }
  return {
    method: (request.method ?? 'GET').toUpperCase(),
    path: rawPath,
    headers,
    query,
  };
}

function firstValue(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value[0] : value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
