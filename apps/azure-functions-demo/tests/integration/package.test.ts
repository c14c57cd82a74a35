import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startPricingServer } from '@faultline/demo-kit';
import { installAzureFunctionsHost } from '@faultline/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { packageDemo } from '../../scripts/package.js';
import { demoFunctionNames } from '../../src/register.js';

describe('the deployment artifact (dist/deploy) built for func azure functionapp publish', () => {
  const saved = { ...process.env };
  afterAll(() => {
    for (const name of ['PRICING_URL', 'FAULTLINE_CONFIG', 'FAULTLINE_LOG_LEVEL', 'FAULTLINE_STAGE']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('registers its functions with the worker and serves orders with faults from FAULTLINE_CONFIG', async () => {
    // Prepare
    const directory = await packageDemo();
    const pricing = await startPricingServer();
    const host = installAzureFunctionsHost({ onLog: () => {} });
    process.env.PRICING_URL = pricing.url;
    process.env.FAULTLINE_LOG_LEVEL = 'silent';
    // A deployment declares its stage (an unknown one is treated as production).
    process.env.FAULTLINE_STAGE = 'dev';
    process.env.FAULTLINE_CONFIG = JSON.stringify({
      schemaVersion: 1,
      id: 'deployed',
      faults: [
        {
          id: 'down',
          type: 'status',
          status: 503,
          probability: 1,
          match: [{ field: 'http.path', op: 'eq', value: '/orders/o-1002' }],
        },
      ],
    });

    // Act
    await import(pathToFileURL(join(directory, 'dist', 'main.js')).href);
    const server = await host.listen({ routePrefix: '' });
    try {
      const live = await fetch(`${server.url}/orders/o-1001`);
      const injected = await fetch(`${server.url}/orders/o-1002`);
      const health = await fetch(`${server.url}/healthz`);

      // Assess
      expect(host.functionNames).toEqual(expect.arrayContaining([...demoFunctionNames]));
      expect(await live.json()).toMatchObject({ id: 'o-1001', priceSource: 'live', cloud: 'azure' });
      expect(injected.status).toBe(503);
      expect(health.status).toBe(200);
    } finally {
      await server.stop();
      await pricing.close();
      for (const name of demoFunctionNames) host.unregisterFunction(name);
    }
  });
});
