import { randomUUID } from 'node:crypto';
import type { InvocationContext } from '@azure/functions';
import {
  type AdapterContractOutcome,
  describeAdapterContract,
  installAzureFunctionsHost,
} from '@faultline/testkit';
import { withFaults } from '../../src/index.js';
import { fromHttpRequest, fromQueueMessage, toHttpResponseInit } from '../support/contract-translation.js';

// Installed before @azure/functions registers anything: the library looks for the worker once per process.
const host = installAzureFunctionsHost({ onLog: () => {} });
const { app } = await import('@azure/functions');

/*
 * Through the local host: app.http/app.storageQueue register for real, and every request crosses loopback HTTP and
 * the library's own invocation model (getArguments → invokeFunction → getResponse), as under the Azure worker.
 * The host chooses invocation ids, so outcomes report the id it used.
 */
describeAdapterContract('azure-functions (through the local Functions host over loopback HTTP)', {
  // Like Azure: an HTTP function that throws answers an empty 500; a queue function's error reaches the host.
  failureShape: { http: 'status-500', event: 'error' },
  async wrap(setup) {
    const suffix = randomUUID().slice(0, 8);
    const httpName = `contractHttp${suffix}`;
    const queueName = `contractQueue${suffix}`;
    const httpNative = async (request: Parameters<typeof fromHttpRequest>[0], context: InvocationContext) =>
      toHttpResponseInit(await setup.handler(await fromHttpRequest(request, context)));
    const queueNative = async (message: unknown, context: InvocationContext) => {
      await setup.handler(fromQueueMessage(message, context));
    };
    const wrappedHttp = withFaults(httpNative, setup.options);
    app.http(httpName, { route: '{*path}', methods: ['GET', 'POST', 'PUT', 'DELETE'], handler: wrappedHttp });
    app.storageQueue(queueName, {
      queueName: 'shipments',
      connection: 'Storage',
      handler: withFaults(queueNative, setup.options),
    });
    const server = await host.listen({ routePrefix: '' });
    const lastInvocationId = (name: string): string | undefined =>
      host.invocations.filter((record) => record.functionName === name).at(-1)?.invocationId;

    return {
      isOriginalHandler: (wrappedHttp as unknown) === httpNative,
      async invoke(request): Promise<AdapterContractOutcome> {
        if (request.trigger === 'event') {
          try {
            await host.invoke(queueName, JSON.parse(request.body ?? '{}'), {
              invocationId: request.requestId,
            });
            return { kind: 'response', status: 200, headers: {}, body: undefined };
          } catch (error) {
            return { kind: 'error', error };
          }
        }
        const search = new URLSearchParams(request.query).toString();
        const response = await fetch(`${server.url}${request.path}${search === '' ? '' : `?${search}`}`, {
          method: request.method,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
        });
        const requestId = lastInvocationId(httpName);
        return {
          kind: 'response',
          status: response.status,
          headers: Object.fromEntries(response.headers),
          body: await response.text(),
          ...(requestId === undefined ? {} : { requestId }),
        };
      },
      async close() {
        await server.stop();
        host.unregisterFunction(httpName);
        host.unregisterFunction(queueName);
      },
    };
  },
});
