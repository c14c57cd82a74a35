import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import { describeAdapterContract } from '@faultline/testkit';
import { withFaults } from '../../src/index.js';
import { fromHttpRequest, fromQueueMessage, toHttpResponseInit } from '../support/contract-translation.js';

// In process, with the library's own HttpRequest, InvocationContext and HttpResponse (its serializer) objects.
describeAdapterContract('azure-functions (in process, real @azure/functions objects)', {
  failureShape: { http: 'error', event: 'error' },
  wrap(setup) {
    const native = async (input: unknown, context: InvocationContext): Promise<unknown> => {
      if (input instanceof HttpRequest) {
        return toHttpResponseInit(await setup.handler(await fromHttpRequest(input, context)));
      }
      await setup.handler(fromQueueMessage(input, context));
      return undefined;
    };
    const wrapped = withFaults(native, setup.options);
    return {
      isOriginalHandler: (wrapped as unknown) === native,
      async invoke(request) {
        const http = request.trigger === 'http';
        const context = new InvocationContext({
          functionName: http ? 'orders' : 'shipments',
          invocationId: request.requestId,
          options: {
            trigger: http
              ? { name: 'request', type: 'httpTrigger' }
              : { name: 'message', type: 'queueTrigger', queueName: 'shipments' },
          },
        });
        const search = new URLSearchParams(request.query).toString();
        const input = http
          ? new HttpRequest({
              method: request.method,
              url: `http://127.0.0.1:7071${request.path}${search === '' ? '' : `?${search}`}`,
              headers: { ...request.headers },
              ...(request.body === undefined ? {} : { body: { string: request.body } }),
            })
          : JSON.parse(request.body ?? '{}');
        try {
          const result = await wrapped(input, context);
          // Serialize through the library, exactly as the worker does with a handler's return value.
          const response = result instanceof HttpResponse ? result : new HttpResponse(result as never);
          return {
            kind: 'response',
            status: response.status,
            headers: Object.fromEntries(response.headers),
            body: await response.text(),
          };
        } catch (error) {
          return { kind: 'error', error };
        }
      },
    };
  },
});
