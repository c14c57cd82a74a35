/**
 * Where experiments come from. A source only knows how to read its store once; caching, single-flight, fetch
 * budgets, stale-while-revalidate and fail-open live in the one cached wrapper in core (`createCachedConfig`).
 */

/**
 * What the cached wrapper passes to {@link ConfigSource.load}.
 *
 * @example
 * ```ts
 * import type { ConfigLoadRequest } from '@faultline/core';
 *
 * const request: ConfigLoadRequest = { signal: AbortSignal.timeout(1_000), previousVersion: undefined };
 * ```
 */
export interface ConfigLoadRequest {
  /** Aborted when the fetch budget runs out; sources pass it to their SDK call. */
  readonly signal: AbortSignal;
  /** Version of the document currently cached, for conditional reads (ETag, updateTime). */
  readonly previousVersion: string | undefined;
}

/**
 * The outcome of one read of the store. Failures are thrown (or rejected) and handled by the cached wrapper.
 *
 * @example
 * ```ts
 * import type { ConfigLoadResult } from '@faultline/core';
 *
 * const loaded: ConfigLoadResult = { kind: 'document', document: '{"schemaVersion":1}', version: '"etag-1"' };
 * const notModified: ConfigLoadResult = { kind: 'unchanged' };
 * const empty: ConfigLoadResult = { kind: 'missing' };
 * ```
 */
export type ConfigLoadResult =
  | {
      readonly kind: 'document';
      /** JSON text (size- and shape-checked before parsing), or an already-parsed value. */
      readonly document: string | object;
      /** Store version (SSM version, Firestore updateTime, ETag, file mtime+size), reported in events. */
      readonly version: string;
    }
  /** The store confirmed that `previousVersion` is current (e.g. HTTP 304). */
  | { readonly kind: 'unchanged' }
  /** The store holds no experiment: no faults (and one warning). */
  | { readonly kind: 'missing' };

/**
 * A reader of one store. Implementations stay tiny; see `createCachedConfig` for everything else. Every source
 * should pass `describeConfigSourceContract` (private test kit).
 *
 * @example
 * ```ts
 * import { type ConfigSource, contentVersion } from '@faultline/core';
 *
 * // A store behind HTTP with ETags: conditional GET, 304 ⇒ unchanged, 404 ⇒ missing, other errors thrown.
 * export function createHttpSource(url: string): ConfigSource {
 *   return {
 *     name: `http:${new URL(url).host}${new URL(url).pathname}`, // no query string: it may carry a token
 *     async load({ signal, previousVersion }) {
 *       const response = await fetch(url, {
 *         signal,
 *         headers: previousVersion ? { 'if-none-match': previousVersion } : {},
 *       });
 *       if (response.status === 304) return { kind: 'unchanged' };
 *       if (response.status === 404) return { kind: 'missing' };
 *       if (!response.ok) throw new Error(`config store answered HTTP ${response.status}`);
 *       const text = await response.text();
 *       return { kind: 'document', document: text, version: response.headers.get('etag') ?? contentVersion(text) };
 *     },
 *   };
 * }
 * ```
 */
export interface ConfigSource {
  /** Human-readable name for events, e.g. `ssm:/faultline/orders`. Must never contain secrets. */
  readonly name: string;
  /** Reads the store once. May throw; must honour `request.signal`. */
  load(request: ConfigLoadRequest): Promise<ConfigLoadResult>;
  /**
   * Optional push mode (e.g. Firestore `onSnapshot`): calls `listener` on every change. Returns an unsubscribe
   * function. The cached wrapper keeps TTL polling as the fallback.
   */
  subscribe?(listener: (result: ConfigLoadResult) => void, onError: (error: unknown) => void): () => void;
}
