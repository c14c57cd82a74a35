import {
  combineEventSinks,
  createCloudLoggingSink,
  createEmfSink,
  createFaultEngine,
  createInlineSource,
  createInvocationLogSink,
  createLambdaLogSink,
  type EventSink,
  type FaultlineEvent,
  type Invocation,
} from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import { createInMemoryAdapter, createMemorySink, createTestInvocation } from '@faultline/core/testing';
import { describe, expect, it, vi } from 'vitest';
// Core's tests use the testkit from source: a package dependency would be a cycle.
import { validateEmfDocument } from '../../../testkit/src/observability/index.js';
import { defaultMetricsSink } from '../../src/observability/default-sinks.js';

type EventOverrides = { [Key in keyof FaultlineEvent]?: FaultlineEvent[Key] | undefined };

function event(overrides: EventOverrides = {}): FaultlineEvent {
  return {
    source: 'faultline',
    type: 'inject',
    level: 'info',
    time: '2026-11-29T12:00:00.000Z',
    message: 'injecting latency fault slow',
    experimentId: 'orders',
    faultId: 'slow',
    faultType: 'latency',
    requestId: 'r-1',
    ...overrides,
  } as FaultlineEvent;
}

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

async function engineWith(faults: object[], options: Record<string, unknown> = {}) {
  const engine = createFaultEngine({
    source: createInlineSource({ schemaVersion: 1, id: 'orders', faults }),
    environment: {},
    ...options,
  });
  await engine.ready();
  return engine;
}

