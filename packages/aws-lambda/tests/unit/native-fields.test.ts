import { createInlineSource } from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import { createMemorySink } from '@faultline/core/testing';
import { nativeFieldMismatches } from '@faultline/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectEventShape, detectTrigger } from '../../src/invocation/detect-trigger.js';
import type { LambdaContext } from '../../src/invocation/lambda-context.js';
import { createLambdaFieldReader } from '../../src/invocation/native-fields.js';
import { createLambdaInvocationMapper } from '../../src/invocation/to-invocation.js';
import { createLambdaAdapter } from '../../src/lambda-adapter.js';
import { albEvent, httpApiEvent, lambdaContext, restApiEvent, sqsEvent } from '../fixtures/events.js';

const headerNames = ['x-tenant', 'X-Tenant', 'X-TENANT', 'accept', 'Cookie', 'cookie', 'host', 'constructor'];
const names = {
  headers: ['x-tenant', 'accept', 'cookie', 'host', 'constructor', 'missing'],
  query: ['expand', 'page'],
};

const text = fc.oneof(
  fc.constantFrom('GET', 'get', 'Delete', 'POST', 'ß', '', ' ', '/orders/42', '/admin', 'prod', '$default'),
  fc.string({ maxLength: 6 }),
);
const value = fc.oneof(text, text, fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined));
const headers = fc.dictionary(fc.constantFrom(...headerNames), value, { maxKeys: 4 });
const multiValueHeaders = fc.dictionary(fc.constantFrom(...headerNames), fc.array(value, { maxLength: 2 }), {
  maxKeys: 3,
});
const requestContext = fc.record(
  {
    elb: fc.constantFrom({ targetGroupArn: 'arn' }, null),
    http: fc.oneof(fc.record({ method: value, path: value }, { requiredKeys: [] }), value),
    domainName: fc.constantFrom('abc.lambda-url.us-east-1.on.aws', 'api.example.test', 7),
    stage: fc.constantFrom('$default', 'prod', 'dev', ' staging ', '', 3),
  },
  { requiredKeys: [] },
);
const httpEvent = fc.record(
  {
    version: fc.constantFrom('2.0', '1.0', 2),
    rawPath: value,
    path: value,
    httpMethod: value,
    headers: fc.oneof(headers, value),
    multiValueHeaders: fc.oneof(multiValueHeaders, value),
    cookies: fc.oneof(fc.array(value, { maxLength: 2 }), value),
    rawQueryString: fc.constantFrom('', 'expand=items', 'page=2&expand=a%20b'),
    queryStringParameters: fc.oneof(fc.dictionary(fc.constantFrom('expand', 'page'), value), value),
    requestContext: fc.oneof(requestContext, requestContext, value),
  },
  { requiredKeys: [] },
);
const record = fc.record(
  {
    eventSource: fc.constantFrom('aws:sqs', 'aws:s3', 'aws:dynamodb', 'aws:kinesis', 'aws:sns', 'other', 5),
    EventSource: fc.constantFrom('aws:sns', undefined),
    eventSourceARN: value,
    eventName: value,
    Sns: fc.oneof(fc.record({ TopicArn: value }, { requiredKeys: [] }), value),
    s3: fc.oneof(
      fc.record({ bucket: fc.oneof(fc.record({ arn: value, name: value }, { requiredKeys: [] }), value) }),
      value,
    ),
  },
  { requiredKeys: [] },
);
const recordsEvent = fc.record({
  Records: fc.oneof(fc.array(fc.oneof(record, value), { maxLength: 2 }), value),
});
const bridgeEvent = fc.record(
  {
    'detail-type': fc.constantFrom('Scheduled Event', 'OrderPlaced', 4),
    source: fc.constantFrom('aws.events', 'shop'),
  },
  { requiredKeys: [] },
);
const streamEvent = fc.record(
  {
    eventSource: fc.constantFrom('aws:kafka', 'SelfManagedKafka', 'aws:mq', 'aws:rmq', 'other'),
    eventSourceArn: value,
    bootstrapServers: value,
    records: fc.constant({}),
  },
  { requiredKeys: ['eventSource'] },
);
const event = fc.oneof(
  streamEvent,
  httpEvent,
  httpEvent,
  recordsEvent,
  bridgeEvent,
  value,
  fc.array(fc.integer(), { maxLength: 2 }),
);
const context = fc.record({
  functionName: fc.constantFrom('orders', 'billing', ''),
  awsRequestId: fc.string({ maxLength: 8 }),
  invokedFunctionArn: fc.constantFrom(
    'arn:aws:lambda:eu-west-1:123456789012:function:orders',
    'arn:aws:lambda:eu-west-1:123456789012:function:orders:live',
    'arn:aws:lambda:eu-west-1:123456789012:function:orders:7',
    'arn:aws:lambda:eu-west-1:123456789012:function:orders:$LATEST',
    'arn:aws:lambda:: :function:orders',
    '',
  ),
});
const environment = fc.record(
  { FAULTLINE_STAGE: fc.constantFrom('staging', ' ', 'prod'), AWS_REGION: fc.constantFrom('us-east-1', '') },
  { requiredKeys: [] },
);
const codeOptions = fc.record(
  { stage: fc.constantFrom('qa', ' ', undefined), region: fc.constantFrom('eu-west-3', '', undefined) },
  { requiredKeys: [] },
);

