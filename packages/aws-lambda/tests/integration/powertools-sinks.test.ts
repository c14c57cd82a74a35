import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createInlineSource } from '@faultline/core';
import { immediateSleep } from '@faultline/core/testing';
import { validateEmfDocument } from '@faultline/testkit/observability';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withFaults } from '../../src/index.js';
import { createPowertoolsLoggerSink, createPowertoolsMetricsSink } from '../../src/powertools/index.js';
import { httpApiEvent, lambdaContext } from '../fixtures/events.js';

// The real Powertools Logger and Metrics, writing to stdout as they do in Lambda (read from a spied stdout).

const xRayHeader = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const experiment = () =>
  createInlineSource({
    schemaVersion: 1,
    id: 'orders-drill',
    faults: [
      { id: 'slow', type: 'latency', probability: 1, delayMs: 5 },
      { id: 'slower', type: 'latency', probability: 1, delayMs: 1 },
    ],
  });

function captureStdout(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter((line) => line !== ''),
    );
    return true;
  });
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('Powertools sinks', () => {
  it("writes events through a Powertools Logger: faultline's message, the event under `faultline`, the logger's own keys", async () => {
    const lines = captureStdout();
    const logger = new Logger({ serviceName: 'orders', logLevel: 'INFO' });
    const wrapped = withFaults(async () => ({ statusCode: 200 }), {
      source: experiment(),
      onEvent: createPowertoolsLoggerSink(logger),
      metrics: false,
      sleep: immediateSleep,
      environment: { FAULTLINE_STAGE: 'test' },
    });

    vi.stubEnv('_X_AMZN_TRACE_ID', xRayHeader);
    await wrapped(httpApiEvent(), lambdaContext({ requestId: 'r-1' }));

    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const injects = entries.filter(
      (entry) => (entry.faultline as { type?: string } | undefined)?.type === 'inject',
    );
    expect(injects).toHaveLength(2);
    expect(injects[0]).toMatchObject({
      level: 'INFO',
      message: 'injecting latency fault slow',
      service: 'orders',
      faultline: {
        source: 'faultline',
        experimentId: 'orders-drill',
        faultId: 'slow',
        requestId: 'r-1',
        traceId: '1-5759e988-bd862e3fe1be46a994272793',
      },
    });
  });

  it('counts injections with a Powertools Metrics: one single metric per counter and invocation, valid EMF', async () => {
    const lines = captureStdout();
    const metrics = new Metrics({ namespace: 'orders', serviceName: 'orders' });
    const wrapped = withFaults(async () => ({ statusCode: 200 }), {
      source: experiment(),
      onEvent: () => {},
      metrics: createPowertoolsMetricsSink(metrics),
      sleep: immediateSleep,
      environment: { FAULTLINE_STAGE: 'test' },
    });

    await wrapped(httpApiEvent(), lambdaContext({ requestId: 'r-1' }));
    await wrapped(httpApiEvent(), lambdaContext({ requestId: 'r-2' }));

    const emf = lines.filter((line) => line.includes('"_aws"'));
    expect(emf).toHaveLength(2);
    for (const line of emf) expect(validateEmfDocument(line)).toEqual([]);
    const document = JSON.parse(emf[0] as string);
    expect(document).toMatchObject({
      FaultlineInjections: 2,
      experiment: 'orders-drill',
      fault: 'slow+slower',
      service: 'orders',
    });
    expect(document._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'orders',
      Metrics: [{ Name: 'FaultlineInjections', Unit: 'Count' }],
    });
    expect(document._aws.CloudWatchMetrics[0].Dimensions[0]).toEqual(
      expect.arrayContaining(['service', 'experiment', 'fault']),
    );
  });
});
