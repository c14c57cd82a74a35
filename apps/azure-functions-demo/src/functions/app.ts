/**
 * The Azure entry point (`main` in package.json): registers the demo functions with settings from app settings.
 * faultline reads its config from App Configuration (`FAULTLINE_AZURE_APPCONFIG_ENDPOINT` + `FAULTLINE_AZURE_APPCONFIG_KEY`,
 * managed identity with the App Configuration Data Reader role) or `FAULTLINE_CONFIG_FILE` / `FAULTLINE_CONFIG`.
 */
import { app } from '@azure/functions';
import { createMemoryOrderRepository } from '@faultline/demo-kit';
import { registerDemoFunctions } from '../register.js';

registerDemoFunctions(app, {
  orders: createMemoryOrderRepository(),
  pricingUrl: process.env.PRICING_URL ?? 'http://localhost:4100',
  pricingTimeoutMs: Number(process.env.PRICING_TIMEOUT_MS ?? 300),
});
