import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectTrigger } from '../../src/invocation/detect-trigger.js';
import {
  albEvent,
  amazonMqEvent,
  dynamoDbStreamEvent,
  eventBridgeEvent,
  functionUrlEvent,
  httpApiEvent,
  kinesisEvent,
  mskEvent,
  restApiEvent,
  s3Event,
  scheduledEvent,
  snsEvent,
  sqsEvent,
} from '../fixtures/events.js';

describe('detectTrigger', () => {
  it.each([
    ['an API Gateway REST (v1) event', restApiEvent(), 'api-gateway-rest'],
    ['an HTTP API (v2) event', httpApiEvent(), 'api-gateway-http'],
    ['a Function URL event', functionUrlEvent(), 'function-url'],
    ['an ALB event', albEvent(), 'alb'],
    ['an ALB event in multi-value mode', albEvent({ multiValue: true }), 'alb'],
    ['an SQS batch', sqsEvent(), 'sqs'],
    ['an SNS notification', snsEvent(), 'sns'],
    ['an S3 notification', s3Event(), 's3'],
    ['a DynamoDB stream batch', dynamoDbStreamEvent(), 'dynamodb-stream'],
    ['a Kinesis batch', kinesisEvent(), 'kinesis'],
    ['an MSK batch', mskEvent(), 'kafka'],
    ['a self-managed Kafka batch', mskEvent({ selfManaged: true }), 'kafka'],
    ['an Amazon MQ batch', amazonMqEvent(), 'mq'],
    ['an Amazon MQ for RabbitMQ batch', { eventSource: 'aws:rmq', rmqMessagesByQueue: {} }, 'mq'],
    ['an EventBridge event', eventBridgeEvent(), 'eventbridge'],
    ['a scheduled event', scheduledEvent(), 'schedule'],
  ])('recognizes %s', (_name, event, expected) => {
    expect(detectTrigger(event)).toBe(expected);
  });

  it('recognizes an HTTP API with payload format 1.0 as the v1 shape', () => {
    const event = { ...restApiEvent(), version: '1.0' };
    expect(detectTrigger(event)).toBe('api-gateway-rest');
  });

  it('calls direct invocations with arbitrary payloads unknown', () => {
    expect(detectTrigger({ orderId: '42' })).toBe('unknown');
    expect(detectTrigger({ Records: [] })).toBe('unknown');
    expect(detectTrigger(null)).toBe('unknown');
    expect(detectTrigger('text')).toBe('unknown');
  });

  it('never throws, whatever the payload', () => {
    fc.assert(
      fc.property(fc.anything(), (payload) => {
        expect(() => detectTrigger(payload)).not.toThrow();
      }),
    );
  });
});