describe('CloudWatch EMF', () => {
  it('writes one document per invocation, valid against the EMF specification, counting each fault', () => {
    const lines: string[] = [];
    const sink = createEmfSink({ write: (line) => lines.push(line) });
    const invocation = createTestInvocation({ requestId: 'r-1', function: 'orders-api' });
    sink(event({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736' }), { invocation });
    sink(event({ faultId: 'crash', faultType: 'exception' }), { invocation });
    expect(lines).toEqual([]);

    sink.flush?.({ invocation });
    sink.flush?.({ invocation });

    expect(lines).toHaveLength(1);
    expect(validateEmfDocument(lines[0] as string)).toEqual([]);
    expect(JSON.parse(lines[0] as string)).toEqual({
      _aws: {
        Timestamp: Date.parse('2026-11-29T12:00:00.000Z'),
        CloudWatchMetrics: [
          {
            Namespace: 'faultline',
            Dimensions: [['experiment', 'fault']],
            Metrics: [{ Name: 'Injections', Unit: 'Count' }],
          },
        ],
      },
      experiment: 'orders',
      fault: 'slow+crash',
      Injections: 2,
      requestId: 'r-1',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
  });

  it('takes a namespace and dimension sets, and refuses ones the specification does not allow', () => {
    const lines: string[] = [];
    const sink = createEmfSink({
      namespace: 'chaos/orders',
      dimensions: [['experiment'], ['experiment', 'faultType', 'function']],
      write: (line) => lines.push(line),
    });
    const invocation = createTestInvocation({ requestId: 'r-2', function: 'orders-api' });
    sink(event({ type: 'would-inject', requestId: 'r-2' }), { invocation });
    sink(event({ type: 'budget-exhausted', faultId: undefined, faultType: undefined, requestId: 'r-2' }), {
      invocation,
    });
    sink.flush?.({ invocation });
    const document = JSON.parse(lines[0] as string);
    expect(validateEmfDocument(lines[0] as string)).toEqual([]);
    expect(document._aws.CloudWatchMetrics[0].Namespace).toBe('chaos/orders');
    expect(document).toMatchObject({
      experiment: 'orders',
      faultType: 'latency',
      function: 'orders-api',
      WouldInject: 1,
      BudgetExhausted: 1,
    });
    expect(() => createEmfSink({ namespace: '' })).toThrow(/namespace/);
    expect(() => createEmfSink({ dimensions: [] })).toThrow(/dimension sets/);
    expect(() => createEmfSink({ dimensions: [['tenant' as never]] })).toThrow(/unknown metrics dimension/);
  });

  it('writes an event outside invocations (a config error) at once, and ignores what it does not count', () => {
    const lines: string[] = [];
    const sink = createEmfSink({ write: (line) => lines.push(line) });
    sink(event({ type: 'config-load', requestId: undefined }));
    sink(event({ type: 'config-error', level: 'error', requestId: undefined, faultId: undefined }));
    expect(lines).toHaveLength(1);
    expect(validateEmfDocument(lines[0] as string)).toEqual([]);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      ConfigErrors: 1,
      experiment: 'orders',
      fault: 'none',
    });
  });

  it('the validator itself rejects documents that break the specification', () => {
    expect(validateEmfDocument('{"_aws":{"CloudWatchMetrics":[]}}')).not.toEqual([]);
    expect(
      validateEmfDocument(
        '{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["d"]],"Metrics":[{"Name":"M"}]}]},"M":1}',
      ),
    ).toEqual(['dimension d must be a root member holding a string of 1 to 1024 characters']);
    expect(
      validateEmfDocument(
        '{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[],"Metrics":[{"Name":"M","Unit":"Things"}]}]},"M":1}',
      ),
    ).not.toEqual([]);
    expect(validateEmfDocument('prefix {"_aws":{}}')).not.toEqual([]);
  });

  it('through an engine: counts injections whatever the log level, one line per invocation, flushed when the run ends', async () => {
    const lines: string[] = [];
    const logged: FaultlineEvent[] = [];
    const engine = await engineWith(
      [
        { id: 'slow', type: 'latency', probability: 1, delayMs: 0 },
        { id: 'teapot', type: 'status', probability: 1, status: 418 },
      ],
      {
        onEvent: (logEvent: FaultlineEvent) => logged.push(logEvent),
        logLevel: 'error',
        metrics: createEmfSink({ write: (line) => lines.push(line) }),
      },
    );
    const wrapped = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200 }), {
      engine,
      environment: {},
    });
    await wrapped({ requestId: 'r-1', headers: { traceparent } }, {});
    await wrapped({ requestId: 'r-2' }, {});

    expect(logged.filter((logEvent) => logEvent.type === 'inject')).toEqual([]);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(validateEmfDocument(line)).toEqual([]);
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { requestId: 'r-1', Injections: 2, fault: 'slow+teapot', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' },
      { requestId: 'r-2', Injections: 2 },
    ]);
    engine.close();
  });

  it('through an engine in dry-run: the would-inject line is written right after the decision', async () => {
    const lines: string[] = [];
    const engine = createFaultEngine({
      source: createInlineSource({
        schemaVersion: 1,
        id: 'dry',
        mode: 'dry-run',
        faults: [{ id: 'slow', type: 'latency', probability: 1, delayMs: 0 }],
      }),
      environment: {},
      logLevel: 'silent',
      metrics: createEmfSink({ write: (line) => lines.push(line) }),
    });
    await engine.ready();
    expect(engine.plan(createTestInvocation({ requestId: 'd-1' }))).toBeUndefined();
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([{ requestId: 'd-1', WouldInject: 1 }]);
    engine.close();
  });

  it('is the default metrics sink only for the aws-lambda format inside Lambda, unless switched off', () => {
    expect(defaultMetricsSink('aws-lambda', { AWS_LAMBDA_FUNCTION_NAME: 'orders' })).toBeTypeOf('function');
    expect(defaultMetricsSink('aws-lambda', {})).toBeUndefined();
    expect(defaultMetricsSink('google-cloud', { AWS_LAMBDA_FUNCTION_NAME: 'orders' })).toBeUndefined();
    expect(
      defaultMetricsSink('aws-lambda', { AWS_LAMBDA_FUNCTION_NAME: 'orders', FAULTLINE_METRICS: 'off' }),
    ).toBeUndefined();
  });

  it('the default Lambda metrics write to stdout in the namespace FAULTLINE_METRICS_NAMESPACE names', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const engine = await engineWith([{ id: 'slow', type: 'latency', probability: 1, delayMs: 0 }], {
        logFormat: 'aws-lambda',
        logLevel: 'silent',
        environment: { AWS_LAMBDA_FUNCTION_NAME: 'orders', FAULTLINE_METRICS_NAMESPACE: 'chaos' },
      });
      const run = engine.plan(createTestInvocation({ requestId: 'r-9' }));
      await run?.before();
      await run?.finish();
      const emf = write.mock.calls.map(([chunk]) => String(chunk)).filter((chunk) => chunk.includes('_aws'));
      expect(emf).toHaveLength(1);
      expect(emf[0]?.endsWith('\n')).toBe(true);
      expect(validateEmfDocument((emf[0] as string).trimEnd())).toEqual([]);
      expect(JSON.parse(emf[0] as string)._aws.CloudWatchMetrics[0].Namespace).toBe('chaos');
      engine.close();
    } finally {
      write.mockRestore();
    }
  });
});

describe('the Lambda log sink', () => {
  const consoleOf = () => {
    const calls: { method: string; args: unknown[] }[] = [];
    const record =
      (method: string) =>
      (...args: unknown[]) =>
        calls.push({ method, args });
    return {
      calls,
      target: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
    };
  };

  it('hands the event over as an object with the JSON log format, so it becomes the structured message', () => {
    const { calls, target } = consoleOf();
    const sink = createLambdaLogSink({ environment: { AWS_LAMBDA_LOG_FORMAT: 'JSON' }, console: target });
    sink(event());
    sink(event({ level: 'warn', type: 'budget-exhausted' }));
    expect(calls.map((call) => call.method)).toEqual(['info', 'warn']);
    expect(calls[0]?.args).toEqual([event()]);
  });

  it('writes one JSON line per event with the text format, by level, filtered by AWS_LAMBDA_LOG_LEVEL', () => {
    const { calls, target } = consoleOf();
    const sink = createLambdaLogSink({ environment: { AWS_LAMBDA_LOG_LEVEL: 'WARN' }, console: target });
    sink(event());
    sink(event({ level: 'error', type: 'internal-error' }));
    expect(calls).toEqual([
      { method: 'error', args: [JSON.stringify(event({ level: 'error', type: 'internal-error' }))] },
    ]);
  });
});

