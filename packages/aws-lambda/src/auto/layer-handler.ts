/*
 * The entry point of the faultline Lambda layer (bundled by `pnpm --filter @faultline/aws-lambda build:layer` into
 * nodejs/node_modules/@faultline/aws-lambda-layer/handler.mjs). Its `handler` export is the function's original
 * handler (`FAULTLINE_HANDLER`) wrapped with `withFaults`; top-level await lets the runtime receive it only once it
 * is resolved, and a resolution error fail the function's initialisation as the original would.
 */
import { createLayerHandler } from './auto-handler.js';

export const handler = await createLayerHandler();
