import { ConfigDocumentError } from './config-errors.js';

/**
 * The text formats of config documents. Functions read `json` only; `yaml` names files the CLI converts (a
 * source asked to read YAML reports a config error that says so).
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
 * Decodes a config document's text for a running function: JSON only, with the experiment parser's safety rules
 * (size cap, bounded nesting and size checked in one linear pass before `JSON.parse`, duplicate keys refused).
 * YAML is the CLI's authoring format: `faultline push` stores JSON, and parsing YAML inside a function is work
 * that cannot be bounded cheaply, so YAML text (or a `format: 'yaml'` request) is refused with that fix. Throws a
 * {@link ConfigDocumentError} naming the source and the line and column of the problem, never a piece of the text.
 *
 * @example
 * ```ts
 * import { decodeConfigDocument } from '@faultline/core';
 *
 * const value = await decodeConfigDocument('{"id":"orders","faults":[]}', { sourceName: 'file:faultline.json' });
 * // → { id: 'orders', faults: [] }
 * ```
 */
export async function decodeConfigDocument(
  text: string,
  options: { format?: ConfigDocumentFormat | undefined; sourceName?: string; maxSizeBytes?: number } = {},
): Promise<unknown> {
  const sourceName = options.sourceName ?? 'config';
  if (options.format === 'yaml') throw yamlRefused(sourceName);
  // The parser pulls in the experiment validator; sources load it with the first document, not at import.
  const [{ parseExperimentJson }, { formatValidationIssues }] = await Promise.all([
    import('../experiment/parse-json.js'),
    import('../experiment/validate.js'),
  ]);
  const parsed = parseExperimentJson(
    text,
    options.maxSizeBytes === undefined ? {} : { maxSizeBytes: options.maxSizeBytes },
  );
  if (parsed.ok) return parsed.value;
  const problems = formatValidationIssues(parsed.issues).replace(/^\(document\): /, '');
  throw new ConfigDocumentError(`${sourceName} ${problems}`);
}

// Short on purpose: this module is on every adapter's import path (docs/experiment-format.md says why YAML is
// the CLI's format).
function yamlRefused(sourceName: string): ConfigDocumentError {
  return new ConfigDocumentError(
    `${sourceName} is YAML, and functions read experiments as JSON only: store JSON (\`faultline push x.yaml --to file:x.json\` writes it)`,
  );
}
