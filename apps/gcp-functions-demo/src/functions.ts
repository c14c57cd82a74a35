import { fetchLivePrice } from '@faultline/demo-kit';
import { type GcpFaultlineOptions, withCloudEventFaults, withFaults } from '@faultline/gcp-functions';
import * as functions from '@google-cloud/functions-framework';
import type { OrderStore } from './order-store.js';

/** Settings of the demo functions, read once at start-up. */
export interface OrderFunctionSettings {
  readonly store: OrderStore;
  /** Base URL of the pricing service, e.g. `http://localhost:8081`. */
  readonly pricingUrl: string;
  /** How long the orders function waits for pricing before it falls back to the list price. Default 300 ms. */
  readonly pricingTimeoutMs?: number;
}

/** The demo's function names, as registered with the Functions Framework and deployed with `gcloud`. */
export const functionNames = { orders: 'orders', orderCreated: 'orderCreated' } as const;

/**
 * The order-created event data: `{ orderId }` directly (local runs, Eventarc custom events) or inside a Pub/Sub
 * message (`message.data`, base64 JSON) when the function is triggered by a topic.
 */
interface OrderCreatedData {
  readonly orderId?: string;
  readonly message?: { readonly data?: string };
}

function readOrderId(data: OrderCreatedData | undefined): string | undefined {
  if (typeof data?.orderId === 'string') return data.orderId;
  const encoded = data?.message?.data;
  if (typeof encoded !== 'string') return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as { orderId?: unknown };
    return typeof decoded.orderId === 'string' ? decoded.orderId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `GET /orders/{id}` → `{ id, item, price, priceSource: 'live' | 'fallback', cloud: 'gcp' }`: reads the order from
 * the store, asks pricing for the live price within the timeout, and falls back to the list price on a timeout or
 * error. 404 for unknown orders or paths.
 */
export function createOrdersHandler(settings: OrderFunctionSettings) {
  const timeoutMs = settings.pricingTimeoutMs ?? 300;
  return async (request: functions.Request, response: functions.Response): Promise<void> => {
    const match = request.method === 'GET' ? /^\/orders\/([^/]+)$/.exec(request.path) : null;
    const id = match?.[1];
    if (id === undefined) {
      response.status(404).json({ error: 'not found: use GET /orders/{id}' });
      return;
    }
    const order = await settings.store.getOrder(decodeURIComponent(id));
    if (order === undefined) {
      response.status(404).json({ error: `no order ${id}` });
      return;
    }
    const live = await fetchLivePrice(settings.pricingUrl, order.item, timeoutMs);
    response.json({
      id: order.id,
      item: order.item,
      price: live ?? order.listPrice,
      priceSource: live === undefined ? 'fallback' : 'live',
      cloud: 'gcp',
    });
  };
}

/**
 * Records an order-created CloudEvent, keyed by the event id so a redelivery (`duplicate` fault, platform retry)
 * does not create a second record; the record counts deliveries to make duplicates visible.
 */
export function createOrderCreatedHandler(settings: Pick<OrderFunctionSettings, 'store'>) {
  return async (cloudEvent: functions.CloudEvent<OrderCreatedData>): Promise<void> => {
    await settings.store.recordEvent(cloudEvent.id, readOrderId(cloudEvent.data));
  };
}

/**
 * Registers `orders` (HTTP) and `orderCreated` (CloudEvent) with the Functions Framework, wrapped with faultline.
 *
 * @example
 * ```ts
 * registerDemoFunctions({ store, pricingUrl: 'http://localhost:8081' }, { engine });
 * const server = getTestServer('orders');
 * ```
 */
export function registerDemoFunctions(
  settings: OrderFunctionSettings,
  faultOptions: GcpFaultlineOptions = {},
): void {
  functions.http(
    functionNames.orders,
    withFaults(createOrdersHandler(settings), { functionName: functionNames.orders, ...faultOptions }),
  );
  functions.cloudEvent(
    functionNames.orderCreated,
    withCloudEventFaults(createOrderCreatedHandler(settings), {
      functionName: functionNames.orderCreated,
      ...faultOptions,
    }),
  );
}
