import { fileURLToPath } from 'node:url';
import { describeImportCostContract } from '@faultline/testkit';

describeImportCostContract({
  adapter: 'Azure Functions',
  entries: { '@faultline/azure-functions': fileURLToPath(new URL('../../src/index.ts', import.meta.url)) },
  external: ['@azure/functions', '@azure/app-configuration', '@azure/identity'],
  bundledInvocation: {
    entry: '@faultline/azure-functions',
    match: { field: 'http.path', value: '/admin' },
    // The host's real request and context classes, as the Functions host passes them.
    script: `
      const { createRequire } = await import('node:module');
      const { HttpRequest, InvocationContext } = createRequire(process.cwd() + '/')('@azure/functions');
      const handler = entry.withFaults(async () => ({ status: 200, body: 'ok' }));
      const request = (path) => new HttpRequest({ method: 'GET', url: 'http://127.0.0.1:7071' + path });
      const context = new InvocationContext({ functionName: 'orders', invocationId: 'i-1', options: { trigger: { name: 'request', type: 'httpTrigger' } } });
      const orders = await handler(request('/api/orders/1'), context);
      const admin = await handler(request('/admin/users'), context);
      console.log(JSON.stringify({ orders: orders.status, admin: admin.status }));
    `,
    expected: { orders: 200, admin: 503 },
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  },
});
