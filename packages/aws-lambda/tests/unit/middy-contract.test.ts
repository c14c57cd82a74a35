import { describeAdapterContract } from '@faultline/testkit';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { disabledFaultlineMiddleware, faultlineMiddleware } from '../../src/middy/index.js';
import {
  contractContext,
  contractEvent,
  fromNativeEvent,
  fromNativeResult,
  toNativeResult,
} from './contract-harness.js';

describeAdapterContract('aws-lambda Middy middleware — API Gateway HTTP API (v2)', {
  failureShape: { http: 'error', event: 'error' },
  wrap(setup) {
    // biome-ignore lint/suspicious/noExplicitAny: the native handler serves every trigger shape of the contract.
    const native = async (event: Record<string, any>, context: Context): Promise<object> => {
      const request = fromNativeEvent(event, context);
      const response = await setup.handler(request);
      return toNativeResult(request.trigger === 'event' ? 'sqs' : 'http-api', response);
    };
    const middleware = faultlineMiddleware<Record<string, unknown>, object, Context>(setup.options);
    // Middy's own early timeout is off: the contract's fake clock and recording sleep drive time.
    const wrapped = middy(native, { timeoutEarlyInMillis: 0 }).use(middleware);
    return {
      // Middy cannot return the bare handler; under the kill switch the middleware is the inert one.
      isOriginalHandler: middleware === disabledFaultlineMiddleware,
      async invoke(request) {
        try {
          const result = (await wrapped(
            contractEvent('http-api', request) as Record<string, unknown>,
            contractContext(request),
          )) as object;
          return { kind: 'response', ...fromNativeResult(result) };
        } catch (error) {
          return { kind: 'error', error };
        }
      },
    };
  },
});
