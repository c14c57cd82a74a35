import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFileSource } from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import { createInMemoryAdapter } from '@faultline/core/testing';

/** A tiny order service on loopback whose handler runs under the real faultline engine, reading a file store. */
export interface LoopbackService {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts the service. `healthy: false` makes every answer a 500 (a broken steady state).
 */
export async function startLoopbackService(options: {
  readonly configFile: string;
  readonly ttlMs?: number;
  readonly healthy?: boolean;
  /** `false`: the function never reads the store (deployed without faultline's config): no fault ever fires. */
  readonly faultline?: boolean;
  /** Request headers the function never sees (a proxy in front of it drops them). */
  readonly dropHeaders?: readonly string[];
  /** Called for every request answered: its headers (as the function saw them) and the response's headers. */
  readonly onAnswer?: (
    requestHeaders: Readonly<Record<string, string>>,
    responseHeaders: Readonly<Record<string, string>>,
  ) => void;
}): Promise<LoopbackService> {
  const orders = async () =>
    options.healthy === false
      ? { status: 500, body: '{"error":"broken"}' }
      : {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: '{"id":"o-1001","priceSource":"live"}',
        };
  const handler = createFaultWrapper(
    createInMemoryAdapter({ cloud: 'local', functionName: 'orders' }),
    orders,
    {
      ...(options.faultline === false ? {} : { source: createFileSource(options.configFile) }),
      cache: { ttlMs: options.ttlMs ?? 150 },
      logLevel: 'silent',
    },
  );
  let requestCount = 0;
  const server: Server = createServer((request, response) => {
    requestCount++;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string' && options.dropHeaders?.includes(name) !== true) headers[name] = value;
    }
    handler(
      { requestId: `r-${requestCount}`, method: request.method ?? 'GET', path: request.url ?? '/', headers },
      {},
    )
      .then((result) => {
        options.onAnswer?.(headers, result?.headers ?? {});
        response.writeHead(result?.status ?? 200, result?.headers ?? {});
        response.end(result?.body ?? '');
      })
      .catch((error: unknown) => {
        response.writeHead(502);
        response.end(String((error as Error).message));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
