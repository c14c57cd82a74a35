import { fetchLivePrice, type OrderRepository } from '@faultline/demo-kit';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

/** What the order handler needs. */
export interface OrderServiceSettings {
  readonly orders: OrderRepository;
  /** Base URL of the pricing service, e.g. `http://localhost:4100`. */
  readonly pricingUrl: string;
  /** How long to wait for pricing before answering with the list price. Default 300. */
  readonly pricingTimeoutMs?: number;
}

export type OrderHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The demo's business logic, as an HTTP API (payload 2.0) handler: `GET /orders/{id}` reads the order, asks the
 * pricing service for the live price with a timeout, and falls back to the list price. That fallback is the weak
 * point the shared experiments probe. `GET /healthz` answers 200.
 *
 * @example
 * ```ts
 * const orderHandler = createOrderHandler({ orders: createMemoryOrderRepository(), pricingUrl: 'http://localhost:4100' });
 * export const handler = withFaults(orderHandler);
 * ```
 */
export function createOrderHandler(settings: OrderServiceSettings): OrderHandler {
  const pricingTimeoutMs = settings.pricingTimeoutMs ?? 300;
  const pricingUrl = settings.pricingUrl.replace(/\/+$/, '');

  const livePrice = (item: string) => fetchLivePrice(pricingUrl, item, pricingTimeoutMs);

  return async (event) => {
    const method = event.requestContext.http.method;
    const path = event.rawPath;
    if (method === 'GET' && path === '/healthz') return json(200, { status: 'ok' });
    const match = /^\/orders\/([^/]+)$/.exec(path);
    if (method !== 'GET' || match === null)
      return json(404, { error: 'NotFound', message: `no route ${method} ${path}` });
    const id = decodeURIComponent(match[1] as string);
    const order = await settings.orders.getOrder(id);
    if (order === undefined) return json(404, { error: 'NotFound', message: `no order ${id}` });
    const price = await livePrice(order.item);
    return json(200, {
      id: order.id,
      item: order.item,
      price: price ?? order.listPrice,
      priceSource: price === undefined ? 'fallback' : 'live',
      cloud: 'aws',
    });
  };
}

function json(status: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode: status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
