import { sha256Hex } from './sha256.js';

// Loaded with `import()` by the sources that hash (environment, inline, AppConfig without a version) when they first
// read, not when an adapter is imported: it ships with the engine runtime, which the first invocation loads anyway.

/**
 * A short, stable content hash used as the version of sources without a native version (inline, environment).
 * Objects are hashed in a canonical form (sorted keys), so key order does not create a new version.
 *
 * @example
 * ```ts
 * import { contentVersion } from '@faultline/core';
 *
 * contentVersion({ b: 1, a: 2 }) === contentVersion({ a: 2, b: 1 }); // true
 * ```
 */
export function contentVersion(content: object | string): string {
  const text = typeof content === 'string' ? content : canonicalJson(content);
  return `sha256:${sha256Hex(text).slice(0, 16)}`;
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}
