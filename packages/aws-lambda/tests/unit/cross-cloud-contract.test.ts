import { type CrossCloudOutcome, crossCloudOkResponse, describeCrossCloudContract } from '@faultline/testkit';
import type { Context } from 'aws-lambda';
import { withFaults } from '../../src/index.js';
import { httpApiEvent, lambdaContext, scheduledEvent, sqsEvent } from '../fixtures/events.js';
import { fromNativeResult } from './contract-harness.js';

/** The logical requests as Lambda receives them: an HTTP API event on `$default`, an SQS batch of one, a schedule. */
function nativeEvent(kind: 'http' | 'queue' | 'schedule'): object {
  if (kind === 'http') {
    const event = httpApiEvent();
    const { cookies: _cookies, ...rest } = event;
    return {
      ...rest,
      rawQueryString: 'expand=items',
      queryStringParameters: { expand: 'items' },
      headers: { 'x-tenant': 'acme', host: 'api.example.test' },
    };
  }
  if (kind === 'queue') {
    const event = sqsEvent(1);
    (event.Records[0] as { body: string }).body = JSON.stringify({ orderId: '42' });
    return event;
  }
  return scheduledEvent();
}

describeCrossCloudContract({
  cloud: 'aws',
  functionName: 'orders',
  region: 'eu-west-1',
  // The region comes from the invoked function ARN; AWS_REGION says something else on purpose.
  platformEnvironment: { AWS_REGION: 'us-east-1' },
  wrap(options, onHandler) {
    // biome-ignore lint/suspicious/noExplicitAny: one user function serves every trigger of the contract.
    const user = async (event: Record<string, any>, _context: Context): Promise<unknown> => {
      onHandler();
      if (Array.isArray(event.Records)) return { batchItemFailures: [] };
      if (event['detail-type'] === 'Scheduled Event') return undefined;
      return {
        statusCode: crossCloudOkResponse.status,
        headers: { ...crossCloudOkResponse.headers },
        body: crossCloudOkResponse.body,
      };
    };
    const wrapped = withFaults(user, options);
    return {
      async invoke(kind): Promise<CrossCloudOutcome> {
        try {
          const result = await wrapped(nativeEvent(kind), lambdaContext({ requestId: `aws-${kind}` }));
          return kind === 'http'
            ? { kind: 'response', ...fromNativeResult(result as object) }
            : { kind: 'done' };
        } catch (error) {
          return { kind: 'error', error };
        }
      },
    };
  },
});
