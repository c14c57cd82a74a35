import type { HttpHandler, HttpResponseInit } from '@azure/functions';
import { fetchLivePrice, type OrderRepository } from '@faultline/demo-kit';

/** What the order function needs. */
export interface OrderServiceSettings {
  readonly orders: OrderRepository;
  /** Base URL of the pricing service, e.g. `http://localhost:4100` (`PRICING_URL`). */
  readonly pricingUrl: string;
  /** How long to wait for pricing before answering with the list price (`PRICING_TIMEOUT_MS`). Default 300. */
  readonly pricingTimeoutMs?: number;
}

/**
 * The demo's business logic as a v4 HTTP handler for the route `orders/{id}`: reads the order, asks the pricing
 * service for the live price with a timeout, and falls back to the list price. That fallback is the weak point the
 * shared experiments probe.
 *
 * @example
 * ```ts
 * import { app } from '@azure/functions';
 * import { withFaults } from '@faultline/azure-functions';
 *
 * const handler = createOrderHandler({ orders: createMemoryOrderRepository(), pricingUrl: 'http://localhost:4100' });
 * app.http('orders', { methods: ['GET'], route: 'orders/{id}', handler: withFaults(handler) });
 * ```
 */
export function createOrderHandler(settings: OrderServiceSettings): HttpHandler {
  const pricingTimeoutMs = settings.pricingTimeoutMs ?? 300;
  const pricingUrl = settings.pricingUrl.replace(/\/+$/, '');

  const livePrice = (item: string) => fetchLivePrice(pricingUrl, item, pricingTimeoutMs);

  return async (request, context): Promise<HttpResponseInit> => {
    const id = request.params.id ?? '';
    const order = await settings.orders.getOrder(id);
    if (order === undefined)
      return { status: 404, jsonBody: { error: 'NotFound', message: `no order ${id}` } };
    const price = await livePrice(order.item);
    if (price === undefined) context.warn(`pricing unavailable for ${order.item}; answering the list price`);
    return {
      status: 200,
      jsonBody: {
        id: order.id,
        item: order.item,
        price: price ?? order.listPrice,
        priceSource: price === undefined ? 'fallback' : 'live',
        cloud: 'azure',
      },
    };
  };
}

/**
 * The health check: `GET /healthz` → 200. Deliberately not wrapped with faults, so probes see the host, not the
 * experiment.
 *
 * @example
 * ```ts
 * app.http('healthz', { methods: ['GET'], route: 'healthz', handler: healthHandler });
 * ```
 */
export const healthHandler: HttpHandler = async () => ({ status: 200, jsonBody: { status: 'ok' } });
