import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { AdapterContractRequest, AdapterContractResponse } from '@faultline/testkit';

/** A native v4 HTTP request as the contract's user logic sees it. */
export async function fromHttpRequest(
  request: HttpRequest,
  context: InvocationContext,
): Promise<AdapterContractRequest> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) headers[name] = value;
  const query: Record<string, string> = {};
  for (const [name, value] of request.query) if (!(name in query)) query[name] = value;
  const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
  return {
    requestId: context.invocationId,
    trigger: 'http',
    method: request.method,
    path: url.pathname,
    headers,
    query,
    ...(body === '' ? {} : { body }),
  };
}

/** A queue message as the contract's user logic sees it. */
export function fromQueueMessage(message: unknown, context: InvocationContext): AdapterContractRequest {
  return {
    requestId: context.invocationId,
    trigger: 'event',
    method: 'POST',
    path: '/',
    headers: {},
    query: {},
    body: JSON.stringify(message),
  };
}

/** The contract's neutral answer as the `HttpResponseInit` a v4 handler returns. */
export function toHttpResponseInit(response: AdapterContractResponse): HttpResponseInit {
  return { status: response.status, headers: { ...response.headers }, body: response.body };
}