describe('the Cloud Logging sink', () => {
  it('writes structured entries with severity, message, trace, span and labels', () => {
    const lines: string[] = [];
    const sink = createCloudLoggingSink({
      environment: { GOOGLE_CLOUD_PROJECT: 'orders-prod' },
      write: (line) => lines.push(line),
    });
    sink(event({ traceId: '105445aa7843bc8bf206b12000100000', spanId: '1', level: 'warn' }));
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toMatchObject({
      severity: 'WARNING',
      message: 'injecting latency fault slow',
      'logging.googleapis.com/trace': 'projects/orders-prod/traces/105445aa7843bc8bf206b12000100000',
      'logging.googleapis.com/spanId': '0000000000000001',
      'logging.googleapis.com/labels': {
        faultline_type: 'inject',
        faultline_experiment: 'orders',
        faultline_fault: 'slow',
      },
      type: 'inject',
      experimentId: 'orders',
      requestId: 'r-1',
      time: '2026-11-29T12:00:00.000Z',
    });
  });

  it('links X-Ray traces by their W3C id and leaves the trace out without a project', () => {
    const lines: string[] = [];
    createCloudLoggingSink({ projectId: 'p', environment: {}, write: (line) => lines.push(line) })(
      event({ traceId: '1-5759e988-bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8' }),
    );
    createCloudLoggingSink({ environment: {}, write: (line) => lines.push(line) })(
      event({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736' }),
    );
    const [linked, unlinked] = lines.map((line) => JSON.parse(line));
    expect(linked['logging.googleapis.com/trace']).toBe('projects/p/traces/5759e988bd862e3fe1be46a994272793');
    expect(linked['logging.googleapis.com/spanId']).toBe('53995c3f42cd8ad8');
    expect(unlinked['logging.googleapis.com/trace']).toBeUndefined();
    expect(unlinked.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });
});

describe('the invocation log sink', () => {
  it("writes events about an invocation through the platform's per-invocation logger, the rest to the console", () => {
    const platform: { level: string; line: string }[] = [];
    const invocation: Invocation = {
      ...createTestInvocation(),
      platformLog: (level, line) => platform.push({ level, line }),
    };
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    try {
      const sink = createInvocationLogSink({ level: 'info' });
      sink(event(), { invocation });
      sink(event({ type: 'config-load', requestId: undefined }));
      sink(event({ type: 'fault-detail', level: 'debug' }), { invocation });
      expect(platform).toEqual([{ level: 'info', line: JSON.stringify(event()) }]);
      expect(info).toHaveBeenCalledTimes(1);
    } finally {
      info.mockRestore();
    }
  });
});

describe('combineEventSinks', () => {
  it('delivers to every sink even when one throws, and forwards flush', () => {
    const seen: string[] = [];
    const flushed: string[] = [];
    const batching: EventSink = (delivered) => seen.push(`b:${delivered.type}`);
    batching.flush = (context) => flushed.push(context.invocation?.requestId ?? '');
    const combined = combineEventSinks(
      () => {
        throw new Error('broken sink');
      },
      (delivered) => seen.push(`a:${delivered.type}`),
      batching,
    );
    combined(event());
    combined.flush?.({ invocation: createTestInvocation({ requestId: 'r-5' }) });
    expect(seen).toEqual(['a:inject', 'b:inject']);
    expect(flushed).toEqual(['r-5']);
    expect(combineEventSinks(() => {}).flush).toBeUndefined();
  });
});

describe('trace ids in events', () => {
  it('every per-invocation event carries the trace of the invocation it is about', async () => {
    const sink = createMemorySink();
    const engine = await engineWith(
      [
        { id: 'slow', type: 'latency', probability: 1, delayMs: 0 },
        { id: 'again', type: 'duplicate', probability: 1 },
      ],
      { onEvent: sink, logLevel: 'debug' },
    );
    const wrapped = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200 }), {
      engine,
      environment: {},
    });
    await wrapped({ requestId: 'r-1', headers: { TraceParent: traceparent } }, {});
    const perInvocation = sink.events.filter((logged) => logged.requestId === 'r-1');
    expect(perInvocation.map((logged) => logged.type).sort()).toEqual(['inject', 'skipped']);
    for (const logged of perInvocation) {
      expect(logged).toMatchObject({
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
      });
    }
    expect(sink.ofType('config-load')[0]?.traceId).toBeUndefined();
    engine.close();
  });
});
