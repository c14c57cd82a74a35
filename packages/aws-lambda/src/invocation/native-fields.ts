import {
  type FieldValue,
  type MatchFieldKind,
  type NativeFieldReader,
  nonBlank,
  resolvePlatformIdentity,
  scalarFieldValue,
} from '@faultline/core/adapter-kit';
import { detectEventShape, isObject, type LambdaTrigger } from './detect-trigger.js';
import type { LambdaContext } from './lambda-context.js';
import {
  aliasOf,
  apiStage,
  type LambdaInvocationMapperOptions,
  lambdaPlatformVariables,
  neutralTriggers,
} from './to-invocation.js';

type Event = Record<string, unknown>;

/**
 * The native field reader matching `createLambdaInvocationMapper(options)`: the same settings, read once, now.
 */
export function createLambdaFieldReader(options: LambdaInvocationMapperOptions = {}): LambdaFieldReader {
  const { region, stage } = resolvePlatformIdentity(
    { stage: options.stage },
    options.environment ?? process.env,
    lambdaPlatformVariables,
  );
  return new LambdaFieldReader(stage, region, nonBlank(options.region));
}

/**
 * Reads match fields from Lambda's `(event, context)` exactly as the invocation mapper would set them, without
 * building the invocation: the trigger is detected once per invocation and only when a field needs it, and nothing
 * is allocated (an ARN is split once per instance). `stage` and `region` come from the same settings as the
 * mapper's (`FAULTLINE_STAGE`, `AWS_REGION`), passed in once.
 */
export class LambdaFieldReader implements NativeFieldReader<unknown, LambdaContext> {
  private event: unknown;
  private context: LambdaContext | undefined;
  private trigger: LambdaTrigger | undefined;
  private lastArn: string | undefined;
  private arnRegion: string | undefined;
  private arnAlias: string | undefined;
  private lastRawMethod: string | undefined;
  private lastMethod = 'GET';

  constructor(
    private readonly environmentStage: string | undefined,
    private readonly environmentRegion: string | undefined,
    private readonly optionRegion: string | undefined,
  ) {}

  begin(event: unknown, context: LambdaContext): void {
    this.event = event;
    this.context = context;
    this.trigger = undefined;
  }

  end(): void {
    this.event = undefined;
    this.context = undefined;
  }

  read(field: MatchFieldKind, name: string): FieldValue | null {
    // The fields armed invocations read most (the production guard's stage, the method, the path) first, in a body
    // small enough for V8 to inline this method where the engine calls it; the rest in a method of their own.
    if (field === 'stage') return this.stage();
    if (field === 'http.method') return this.httpMethod();
    if (field === 'http.path') return httpPathOf(this.lambdaTrigger(), this.event as Event);
    return this.readOther(field, name);
  }

  private stage(): string | undefined {
    return this.environmentStage ?? this.apiStage() ?? this.readArn().arnAlias;
  }

  private httpMethod(): string | undefined {
    const method = httpMethodOf(this.lambdaTrigger(), this.event as Event);
    return method === undefined ? undefined : this.upperCased(method);
  }

  private readOther(field: MatchFieldKind, name: string): FieldValue | null {
    switch (field) {
      case 'cloud':
        return 'aws';
      case 'function':
        return scalarFieldValue((this.context as LambdaContext).functionName);
      case 'requestId':
        return scalarFieldValue((this.context as LambdaContext).awsRequestId);
      case 'region':
        return this.optionRegion ?? this.readArn().arnRegion ?? this.environmentRegion;
      case 'trigger':
        return neutralTriggers[this.lambdaTrigger()];
      case 'http.header':
        return httpHeaderOf(this.lambdaTrigger(), this.event as Event, name);
      case 'event.type':
        return eventTypeOf(this.lambdaTrigger(), this.event as Event);
      case 'event.source':
        return eventSourceOf(this.lambdaTrigger(), this.event as Event);
      default:
        // Query parameters and raw paths: the invocation reads them.
        return null;
    }
  }

  /**
   * The event's trigger, detected once per invocation and only when a field needs it; a Function URL reads as
   * `api-gateway-http`, since every field here reads the two alike (this saves a string search per invocation).
   * Any trigger but `unknown` means the event is an object (`unknown` reads no event field).
   */
  private lambdaTrigger(): LambdaTrigger {
    this.trigger ??= detectEventShape(this.event);
    return this.trigger;
  }

  /**
   * `method` upper-cased as the invocation has it. An instance sees few distinct methods, so the last one is kept:
   * a repeated method costs one string comparison instead of a scan (the result depends on the text alone).
   */
  private upperCased(method: string): string {
    if (method !== this.lastRawMethod) {
      this.lastMethod = upperCase(method);
      this.lastRawMethod = method;
    }
    return this.lastMethod;
  }

  /** The API Gateway stage of the event, as the mapper reads it. */
  private apiStage(): string | undefined {
    const event = this.event;
    return isObject(event) ? apiStage(event) : undefined;
  }

  /** The mapper's ARN fields: every invocation of an instance has the same ARN, so it is split once. */
  private readArn(): this {
    const arn = (this.context as LambdaContext).invokedFunctionArn;
    if (arn !== this.lastArn) {
      const parts = typeof arn === 'string' ? arn.split(':') : [];
      this.lastArn = arn;
      this.arnRegion = nonBlank(parts[3]);
      this.arnAlias = aliasOf(parts);
    }
    return this;
  }
}

/**
 * `http.method` of an event of this trigger as the event spells it (the invocation upper-cases it), `undefined` when
 * not HTTP.
 */
