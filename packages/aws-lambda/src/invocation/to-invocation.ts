import type { Clock, Invocation, InvocationEvent, Trigger } from '@faultline/core';
import { detectTrigger, isObject, type LambdaTrigger } from './detect-trigger.js';
import { readHttpFields } from './http-fields.js';
import type { LambdaContext } from './lambda-context.js';

/** What the mapper reads once, when the wrapper is created (never per invocation). */
export interface LambdaInvocationMapperOptions {
  /** For the deadline. Default: the system clock. */
  readonly clock?: Clock;
  /** Read once for `AWS_REGION` and `FAULTLINE_STAGE`. Default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

/** Turns Lambda's `(event, context)` into faultline's normalized invocation. */
export type LambdaInvocationMapper = (event: unknown, context: LambdaContext) => Invocation;

const neutralTriggers: Readonly<Record<LambdaTrigger, Trigger>> = {
  'api-gateway-rest': 'http',
  'api-gateway-http': 'http',
  'function-url': 'http',
  alb: 'http',
  sqs: 'queue',
  kinesis: 'queue',
  'dynamodb-stream': 'queue',
  sns: 'event',
  s3: 'event',
  eventbridge: 'event',
  schedule: 'schedule',
  unknown: 'other',
};

/**
 * Creates the `(event, context) → Invocation` mapping used by {@link withFaults} and the Middy middleware.
 *
 * - `region`: from the invoked function ARN, else `AWS_REGION`.
 * - `stage`: `FAULTLINE_STAGE` when set (the deployment's own declaration wins), else the API Gateway stage (not
 *   `$default`), else the alias in the invoked function ARN.
 * - `deadlineMs`: now + `context.getRemainingTimeInMillis()`.
 *
 * @example
 * ```ts
 * import { createLambdaInvocationMapper } from '@faultline/aws-lambda';
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
  const environmentRegion = nonEmpty(environment.AWS_REGION) ?? nonEmpty(environment.AWS_DEFAULT_REGION);
  const environmentStage = nonEmpty(environment.FAULTLINE_STAGE);

  return (event, context) => {
    const lambdaTrigger = detectTrigger(event);
    const record = isObject(event) ? event : {};
    const arnParts =
      typeof context.invokedFunctionArn === 'string' ? context.invokedFunctionArn.split(':') : [];
    const remainingMs = safeRemainingMs(context);
    return {
      cloud: 'aws',
      function: context.functionName,
      stage: environmentStage ?? apiStage(record) ?? aliasOf(arnParts),
      region: nonEmpty(arnParts[3]) ?? environmentRegion,
      trigger: neutralTriggers[lambdaTrigger],
      requestId: context.awsRequestId,
      deadlineMs: remainingMs === undefined ? undefined : clock.now() + remainingMs,
      http: readHttpFields(lambdaTrigger, record),
      event: readEventFields(lambdaTrigger, record),
      raw: event,
    };
  };
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
    case 'eventbridge':
    case 'schedule':
      return { type: text(event['detail-type']), source: text(event.source) };
    default:
      return undefined;
  }
}

function apiStage(event: Record<string, unknown>): string | undefined {
  const requestContext = event.requestContext;
  if (!isObject(requestContext)) return undefined;
  const stage = nonEmpty(text(requestContext.stage));
  return stage === '$default' ? undefined : stage;
}

/** `arn:aws:lambda:region:account:function:name[:qualifier]`: a qualifier that is not a version number is an alias. */
function aliasOf(arnParts: readonly string[]): string | undefined {
  const qualifier = nonEmpty(arnParts[7]);
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

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
