import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running pricing service. */
export interface PricingServer {
  /** `http://localhost:PORT`: the demos address pricing by name, so `dependency` faults on `localhost` hit it. */
  readonly url: string;
  /** How many price requests it has answered. */
  readonly requests: number;
  close(): Promise<void>;
}

/** Live prices: a small discount on the list price, so "live" and "fallback" answers differ visibly. */
const livePrices: Readonly<Record<string, number>> = { 'espresso-machine': 229, grinder: 119, kettle: 49 };

/**
 * The downstream "pricing" service of the demo: `GET /prices/{item}` → `{ item, price }`. Listens on loopback
 * (127.0.0.1); the handler reaches it as `localhost`.
 *
 * @example
 * ```ts
 * const pricing = await startPricingServer();
 * await fetch(`${pricing.url}/prices/kettle`); // { item: 'kettle', price: 49 }
 * ```
 */
export async function startPricingServer(options: { port?: number } = {}): Promise<PricingServer> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    const match = /^\/prices\/([^/?]+)/.exec(request.url ?? '');
    const item = match ? decodeURIComponent(match[1] as string) : undefined;
    const price = item === undefined ? undefined : livePrices[item];
    requests += 1;
    response.setHeader('content-type', 'application/json');
    if (price === undefined) {
      response.statusCode = 404;
      response.end(JSON.stringify({ error: 'NotFound', item }));
      return;
    }
    response.end(JSON.stringify({ item, price }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
