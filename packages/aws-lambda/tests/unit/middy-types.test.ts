import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { faultlineMiddleware } from '../../src/middy/index.js';

describe('faultlineMiddleware types', () => {
  it('fits typed Middy handlers without type arguments', () => {
    const http = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
      .use(faultlineMiddleware({ environment: {}, onEvent: () => {} }))
      .handler(async () => ({ statusCode: 200, body: 'ok' }));
    const queue = middy<SQSEvent, void>()
      .use(faultlineMiddleware({ environment: {}, onEvent: () => {} }))
      .handler(async () => undefined);

    expect(typeof http).toBe('function');
    expect(typeof queue).toBe('function');
  });
});
