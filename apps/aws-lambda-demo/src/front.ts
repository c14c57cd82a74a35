import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** An HTTP API (payload 2.0) handler as the front calls it. */
export type HttpApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

/** Options of {@link startFront}. */
export interface FrontOptions {
  readonly handler: HttpApiHandler;
  /** Loopback port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Function name in the context. Default `faultline-demo-orders`. */
  readonly functionName?: string;
  /** The function timeout: the deadline `getRemainingTimeInMillis` counts down to. Default 6000. */
  readonly timeoutMs?: number;
  /** Region in the function ARN. Default `AWS_REGION` or `us-east-1`. */
  readonly region?: string;
  /** Largest request body accepted, like API Gateway's 10 MB payload limit. Default 1 MiB. */
  readonly maxBodyBytes?: number;
}

/** A running front. */
export interface Front {
  /** e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  close(): Promise<void>;
}

const textTypes = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript)|[^;]*\+json)/i;

/**
 * A local stand-in for API Gateway HTTP APIs (what `sam local start-api` does): each loopback request becomes a
 * payload 2.0 event with a realistic context whose `getRemainingTimeInMillis` counts down to a real deadline. A
 * handler that runs past it is answered like a timed-out Lambda behind an HTTP API (503), a handler error like an
 * integration error (500), and the result is translated as API Gateway does (bare values → 200 JSON).
 *
 * @example
 * ```ts
 * const front = await startFront({ handler, timeoutMs: 3000 });
 * await fetch(`${front.url}/orders/o-1001`);
 * await front.close();
 * ```
 */
export async function startFront(options: FrontOptions): Promise<Front> {
  const functionName = options.functionName ?? 'faultline-demo-orders';
  const timeoutMs = options.timeoutMs ?? 6000;
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      console.error(JSON.stringify({ source: 'aws-lambda-demo', level: 'error', message: String(error) }));
      if (!response.headersSent)
        respond(response, 500, { 'content-type': 'application/json' }, '{"message":"Internal Server Error"}');
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request, maxBodyBytes);
    if (body === undefined) {
      respond(
        response,
        413,
        { 'content-type': 'application/json' },
        '{"message":"Request Entity Too Large"}',
      );
      return;
    }
    const startedMs = Date.now();
    const deadlineMs = startedMs + timeoutMs;
    const event = toHttpApiEvent(request, body, startedMs);
    const context = lambdaContext(functionName, region, event.requestContext.requestId, deadlineMs);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([
        options.handler(event, context).then((value) => ({ value })),
        timedOut,
      ]);
      if (outcome === 'timeout') {
        console.error(
          `${context.awsRequestId} Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
        );
        respond(response, 503, { 'content-type': 'application/json' }, '{"message":"Service Unavailable"}');
        return;
      }
      const result = fromHandlerResult(outcome.value);
      respond(response, result.status, result.headers, result.body, result.cookies);
    } catch (error) {
      console.error(
        JSON.stringify({
          source: 'aws-lambda-demo',
          requestId: context.awsRequestId,
          errorType: (error as Error)?.name,
          errorMessage: (error as Error)?.message,
        }),
      );
      respond(response, 500, { 'content-type': 'application/json' }, '{"message":"Internal Server Error"}');
    } finally {
      clearTimeout(timer);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => closeServer(server),
  };
}

/** Builds the payload 2.0 event API Gateway would send for this request. */
export function toHttpApiEvent(
  request: IncomingMessage,
  body: Buffer,
  nowMs: number,
): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    const name = (request.rawHeaders[index] as string).toLowerCase();
    const value = request.rawHeaders[index + 1] as string;
    if (name === 'cookie') {
      cookies.push(...value.split(/;\s*/).filter((cookie) => cookie !== ''));
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    queryStringParameters[name] =
      queryStringParameters[name] === undefined ? value : `${queryStringParameters[name]},${value}`;
  }
  const method = (request.method ?? 'GET').toUpperCase();
  const isText = body.length === 0 || textTypes.test(headers['content-type'] ?? 'text/plain');
  const requestId = randomUUID();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: new Date(nowMs).toUTCString(),
      timeEpoch: nowMs,
    },
    isBase64Encoded: !isText,
  };
  if (cookies.length > 0) event.cookies = cookies;
  if (url.searchParams.size > 0) event.queryStringParameters = queryStringParameters;
  if (body.length > 0) event.body = isText ? body.toString('utf8') : body.toString('base64');
  return event;
}

/** A context like the Lambda runtime's, with a remaining time counting down to `deadlineMs`. */
export function lambdaContext(
  functionName: string,
  region: string,
  requestId: string,
  deadlineMs: number,
): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${new Date(deadlineMs).toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string | Buffer;
  readonly cookies: readonly string[];
}

/** API Gateway's payload 2.0 response rules: a result with `statusCode` is used as is, anything else is JSON. */
function fromHandlerResult(value: unknown): HttpResult {
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { statusCode?: unknown }).statusCode === 'number'
  ) {
    const result = value as {
      statusCode: number;
      headers?: Record<string, string | number | boolean>;
      cookies?: string[];
      body?: string;
      isBase64Encoded?: boolean;
    };
    const headers: Record<string, string> = {};
    for (const [name, header] of Object.entries(result.headers ?? {})) headers[name] = String(header);
    const body = result.body ?? '';
    return {
      status: result.statusCode,
      headers,
      body: result.isBase64Encoded ? Buffer.from(body, 'base64') : body,
      cookies: result.cookies ?? [],
    };
  }
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: typeof value === 'string' ? value : (JSON.stringify(value) ?? ''),
    cookies: [],
  };
}

function respond(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
  cookies: readonly string[] = [],
): void {
  response.statusCode = status;
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  if (cookies.length > 0) response.setHeader('set-cookie', [...cookies]);
  response.end(body);
}

function readBody(request: IncomingMessage, maxBodyBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
