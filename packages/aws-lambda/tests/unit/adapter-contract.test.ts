import { describeAdapterContract } from '@faultline/testkit';
import type { Context } from 'aws-lambda';
import { withFaults } from '../../src/index.js';
import {
  contractContext,
  contractEvent,
  fromNativeEvent,
  fromNativeResult,
  type HttpShape,
  toNativeResult,
} from './contract-harness.js';

const shapes: readonly [HttpShape, string][] = [
  ['http-api', 'API Gateway HTTP API (v2)'],
  ['rest-api', 'API Gateway REST API (v1)'],
  ['alb', 'Application Load Balancer'],
  ['function-url', 'Function URL'],
];

for (const [shape, title] of shapes) {
  describeAdapterContract(`aws-lambda withFaults — ${title}`, {
    failureShape: { http: 'error', event: 'error' },
    wrap(setup) {
      // biome-ignore lint/suspicious/noExplicitAny: the native handler serves every trigger shape of the contract.
      const native = async (event: Record<string, any>, context: Context): Promise<object> => {
        const request = fromNativeEvent(event, context);
        const response = await setup.handler(request);
        return toNativeResult(request.trigger === 'event' ? 'sqs' : shape, response);
      };
      const wrapped = withFaults(native, setup.options);
      return {
        isOriginalHandler: wrapped === native,
        async invoke(request) {
          try {
            const result = await wrapped(contractEvent(shape, request), contractContext(request));
            return { kind: 'response', ...fromNativeResult(result) };
          } catch (error) {
            return { kind: 'error', error };
          }
        },
      };
    },
  });
}
