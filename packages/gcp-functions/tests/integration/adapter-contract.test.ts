import {
  type AdapterContractOutcome,
  type AdapterContractRequest,
  type AdapterContractSetup,
  describeAdapterContract,
} from '@faultline/testkit';
import type { CloudEvent, Request, Response } from '@google-cloud/functions-framework';
import { withCloudEventFaults, withFaults } from '../../src/index.js';
import {
  postBinaryCloudEvent,
  postStructuredCloudEvent,
  serveFunction,
} from '../support/framework-server.js';

/** The contract's neutral request as the Functions Framework's Express request sees it. */
function toContractRequest(request: Request, requestId: string): AdapterContractRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string') headers[name] = value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URL(request.originalUrl, 'http://127.0.0.1').searchParams)
    query[name] = value;
  return {
    requestId,
    trigger: 'http',
    method: request.method,
    path: request.path,
    headers,
    query,
    ...(request.rawBody === undefined ? {} : { body: request.rawBody.toString('utf8') }),
  };
}

async function toOutcome(response: globalThis.Response): Promise<AdapterContractOutcome> {
  return {
    kind: 'response',
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: await response.text(),
  };
}

function contractFor(cloudEventMode: 'binary' | 'structured') {
  const postEvent = cloudEventMode === 'binary' ? postBinaryCloudEvent : postStructuredCloudEvent;
  return {
    // The Functions Framework turns any uncaught failure into an HTTP 500, for HTTP and CloudEvent functions.
    failureShape: { http: 'status-500', event: 'status-500' } as const,
    async wrap(setup: AdapterContractSetup) {
      const httpHandler = async (request: Request, response: Response) => {
        const traceHeader = request.header('x-cloud-trace-context') ?? '';
        const answer = await setup.handler(toContractRequest(request, traceHeader.split('/')[0] ?? ''));
        response.status(answer.status).set(answer.headers).send(answer.body);
      };
      const eventHandler = async (cloudEvent: CloudEvent<unknown>) => {
        await setup.handler({
          requestId: cloudEvent.id,
          trigger: 'event',
          method: 'POST',
          path: '/',
          headers: {},
          query: {},
          body: JSON.stringify(cloudEvent.data),
        });
      };
      const wrappedHttp = withFaults(httpHandler, setup.options);
      const wrappedEvent = withCloudEventFaults(eventHandler, setup.options);
      const httpFunction = await serveFunction('http', wrappedHttp);
      const eventFunction = await serveFunction('cloudEvent', wrappedEvent);
      return {
        isOriginalHandler: wrappedHttp === httpHandler && wrappedEvent === eventHandler,
        async invoke(request: AdapterContractRequest): Promise<AdapterContractOutcome> {
          if (request.trigger === 'event') {
            const attributes = { id: request.requestId, type: 'com.example.contract', source: '//contract' };
            return toOutcome(await postEvent(eventFunction.url, attributes, { body: request.body ?? null }));
          }
          const query = new URLSearchParams(request.query).toString();
          const response = await fetch(`${httpFunction.url}${request.path}${query ? `?${query}` : ''}`, {
            method: request.method,
            headers: { ...request.headers, 'X-Cloud-Trace-Context': `${request.requestId}/1;o=1` },
            ...(request.body === undefined ? {} : { body: request.body }),
          });
          return toOutcome(response);
        },
        async close() {
          await Promise.all([httpFunction.close(), eventFunction.close()]);
        },
      };
    },
  };
}

describeAdapterContract(
  'gcp-functions over the Functions Framework (HTTP, binary CloudEvents)',
  contractFor('binary'),
);
describeAdapterContract(
  'gcp-functions over the Functions Framework (HTTP, structured CloudEvents)',
  contractFor('structured'),
);
