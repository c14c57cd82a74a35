import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The downstream the orders function calls: list prices per item, on loopback. */
export const livePrices: Readonly<Record<string, number>> = {
  book: 11.9,
  lamp: 27.5,
  mug: 7.25,
  pen: 1.1,
  chair: 84,
};

/** A running pricing service. */
export interface PricingServer {
  /** `http://localhost:PORT`: addressed by name so `dependency` faults on host `localhost` hit it, not Firestore. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts the demo's pricing service: `GET /prices/{item}` → `{ item, price }` (404 for unknown items).
 *
 * @example
 * ```ts
 * const pricing = await startPricingServer();
 * await fetch(`${pricing.url}/prices/book`); // { item: 'book', price: 11.9 }
 * await pricing.stop();
 * ```
 */
export async function startPricingServer(port = 0): Promise<PricingServer> {
  const server: Server = createServer((request, response) => {
    const match = /^\/prices\/([^/?]+)/.exec(request.url ?? '');
    const item = match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
    const price = item === undefined ? undefined : livePrices[item];
    response.setHeader('content-type', 'application/json');
    if (price === undefined) {
      response.statusCode = 404;
      response.end(JSON.stringify({ error: `no price for ${item ?? 'that path'}` }));
      return;
    }
    response.end(JSON.stringify({ item, price }));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: boundPort } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${boundPort}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
