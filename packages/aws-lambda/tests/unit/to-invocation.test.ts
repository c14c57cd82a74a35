import type { InvocationHttp } from '@faultline/core';
import { describe, expect, it } from 'vitest';
import { createLambdaInvocationMapper } from '../../src/invocation/to-invocation.js';
import {
  albEvent,
  amazonMqEvent,
  dynamoDbStreamEvent,
  eventBridgeEvent,
  functionUrlEvent,
  httpApiEvent,
  kinesisEvent,
  lambdaContext,
  mskEvent,
  restApiEvent,
  s3Event,
  scheduledEvent,
  snsEvent,
  sqsEvent,
} from '../fixtures/events.js';

const now = 1_700_000_000_000;
const clock = { now: () => now };
const toInvocation = createLambdaInvocationMapper({ clock, environment: { AWS_REGION: 'us-east-1' } });
/** The HTTP fields as plain data (headers and query are computed on first read). */
const plain = (http: InvocationHttp | undefined) =>
  http && { method: http.method, path: http.path, headers: http.headers, query: http.query };
const context = () => lambdaContext({ remainingMs: 2500, now: clock.now });

describe('createLambdaInvocationMapper', () => {
  it('maps a REST API event with lower-cased, multi-value-aware headers and first query values', () => {
    const invocation = toInvocation(restApiEvent(), context());

    expect(invocation).toMatchObject({
      cloud: 'aws',
      function: 'orders',
      stage: 'staging',
      region: 'eu-west-1',
      trigger: 'http',
      requestId: '8476a536-e9f4-11e8-9739-2dfe598c3fcd',
      deadlineMs: now + 2500,
      event: undefined,
    });
    expect(plain(invocation.http)).toEqual({
      method: 'GET',
      path: '/orders/42',
      headers: { accept: 'application/json', 'x-tenant': 'acme', 'x-forwarded-for': '10.0.0.1, 10.0.0.2' },
      query: { expand: 'items', tag: 'a' },
    });
  });

  it('maps an HTTP API event, restoring cookies as a header and keeping the first repeated query value', () => {
    const invocation = toInvocation(httpApiEvent(), context());

    expect(invocation.trigger).toBe('http');
    expect(invocation.stage).toBeUndefined();
    expect(plain(invocation.http)).toEqual({
      method: 'GET',
      path: '/orders/42',
      headers: {
        accept: 'application/json',
        'x-tenant': 'acme',
        host: 'api.example.test',
        cookie: 'session=abc; theme=dark',
      },
      query: { expand: 'items', tag: 'a' },
    });
  });

  it.each([
    ['/prod/orders/42', 'prod', '/orders/42'],
    ['/prod', 'prod', '/'],
    ['/production/orders', 'prod', '/production/orders'],
    ['/orders/42', '$default', '/orders/42'],
  ])('leaves a named HTTP API stage out of http.path: %s on stage %s', (rawPath, stage, path) => {
    const base = httpApiEvent();
    const event = { ...base, rawPath, requestContext: { ...base.requestContext, stage } };

    expect(toInvocation(event, context()).http?.path).toBe(path);
  });

  it('maps a Function URL event', () => {
    const invocation = toInvocation(functionUrlEvent(), context());

    expect(invocation.http).toMatchObject({ method: 'POST', path: '/orders/42', query: {} });
  });

  it('decodes the percent-encoded query strings ALB passes through', () => {
    expect(toInvocation(albEvent(), context()).http?.query).toEqual({ q: 'blue shoes' });
    const multi = toInvocation(albEvent({ multiValue: true }), context()).http;
    expect(multi?.query).toEqual({ q: 'blue shoes' });
    expect(multi?.headers).toEqual({ 'x-tenant': 'acme', 'set-cookie': 'a=1, b=2' });
  });

  it.each([
    ['SQS', sqsEvent(), 'queue', { type: 'aws:sqs', source: 'arn:aws:sqs:eu-west-1:123456789012:orders' }],
    ['SNS', snsEvent(), 'event', { type: 'aws:sns', source: 'arn:aws:sns:eu-west-1:123456789012:orders' }],
    ['S3', s3Event(), 'event', { type: 'ObjectCreated:Put', source: 'arn:aws:s3:::invoices' }],
    [
      'DynamoDB streams',
      dynamoDbStreamEvent(),
      'queue',
      {
        type: 'INSERT',
        source: 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2024-03-10T00:00:00.000',
      },
    ],
    [
      'Kinesis',
      kinesisEvent(),
      'queue',
      { type: 'aws:kinesis', source: 'arn:aws:kinesis:eu-west-1:123456789012:stream/orders' },
    ],
    [
      'MSK',
      mskEvent(),
      'queue',
      {
        type: 'aws:kafka',
        source: 'arn:aws:kafka:eu-west-1:123456789012:cluster/orders/751d2973-a626-431c-9d4e-d7975eb44dd7-2',
      },
    ],
    [
      'self-managed Kafka',
      mskEvent({ selfManaged: true }),
      'queue',
      { type: 'SelfManagedKafka', source: 'b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9092' },
    ],
    [
      'Amazon MQ',
      amazonMqEvent(),
      'queue',
      {
        type: 'aws:mq',
        source: 'arn:aws:mq:eu-west-1:123456789012:broker:orders:b-9bcfa592-423a-4942-879d-eb284b418fc8',
      },
    ],
    ['EventBridge', eventBridgeEvent(), 'event', { type: 'OrderPlaced', source: 'com.example.orders' }],
    ['a schedule', scheduledEvent(), 'schedule', { type: 'Scheduled Event', source: 'aws.events' }],
  ])('maps %s events to an event type and source without HTTP fields', (_name, event, trigger, fields) => {
    const invocation = toInvocation(event, context());

    expect(invocation.trigger).toBe(trigger);
    expect(invocation.event).toEqual(fields);
    expect(invocation.http).toBeUndefined();
    expect(invocation.raw).toBe(event);
  });

  it('takes the stage from an alias in the invoked ARN, but not from a version number', () => {
    const aliased = lambdaContext({ arn: 'arn:aws:lambda:eu-west-1:123456789012:function:orders:live' });
    const versioned = lambdaContext({ arn: 'arn:aws:lambda:eu-west-1:123456789012:function:orders:7' });

    expect(toInvocation(sqsEvent(), aliased).stage).toBe('live');
    expect(toInvocation(sqsEvent(), versioned).stage).toBeUndefined();
  });

  it('lets FAULTLINE_STAGE, read once, win over the API stage', () => {
    const environment: Record<string, string | undefined> = { FAULTLINE_STAGE: 'dev' };
    const mapper = createLambdaInvocationMapper({ clock, environment });
    environment.FAULTLINE_STAGE = 'changed-later';

    expect(mapper(restApiEvent(), context()).stage).toBe('dev');
  });

  it('falls back to AWS_REGION when the ARN has no region and treats an unknown payload as other', () => {
    const bare = { ...context(), invokedFunctionArn: 'orders' };

    const invocation = toInvocation({ orderId: '42' }, bare);

    expect(invocation.region).toBe('us-east-1');
    expect(invocation.trigger).toBe('other');
    expect(invocation.event).toBeUndefined();
  });

  it('serializes as plain data, lazily computed fields included', () => {
    const serialized = JSON.parse(JSON.stringify(toInvocation(httpApiEvent(), context())));

    expect(serialized).toMatchObject({
      cloud: 'aws',
      deadlineMs: now + 2500,
      http: { method: 'GET', path: '/orders/42', headers: { 'x-tenant': 'acme' }, query: { tag: 'a' } },
    });
    expect(serialized.raw).toBeUndefined();
  });

  it('leaves the deadline unknown when the context cannot tell the remaining time', () => {
    const broken = {
      ...context(),
      getRemainingTimeInMillis: () => {
        throw new Error('not in Lambda');
      },
    };

    expect(toInvocation(httpApiEvent(), broken).deadlineMs).toBeUndefined();
  });
});
