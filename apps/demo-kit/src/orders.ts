/** One order of the demo catalogue. `listPrice` is the fallback when the pricing service does not answer in time. */
export interface Order {
  readonly id: string;
  readonly item: string;
  readonly listPrice: number;
}

/** Where an order function reads orders from (DynamoDB, Firestore, memory, …). */
export interface OrderRepository {
  getOrder(id: string): Promise<Order | undefined>;
}

/** The orders every demo serves: the same ids, items and list prices on AWS, GCP and Azure. */
export const demoOrders: readonly Order[] = [
  { id: 'o-1001', item: 'espresso-machine', listPrice: 249 },
  { id: 'o-1002', item: 'grinder', listPrice: 129 },
  { id: 'o-1003', item: 'kettle', listPrice: 59 },
];

/**
 * Orders in memory (a real app would use its cloud's table; the faults under test are the pricing dependency and the
 * function itself, not the table).
 *
 * @example
 * ```ts
 * const orders = createMemoryOrderRepository();
 * await orders.getOrder('o-1001'); // { id: 'o-1001', item: 'espresso-machine', listPrice: 249 }
 * ```
 */
export function createMemoryOrderRepository(orders: readonly Order[] = demoOrders): OrderRepository {
  const byId = new Map(orders.map((order) => [order.id, order]));
  return { getOrder: async (id) => byId.get(id) };
}
