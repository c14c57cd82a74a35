import { join } from 'node:path';
import type { FaultlineEvent } from '@faultline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { clearDemoFile, demoDirectory, type RunningDemo, startDemo } from '../../src/demo.js';

const experiments = join(demoDirectory, '..', '..', 'experiments');
const quiet = () => {};

describe('the Azure demo over loopback HTTP, through the local Functions host', () => {
  let demo: RunningDemo | undefined;

  afterEach(async () => {
    await demo?.stop();
    demo = undefined;
    await clearDemoFile();
  });

  it('serves orders with live prices and a health check when no experiment is pushed', async () => {
    // Prepare
    demo = await startDemo({ onEvent: quiet });

    // Act
    const order = await fetch(`${demo.url}/orders/o-1001`);
    const health = await fetch(`${demo.url}/healthz`);
    const unknown = await fetch(`${demo.url}/orders/o-9999`);

    // Assess
    expect(order.status).toBe(200);
    expect(await order.json()).toEqual({
      id: 'o-1001',
      item: 'espresso-machine',
      price: 229,
      priceSource: 'live',
      cloud: 'azure',
    });
    expect(health.status).toBe(200);
    expect(unknown.status).toBe(404);
    expect(demo.configSource).toMatch(/^appconfig:127\.0\.0\.1:\d+\/faultline:demo\?label=demo$/);
    expect(demo.configSource).not.toContain('Secret');
  });

  it('keeps answering with the list price under the shared pricing-latency experiment', async () => {
    // Prepare
    demo = await startDemo({ experimentFile: join(experiments, 'pricing-latency.yaml'), onEvent: quiet });

    // Act
    const response = await fetch(`${demo.url}/orders/o-1003`);

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: 'o-1003',
      price: 59,
      priceSource: 'fallback',
      cloud: 'azure',
    });
  });

  it('deviates under the shared order-failures experiment: about three in ten orders answer 503', async () => {
    // Prepare
    const events: FaultlineEvent[] = [];
    demo = await startDemo({
      experimentFile: join(experiments, 'order-failures.yaml'),
      onEvent: (event) => events.push(event),
    });
    const url = demo.url;

    // Act
    const statuses = await Promise.all(
      Array.from({ length: 100 }, async () => (await fetch(`${url}/orders/o-1002`)).status),
    );
    const health = await fetch(`${url}/healthz`);

    // Assess
    const failures = statuses.filter((status) => status === 503).length;
    expect(failures).toBeGreaterThan(10);
    expect(failures).toBeLessThan(60);
    expect(statuses.filter((status) => status !== 503 && status !== 200)).toEqual([]);
    expect(events.filter((event) => event.type === 'inject')).toHaveLength(failures);
    expect(health.status).toBe(200);
  });

  it('follows the experiment pushed to the running store and switches off when it is disabled', async () => {
    // Prepare
    demo = await startDemo({ ttlMs: 50, onEvent: quiet });
    const store = demo.appConfiguration;
    expect(store).toBeDefined();
    const { AppConfigurationClient } = await import('@azure/app-configuration');
    const client = new AppConfigurationClient(store!.connectionString, { tlsOptions: { ca: store!.ca } });
    const experiment = (enabled: boolean) =>
      JSON.stringify({
        schemaVersion: 1,
        id: 'teapot',
        enabled,
        faults: [{ id: 'teapot', type: 'status', status: 418, probability: 1 }],
      });
    const waitForStatus = async (status: number) => {
      for (let attempt = 0; attempt < 250; attempt += 1) {
        if ((await fetch(`${demo!.url}/orders/o-1001`)).status === status) return true;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return false;
    };

    // Act
    await client.setConfigurationSetting({ key: store!.key, label: store!.label, value: experiment(true) });
    const injected = await waitForStatus(418);
    await client.setConfigurationSetting({ key: store!.key, label: store!.label, value: experiment(false) });
    const restored = await waitForStatus(200);

    // Assess
    expect(injected).toBe(true);
    expect(restored).toBe(true);
  });

  it('falls back to the file store on request', async () => {
    // Prepare
    demo = await startDemo({
      store: 'file',
      experimentFile: join(experiments, 'order-failures.yaml'),
      onEvent: quiet,
    });

    // Act
    const statuses = await Promise.all(
      Array.from({ length: 40 }, async () => (await fetch(`${demo!.url}/orders/o-1001`)).status),
    );

    // Assess
    expect(demo.configSource).toBe(`file:${join(demoDirectory, '.faultline', 'demo.json')}`);
    expect(demo.appConfiguration).toBeUndefined();
    expect(statuses).toContain(503);
  });

  it('refuses a second demo in the same process with a clear error', async () => {
    // Prepare
    demo = await startDemo({ onEvent: quiet });

    // Act
    const failure = await startDemo({ onEvent: quiet }).catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({ name: 'DemoAlreadyRunningError' });
  });
});
