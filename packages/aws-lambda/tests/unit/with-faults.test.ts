import { createInlineSource, isInjectedFault } from '@faultline/core';
import { createMemorySink, immediateSleep } from '@faultline/core/testing';
import type { APIGatewayProxyResultV2, SQSBatchResponse } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { withFaults } from '../../src/index.js';
import {
  albEvent,
  dynamoDbStreamEvent,
  httpApiEvent,
  kinesisEvent,
  lambdaContext,
  restApiEvent,
  sqsEvent,
} from '../fixtures/events.js';

function experiment(faults: object[], extra: object = {}) {
  return { schemaVersion: 1, id: 'orders-drill', faults, ...extra };
}

function wrap<Event, Result>(
  handler: (event: Event) => Promise<Result>,
  faults: object[],
  extra: object = {},
) {
  const sink = createMemorySink();
  const spy = vi.fn(handler);
  const wrapped = withFaults(spy, {
    source: createInlineSource(experiment(faults, extra)),
    onEvent: sink,
    logLevel: 'debug',
    sleep: immediateSleep,
    environment: { FAULTLINE_STAGE: 'test' },
  });
  return { wrapped, spy, sink };
}

const ok = async (): Promise<APIGatewayProxyResultV2> => ({ statusCode: 200, body: '{"price":10}' });
const unavailable = { id: 'down', type: 'status', probability: 1, status: 503, body: 'injected' };

describe('the production guard on Lambda', () => {
  function guarded(environment: Record<string, string>) {
    const sink = createMemorySink();
    const spy = vi.fn(ok);
    const wrapped = withFaults(spy, {
      source: createInlineSource(experiment([unavailable])),
      onEvent: sink,
      sleep: immediateSleep,
      environment,
    });
    return { wrapped, spy, sink };
  }

  it('refuses to inject when the stage is unknown (no FAULTLINE_STAGE, an SQS event, an unqualified ARN), saying how to declare it', async () => {
    // Prepare
    const { wrapped, spy, sink } = guarded({});

    // Act
    for (let index = 0; index < 3; index++) await wrapped(sqsEvent(1) as never, lambdaContext());

    // Assess
    expect(spy).toHaveBeenCalledTimes(3);
    expect(sink.ofType('inject')).toEqual([]);
    expect(sink.ofType('production-refused')).toHaveLength(1);
    expect(sink.ofType('production-refused')[0]?.message).toMatch(
      /stage is unknown.*FAULTLINE_STAGE.*guard\.allowProduction: true/,
    );
  });

  it('injects once the stage is declared: FAULTLINE_STAGE, or the alias of the invoked ARN', async () => {
    // Act
    const declared = guarded({ FAULTLINE_STAGE: 'staging' });
    const fromEnvironment = await declared.wrapped(httpApiEvent(), lambdaContext());
    const aliased = guarded({});
    const fromAlias = await aliased.wrapped(
      httpApiEvent(),
      lambdaContext({ arn: 'arn:aws:lambda:eu-west-1:123456789012:function:orders:staging' }),
    );

    // Assess
    expect(fromEnvironment).toMatchObject({ statusCode: 503 });
    expect(fromAlias).toMatchObject({ statusCode: 503 });
    expect(aliased.sink.ofType('production-refused')).toEqual([]);
  });

  it('takes a stage option like FAULTLINE_STAGE, and lets it win over the environment', async () => {
    // Prepare
    const withStage = (stage: string, environment: Record<string, string>) => {
      const sink = createMemorySink();
      const wrapped = withFaults(ok, {
        source: createInlineSource(experiment([unavailable])),
        onEvent: sink,
        sleep: immediateSleep,
        environment,
        stage,
      });
      return { wrapped, sink };
    };
    const declared = withStage('test', {});
    const overridden = withStage('prod', { FAULTLINE_STAGE: 'test' });

    // Act
    const fromOption = await declared.wrapped(httpApiEvent(), lambdaContext());
    const fromQueue = declared.wrapped(sqsEvent(1) as never, lambdaContext());
    const refused = await overridden.wrapped(httpApiEvent(), lambdaContext());

    // Assess
    expect(fromOption).toMatchObject({ statusCode: 503 });
    await expect(fromQueue).rejects.toMatchObject({ status: 503 });
    expect(declared.sink.ofType('production-refused')).toEqual([]);
    expect(refused).toMatchObject({ statusCode: 200 });
    expect(overridden.sink.ofType('production-refused')[0]?.details).toMatchObject({
      reason: 'production-stage',
    });
  });
});

