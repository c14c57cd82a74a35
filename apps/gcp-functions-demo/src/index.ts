/**
 * Deployable entry point: `gcloud functions deploy orders --entry-point orders …` (see README). Registers `orders`
 * and `orderCreated` at import, reading their settings from the environment once:
 * `PRICING_URL` (required), `PRICING_TIMEOUT_MS` (default 300), `FUNCTION_TIMEOUT_MS` (default 60000, the deployed
 * `--timeout`), and faultline's own variables (`FAULTLINE_FIRESTORE_DOCUMENT`, `FAULTLINE_FIRESTORE_REALTIME`, …).
 */
import { Firestore } from '@google-cloud/firestore';
import { registerDemoFunctions } from './functions.js';
import { createFirestoreOrderStore } from './order-store.js';

const pricingUrl = process.env.PRICING_URL;
if (pricingUrl === undefined || pricingUrl === '') {
  throw new Error(
    'PRICING_URL is not set: deploy with --set-env-vars PRICING_URL=https://pricing.example.com',
  );
}

registerDemoFunctions(
  {
    // On Cloud Functions the project and credentials come from the runtime's service account.
    store: createFirestoreOrderStore(new Firestore()),
    pricingUrl,
    pricingTimeoutMs: Number(process.env.PRICING_TIMEOUT_MS ?? 300),
  },
  { timeoutMs: Number(process.env.FUNCTION_TIMEOUT_MS ?? 60_000) },
);
