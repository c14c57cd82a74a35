import type { app as azureApp } from '@azure/functions';
import { type AzureFaultlineOptions, withFaults } from '@faultline/azure-functions';
import { createOrderHandler, healthHandler, type OrderServiceSettings } from './order-service.js';

/** Names of the demo's functions (what experiments match as `function`). */
export const demoFunctionNames = ['orders', 'healthz'] as const;

/**
 * Registers the demo's functions on the v4 `app`: `orders` (`GET /orders/{id}`, wrapped with faults) and `healthz`
 * (`GET /healthz`). Used by the Azure entry point (`src/functions/app.ts`) and by the local runner alike, so both
 * run the same code.
 *
 * @example
 * ```ts
 * import { app } from '@azure/functions';
 * registerDemoFunctions(app, { orders, pricingUrl: process.env.PRICING_URL ?? '' });
 * ```
 */
export function registerDemoFunctions(
  app: typeof azureApp,
  settings: OrderServiceSettings,
  faultOptions: AzureFaultlineOptions = {},
): void {
  app.http('orders', {
    methods: ['GET'],
    route: 'orders/{id}',
    handler: withFaults(createOrderHandler(settings), faultOptions),
  });
  app.http('healthz', { methods: ['GET'], route: 'healthz', handler: healthHandler });
}
