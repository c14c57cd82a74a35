/**
 * `contentVersion` for adapters' sources, loaded with the first call: its hash ships with the engine runtime, which
 * an adapter's import must not pay for (adapter-kit is on every adapter's eager path).
 *
 * @example
 * ```ts
 * import { contentVersionOf } from '@faultline/core/adapter-kit';
 *
 * const version = await contentVersionOf('{"schemaVersion":1,"id":"orders","faults":[]}'); // 'sha256:…'
 * ```
 */
export async function contentVersionOf(content: object | string): Promise<string> {
  const { contentVersion } = await import('./content-version.js');
  return contentVersion(content);
}
