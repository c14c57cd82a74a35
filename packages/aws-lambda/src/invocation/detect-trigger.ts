/** The Lambda event shapes faultline recognizes. */
export const lambdaTriggers = [
  'api-gateway-rest',
  'api-gateway-http',
  'function-url',
  'alb',
  'sqs',
  'sns',
  's3',
  'dynamodb-stream',
  'kinesis',
  'kafka',
  'mq',
  'eventbridge',
  'schedule',
  'unknown',
] as const;
export type LambdaTrigger = (typeof lambdaTriggers)[number];

/** Triggers whose result is an HTTP response. */
export const httpLambdaTriggers: ReadonlySet<LambdaTrigger> = new Set([
  'api-gateway-rest',
  'api-gateway-http',
  'function-url',
  'alb',
]);

const recordSources: Readonly<Record<string, LambdaTrigger>> = {
  'aws:sqs': 'sqs',
  'aws:sns': 'sns',
  'aws:s3': 's3',
  'aws:dynamodb': 'dynamodb-stream',
  'aws:kinesis': 'kinesis',
};

/**
 * Tells which AWS service produced a Lambda event, from its shape alone.
 *
 * @example
 * ```ts
 * detectTrigger({ version: '2.0', routeKey: 'GET /orders/{id}', requestContext: { http: { method: 'GET' } } });
 * // → 'api-gateway-http'
 * ```
 */
export function detectTrigger(event: unknown): LambdaTrigger {
  const trigger = detectEventShape(event);
  if (trigger !== 'api-gateway-http') return trigger;
  const domainName = ((event as Record<string, unknown>).requestContext as Record<string, unknown>)
    .domainName;
  return typeof domainName === 'string' && domainName.includes('.lambda-url.') ? 'function-url' : trigger;
}

/**
 * {@link detectTrigger} without telling a Function URL from an HTTP API (both send payload 2.0 and read alike; only
 * the domain name tells them apart, which costs a string search): a Function URL's event gives `api-gateway-http`.
 */
export function detectEventShape(event: unknown): LambdaTrigger {
  if (!isObject(event)) return 'unknown';
  const records = event.Records;
  if (Array.isArray(records)) {
    const first: unknown = records[0];
    if (!isObject(first)) return 'unknown';
    // SNS spells it `EventSource`; every other record source spells it `eventSource`.
    const source = first.eventSource ?? first.EventSource;
    return (typeof source === 'string' && recordSources[source]) || 'unknown';
  }
  // MSK / self-managed Kafka and Amazon MQ (ActiveMQ, RabbitMQ) batches name their source at the top level.
  const eventSource = event.eventSource;
  if (typeof eventSource === 'string') {
    if (eventSource === 'aws:kafka' || eventSource === 'SelfManagedKafka') return 'kafka';
    if (eventSource === 'aws:mq' || eventSource === 'aws:rmq') return 'mq';
  }
  const requestContext = event.requestContext;
  if (isObject(requestContext)) {
    if (isObject(requestContext.elb)) return 'alb';
    if (isObject(requestContext.http) && event.version === '2.0') return 'api-gateway-http';
    // REST APIs, and HTTP APIs with payload format 1.0, send the v1 shape.
    if (typeof event.httpMethod === 'string') return 'api-gateway-rest';
    return 'unknown';
  }
  if (typeof event['detail-type'] === 'string' && typeof event.source === 'string') {
    return event['detail-type'] === 'Scheduled Event' && event.source === 'aws.events'
      ? 'schedule'
      : 'eventbridge';
  }
  return 'unknown';
}

/**
 * A non-null, non-array object, for reading untyped events safely.
 *
 * @example
 * ```ts
 * isObject({ a: 1 }); // true
 * isObject([1]); // false
 * ```
 */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