function mismatchesFor(
  sample: unknown,
  sampleContext: Omit<LambdaContext, 'getRemainingTimeInMillis'>,
  variables: Record<string, string | undefined>,
  code: { stage?: string | undefined; region?: string | undefined } = {},
  reader = createLambdaFieldReader({ environment: variables, ...code }),
): string[] {
  const fullContext: LambdaContext = { ...sampleContext, getRemainingTimeInMillis: () => 1000 };
  const invocation = createLambdaInvocationMapper({ environment: variables, ...code })(sample, fullContext);
  return nativeFieldMismatches(reader, invocation, sample, fullContext, names);
}

describe('the Lambda native field reader', () => {
  it('reads every field it answers exactly as the invocation holds it (property, generated events)', () => {
    fc.assert(
      fc.property(event, context, environment, codeOptions, (sample, sampleContext, variables, code) => {
        expect(mismatchesFor(sample, sampleContext, variables, code)).toEqual([]);
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps agreeing when one reader serves many invocations (its trigger, ARN and method caches)', () => {
    const variables = { AWS_REGION: 'us-east-1' };
    const reader = createLambdaFieldReader({ environment: variables });
    fc.assert(
      fc.property(fc.array(fc.tuple(event, context), { minLength: 2, maxLength: 6 }), (samples) => {
        for (const [sample, sampleContext] of samples) {
          expect(mismatchesFor(sample, sampleContext, variables, {}, reader)).toEqual([]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('detects the event shape as detectTrigger does, a Function URL reading as an HTTP API (property)', () => {
    fc.assert(
      fc.property(event, (sample) => {
        const trigger = detectTrigger(sample);
        expect(detectEventShape(sample)).toBe(trigger === 'function-url' ? 'api-gateway-http' : trigger);
      }),
      { numRuns: 3000 },
    );
    expect(
      detectTrigger({
        version: '2.0',
        requestContext: { http: {}, domainName: 'a.lambda-url.eu-west-1.on.aws' },
      }),
    ).toBe('function-url');
  });

  it('answers the fields the common triggers match on without building anything', () => {
    const reader = createLambdaFieldReader({ environment: {} });
    const fixtures = [httpApiEvent(), restApiEvent(), albEvent(), sqsEvent()];
    for (const fixture of fixtures) {
      reader.begin(fixture, lambdaContext());
      expect(reader.read('cloud', '')).toBe('aws');
      expect(reader.read('trigger', '')).not.toBeNull();
      expect(reader.read('http.method', '')).not.toBeNull();
      expect(reader.read('http.path', '')).not.toBeNull();
      reader.end();
    }
    reader.begin(httpApiEvent(), lambdaContext());
    expect(reader.read('http.header', 'x-tenant')).not.toBeNull();
    reader.end();
  });
});

describe('withFaults with an armed experiment whose fault does not match', () => {
  it('calls the handler without building the invocation once the reader is loaded, and builds it when the fault matches', async () => {
    const adapter = createLambdaAdapter<unknown, { statusCode: number }>({
      environment: { FAULTLINE_STAGE: 'test' },
    });
    const built: unknown[] = [];
    const counting: typeof adapter = {
      ...adapter,
      toInvocation(event, eventContext) {
        built.push(event);
        return adapter.toInvocation(event, eventContext);
      },
    };
    const response = Promise.resolve({ statusCode: 200 });
    const wrapped = createFaultWrapper(counting, () => response, {
      source: createInlineSource({
        schemaVersion: 1,
        id: 'deletes-only',
        faults: [
          {
            id: 'deletes',
            type: 'status',
            status: 503,
            probability: 1,
            match: [{ field: 'http.method', op: 'eq', value: 'DELETE' }],
          },
        ],
      }),
      environment: { FAULTLINE_STAGE: 'test' },
      onEvent: createMemorySink(),
    });
    const get = httpApiEvent();
    // The first invocation of the instance waits for the engine and the reader, and decides on the invocation.
    expect(await wrapped(get, lambdaContext())).toEqual({ statusCode: 200 });
    expect(built).toEqual([get]);
    for (let index = 0; index < 3; index++) expect(wrapped(httpApiEvent(), lambdaContext())).toBe(response);
    expect(built).toHaveLength(1);
    const deletion = httpApiEvent();
    deletion.requestContext.http.method = 'DELETE';
    expect((await wrapped(deletion, lambdaContext())).statusCode).toBe(503);
    expect(built).toEqual([get, deletion]);
  });
});
