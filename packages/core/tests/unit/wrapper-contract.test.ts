import { createFaultWrapper } from '@faultline/core/adapter-kit';
import {
  createInMemoryAdapter,
  type InMemoryContext,
  type InMemoryRequest,
  type InMemoryResponse,
} from '@faultline/core/testing';
import { describeAdapterContract } from '../../../testkit/src/contracts/adapter-contract.js';

// Proves the adapter contract suite itself against the smallest possible adapter.
describeAdapterContract('in-memory adapter', {
  failureShape: { http: 'error', event: 'error' },
  wrap(setup) {
    const native = async (request: InMemoryRequest): Promise<InMemoryResponse | undefined> => {
      const response = await setup.handler({
        requestId: request.requestId,
        trigger: request.trigger === 'http' || request.trigger === undefined ? 'http' : 'event',
        method: request.method ?? 'GET',
        path: request.path ?? '/',
        headers: request.headers ?? {},
        query: request.query ?? {},
        ...(request.body === undefined ? {} : { body: request.body }),
      });
      return request.trigger === 'queue' ? undefined : response;
    };
    const wrapped = createFaultWrapper(createInMemoryAdapter(), native, setup.options);
    return {
      isOriginalHandler: (wrapped as unknown) === native,
      async invoke(request) {
        const context: InMemoryContext = { functionName: 'orders', stage: 'dev' };
        try {
          const result = await wrapped(
            {
              requestId: request.requestId,
              trigger: request.trigger === 'http' ? 'http' : 'queue',
              method: request.method,
              path: request.path,
              headers: request.headers,
              query: request.query,
              ...(request.body === undefined ? {} : { body: request.body }),
            },
            context,
          );
          return {
            kind: 'response',
            status: result?.status ?? 204,
            headers: result?.headers ?? {},
            body: result?.body,
          };
        } catch (error) {
          return { kind: 'error', error };
        }
      },
    };
  },
});
