import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type FirestoreEmulator, firestoreClientSettings, startFirestoreEmulator } from '@faultline/testkit';
import { Firestore } from '@google-cloud/firestore';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DemoHandle, demoDocumentPath, startDemo } from '../src/demo.js';

const experiments = resolve(import.meta.dirname, '..', '..', '..', 'experiments');
const pricingLatency = join(experiments, 'pricing-latency.yaml');
const orderFailures = join(experiments, 'order-failures.yaml');

let emulator: FirestoreEmulator;
const running: DemoHandle[] = [];

beforeAll(async () => {
  emulator = await startFirestoreEmulator();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((demo) => demo.stop()));
});

afterAll(async () => {
  await emulator.stop();
});

/** Each test gets its own emulator project, so the fixed document `faultline/demo` never collides. */
async function startNativeDemo(experimentFile?: string): Promise<DemoHandle & { projectId: string }> {
  const projectId = `gcp-demo-${randomUUID().slice(0, 8)}`;
  const demo = await startDemo({
    store: 'native',
    emulatorHost: emulator.host,
    projectId,
    ttlMs: 200,
    logLevel: 'warn',
    ...(experimentFile === undefined ? {} : { experimentFile }),
  });
  running.push(demo);
  return { ...demo, projectId };
}

async function getOrder(demo: DemoHandle, id = 'o-1001') {
  const startedAt = performance.now();
  const response = await fetch(`${demo.url}/orders/${id}`);
  const text = await response.text();
  const body = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
  return { status: response.status, body, elapsedMs: performance.now() - startedAt };
}

describe('the GCP demo over loopback HTTP (Functions Framework + Firestore emulator)', () => {
  it('serves an order from Firestore with the live price, and its health check, when no experiment runs', async () => {
    const demo = await startNativeDemo();

    const order = await getOrder(demo);
    const health = await fetch(`${demo.url}/healthz`);

    expect(demo.store).toBe('native');
    expect(demo.configSource).toBe(`firestore:${demoDocumentPath}`);
    expect(order).toMatchObject({
      status: 200,
      body: { id: 'o-1001', item: 'espresso-machine', price: 229, priceSource: 'live', cloud: 'gcp' },
    });
    expect(health.status).toBe(200);
    expect((await getOrder(demo, 'o-9999')).status).toBe(404);
  });

  it('holds under experiments/pricing-latency.yaml: pricing is slowed, orders fall back to the list price quickly', async () => {
    const demo = await startNativeDemo(pricingLatency);

    const orders = await Promise.all(Array.from({ length: 5 }, () => getOrder(demo)));

    for (const order of orders) {
      expect(order.status).toBe(200);
      expect(order.body).toMatchObject({ price: 249, priceSource: 'fallback', cloud: 'gcp' });
      // The 1.5 s pricing delay is cut off by the 300 ms timeout (generous bound for a loaded machine).
      expect(order.elapsedMs).toBeLessThan(1_400);
    }
  });

  it('deviates under experiments/order-failures.yaml: about three in ten order reads answer 503', async () => {
    const demo = await startNativeDemo(orderFailures);

    const orders = await Promise.all(Array.from({ length: 60 }, () => getOrder(demo)));

    const failed = orders.filter((order) => order.status === 503);
    expect(failed.length).toBeGreaterThan(5);
    expect(failed.length).toBeLessThan(35);
    expect(failed[0]?.body).toMatchObject({ error: 'ServiceUnavailable' });
    expect(orders.filter((order) => order.status === 200)).toHaveLength(60 - failed.length);
  });

  it('follows a change of the Firestore document while running (the CLI pushes there)', async () => {
    const demo = await startNativeDemo();
    const firestore = new Firestore(
      firestoreClientSettings({ host: emulator.host, projectId: demo.projectId }),
    );
    const experiment = {
      schemaVersion: 1,
      id: 'all-orders-down',
      faults: [{ id: 'down', type: 'status', status: 503, probability: 1 }],
    };

    await firestore.doc(demoDocumentPath).set({ experiment: JSON.stringify(experiment) });
    let status = 0;
    for (let attempt = 0; attempt < 100 && status !== 503; attempt++) {
      status = (await getOrder(demo)).status;
      if (status !== 503) await new Promise((resolveWait) => setTimeout(resolveWait, 50));
    }
    await firestore.terminate();

    expect(status).toBe(503);
  });

  it('records an order-created CloudEvent once per event id, and shows a duplicate delivery as two deliveries', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'gcp-demo-'));
    const duplicateExperiment = join(directory, 'duplicate.json');
    await writeFile(
      duplicateExperiment,
      JSON.stringify({
        schemaVersion: 1,
        id: 'redeliver',
        faults: [
          {
            id: 'twice',
            type: 'duplicate',
            times: 2,
            probability: 1,
            match: [{ field: 'event.type', op: 'eq', value: 'com.example.order.created' }],
          },
        ],
      }),
    );
    const demo = await startNativeDemo(duplicateExperiment);
    const eventId = `evt-${randomUUID()}`;

    const delivered = await fetch(`${demo.url}/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': eventId,
        'ce-type': 'com.example.order.created',
        'ce-source': '//orders',
      },
      body: JSON.stringify({ orderId: 'o-1002' }),
    });
    const recorded = await fetch(`${demo.url}/events/${eventId}`);
    await rm(directory, { recursive: true, force: true });

    expect(delivered.status).toBe(204);
    expect(await recorded.json()).toEqual({ eventId, orderId: 'o-1002', deliveries: 2 });
  });
});

describe('the GCP demo without an emulator', () => {
  it('falls back to the file store and in-memory orders, and still serves the shared contract', async () => {
    const demo = await startDemo({ store: 'native', emulatorHost: '127.0.0.1:9', logLevel: 'error' });
    running.push(demo);

    const order = await getOrder(demo, 'o-1003');

    expect(demo.store).toBe('file');
    expect(demo.configSource).toMatch(/^file:.*\.faultline\/demo\.json$/);
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({ id: 'o-1003', item: 'kettle', cloud: 'gcp' });
  });
});
