import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { demoOrders, type OrderRepository } from '@faultline/demo-kit';

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
