import type { Clock, Invocation, InvocationEvent, InvocationHttp, Trigger } from '@faultline/core';
import { deadlineAfter, nonBlank, resolvePlatformIdentity } from '@faultline/core/adapter-kit';
import { detectTrigger, isObject, type LambdaTrigger } from './detect-trigger.js';
import { readHttpFields } from './http-fields.js';
import type { LambdaContext } from './lambda-context.js';

/**
 * What the mapper reads once, when the wrapper is created (never per invocation).
 *
 * @example
 * ```ts
 * const toInvocation = createLambdaInvocationMapper({ clock: { now: () => 0 }, environment: { AWS_REGION: 'us-east-1' } });
 * ```
 */
export interface LambdaInvocationMapperOptions {
  /** For the deadline. Default: the system clock. */
  readonly clock?: Clock;
  /** Read once for `AWS_REGION` and `FAULTLINE_STAGE`. Default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** The stage given in code (`withFaults(handler, { stage })`): wins over every other source. */
  readonly stage?: string | undefined;
  /** The region given in code: wins over the invoked ARN's region and `AWS_REGION`. */
  readonly region?: string | undefined;
}

/**
 * Turns Lambda's `(event, context)` into faultline's normalized invocation.
 *
 * @example
 * ```ts
 * const toInvocation: LambdaInvocationMapper = createLambdaInvocationMapper();
 * toInvocation(sqsEvent, context).trigger; // 'queue'
 * ```
 */
export type LambdaInvocationMapper = (event: unknown, context: LambdaContext) => Invocation;

/** Where the region comes from when the ARN does not say (the stage: `FAULTLINE_STAGE`). */
export const lambdaPlatformVariables = { region: ['AWS_REGION', 'AWS_DEFAULT_REGION'] };

/** The neutral trigger of each Lambda trigger (also read by the native field reader). */
export const neutralTriggers: Readonly<Record<LambdaTrigger, Trigger>> = {
  'api-gateway-rest': 'http',
  'api-gateway-http': 'http',
  'function-url': 'http',
  alb: 'http',
  sqs: 'queue',
  kinesis: 'queue',
  'dynamodb-stream': 'queue',
  kafka: 'queue',
  mq: 'queue',
  sns: 'event',
  s3: 'event',
  eventbridge: 'event',
  schedule: 'schedule',
  unknown: 'other',
};

/**
 * Creates the `(event, context) → Invocation` mapping used by {@link withFaults} and the Middy middleware.
 *
 * - `region`: the `region` option, else the region of the invoked function ARN, else `AWS_REGION`.
 * - `stage`: the `stage` option, else `FAULTLINE_STAGE` (the deployment's own declaration), else the API Gateway
 *   stage (not `$default`), else the alias in the invoked function ARN.
 * - `function`: `context.functionName`; `requestId`: `context.awsRequestId`.
 * - `deadlineMs`: now + `context.getRemainingTimeInMillis()`.
 *
 * @example
 * ```ts
 * const toInvocation = createLambdaInvocationMapper({ environment: { FAULTLINE_STAGE: 'staging' } });
 * const invocation = toInvocation(event, context);
 * invocation.http?.path; // '/orders/42'
 * ```
 */
export function createLambdaInvocationMapper(
  options: LambdaInvocationMapperOptions = {},
): LambdaInvocationMapper {
  const environment = options.environment ?? process.env;
  const clock = options.clock ?? { now: () => Date.now() };
  // Code first, then the environment (the same rule as every adapter); the ARN's region sits between the two below.
  const declared = resolvePlatformIdentity({ stage: options.stage }, environment, lambdaPlatformVariables);
  const environmentStage = declared.stage;
  const environmentRegion = declared.region;
  const optionRegion = nonBlank(options.region);

  let lastArn: string | undefined;
  let lastArnFields: { region: string | undefined; alias: string | undefined } = {
    region: undefined,
    alias: undefined,
  };
  // Every invocation of an instance has the same ARN: parse it once.
  const arnFields = (arn: string) => {
    if (arn !== lastArn) {
      const parts = typeof arn === 'string' ? arn.split(':') : [];
      lastArn = arn;
      lastArnFields = { region: nonBlank(parts[3]), alias: aliasOf(parts) };
    }
    return lastArnFields;
  };

  const mapper: LambdaInvocationMapper = (event, context) => {
    const lambdaTrigger = detectTrigger(event);
    const record = isObject(event) ? event : {};
    const arn = arnFields(context.invokedFunctionArn);
    return new LambdaInvocation(
      lambdaTrigger,
      record,
      event,
      context,
      clock,
      environmentStage ?? apiStage(record) ?? arn.alias,
      optionRegion ?? arn.region ?? environmentRegion,
    );
  };
  keepInvocationShapes(mapper);
  return mapper;
}

/**
 * Invocations kept for the life of the process, one of each kind. V8 holds the shape of an object weakly once no
 * object of that shape is alive, and invocations all die young: a full garbage collection would then drop the shapes
 * and throw away the optimized code of everything that reads them (the wrapper, the decision, each match condition),
 * so after every major GC the next invocations that cannot fire would run unoptimized until V8 recompiles them.
 */
