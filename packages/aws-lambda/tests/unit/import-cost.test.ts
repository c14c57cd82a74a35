import { fileURLToPath } from 'node:url';
import { describeImportCostContract } from '@faultline/testkit';

describeImportCostContract({
  adapter: 'AWS Lambda',
  entries: {
    '@faultline/aws-lambda': fileURLToPath(new URL('../../src/index.ts', import.meta.url)),
    '@faultline/aws-lambda/middy': fileURLToPath(new URL('../../src/middy/index.ts', import.meta.url)),
  },
  external: ['@aws-sdk/*', '@middy/*'],
  bundledInvocation: {
    entry: '@faultline/aws-lambda',
    match: { field: 'http.path', value: '/admin' },
    script: `
      const handler = entry.withFaults(async () => ({ statusCode: 200, body: 'ok' }));
      const context = { awsRequestId: 'r-1', functionName: 'orders', getRemainingTimeInMillis: () => 3000 };
      const event = (path) => ({ version: '2.0', routeKey: '$default', rawPath: path, rawQueryString: '', headers: {}, requestContext: { http: { method: 'GET', path }, requestId: path, stage: '$default' }, isBase64Encoded: false });
      const orders = await handler(event('/orders/1'), context);
      const admin = await handler(event('/admin/users'), context);
      console.log(JSON.stringify({ orders: orders.statusCode, admin: admin.statusCode }));
    `,
    expected: { orders: 200, admin: 503 },
  },
});
