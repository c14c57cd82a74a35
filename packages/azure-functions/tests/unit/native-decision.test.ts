import { HttpRequest, InvocationContext } from '@azure/functions';
import type { FaultEngine } from '@faultline/core';
import { callsUntilNoInvocationIsBuilt, createOneFaultEngine } from '@faultline/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withFaults } from '../../src/index.js';
import * as invocationModule from '../../src/invocation.js';

// The real invocation builder, counted: an armed invocation no fault matches must not build one once the wrapper's
// native field reader is loaded (the reader decides from the native arguments instead).
vi.mock('../../src/invocation.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/invocation.js')>();
  return { ...original, toAzureInvocation: vi.fn(original.toAzureInvocation) };
});

const toAzureInvocation = vi.mocked(invocationModule.toAzureInvocation);
const engines: FaultEngine[] = [];

afterEach(() => {
  for (const engine of engines.splice(0)) engine.close();
});

async function engineWith(match: object[]): Promise<FaultEngine> {
  const engine = await createOneFaultEngine(match);
  engines.push(engine);
  return engine;
}

const context = (type: string, options: Record<string, unknown> = {}) =>
  new InvocationContext({
    functionName: 'orders',
    invocationId: 'invocation-1',
    options: { trigger: { name: 'input', type, ...options } },
  });

describe('the native decision of the Azure wrapper', () => {
  it('HTTP: a request no fault matches is decided on the HttpRequest without building the invocation; a matching one fires', async () => {
    const engine = await engineWith([
      { field: 'http.method', op: 'eq', value: 'DELETE' },
      { field: 'http.path', op: 'prefix', value: '/orders' },
    ]);
    let handled = 0;
    const wrapped = withFaults(
      async () => {
        handled++;
        return { status: 200 };
      },
      { engine, environment: { FAULTLINE_STAGE: 'test' } },
    );
    const get = new HttpRequest({ method: 'get', url: 'http://127.0.0.1:7071/api/orders/1?x=1' });
    const httpContext = context('httpTrigger');

    await callsUntilNoInvocationIsBuilt(toAzureInvocation, () => wrapped(get, httpContext));
    const built = toAzureInvocation.mock.calls.length;
    const handledBefore = handled;
    for (let call = 0; call < 20; call++) await wrapped(get, httpContext);

    expect(toAzureInvocation.mock.calls.length).toBe(built);
    expect(handled).toBe(handledBefore + 20);
    const deleted = await wrapped(
      new HttpRequest({ method: 'DELETE', url: 'http://127.0.0.1:7071/api/orders/1' }),
      httpContext,
    );
    // The matching request is decided on the built invocation, and the fault answers instead of the handler.
    expect(toAzureInvocation.mock.calls.length).toBe(built + 1);
    expect(deleted).toMatchObject({ status: 503 });
    expect(handled).toBe(handledBefore + 20);
  }, 15_000);

  it('queue: a message no fault matches (an HTTP-only fault) is decided without building the invocation', async () => {
    const engine = await engineWith([{ field: 'http.method', op: 'eq', value: 'DELETE' }]);
    let handled = 0;
    const wrapped = withFaults(
      async () => {
        handled++;
      },
      { engine, environment: { FAULTLINE_STAGE: 'test' } },
    );
    const queueContext = context('queueTrigger', { queueName: 'orders' });

    await callsUntilNoInvocationIsBuilt(toAzureInvocation, () => wrapped({ orderId: 1 }, queueContext));
    const built = toAzureInvocation.mock.calls.length;
    const handledBefore = handled;
    for (let call = 0; call < 20; call++) await wrapped({ orderId: 1 }, queueContext);

    expect(toAzureInvocation.mock.calls.length).toBe(built);
    expect(handled).toBe(handledBefore + 20);
  }, 15_000);
});
