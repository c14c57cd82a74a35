import { createHash } from 'node:crypto';
import { ConfigDocumentError } from './config-errors.js';

/** The text formats a config document may use. */
export const configDocumentFormats = ['json', 'yaml'] as const;
export type ConfigDocumentFormat = (typeof configDocumentFormats)[number];

/**
 * Guesses the format of a config file from its name: `.json` → JSON, `.yaml`/`.yml` → YAML, otherwise `undefined`
 * (decide by content).
 *
 * @example
 * ```ts
 * import { formatFromFileName } from '@faultline/core';
 *
 * formatFromFileName('experiments/orders.yaml'); // 'yaml'
 * formatFromFileName('faultline.conf'); // undefined
 * ```
 */
export function formatFromFileName(fileName: string): ConfigDocumentFormat | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return undefined;
}

/**
 * Decodes JSON or YAML text into a plain value. Without a `format`, text whose first non-blank character is `{` or
 * `[` is read as JSON and anything else as YAML. YAML support is loaded lazily, only when a YAML document is read.
 * Throws a {@link ConfigDocumentError} naming the source and the position of the problem.
 *
 * @example
 * ```ts
 * import { decodeConfigDocument } from '@faultline/core';
 *
 * const value = await decodeConfigDocument('id: orders\nfaults: []\n', { sourceName: 'file:faultline.yaml' });
 * // → { id: 'orders', faults: [] }
 * ```
 */
export async function decodeConfigDocument(
  text: string,
  options: { format?: ConfigDocumentFormat | undefined; sourceName?: string } = {},
): Promise<unknown> {
  const sourceName = options.sourceName ?? 'config';
  const format = options.format ?? sniffFormat(text);
  if (text.trim() === '') throw new ConfigDocumentError(`${sourceName} is empty`);
  if (format === 'json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new ConfigDocumentError(`${sourceName} is not valid JSON: ${(cause as Error).message}`, {
        cause,
      });
    }
  }
  const { parse } = await import('yaml');
  try {
    // Aliases are capped so a tiny document cannot expand into a huge one ("billion laughs").
    return parse(text, { maxAliasCount: 100, merge: false, logLevel: 'error' }) as unknown;
  } catch (cause) {
    throw new ConfigDocumentError(`${sourceName} is not valid YAML: ${(cause as Error).message}`, { cause });
  }
}

function sniffFormat(text: string): ConfigDocumentFormat {
  const first = /\S/.exec(text)?.[0];
  return first === '{' || first === '[' ? 'json' : 'yaml';
}

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
