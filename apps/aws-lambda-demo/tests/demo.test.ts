import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createMemorySink } from '@faultline/core/testing';
import { isMotoAvailable, type MotoServer, startMoto } from '@faultline/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { clearDemoFile, type RunningDemo, startDemo } from '../src/demo.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const sharedPricingLatency = fileURLToPath(
  new URL('../../../experiments/pricing-latency.yaml', import.meta.url),
);
const pricingLatency = existsSync(sharedPricingLatency)
  ? sharedPricingLatency
  : fixture('pricing-latency.yaml');

let demo: RunningDemo | undefined;
let moto: MotoServer | undefined;

// One moto for the file (each demo would start its own otherwise); `.ci/run` provides MOTO_ENDPOINT already.
beforeAll(async () => {
  if (process.env.MOTO_ENDPOINT || !(await isMotoAvailable())) return;
  moto = await startMoto();
  process.env.MOTO_ENDPOINT = moto.endpoint;
});

afterAll(async () => {
  if (moto === undefined) return;
  delete process.env.MOTO_ENDPOINT;
  await moto.stop();
});

afterEach(async () => {
  await demo?.stop();
  demo = undefined;
  await clearDemoFile();
});

async function getOrder(base: string) {
  const response = await fetch(`${base}/orders/o-1001`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the AWS demo served over loopback', () => {
  it('answers health checks and live prices when no experiment is pushed', async () => {
    // A generous pricing timeout: this test asserts the live path, not how fast a busy machine answers.
    demo = await startDemo({
      parameterName: `/faultline/demo-test/${randomUUID()}`,
      pricingTimeoutMs: 1000,
      onEvent: () => {},
    });

    expect((await fetch(`${demo.url}/healthz`)).status).toBe(200);
    expect(await getOrder(demo.url)).toEqual({
      status: 200,
      body: { id: 'o-1001', item: 'espresso-machine', price: 229, priceSource: 'live', cloud: 'aws' },
    });
    expect(demo.configSource).toMatch(/^ssm:\/faultline\/demo-test\//);
  });

  it('falls back to the list price under the shared pricing-latency experiment, read from SSM on moto', async () => {
    const sink = createMemorySink();
    demo = await startDemo({
      parameterName: `/faultline/demo-test/${randomUUID()}`,
      experimentFile: pricingLatency,
      onEvent: sink,
    });

    const order = await getOrder(demo.url);

    expect(order).toMatchObject({ status: 200, body: { price: 249, priceSource: 'fallback' } });
    expect(sink.ofType('inject')).toEqual(
      expect.arrayContaining([expect.objectContaining({ faultId: 'slow-pricing' })]),
    );
  });

  it('answers 503 under a status experiment, and recovers after the parameter changes', async () => {
    const parameterName = `/faultline/demo-test/${randomUUID()}`;
    demo = await startDemo({
      parameterName,
      experimentFile: fixture('orders-unavailable.yaml'),
      ttlMs: 200,
      onEvent: () => {},
    });

    expect(await getOrder(demo.url)).toMatchObject({ status: 503, body: { error: 'ServiceUnavailable' } });

    const client = new SSMClient({ endpoint: demo.awsEndpoint as string, region: 'us-east-1' });
    const switchedOff = JSON.stringify({
      schemaVersion: 1,
      id: 'orders-unavailable',
      enabled: false,
      faults: [],
    });
    await client.send(
      new PutParameterCommand({ Name: parameterName, Value: switchedOff, Type: 'String', Overwrite: true }),
    );
    client.destroy();
    const base = demo.url;
    // Real time: the demo polls SSM on its TTL; a generous bound, polled.
    await vi.waitFor(async () => expect((await getOrder(base)).status).toBe(200), {
      timeout: 10_000,
      interval: 100,
    });
  });

  it('fails order reads when DynamoDB is throttled through the AWS SDK middleware (no fallback there)', async () => {
    const sink = createMemorySink();
    demo = await startDemo({
      parameterName: `/faultline/demo-test/${randomUUID()}`,
      experimentFile: fixture('dynamodb-throttled.yaml'),
      onEvent: sink,
    });

    expect((await fetch(`${demo.url}/orders/o-1001`)).status).toBe(500);
    expect(sink.ofType('inject')).toEqual([expect.objectContaining({ faultId: 'orders-table-throttled' })]);
    expect((await fetch(`${demo.url}/healthz`)).status).toBe(200);
  });

  it('falls back to the file store and an in-memory table without moto', async () => {
    demo = await startDemo({
      store: 'file',
      experimentFile: fixture('orders-unavailable.yaml'),
      onEvent: () => {},
    });

    expect(demo.configSource).toMatch(/^file:.*\.faultline\/demo\.json$/);
    expect(demo.awsEndpoint).toBeUndefined();
    expect((await getOrder(demo.url)).status).toBe(503);
    expect((await fetch(`${demo.url}/healthz`)).status).toBe(200);
  });
});
