import { createInlineSource } from '@faultline/core';
import { immediateSleep } from '@faultline/core/testing';
import { startTestTracing, type TestTracing } from '@faultline/testkit/observability';
import type { CloudEvent, Request, Response } from '@google-cloud/functions-framework';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { withCloudEventFaults, withFaults } from '../../src/index.js';
import { type ServedFunction, serveFunction } from '../support/framework-server.js';

// The real Functions Framework serving the wrapped function, the adapter's default sink (Cloud Logging structured
// entries on stdout) read from a spied console, and the real OpenTelemetry SDK around a CloudEvent function.

const source = (id: string) =>
  createInlineSource({
    schemaVersion: 1,
    id,
    faults: [{ id: 'slow', type: 'latency', probability: 1, delayMs: 5 }],
  });

const opened: { close(): unknown }[] = [];
let tracing: TestTracing;
beforeAll(() => {
  tracing = startTestTracing();
});
afterAll(async () => {
  await tracing.shutdown();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(opened.splice(0).map((resource) => resource.close()));
});

describe('observability through the Cloud Functions adapter', () => {
  it('writes Cloud Logging entries with severity, the trace of X-Cloud-Trace-Context in the project, span and labels', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    const served: ServedFunction = await serveFunction(
      'http',
      withFaults((_request: Request, response: Response) => response.send('ok'), {
        source: source('gcp-drill'),
        sleep: immediateSleep,
        environment: { FAULTLINE_STAGE: 'test', GOOGLE_CLOUD_PROJECT: 'orders-prod' },
      }),
    );
    opened.push(served);

    const response = await fetch(`${served.url}/orders/1`, {
      headers: { 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1' },
    });

    expect(response.status).toBe(200);
    const entries = lines
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const inject = entries.find((entry) => entry.type === 'inject');
    expect(inject).toMatchObject({
      severity: 'INFO',
      message: 'injecting latency fault slow',
      'logging.googleapis.com/trace': 'projects/orders-prod/traces/105445aa7843bc8bf206b12000100000',
      'logging.googleapis.com/spanId': '0000000000000001',
      'logging.googleapis.com/labels': {
        faultline_type: 'inject',
        faultline_experiment: 'gcp-drill',
        faultline_fault: 'slow',
      },
      source: 'faultline',
      traceId: '105445aa7843bc8bf206b12000100000',
    });
  });

  it("adds faultline.inject to the active span around a CloudEvent function, with the event's traceparent in events", async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    const wrapped = withCloudEventFaults(async (_event: CloudEvent<unknown>) => {}, {
      source: source('gcp-events'),
      sleep: immediateSleep,
      environment: { FAULTLINE_STAGE: 'test', GOOGLE_CLOUD_PROJECT: 'orders-prod' },
    });

    const cloudEvent: CloudEvent<unknown> = {
      specversion: '1.0',
      id: 'evt-1',
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      source: '//pubsub.googleapis.com/projects/orders-prod/topics/orders',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    };
    await tracing.inSpan('pubsub message', async () => {
      await wrapped(cloudEvent);
    });

    const span = tracing.span('pubsub message');
    expect(span.attributes['faultline.injected']).toBe(true);
    expect(span.events.map((event) => event.name)).toEqual(['faultline.inject']);
    const inject = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.type === 'inject');
    expect(inject).toMatchObject({
      requestId: 'evt-1',
      'logging.googleapis.com/trace': 'projects/orders-prod/traces/4bf92f3577b34da6a3ce929d0e0e4736',
      'logging.googleapis.com/spanId': '00f067aa0ba902b7',
    });
  });
});