function httpMethodOf(trigger: LambdaTrigger, event: Event): string | undefined {
  switch (trigger) {
    case 'api-gateway-http':
    case 'function-url':
      return version2Method(event);
    case 'api-gateway-rest':
    case 'alb':
      return version1Method(event);
    default:
      return undefined;
  }
}

/** `http.path` of an event of this trigger, as the invocation reads it (`undefined` when not HTTP). */
function httpPathOf(trigger: LambdaTrigger, event: Event): string | undefined {
  switch (trigger) {
    case 'api-gateway-http':
    case 'function-url':
      return version2Path(event);
    case 'api-gateway-rest':
    case 'alb':
      return version1Path(event);
    default:
      return undefined;
  }
}

/**
 * `http.header.<name>` of an event of this trigger, as the invocation reads it, without copying the headers:
 * `undefined` when absent, `null` where only the copy can tell (multi-value headers, the cookies of payload 2.0).
 */
function httpHeaderOf(trigger: LambdaTrigger, event: Event, name: string): string | undefined | null {
  switch (trigger) {
    case 'api-gateway-http':
    case 'function-url':
      // Payload 2.0 moves cookies out of the headers; readHeaders puts them back.
      if (name === 'cookie') return null;
      return singleHeader(event.headers, name);
    case 'api-gateway-rest':
    case 'alb':
      if (isObject(event.multiValueHeaders)) return null;
      return singleHeader(event.headers, name);
    default:
      return undefined;
  }
}

/** What `lowerCaseHeaders(single, undefined)[name]` holds, without building it. */
function singleHeader(single: unknown, name: string): string | undefined {
  if (!isObject(single)) return undefined;
  let found: string | undefined;
  for (const key in single) {
    const value = single[key];
    if (typeof value !== 'string') continue;
    if (key !== name && (key.length !== name.length || key.toLowerCase() !== name)) continue;
    found = found === undefined ? value : `${found}, ${value}`;
  }
  return found;
}

// The event fields as `readEventFields` sets them (without its object; the property test holds the two together).
const noRecord: Record<string, unknown> = Object.freeze({});

function firstRecord(event: Record<string, unknown>): Record<string, unknown> {
  const records = event.Records;
  const first: unknown = Array.isArray(records) ? records[0] : undefined;
  return isObject(first) ? first : noRecord;
}

/** `event.type` of an event of this trigger (`undefined` for triggers without event fields). */
function eventTypeOf(trigger: LambdaTrigger, event: Record<string, unknown>): string | undefined {
  switch (trigger) {
    case 'sqs':
    case 'kinesis':
      return text(firstRecord(event).eventSource);
    case 'dynamodb-stream':
      return text(firstRecord(event).eventName) ?? 'aws:dynamodb';
    case 'sns':
      return text(firstRecord(event).EventSource);
    case 's3':
      return text(firstRecord(event).eventName);
    case 'kafka':
    case 'mq':
      return text(event.eventSource);
    case 'eventbridge':
    case 'schedule':
      return text(event['detail-type']);
    default:
      return undefined;
  }
}

/** `event.source` of an event of this trigger (`undefined` for triggers without event fields). */
function eventSourceOf(trigger: LambdaTrigger, event: Record<string, unknown>): string | undefined {
  switch (trigger) {
    case 'sqs':
    case 'kinesis':
    case 'dynamodb-stream':
      return text(firstRecord(event).eventSourceARN);
    case 'sns': {
      const sns = firstRecord(event).Sns;
      return isObject(sns) ? text(sns.TopicArn) : undefined;
    }
    case 's3': {
      const s3 = firstRecord(event).s3;
      const bucket = isObject(s3) ? s3.bucket : undefined;
      return isObject(bucket) ? (text(bucket.arn) ?? text(bucket.name)) : undefined;
    }
    case 'kafka':
    case 'mq':
      return text(event.eventSourceArn) ?? text(event.bootstrapServers);
    case 'eventbridge':
    case 'schedule':
      return text(event.source);
    default:
      return undefined;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

// The method and path as `readHttpFields` reads them, repeated here so the adapter's eager code stays as small as it
// was (the property test holds the two together).
function version2Http(event: Event): Event | undefined {
  const requestContext = event.requestContext;
  if (!isObject(requestContext)) return undefined;
  const http = requestContext.http;
  return isObject(http) ? http : undefined;
}

function version2Method(event: Event): string {
  return stringOr(version2Http(event)?.method, 'GET');
}

function version2Path(event: Event): string {
  const requestContext = event.requestContext;
  return withoutStage(
    stringOr(event.rawPath, stringOr(version2Http(event)?.path, '/')),
    isObject(requestContext) ? requestContext.stage : undefined,
  );
}

function version1Method(event: Event): string {
  return stringOr(event.httpMethod, 'GET');
}

function version1Path(event: Event): string {
  return stringOr(event.path, '/');
}

function withoutStage(path: string, stage: unknown): string {
  if (typeof stage !== 'string' || stage === '' || stage === '$default') return path;
  const end = stage.length + 1;
  if (path.length < end || !path.startsWith(stage, 1) || path.charCodeAt(0) !== 47 /* / */) return path;
  if (path.length === end) return '/';
  return path.charCodeAt(end) === 47 ? path.slice(end) : path;
}

function upperCase(method: string): string {
  for (let index = 0; index < method.length; index++) {
    const code = method.charCodeAt(index);
    if (code >= 97 && code <= 122) return method.toUpperCase();
  }
  return method;
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}