describe('withFaults', () => {
  it('returns the handler itself when the kill switch is on', () => {
    const handler = async () => 'ok';

    expect(withFaults(handler, { environment: { FAULTLINE_DISABLED: '1' } })).toBe(handler);
  });

  it('passes results through unchanged when no experiment is configured', async () => {
    const result = { statusCode: 200, body: 'ok' };
    const wrapped = withFaults(async () => result, {
      environment: { FAULTLINE_STAGE: 'test' },
      onEvent: () => {},
    });

    await expect(wrapped(httpApiEvent(), lambdaContext())).resolves.toBe(result);
  });

  it('answers an injected status in the HTTP API shape without running the handler', async () => {
    const { wrapped, spy, sink } = wrap(ok, [unavailable]);

    const result = await wrapped(httpApiEvent(), lambdaContext());

    expect(result).toEqual({ statusCode: 503, headers: {}, body: 'injected', isBase64Encoded: false });
    expect(spy).not.toHaveBeenCalled();
    expect(sink.ofType('inject')[0]).toMatchObject({
      faultId: 'down',
      requestId: '8476a536-e9f4-11e8-9739-2dfe598c3fcd',
    });
  });

  it('answers REST API events with multi-value headers and ALB events with a status description', async () => {
    const { wrapped } = wrap(ok, [unavailable]);

    const rest = await wrapped(restApiEvent() as never, lambdaContext());
    const alb = await wrapped(albEvent() as never, lambdaContext());

    expect(rest).toMatchObject({ statusCode: 503, multiValueHeaders: expect.any(Object) });
    expect(alb).toMatchObject({ statusCode: 503, statusDescription: '503 Service Unavailable' });
  });

  it('throws an InjectedFaultError carrying the status on queue triggers, so Lambda retries', async () => {
    const { wrapped, spy } = wrap(async () => undefined, [unavailable]);

    const failure = wrapped(sqsEvent(), lambdaContext());

    await expect(failure).rejects.toSatisfy(isInjectedFault);
    await expect(failure).rejects.toMatchObject({ status: 503, faultId: 'down' });
    expect(spy).not.toHaveBeenCalled();
  });

  it('matches on normalized fields, so a non-matching request runs untouched', async () => {
    const { wrapped, spy } = wrap(ok, [
      { ...unavailable, match: [{ field: 'http.header.x-tenant', op: 'eq', value: 'globex' }] },
    ]);

    await expect(wrapped(httpApiEvent(), lambdaContext())).resolves.toEqual({
      statusCode: 200,
      body: '{"price":10}',
    });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('corrupts the handler response in its native shape', async () => {
    const { wrapped } = wrap(ok, [
      { id: 'garble', type: 'corrupt', probability: 1, mode: 'replace', body: 'garbage' },
    ]);

    await expect(wrapped(httpApiEvent(), lambdaContext())).resolves.toMatchObject({
      statusCode: 200,
      body: 'garbage',
    });
  });

  it('reports only would-inject events in dry-run mode', async () => {
    const { wrapped, spy, sink } = wrap(ok, [unavailable], { mode: 'dry-run' });

    await expect(wrapped(httpApiEvent(), lambdaContext())).resolves.toMatchObject({ statusCode: 200 });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(sink.ofType('would-inject')).toHaveLength(1);
    expect(sink.ofType('inject')).toHaveLength(0);
  });

  it('reports a share of an SQS batch as failed after the handler ran, keeping its own failures', async () => {
    const handler = async (): Promise<SQSBatchResponse> => ({
      batchItemFailures: [{ itemIdentifier: '059f36b4-87a3-44ab-83d2-661970000000' }],
    });
    const { wrapped, spy } = wrap(handler, [
      { id: 'flaky', type: 'partialBatch', probability: 1, ratio: 0.5 },
    ]);
    const event = sqsEvent(4);

    const result = await wrapped(event, lambdaContext());

    const reported = result.batchItemFailures.map((failure) => failure.itemIdentifier);
    const messageIds = event.Records.map((record) => record.messageId);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(reported).toContain('059f36b4-87a3-44ab-83d2-661970000000');
    expect(reported.length).toBeGreaterThanOrEqual(2);
    expect(reported.length).toBeLessThanOrEqual(3);
    expect(new Set(reported).size).toBe(reported.length);
    for (const identifier of reported) expect(messageIds).toContain(identifier);
  });

  it('reports DynamoDB stream records by sequence number', async () => {
    const { wrapped } = wrap(
      async () => ({ batchItemFailures: [] }) as SQSBatchResponse,
      [{ id: 'flaky', type: 'partialBatch', probability: 1, ratio: 1 }],
    );

    const result = await wrapped(dynamoDbStreamEvent() as never, lambdaContext());

    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(['111', '222']);
  });

  it('reports Kinesis records by sequence number', async () => {
    const { wrapped } = wrap(
      async () => ({ batchItemFailures: [] }) as SQSBatchResponse,
      [{ id: 'flaky', type: 'partialBatch', probability: 1, ratio: 0.5 }],
    );
    const event = kinesisEvent();

    const result = await wrapped(event as never, lambdaContext());

    expect(result.batchItemFailures).toHaveLength(1);
    expect(event.Records.map((record) => record.kinesis.sequenceNumber)).toContain(
      result.batchItemFailures[0]?.itemIdentifier,
    );
  });

  it('leaves HTTP invocations alone with a partialBatch fault', async () => {
    const { wrapped } = wrap(ok, [{ id: 'flaky', type: 'partialBatch', probability: 1 }]);

    await expect(wrapped(httpApiEvent(), lambdaContext())).resolves.toEqual({
      statusCode: 200,
      body: '{"price":10}',
    });
  });

  it('turns a handler returning nothing into a partial batch response', async () => {
    const { wrapped } = wrap(
      async () => undefined as unknown as SQSBatchResponse,
      [{ id: 'flaky', type: 'partialBatch', probability: 1, ratio: 1 }],
    );
    const event = sqsEvent(2);

    await expect(wrapped(event, lambdaContext())).resolves.toEqual({
      batchItemFailures: expect.arrayContaining(
        event.Records.map((record) => ({ itemIdentifier: record.messageId })),
      ),
    });
  });

  it('delivers a queue event twice with a duplicate fault, but never duplicates an HTTP request', async () => {
    const { wrapped, spy } = wrap(
      async () => undefined,
      [{ id: 'again', type: 'duplicate', probability: 1 }],
    );

    await wrapped(sqsEvent(1), lambdaContext());
    expect(spy).toHaveBeenCalledTimes(2);
    expect(spy.mock.calls[0]?.[0]).toBe(spy.mock.calls[1]?.[0]);

    spy.mockClear();
    await wrapped(httpApiEvent() as never, lambdaContext());
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('throttles HTTP callers with a 429 and queue triggers with an injected throttling error', async () => {
    const { wrapped, spy } = wrap(ok, [
      { id: 'cap', type: 'concurrency', probability: 1, maxInFlight: 0, retryAfterSeconds: 1 },
    ]);

    await expect(wrapped(httpApiEvent(), lambdaContext())).resolves.toEqual({
      statusCode: 429,
      headers: { 'content-type': 'application/json', 'retry-after': '1' },
      body: JSON.stringify({
        error: 'TooManyRequests',
        message: 'Too Many Requests',
        reason: 'concurrency limit of 0 in-flight invocations reached (fault cap)',
      }),
      isBase64Encoded: false,
    });
    await expect(wrapped(sqsEvent() as never, lambdaContext())).rejects.toMatchObject({
      name: 'ThrottlingError',
      faultline: true,
      status: 429,
    });
    expect(spy).not.toHaveBeenCalled();
  });

  it('times out against the Lambda deadline from getRemainingTimeInMillis', async () => {
    const sleeps: number[] = [];
    const clock = { now: () => 1_000_000 };
    const wrapped = withFaults(ok, {
      source: createInlineSource(
        experiment([{ id: 'stall', type: 'timeout', probability: 1, bufferMs: 100 }]),
      ),
      onEvent: () => {},
      clock,
      sleep: async (durationMs) => {
        sleeps.push(durationMs);
      },
      environment: { FAULTLINE_STAGE: 'test' },
    });

    const failure = wrapped(httpApiEvent(), lambdaContext({ remainingMs: 2500, now: clock.now }));

    await expect(failure).rejects.toSatisfy(isInjectedFault);
    expect(sleeps).toEqual([2400]);
  });

  it('rethrows the handler error untouched', async () => {
    const failure = new Error('database down');
    const { wrapped } = wrap(async () => {
      throw failure;
    }, [{ id: 'garble', type: 'corrupt', probability: 1 }]);

    await expect(wrapped(httpApiEvent(), lambdaContext())).rejects.toBe(failure);
  });
});

describe('without a config source', () => {
  it('says which variable to set: the SSM one first (withFaults and the Middy middleware)', async () => {
    // A fresh module graph: the engine without a source is shared per process and says it once.
    vi.resetModules();
    const { withFaults: freshWithFaults } = await import('../../src/index.js');
    const sink = createMemorySink();
    const handler = freshWithFaults(ok, { onEvent: sink, environment: {} });

    await handler(httpApiEvent(), lambdaContext());

    const [missing] = sink.ofType('config-missing');
    expect(missing?.message).toContain(
      'set FAULTLINE_SSM_PARAMETER to the SSM parameter holding the experiment, or FAULTLINE_APPCONFIG_APPLICATION, FAULTLINE_APPCONFIG_ENVIRONMENT and FAULTLINE_APPCONFIG_PROFILE for AWS AppConfig',
    );
  });
});

describe('with an unusable FAULTLINE_SSM_PARAMETER', () => {
  it('runs the handler untouched and says what is wrong with the name in a config-error event', async () => {
    // Prepare: the SSM source's module loads with its first read, which refuses the name (no SDK call is made).
    const sink = createMemorySink();
    const spy = vi.fn(ok);
    const wrapped = withFaults(spy, {
      onEvent: sink,
      environment: { FAULTLINE_SSM_PARAMETER: 'orders parameter!' },
    });

    // Act
    const result = await wrapped(httpApiEvent(), lambdaContext());

    // Assess
    expect(result).toEqual({ statusCode: 200, body: '{"price":10}' });
    expect(spy).toHaveBeenCalledTimes(1);
    const [error] = sink.ofType('config-error');
    expect(error?.configSource).toBe('ssm:orders parameter!');
    expect(error?.message).toContain('"orders parameter!" is not a valid SSM parameter name');
    expect(sink.ofType('config-missing')).toEqual([]);
  });
});
