import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type LambdaFaultlineOptions, withFaults } from '@faultline/aws-lambda';
import { attachDependencyFaults } from '@faultline/aws-lambda/aws-sdk';
import { createOrderHandler, type OrderHandler, type OrderServiceSettings } from './order-service.js';
import { createDynamoDbOrderRepository, defaultOrdersTable } from './orders.js';

/**
 * The order service wrapped with faultline: what runs in Lambda, and what the local front serves.
 *
 * @example
 * ```ts
 * const handler = createDemoHandler(
 *   { orders: createMemoryOrderRepository(), pricingUrl: 'http://localhost:4100' },
 *   { source: createFileSource('.faultline/demo.json') },
 * );
 * ```
 */
export function createDemoHandler(
  settings: OrderServiceSettings,
  options: LambdaFaultlineOptions = {},
): OrderHandler {
  return withFaults(createOrderHandler(settings), options);
}

/** Settings of the deployed function, from its environment (see template.yaml). */
export function settingsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): OrderServiceSettings {
  return {
    orders: createDynamoDbOrderRepository(
      // `dependency` faults naming DynamoDB act on this client's calls during sampled invocations.
      attachDependencyFaults(new DynamoDBClient({ maxAttempts: 2 })),
      environment.ORDERS_TABLE ?? defaultOrdersTable,
    ),
    pricingUrl: environment.PRICING_URL ?? 'http://localhost:4100',
    pricingTimeoutMs: Number(environment.PRICING_TIMEOUT_MS ?? 300),
  };
}

let deployed: OrderHandler | undefined;

/**
 * The deployed entry point (`handler.handler` in template.yaml): built on the first invocation from the function's
 * environment (`ORDERS_TABLE`, `PRICING_URL`, `PRICING_TIMEOUT_MS`; faultline reads `FAULTLINE_SSM_PARAMETER`).
 */
export const handler: OrderHandler = (event, context) => {
  deployed ??= createDemoHandler(settingsFromEnvironment());
  return deployed(event, context);
};
