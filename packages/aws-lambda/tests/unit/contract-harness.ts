import type { AdapterContractRequest, AdapterContractResponse } from '@faultline/testkit';
import type { Context, SQSEvent } from 'aws-lambda';
import {
  albEvent,
  functionUrlEvent,
  httpApiEvent,
  lambdaContext,
  restApiEvent,
  sqsEvent,
} from '../fixtures/events.js';

/** The HTTP shapes the contract runs through. */
export type HttpShape = 'http-api' | 'rest-api' | 'alb' | 'function-url';

/** Builds a realistic native event of `shape` carrying the contract request. */
export function toNativeEvent(shape: HttpShape, request: AdapterContractRequest): object {
  const query = new URLSearchParams(request.query).toString();
  switch (shape) {
    case 'http-api':
    case 'function-url': {
      const base = shape === 'http-api' ? httpApiEvent() : functionUrlEvent();
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]),
      );
      const { cookies: _cookies, ...rest } = base as typeof base & { cookies?: string[] };
      return {
        ...rest,
        rawPath: request.path,
        rawQueryString: query,
        headers,
        queryStringParameters: request.query,
        requestContext: {
          ...base.requestContext,
          http: { ...base.requestContext.http, method: request.method, path: request.path },
        },
        ...(request.body === undefined ? {} : { body: request.body }),
      };
    }
    case 'rest-api': {
      const base = restApiEvent();
      return {
        ...base,
        httpMethod: request.method,
        path: request.path,
        headers: request.headers,
        multiValueHeaders: Object.fromEntries(
          Object.entries(request.headers).map(([name, value]) => [name, [value]]),
        ),
        queryStringParameters: request.query,
        multiValueQueryStringParameters: Object.fromEntries(
          Object.entries(request.query).map(([name, value]) => [name, [value]]),
        ),
        body: request.body ?? null,
      };
    }
    case 'alb': {
      const base = albEvent();
      return {
        ...base,
        httpMethod: request.method,
        path: request.path,
        headers: request.headers,
        queryStringParameters: Object.fromEntries(
          Object.entries(request.query).map(([name, value]) => [
            encodeURIComponent(name),
            encodeURIComponent(value),
          ]),
        ),
        body: request.body ?? '',
      };
    }
  }
}

/** Reads the contract request back from any native event (what a real handler would do). */
// biome-ignore lint/suspicious/noExplicitAny: reads every native event shape loosely, as a test harness.
export function fromNativeEvent(event: Record<string, any>, context: Context): AdapterContractRequest {
  if (Array.isArray(event.Records)) {
    return {
      requestId: context.awsRequestId,
      trigger: 'event',
      method: 'POST',
      path: '/',
      headers: {},
      query: {},
      body: event.Records[0]?.body,
    };
  }
  const version2 = event.version === '2.0';
  return {
    requestId: context.awsRequestId,
    trigger: 'http',
    method: version2 ? event.requestContext.http.method : event.httpMethod,
    path: version2 ? event.rawPath : event.path,
    headers: event.headers ?? {},
    query: event.queryStringParameters ?? {},
    ...(typeof event.body === 'string' && event.body !== '' ? { body: event.body } : {}),
  };
}

/** The native result a handler of `shape` returns for a neutral response. */
export function toNativeResult(shape: HttpShape | 'sqs', response: AdapterContractResponse): object {
  if (shape === 'sqs') return { batchItemFailures: [] };
  const result: Record<string, unknown> = {
    statusCode: response.status,
    body: response.body,
    isBase64Encoded: false,
  };
  if (shape === 'alb') result.statusDescription = `${response.status} OK`;
  if (shape === 'rest-api') {
    result.multiValueHeaders = Object.fromEntries(
      Object.entries(response.headers).map(([name, value]) => [name, [value]]),
    );
  } else {
    result.headers = { ...response.headers };
  }
  return result;
}

/** Reads a native result (any HTTP shape) into the contract's neutral outcome fields. */
// biome-ignore lint/suspicious/noExplicitAny: reads every native result shape loosely, as a test harness.
export function fromNativeResult(result: Record<string, any>): {
  status: number;
  headers: Record<string, string>;
  body: string | undefined;
} {
  const headers: Record<string, string> = { ...(result.headers ?? {}) };
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {}))
    headers[name] = (values as string[]).join(', ');
  const body =
    typeof result.body === 'string' && result.isBase64Encoded
      ? Buffer.from(result.body, 'base64').toString('utf8')
      : result.body;
  return { status: result.statusCode ?? 200, headers, body };
}

export function contractEvent(shape: HttpShape, request: AdapterContractRequest): object {
  if (request.trigger === 'event') {
    const event: SQSEvent = sqsEvent(1);
    (event.Records[0] as { body: string }).body = request.body ?? '{}';
    return event;
  }
  return toNativeEvent(shape, request);
}

export function contractContext(request: AdapterContractRequest): Context {
  return lambdaContext({ requestId: request.requestId, remainingMs: 10_000 });
}
