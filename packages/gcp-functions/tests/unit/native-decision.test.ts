import { type IncomingMessage, ServerResponse } from 'node:http';
import type { FaultEngine } from '@faultline/core';
import { callsUntilNoInvocationIsBuilt, createOneFaultEngine } from '@faultline/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withCloudEventFaults, withFaults } from '../../src/index.js';
import * as invocationModule from '../../src/invocation.js';

// The real invocation builders, counted: an armed invocation no fault matches must not build one once the wrapper's
// native field reader is loaded (the reader decides from the native arguments instead).
vi.mock('../../src/invocation.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/invocation.js')>();
  return {
    ...original,
    toHttpInvocation: vi.fn(original.toHttpInvocation),
    toCloudEventInvocation: vi.fn(original.toCloudEventInvocation),
  };
});

const toHttpInvocation = vi.mocked(invocationModule.toHttpInvocation);
const toCloudEventInvocation = vi.mocked(invocationModule.toCloudEventInvocation);
const engines: FaultEngine[] = [];

afterEach(() => {
  for (const engine of engines.splice(0)) engine.close();
});

async function engineWith(match: object[]): Promise<FaultEngine> {
  const engine = await createOneFaultEngine(match);
  engines.push(engine);
  return engine;
}

describe('the native decision of the GCP wrappers', () => {
  it('HTTP: a request no fault matches is decided on req without building the invocation; a matching one fires', async () => {
    const engine = await engineWith([{ field: 'http.method', op: 'eq', value: 'DELETE' }]);
    let handled = 0;
    const wrapped = withFaults(
      (_request: IncomingMessage, response: ServerResponse) => {
        handled++;
        response.end();
      },
      { engine, environment: { FAULTLINE_STAGE: 'test' } },
    );
    const response = () =>
      ({ end: () => undefined, setHeader: () => undefined }) as unknown as ServerResponse;
    const get = {
      method: 'get',
      url: '/orders/1?x=1',
      headers: { 'x-tenant': 'acme' },
    } as unknown as IncomingMessage;

    await callsUntilNoInvocationIsBuilt(toHttpInvocation, async () => wrapped(get, response()));
    const built = toHttpInvocation.mock.calls.length;
    for (let call = 0; call < 20; call++) await wrapped(get, response());

    expect(toHttpInvocation.mock.calls.length).toBe(built);
    const handledBefore = handled;
    const deleteRequest = { method: 'DELETE', url: '/orders/1', headers: {} } as unknown as IncomingMessage;
    const deleteResponse = new ServerResponse(deleteRequest);
    await wrapped(deleteRequest, deleteResponse);
    // The matching request is decided on the built invocation, and the fault answers instead of the handler.
    expect(toHttpInvocation.mock.calls.length).toBe(built + 1);
    expect(handled).toBe(handledBefore);
    expect(deleteResponse.statusCode).toBe(503);
  }, 15_000);

  it('CloudEvent: an event no fault matches is decided on the event without building the invocation', async () => {
    const engine = await engineWith([{ field: 'event.type', op: 'prefix', value: 'admin.' }]);
    let handled = 0;
    const wrapped = withCloudEventFaults(
      async () => {
        handled++;
      },
      { engine, environment: { FAULTLINE_STAGE: 'test' } },
    );
    const event = (type: string) => ({ specversion: '1.0', id: type, source: '//orders', type });

    await callsUntilNoInvocationIsBuilt(toCloudEventInvocation, async () => wrapped(event('orders.created')));
    const built = toCloudEventInvocation.mock.calls.length;
    const handledBefore = handled;
    for (let call = 0; call < 20; call++) await wrapped(event('orders.created'));

    expect(toCloudEventInvocation.mock.calls.length).toBe(built);
    expect(handled).toBe(handledBefore + 20);
    await expect(wrapped(event('admin.created'))).rejects.toMatchObject({ status: 503 });
    expect(toCloudEventInvocation.mock.calls.length).toBe(built + 1);
  }, 15_000);
});
