import { fileURLToPath } from 'node:url';
import { describeImportCostContract } from '@faultline/testkit';

describeImportCostContract({
  adapter: 'Google Cloud Functions',
  entries: { '@faultline/gcp-functions': fileURLToPath(new URL('../../src/index.ts', import.meta.url)) },
  external: ['@google-cloud/*'],
  bundledInvocation: {
    entry: '@faultline/gcp-functions',
    match: { field: 'event.type', value: 'admin.' },
    // A status fault on a CloudEvent has no response to shape: the function fails with the injected status.
    script: `
      const handler = entry.withCloudEventFaults(async () => undefined);
      const cloudEvent = (type) => ({ specversion: '1.0', id: type, source: '//orders', type });
      const orders = await handler(cloudEvent('orders.created')).then(() => 'handled', (error) => error.status);
      const admin = await handler(cloudEvent('admin.created')).then(() => 'handled', (error) => error.status);
      console.log(JSON.stringify({ orders, admin }));
    `,
    expected: { orders: 'handled', admin: 503 },
  },
});
