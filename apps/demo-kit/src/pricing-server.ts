import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running pricing service. */
export interface PricingServer {
  /**
   * `http://localhost:PORT`: the demos address pricing by name, so `dependency` faults on host `localhost` hit it
   * and not the config stores, which the demos address as 127.0.0.1.
   */
  readonly url: string;
  /** How many price requests it has answered. */
  readonly requests: number;
  close(): Promise<void>;
}

/** Live prices: a small discount on the list price, so "live" and "fallback" answers differ visibly. */
export const livePrices: Readonly<Record<string, number>> = {
  'espresso-machine': 229,
  grinder: 119,
  kettle: 49,
};

/**
 * The downstream "pricing" service of the demos: `GET /prices/{item}` → `{ item, price }` (404 for unknown items).
 * Listens on 127.0.0.1 only.
 *
 * @example
 * ```ts
 * const pricing = await startPricingServer();
 * await fetch(`${pricing.url}/prices/kettle`); // { item: 'kettle', price: 49 }
 * await pricing.close();
 * ```
 */
export async function startPricingServer(options: { readonly port?: number } = {}): Promise<PricingServer> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    const match = /^\/prices\/([^/?]+)/.exec(request.url ?? '');
    const item = match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
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

/**
 * Asks the pricing service for an item's live price, giving up after `timeoutMs`. `undefined` means "use the list
 * price": a timeout, a refused connection, an error status or bad JSON all end here — that fallback is the weak
 * point the shared experiments probe.
 *
 * @example
 * ```ts
 * const price = (await fetchLivePrice('http://localhost:4100', 'kettle', 300)) ?? order.listPrice;
 * ```
 */
export async function fetchLivePrice(
  pricingUrl: string,
  item: string,
  timeoutMs: number,
): Promise<number | undefined> {
  try {
    const response = await fetch(`${pricingUrl.replace(/\/+$/, '')}/prices/${encodeURIComponent(item)}`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    const body = (await response.json()) as { price?: unknown };
    return typeof body.price === 'number' ? body.price : undefined;
  } catch {
    return undefined;
  }
}
