/** One order of the demo catalogue. `listPrice` is the fallback when the pricing service does not answer in time. */
export interface Order {
  readonly id: string;
  readonly item: string;
  readonly listPrice: number;
}

/** Where the order function reads orders from. */
export interface OrderRepository {
  getOrder(id: string): Promise<Order | undefined>;
}

/** The orders every demo serves (the same ids across the AWS, GCP and Azure demos). */
export const demoOrders: readonly Order[] = [
  { id: 'o-1001', item: 'espresso-machine', listPrice: 249 },
  { id: 'o-1002', item: 'grinder', listPrice: 129 },
  { id: 'o-1003', item: 'kettle', listPrice: 59 },
];

/**
 * The Azure demo's order table: in memory (a real app would use Table Storage or Cosmos DB; the faults under test
 * are the pricing dependency and the function itself, not the table).
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
