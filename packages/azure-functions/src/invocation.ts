import type { HttpRequest, InvocationContext } from '@azure/functions';
import type { Clock, Invocation, InvocationEvent, InvocationHttp, Trigger } from '@faultline/core';

/** What the adapter learns once, when a handler is wrapped (the environment is never read per invocation). */
export interface FunctionIdentity {
  readonly stage: string | undefined;
  readonly region: string | undefined;
  /** Added to the invocation start to give `deadlineMs`; the host sends no deadline with an invocation. */
  readonly timeoutMs: number | undefined;
  readonly clock: Clock;
}

/** Options that describe the function app, shared by `withFaults` and `installFaults`. */
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
}

/** Reads the app identity once from options and the environment. */
export function resolveFunctionIdentity(
  options: FunctionIdentityOptions,
  environment: Readonly<Record<string, string | undefined>>,
  clock: Clock,
): FunctionIdentity {
  return {
    stage: options.stage ?? nonEmpty(environment.FAULTLINE_STAGE),
    region: options.region ?? nonEmpty(environment.REGION_NAME),
    timeoutMs: options.timeoutMs ?? parseTimeSpanMs(environment.AzureFunctionsJobHost__functionTimeout),
    clock,
  };
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

const triggerKinds: Readonly<Record<string, Trigger>> = {
  httptrigger: 'http',
  queuetrigger: 'queue',
  servicebustrigger: 'queue',
  eventhubtrigger: 'event',
  eventgridtrigger: 'event',
  cosmosdbtrigger: 'event',
  blobtrigger: 'event',
  timertrigger: 'schedule',
};

const eventTypes: Readonly<Record<string, string>> = {
  queuetrigger: 'azure:storage-queue',
  servicebustrigger: 'azure:service-bus',
  eventhubtrigger: 'azure:event-hubs',
  cosmosdbtrigger: 'azure:cosmos-db',
  blobtrigger: 'azure:storage-blob',
  timertrigger: 'azure:timer',
};

/**
 * Builds the normalized invocation. Called only when a fault could fire, never on the idle path.
 *
 * - `function` is the function name, `requestId` the invocation id.
 * - HTTP triggers fill `http` from the `HttpRequest` (lower-case headers, first value of repeated query keys).
 * - Other triggers fill `event`: `type` is `azure:storage-queue`, `azure:service-bus`, `azure:event-hubs`,
 *   `azure:timer`, … (an Event Grid event's own `eventType`/`type`); `source` is the queue, topic, event hub,
 *   container, blob path or schedule from the trigger binding (an Event Grid event's `topic`/`source`).
 */
export function toAzureInvocation(
  input: unknown,
  context: InvocationContext,
  identity: FunctionIdentity,
): Invocation {
  const triggerType = readTriggerType(context);
  const trigger = triggerKinds[triggerType] ?? 'other';
  return {
    cloud: 'azure',
    function: context.functionName,
    stage: identity.stage,
    region: identity.region,
    trigger,
    requestId: context.invocationId,
    deadlineMs: identity.timeoutMs === undefined ? undefined : identity.clock.now() + identity.timeoutMs,
    http: trigger === 'http' ? toInvocationHttp(input as HttpRequest) : undefined,
    event: trigger === 'http' ? undefined : toInvocationEvent(triggerType, input, context),
    raw: input,
  };
}

function toInvocationHttp(request: HttpRequest): InvocationHttp {
  const headers: Record<string, string> = {};
  // Headers iterates lower-case names and already joins repeated values with ", ".
  for (const [name, value] of request.headers) headers[name] = value;
  const query: Record<string, string> = {};
  for (const [name, value] of request.query) {
    if (!(name in query)) query[name] = value;
  }
  let path = '/';
  try {
    path = new URL(request.url).pathname;
  } catch {
    // A relative or malformed URL keeps the root path rather than failing the invocation.
  }
  return { method: request.method.toUpperCase(), path, headers, query };
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
    stringOrUndefined(binding.containerName) ??
    stringOrUndefined(binding.path) ??
    stringOrUndefined(binding.schedule);
  return { type: eventTypes[triggerType] ?? (triggerType === '' ? undefined : triggerType), source };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
