import type { ConfigLoadRequest } from './config-source.js';

/**
 * Marks a request the cached wrapper made (see `ReadRequest` in `cached-config.ts`): its value says whether the read
 * was aborted, which tells a source without making the request's signal.
 */
export const readAborted: unique symbol = Symbol('faultline.read-aborted');

/**
 * `request.signal.throwIfAborted()`, without making the signal of a cached wrapper's request that nothing aborted:
 * for the sources in core that never wait on anything (inline, environment), so a cold instance's first read of an
 * inline experiment creates no `AbortController` (the first one of a process costs about half a millisecond).
 *
 * @example
 * ```ts
 * async load(request) {
 *   throwIfReadAborted(request);
 *   return { kind: 'document', document: text, version: contentVersion(text) };
 * }
 * ```
 */
export function throwIfReadAborted(request: ConfigLoadRequest): void {
  if ((request as { readonly [readAborted]?: boolean })[readAborted] === false) return;
  request.signal.throwIfAborted();
}
