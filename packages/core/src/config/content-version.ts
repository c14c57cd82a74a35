import { createHash } from 'node:crypto';

// Its own module: `node:crypto` costs a fresh process about 1.5 ms to load, so the sources that hash (environment,
// inline) import this with `import()` when they first read, not when an adapter is imported.

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
  return `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}
