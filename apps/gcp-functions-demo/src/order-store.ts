import type { Order } from '@faultline/demo-kit';
import { FieldValue, type Firestore } from '@google-cloud/firestore';

export { demoOrders, type Order } from '@faultline/demo-kit';

/** What the CloudEvent function recorded for one event id. */
export interface RecordedEvent {
  readonly eventId: string;
  readonly orderId: string | undefined;
  /** How often the event was delivered; the record itself is idempotent (keyed by event id). */
  readonly deliveries: number;
}

/** Where the demo functions keep orders and order events. */
export interface OrderStore {
  readonly kind: 'firestore' | 'memory';
  getOrder(id: string): Promise<Order | undefined>;
  recordEvent(eventId: string, orderId: string | undefined): Promise<void>;
  getEvent(eventId: string): Promise<RecordedEvent | undefined>;
  /** Writes the demo orders (idempotent). */
  seed(orders: readonly Order[]): Promise<void>;
}

/** Collections the Firestore store uses (the experiment lives elsewhere: `faultline/demo`). */
export const orderCollections = { orders: 'demo-orders', events: 'demo-order-events' } as const;

/**
 * Orders in Firestore: `demo-orders/{id}` and `demo-order-events/{eventId}`.
 *
 * @example
 * ```ts
 * const store = createFirestoreOrderStore(new Firestore({ projectId: 'faultline-demo' }));
 * await store.getOrder('o-1001');
 * ```
 */
export function createFirestoreOrderStore(firestore: Firestore): OrderStore {
  return {
    kind: 'firestore',
    async getOrder(id) {
      const snapshot = await firestore.collection(orderCollections.orders).doc(id).get();
      if (!snapshot.exists) return undefined;
      const data = snapshot.data() as { item?: unknown; listPrice?: unknown };
      if (typeof data.item !== 'string' || typeof data.listPrice !== 'number') return undefined;
      return { id, item: data.item, listPrice: data.listPrice };
    },
    async recordEvent(eventId, orderId) {
      await firestore
        .collection(orderCollections.events)
        .doc(eventId)
        .set({ orderId: orderId ?? null, deliveries: FieldValue.increment(1) }, { merge: true });
    },
    async getEvent(eventId) {
      const snapshot = await firestore.collection(orderCollections.events).doc(eventId).get();
      if (!snapshot.exists) return undefined;
      const data = snapshot.data() as { orderId?: unknown; deliveries?: unknown };
      return {
        eventId,
        orderId: typeof data.orderId === 'string' ? data.orderId : undefined,
        deliveries: typeof data.deliveries === 'number' ? data.deliveries : 0,
      };
    },
    async seed(orders) {
      const batch = firestore.batch();
      for (const order of orders) {
        batch.set(firestore.collection(orderCollections.orders).doc(order.id), {
          item: order.item,
          listPrice: order.listPrice,
        });
      }
      await batch.commit();
    },
  };
}

/**
 * Orders in memory, for runs without the Firestore emulator.
 *
 * @example
 * ```ts
 * const store = createMemoryOrderStore();
 * await store.seed(demoOrders);
 * ```
 */
export function createMemoryOrderStore(): OrderStore {
  const orders = new Map<string, Order>();
  const events = new Map<string, RecordedEvent>();
  return {
    kind: 'memory',
    getOrder: async (id) => orders.get(id),
    async recordEvent(eventId, orderId) {
      const previous = events.get(eventId);
      events.set(eventId, { eventId, orderId, deliveries: (previous?.deliveries ?? 0) + 1 });
    },
    getEvent: async (eventId) => events.get(eventId),
    async seed(seedOrders) {
      for (const order of seedOrders) orders.set(order.id, order);
    },
  };
}
