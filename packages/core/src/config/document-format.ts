import { ConfigDocumentError } from './config-errors.js';

/**
 * The text formats a config document may use.
 *
 * @example
 * ```ts
 * import { type ConfigDocumentFormat, configDocumentFormats } from '@faultline/core';
 *
 * const format: ConfigDocumentFormat = 'yaml';
 * configDocumentFormats.includes(format); // true
 * ```
 */
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
 * Decodes JSON or YAML text into a plain value with the experiment parser's safety rules (size cap, capped YAML
 * aliases, no custom tags, duplicate keys refused). Without a `format`, text starting with `{` or `[` is JSON and
 * anything else YAML; YAML support is loaded only when a YAML document is read. Throws a
 * {@link ConfigDocumentError} naming the source and the line and column of the problem.
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
  options: { format?: ConfigDocumentFormat | undefined; sourceName?: string; maxSizeBytes?: number } = {},
): Promise<unknown> {
  const sourceName = options.sourceName ?? 'config';
  // The text parser pulls in the experiment validator; sources load it with the first document, not at import.
  const [{ parseExperimentText }, { formatValidationIssues }] = await Promise.all([
    import('../experiment/parse-text.js'),
    import('../experiment/validate.js'),
  ]);
  const parsed = await parseExperimentText(text, {
    ...(options.format !== undefined ? { format: options.format } : {}),
    ...(options.maxSizeBytes !== undefined ? { maxSizeBytes: options.maxSizeBytes } : {}),
  });
  if (parsed.ok) return parsed.value;
  const problems = formatValidationIssues(parsed.issues).replace(/^\(document\): /, '');
  throw new ConfigDocumentError(`${sourceName} ${problems}`);
}
