import { HttpRequest, InvocationContext, type LogLevel } from '@azure/functions';
import { createInlineSource, type FaultlineEvent } from '@faultline/core';
import { immediateSleep } from '@faultline/core/testing';
import { startTestTracing, type TestTracing } from '@faultline/testkit/observability';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withFaults } from '../../src/index.js';

// The library's real InvocationContext with a log handler where the Functions worker would forward to the host (and
// Application Insights, which files each line under the invocation's operation_Id), and the real OpenTelemetry SDK.

const traceParent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const source = () =>
  createInlineSource({
    schemaVersion: 1,
    id: 'azure-drill',
    faults: [{ id: 'slow', type: 'latency', probability: 1, delayMs: 5 }],
  });

function contextWithLog(invocationId: string) {
  const lines: { level: LogLevel; args: unknown[] }[] = [];
  const context = new InvocationContext({
    functionName: 'orders',
    invocationId,
    traceContext: { traceParent, traceState: '', attributes: {} },
    logHandler: (level, ...args) => lines.push({ level, args }),
    options: { trigger: { name: 'request', type: 'httpTrigger' } },
  });
  return { context, lines };
}

const request = () => new HttpRequest({ method: 'GET', url: 'http://127.0.0.1:7071/api/orders/7' });

let tracing: TestTracing;
beforeAll(() => {
  tracing = startTestTracing();
});
afterAll(async () => {
  await tracing.shutdown();
});

describe('observability through the Azure Functions adapter', () => {
  it("writes per-invocation events through the invocation's own logger, with its trace id", async () => {
    const consoleLog = vi.spyOn(console, 'info').mockImplementation(() => {});
    try {
      const wrapped = withFaults(async () => ({ status: 200 }), {
        source: source(),
        sleep: immediateSleep,
        environment: { FAULTLINE_STAGE: 'test' },
      });
      const { context, lines } = contextWithLog('inv-1');

      await wrapped(request(), context);

      const events = lines.map(({ level, args }) => ({
        level,
        event: JSON.parse(String(args[0])) as FaultlineEvent,
      }));
      expect(events).toEqual([
        {
          level: 'information',
          event: expect.objectContaining({
            type: 'inject',
            faultId: 'slow',
            requestId: 'inv-1',
            traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
            spanId: '00f067aa0ba902b7',
          }),
        },
      ]);
      // The config load is not about an invocation: it goes to the console, not to an invocation's log.
      expect(consoleLog.mock.calls.some(([line]) => String(line).includes('"config-load"'))).toBe(true);
    } finally {
      consoleLog.mockRestore();
    }
  });

  it('adds faultline.inject to the active span', async () => {
    const wrapped = withFaults(async () => ({ status: 200 }), {
      source: source(),
      sleep: immediateSleep,
      environment: { FAULTLINE_STAGE: 'test' },
      logLevel: 'silent',
    });

    await tracing.inSpan('GET /api/orders', () => wrapped(request(), contextWithLog('inv-2').context));

    const span = tracing.span('GET /api/orders');
    expect(span.attributes['faultline.injected']).toBe(true);
    expect(span.events.map((event) => event.attributes?.['faultline.experiment.id'])).toEqual([
      'azure-drill',
    ]);
  });
});
