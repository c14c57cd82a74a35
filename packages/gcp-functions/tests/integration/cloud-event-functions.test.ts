import { randomUUID } from 'node:crypto';
import { createFaultEngine, createInlineSource, type FaultEngine } from '@faultline/core';
import { createMemorySink, createRecordingSleep } from '@faultline/core/testing';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { afterEach, describe, expect, it } from 'vitest';
import { type GcpFaultlineOptions, withCloudEventFaults } from '../../src/index.js';
import {
  postBinaryCloudEvent,
  postStructuredCloudEvent,
  type ServedFunction,
  serveFunction,
} from '../support/framework-server.js';

const opened: { close(): unknown }[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((resource) => resource.close()));
});

async function engineFor(faults: object[]) {
  const sink = createMemorySink();
  const sleep = createRecordingSleep();
  const engine = createFaultEngine({
    source: createInlineSource({ schemaVersion: 1, id: 'gcp-events', faults }),
    onEvent: sink,
    logLevel: 'debug',
    sleep,
  });
  opened.push(engine);
  await engine.ready();
  return { engine, sink, sleep };
}

async function serve(
  handler: (cloudEvent: CloudEvent<unknown>) => unknown,
  engine: FaultEngine,
  options: GcpFaultlineOptions = {},
): Promise<ServedFunction> {
  const served = await serveFunction(
    'cloudEvent',
    withCloudEventFaults(handler, { engine, stage: 'test', ...options }),
  );
  opened.push(served);
  return served;
}

const orderCreated = { type: 'com.example.order.created', source: '//orders/eu' };
const modes = [
  ['binary', postBinaryCloudEvent],
  ['structured', postStructuredCloudEvent],
] as const;

describe.each(modes)('withCloudEventFaults on the real Functions Framework (%s mode)', (_mode, post) => {
  it('delivers events no fault is sampled for unchanged, with their data', async () => {
    const { engine } = await engineFor([
      {
        id: 'other',
        type: 'exception',
        probability: 1,
        match: [{ field: 'event.type', op: 'eq', value: 'nope' }],
      },
    ]);
    const received: CloudEvent<unknown>[] = [];
    const served = await serve((cloudEvent) => {
      received.push(cloudEvent);
    }, engine);

    const response = await post(served.url, { id: 'e-1', ...orderCreated }, { orderId: 'o-1' });

    expect(response.status).toBe(204);
    expect(received).toHaveLength(1);
    expect(received[0]?.data).toEqual({ orderId: 'o-1' });
  });

  it('fails the delivery with an injected exception so the platform retries, without calling the handler', async () => {
    const match = [
      { field: 'trigger', op: 'eq', value: 'event' },
      { field: 'event.type', op: 'eq', value: orderCreated.type },
      { field: 'event.source', op: 'eq', value: orderCreated.source },
    ];
    const { engine, sink } = await engineFor([
      { id: 'boom', type: 'exception', message: 'broker hiccup', probability: 1, match },
    ]);
    let handlerCalls = 0;
    const served = await serve(() => {
      handlerCalls++;
    }, engine);
    const id = randomUUID();

    const response = await post(served.url, { id, ...orderCreated }, { orderId: 'o-2' });

    expect(response.status).toBe(500);
    expect(response.headers.get('x-google-status')).toBe('error');
    expect(await response.text()).toContain('broker hiccup');
    expect(handlerCalls).toBe(0);
    expect(sink.ofType('inject').map((event) => event.requestId)).toEqual([id]);
  });

  it('reports an injected status on an event as a failed delivery', async () => {
    const { engine } = await engineFor([{ id: 'unavailable', type: 'status', status: 503, probability: 1 }]);
    const served = await serve(() => undefined, engine);

    const response = await post(served.url, { id: 'e-3', ...orderCreated }, {});

    expect(response.status).toBe(500);
    expect(await response.text()).toContain('503');
  });

  it('delivers the same event twice for a duplicate fault', async () => {
    const { engine } = await engineFor([{ id: 'again', type: 'duplicate', times: 2, probability: 1 }]);
    const deliveries: string[] = [];
    const served = await serve(async (cloudEvent) => {
      deliveries.push(cloudEvent.id);
    }, engine);

    const response = await post(served.url, { id: 'e-4', ...orderCreated }, {});

    expect(response.status).toBe(204);
    expect(deliveries).toEqual(['e-4', 'e-4']);
  });

  it('redelivers a Pub/Sub message for the duplicate fault matched on trigger queue, not another CloudEvent', async () => {
    const { engine } = await engineFor([
      {
        id: 'redeliver',
        type: 'duplicate',
        times: 2,
        probability: 1,
        match: [{ field: 'trigger', op: 'eq', value: 'queue' }],
      },
    ]);
    const deliveries: string[] = [];
    const served = await serve(async (cloudEvent) => {
      deliveries.push(cloudEvent.id);
    }, engine);
    const pubSub = {
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      source: '//pubsub.googleapis.com/projects/shop/topics/orders',
    };

    const message = await post(served.url, { id: 'm-1', ...pubSub }, { message: { data: 'e30=' } });
    const notification = await post(served.url, { id: 'e-5', ...orderCreated }, {});

    expect([message.status, notification.status]).toEqual([204, 204]);
    expect(deliveries).toEqual(['m-1', 'm-1', 'e-5']);
  });

  it('delays the handler for a latency fault and still succeeds', async () => {
    const { engine, sleep } = await engineFor([
      { id: 'slow', type: 'latency', delayMs: 250, probability: 1 },
    ]);
    let handled = false;
    const served = await serve(async () => {
      handled = true;
    }, engine);

    const response = await post(served.url, { id: 'e-5', ...orderCreated }, {});

    expect(response.status).toBe(204);
    expect(handled).toBe(true);
    expect(sleep.calls).toEqual([250]);
  });
});

describe('withCloudEventFaults', () => {
  it('keeps a one-parameter signature so the framework treats it as promise-based', () => {
    const wrapped = withCloudEventFaults(async (_cloudEvent: CloudEvent<unknown>) => undefined, {
      environment: {},
    });

    expect(wrapped.length).toBe(1);
  });

  it('returns the handler itself when FAULTLINE_DISABLED is set', () => {
    const handler = async (_cloudEvent: CloudEvent<unknown>) => undefined;

    expect(withCloudEventFaults(handler, { environment: { FAULTLINE_DISABLED: 'true' } })).toBe(handler);
  });
});