const keptShapes: unknown[] = [];

function keepInvocationShapes(mapper: LambdaInvocationMapper): void {
  if (keptShapes.length > 0) return;
  const context = {
    functionName: 'shape',
    invokedFunctionArn: '',
    awsRequestId: 'shape',
    getRemainingTimeInMillis: () => 0,
  };
  // Best effort, at wrapper creation: a shape that cannot be built costs speed, never the user's function.
  try {
    const http = mapper(
      { version: '2.0', rawPath: '/', requestContext: { http: { method: 'GET' } } },
      context,
    );
    const queue = mapper({ Records: [{ eventSource: 'aws:sqs' }] }, context);
    keptShapes.push(http, http.http, queue, queue.event);
  } catch {
    // Nothing kept: the hot path stays correct, only slower after a full GC.
  }
}

/**
 * The invocation, with the costlier parts (HTTP fields, event fields, deadline) computed on first read and kept:
 * most invocations only need the few fields their experiment's faults match on.
 */
class LambdaInvocation implements Invocation {
  readonly cloud = 'aws' as const;
  readonly function: string;
  readonly requestId: string;
  readonly trigger: Trigger;
  readonly raw: unknown;
  readonly stage: string | undefined;
  readonly region: string | undefined;
  private cachedHttp: InvocationHttp | undefined | null = null;
  private cachedEvent: InvocationEvent | undefined | null = null;
  private cachedDeadlineMs: number | undefined | null = null;

  constructor(
    private readonly lambdaTrigger: LambdaTrigger,
    private readonly record: Record<string, unknown>,
    raw: unknown,
    private readonly context: LambdaContext,
    private readonly clock: Clock,
    stage: string | undefined,
    region: string | undefined,
  ) {
    this.function = context.functionName;
    this.requestId = context.awsRequestId;
    this.trigger = neutralTriggers[lambdaTrigger];
    this.raw = raw;
    this.stage = stage;
    this.region = region;
  }

  get http(): InvocationHttp | undefined {
    if (this.cachedHttp === null) this.cachedHttp = readHttpFields(this.lambdaTrigger, this.record);
    return this.cachedHttp;
  }

  get event(): InvocationEvent | undefined {
    if (this.cachedEvent === null) this.cachedEvent = readEventFields(this.lambdaTrigger, this.record);
    return this.cachedEvent;
  }

  get deadlineMs(): number | undefined {
    if (this.cachedDeadlineMs === null) {
      this.cachedDeadlineMs = deadlineAfter(this.clock, safeRemainingMs(this.context));
    }
    return this.cachedDeadlineMs;
  }

  /** Plain data for logs and `JSON.stringify` (getters live on the prototype). */
  toJSON(): Omit<Invocation, 'raw'> {
    return {
      cloud: this.cloud,
      function: this.function,
      stage: this.stage,
      region: this.region,
      trigger: this.trigger,
      requestId: this.requestId,
      deadlineMs: this.deadlineMs,
      http: this.http,
      event: this.event,
    };
  }
}

function readEventFields(
  trigger: LambdaTrigger,
  event: Record<string, unknown>,
): InvocationEvent | undefined {
  const records = Array.isArray(event.Records) ? event.Records : [];
  const first: Record<string, unknown> = isObject(records[0]) ? records[0] : {};
  switch (trigger) {
    case 'sqs':
    case 'kinesis':
      return { type: text(first.eventSource), source: text(first.eventSourceARN) };
    case 'dynamodb-stream':
      return { type: text(first.eventName) ?? 'aws:dynamodb', source: text(first.eventSourceARN) };
    case 'sns': {
      const sns = isObject(first.Sns) ? first.Sns : {};
      return { type: text(first.EventSource), source: text(sns.TopicArn) };
    }
    case 's3': {
      const s3 = isObject(first.s3) ? first.s3 : {};
      const bucket = isObject(s3.bucket) ? s3.bucket : {};
      return { type: text(first.eventName), source: text(bucket.arn) ?? text(bucket.name) };
    }
    case 'kafka':
    case 'mq':
      return {
        type: text(event.eventSource),
        source: text(event.eventSourceArn) ?? text(event.bootstrapServers),
      };
    case 'eventbridge':
    case 'schedule':
      return { type: text(event['detail-type']), source: text(event.source) };
    default:
      return undefined;
  }
}

export function apiStage(event: Record<string, unknown>): string | undefined {
  const requestContext = event.requestContext;
  if (!isObject(requestContext)) return undefined;
  const stage = nonBlank(text(requestContext.stage));
  return stage === '$default' ? undefined : stage;
}

/** `arn:aws:lambda:region:account:function:name[:qualifier]`: a qualifier that is not a version number is an alias. */
export function aliasOf(arnParts: readonly string[]): string | undefined {
  const qualifier = nonBlank(arnParts[7]);
  if (qualifier === undefined || qualifier === '$LATEST' || /^\d+$/.test(qualifier)) return undefined;
  return qualifier;
}

function safeRemainingMs(context: LambdaContext): number | undefined {
  try {
    const remainingMs = context.getRemainingTimeInMillis();
    return Number.isFinite(remainingMs) ? remainingMs : undefined;
  } catch {
    return undefined;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
