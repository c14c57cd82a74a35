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
    // An HTTP API event that passes and an ALB event the fault answers (ALB answers carry a status phrase).
    script: `
      const handler = entry.withFaults(async () => ({ statusCode: 200, body: 'ok' }));
      const context = { awsRequestId: 'r-1', functionName: 'orders', getRemainingTimeInMillis: () => 3000 };
      const httpApi = { version: '2.0', routeKey: '$default', rawPath: '/orders/1', rawQueryString: '', headers: {}, requestContext: { http: { method: 'GET', path: '/orders/1' }, requestId: 'r-1', stage: '$default' }, isBase64Encoded: false };
      const alb = { requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders/1' } }, httpMethod: 'GET', path: '/admin/users', headers: {}, queryStringParameters: {}, body: '', isBase64Encoded: false };
      const orders = await handler(httpApi, context);
      const admin = await handler(alb, context);
      console.log(JSON.stringify({ orders: orders.statusCode, admin: admin.statusCode, description: admin.statusDescription }));
    `,
    expected: { orders: 200, admin: 503, description: '503 Service Unavailable' },
  },
});
