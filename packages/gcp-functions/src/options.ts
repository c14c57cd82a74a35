import type { ConfigSource, FaultlineOptions } from '@faultline/core';
import { createFirestoreSource } from './firestore/index.js';
import type { FunctionIdentityOptions } from './invocation.js';

/**
 * Options of {@link withFaults} and {@link withCloudEventFaults}: the engine options of `@faultline/core`
 * (`source`, `registry`, `onEvent`, `logLevel`, `cache`, `clock`, `random`, `sleep`, `environment`, `engine`) plus
 * what Cloud Functions cannot tell the adapter by itself.
 *
 * Config source, when `source` is not given: `FAULTLINE_FIRESTORE_DOCUMENT` (the Firestore source, real-time when
 * `FAULTLINE_FIRESTORE_REALTIME=1`), then `FAULTLINE_CONFIG_FILE`, then `FAULTLINE_CONFIG`; without any of them
 * nothing is ever injected.
 *
 * @example
 * ```ts
 * const options: GcpFaultlineOptions = { functionName: 'orders', timeoutMs: 60_000, cache: { ttlMs: 10_000 } };
 * functions.http('orders', withFaults(handler, options));
 * ```
 */
export type GcpFaultlineOptions = FaultlineOptions &
  FunctionIdentityOptions & {
    /**
     * Largest HTTP response body held back for `after` faults (`corrupt`, `cors`), in bytes. A larger (streamed)
     * body is sent as it comes and `after` faults leave it alone. Default 10 MiB. Only requests that a fault was
     * sampled for are held back at all.
     */
    readonly maxCapturedBodyBytes?: number;
  };

/** Default for the `maxCapturedBodyBytes` option of {@link GcpFaultlineOptions}: 10 MiB. */
export const defaultMaxCapturedBodyBytes = 10 * 1024 * 1024;

/**
 * The adapter's own store: a Firestore document named by `FAULTLINE_FIRESTORE_DOCUMENT`.
 *
 * @example
 * ```ts
 * resolveGcpDefaultSource({ FAULTLINE_FIRESTORE_DOCUMENT: 'faultline/orders' })?.name; // 'firestore:faultline/orders'
 * ```
 */
export function resolveGcpDefaultSource(
  environment: Readonly<Record<string, string | undefined>>,
): ConfigSource | undefined {
  const documentPath = environment.FAULTLINE_FIRESTORE_DOCUMENT?.trim();
  if (!documentPath) return undefined;
  return createFirestoreSource({ documentPath, environment });
}

/** What the `config-missing` event tells a Cloud Function to set: the Firestore variable first, then the generic ones. */
export const gcpMissingSourceHint =
  'set FAULTLINE_FIRESTORE_DOCUMENT to the Firestore document holding the experiment, or FAULTLINE_CONFIG_FILE / FAULTLINE_CONFIG, or pass `source`';
