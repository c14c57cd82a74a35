import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** One order of the demo catalogue. `listPrice` is the fallback when the pricing service does not answer in time. */
export interface Order {
  readonly id: string;
  readonly item: string;
  readonly listPrice: number;
}

/** Where the handler reads orders from: DynamoDB (on moto locally, the real table when deployed) or memory. */
export interface OrderRepository {
  getOrder(id: string): Promise<Order | undefined>;
}

/** The orders every demo serves (the same ids across the AWS, GCP and Azure demos). */
export const demoOrders: readonly Order[] = [
  { id: 'o-1001', item: 'espresso-machine', listPrice: 249 },
  { id: 'o-1002', item: 'grinder', listPrice: 129 },
  { id: 'o-1003', item: 'kettle', listPrice: 59 },
];

/** Default DynamoDB table name (overridable with `ORDERS_TABLE`). */
export const defaultOrdersTable = 'faultline-demo-orders';

/**
 * Reads orders from a DynamoDB table keyed by `id` (string).
 *
 * @example
 * ```ts
 * const repository = createDynamoDbOrderRepository(new DynamoDBClient({}), 'faultline-demo-orders');
 * await repository.getOrder('o-1001');
 * ```
 */
export function createDynamoDbOrderRepository(client: DynamoDBClient, tableName: string): OrderRepository {
  let commands: Promise<typeof import('@aws-sdk/client-dynamodb')> | undefined;
  return {
    async getOrder(id) {
      commands ??= import('@aws-sdk/client-dynamodb');
      const { GetItemCommand } = await commands;
      const output = await client.send(
        new GetItemCommand({ TableName: tableName, Key: { id: { S: id } }, ConsistentRead: true }),
      );
      const item = output.Item;
      if (item === undefined) return undefined;
      return { id, item: item.item?.S ?? 'unknown', listPrice: Number(item.listPrice?.N ?? 0) };
    },
  };
}

/**
 * Creates the orders table if needed and writes the demo orders (idempotent: safe when several demos share moto).
 *
 * @example
 * ```ts
 * await seedOrdersTable(new DynamoDBClient({ endpoint }), 'faultline-demo-orders');
 * ```
 */
export async function seedOrdersTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { CreateTableCommand, PutItemCommand, waitUntilTableExists } = await import(
    '@aws-sdk/client-dynamodb'
  );
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  }
  await waitUntilTableExists(
    { client, maxWaitTime: 10, minDelay: 0.2, maxDelay: 0.5 },
    { TableName: tableName },
  );
  for (const order of demoOrders) {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { id: { S: order.id }, item: { S: order.item }, listPrice: { N: String(order.listPrice) } },
      }),
    );
  }
}

/**
 * An in-memory order repository, used when no DynamoDB backend is available locally.
 *
 * @example
 * ```ts
 * const repository = createMemoryOrderRepository();
 * await repository.getOrder('o-1001'); // { id: 'o-1001', item: 'espresso-machine', listPrice: 249 }
 * ```
 */
export function createMemoryOrderRepository(orders: readonly Order[] = demoOrders): OrderRepository {
  const byId = new Map(orders.map((order) => [order.id, order]));
  return { getOrder: async (id) => byId.get(id) };
}
