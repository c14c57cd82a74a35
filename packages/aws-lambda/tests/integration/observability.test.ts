import { createInlineSource, type FaultlineEvent } from '@faultline/core';
import { createMemorySink, immediateSleep } from '@faultline/core/testing';
import { startTestTracing, type TestTracing, validateEmfDocument } from '@faultline/testkit/observability';
import middy from '@middy/core';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { withFaults } from '../../src/index.js';
import { faultlineMiddleware } from '../../src/middy/index.js';
import { httpApiEvent, lambdaContext, sqsEvent } from '../fixtures/events.js';

// The real OpenTelemetry SDK (in-memory exporter, AsyncLocalStorage context manager) around the Lambda adapter, and
// the adapter's own default sinks (Lambda log levels and format, EMF) on a spied console and stdout.

const xRayHeader = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const experiment = (faults: object[], extra: object = {}) =>
  createInlineSource({ schemaVersion: 1, id: 'orders-drill', faults, ...extra });
const slow = { id: 'slow', type: 'latency', probability: 1, delayMs: 5 };

let tracing: TestTracing;
beforeAll(() => {
  tracing = startTestTracing();
});
afterAll(async () => {
  await tracing.shutdown();
});
afterEach(() => {
  tracing.reset();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('observability through the Lambda adapter', () => {
  it("events carry the invocation's X-Ray trace (_X_AMZN_TRACE_ID, set by the runtime per invocation), and the active span gets faultline.inject", async () => {
    const sink = createMemorySink();
    const wrapped = withFaults(async () => ({ statusCode: 200, body: 'ok' }), {
      source: experiment([slow]),
      onEvent: sink,
      sleep: immediateSleep,
      environment: { FAULTLINE_STAGE: 'test' },
    });

    // As the runtime does: a new header for each invocation, read when the invocation's events are written.
    vi.stubEnv('_X_AMZN_TRACE_ID', xRayHeader);
    await tracing.inSpan('orders', () => wrapped(httpApiEvent(), lambdaContext({ requestId: 'req-1' })));
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-6759e988-bd862e3fe1be46a994272794;Sampled=0');
    await wrapped(httpApiEvent(), lambdaContext({ requestId: 'req-2' }));

    expect(
      sink.ofType('inject').map(({ requestId, traceId, spanId }) => ({ requestId, traceId, spanId })),
    ).toEqual([
      { requestId: 'req-1', traceId: '1-5759e988-bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8' },
      { requestId: 'req-2', traceId: '1-6759e988-bd862e3fe1be46a994272794', spanId: undefined },
    ]);
    const span = tracing.span('orders');
    expect(span.attributes['faultline.injected']).toBe(true);
    expect(span.events.map((event) => [event.name, event.attributes?.['faultline.fault.id']])).toEqual([
      ['faultline.inject', 'slow'],
    ]);
  });

  it('by default: one EMF line per invocation on stdout, JSON-format log objects, AWS_LAMBDA_LOG_LEVEL honoured', async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => {});
    const wrapped = withFaults(async () => ({ statusCode: 200 }), {
      source: experiment([slow, { id: 'slower', type: 'latency', probability: 1, delayMs: 1 }]),
      sleep: immediateSleep,
      environment: {
        FAULTLINE_STAGE: 'test',
        AWS_LAMBDA_FUNCTION_NAME: 'orders',
        AWS_LAMBDA_LOG_FORMAT: 'JSON',
        AWS_LAMBDA_LOG_LEVEL: 'INFO',
        FAULTLINE_METRICS_NAMESPACE: 'chaos/orders',
      },
    });

    vi.stubEnv('_X_AMZN_TRACE_ID', xRayHeader);
    await wrapped(httpApiEvent(), lambdaContext({ requestId: 'r-1' }));
    vi.stubEnv('_X_AMZN_TRACE_ID', '');
    await wrapped(httpApiEvent(), lambdaContext({ requestId: 'r-2' }));

    const emf = written.filter((line) => line.includes('"_aws"'));
    expect(emf).toHaveLength(2);
    for (const line of emf) expect(validateEmfDocument(line.trimEnd())).toEqual([]);
    const first = JSON.parse(emf[0] as string);
    expect(first).toMatchObject({
      Injections: 2,
      experiment: 'orders-drill',
      fault: 'slow+slower',
      requestId: 'r-1',
      traceId: '1-5759e988-bd862e3fe1be46a994272793',
    });
    expect(first._aws.CloudWatchMetrics[0].Namespace).toBe('chaos/orders');
    // JSON log format: the event is handed over as an object, so it becomes Lambda's structured `message`.
    const injects = info.mock.calls
      .map(([event]) => event as FaultlineEvent)
      .filter((event) => typeof event === 'object' && event.type === 'inject');
    expect(injects).toHaveLength(4);
    expect(debug).not.toHaveBeenCalled();
  });

  it('Middy: a sampled duplicate fault is reported as skipped, never injected, and the handler runs once', async () => {
    const sink = createMemorySink();
    const handler = vi.fn(async (): Promise<SQSBatchResponse> => ({ batchItemFailures: [] }));
    const wrapped = middy(handler).use(
      faultlineMiddleware({
        source: experiment([{ id: 'again', type: 'duplicate', probability: 1, times: 2 }]),
        onEvent: sink,
        sleep: immediateSleep,
        environment: { FAULTLINE_STAGE: 'test' },
      }),
    );

    await tracing.inSpan('queue', () => wrapped(sqsEvent(), lambdaContext({ requestId: 'q-1' })));

    expect(handler).toHaveBeenCalledTimes(1);
    expect(sink.ofType('inject')).toEqual([]);
    expect(sink.ofType('skipped')).toEqual([
      expect.objectContaining({
        faultId: 'again',
        requestId: 'q-1',
        details: { reason: expect.stringMatching(/Middy/) },
      }),
    ]);
    expect(tracing.span('queue').attributes['faultline.injected']).toBeUndefined();
  });
});
