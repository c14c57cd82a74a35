import type { ValidationIssue } from '../schema/schema.js';
import { scanJsonText } from './document-limits.js';

// What a running function parses: JSON only, bounded before anything is built. YAML lives in `parse-text.ts`, which
// only the CLI and authoring tools reach, so a function's bundle and its first document never load a YAML parser.

/**
 * Largest experiment document accepted, in bytes (256 KiB). Config stores hold far less; a bigger one is a mistake.
 */
export const defaultMaxConfigSizeBytes = 256 * 1024;

/**
 * The result of `parseExperimentText` and `parseExperimentJson`: the parsed (not yet validated) document, or why it is unreadable.
 *
 * @example
 * ```ts
 * import { type ParseExperimentTextResult, parseExperimentText } from '@faultline/core';
 * const parsed: ParseExperimentTextResult = await parseExperimentText(text);
 * if (parsed.ok) use(parsed.value);
 * ```
 */
export type ParseExperimentTextResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issues: ValidationIssue[] };

/**
 * Parses experiment JSON the way a running function does: the size cap first, then one linear scan of the grammar
 * and the shape limits (`documentLimits`), and `JSON.parse` only on text that passed. Synchronous, never throws,
 * and a failure names a position and a kind of problem, never a piece of the text.
 *
 * @example
 * ```ts
 * import { parseExperimentJson } from '@faultline/core';
 *
 * const parsed = parseExperimentJson(process.env.FAULTLINE_CONFIG ?? '');
 * ```
 */
export function parseExperimentJson(
  text: string,
  options: { readonly maxSizeBytes?: number } = {},
): ParseExperimentTextResult {
  try {
    const checked = checkText(text, options.maxSizeBytes ?? defaultMaxConfigSizeBytes);
    return typeof checked === 'string' ? parseJsonText(checked) : checked;
  } catch (error) {
    // Only the error's name: its message could quote the text.
    const name = error instanceof Error ? error.name : typeof error;
    return { ok: false, issues: [{ path: '', message: `could not be parsed (${name})` }] };
  }
}

/** The size cap and the empty check shared by both parsers; the text without a byte-order mark when it passes. */
export function checkText(
  text: unknown,
  maxSizeBytes: number,
): string | { ok: false; issues: ValidationIssue[] } {
  if (typeof text !== 'string') {
    return { ok: false, issues: [{ path: '', message: `must be text, got a ${typeof text}` }] };
  }
  // Every UTF-16 unit is at least one UTF-8 byte and at most three, so the exact count is needed only in between.
  const sizeBytes =
    text.length > maxSizeBytes
      ? text.length
      : text.length * 3 <= maxSizeBytes
        ? 0
        : Buffer.byteLength(text, 'utf8');
  if (sizeBytes > maxSizeBytes) {
    return {
      ok: false,
      issues: [
        {
          path: '',
          message: `is ${formatBytes(sizeBytes)}${text.length > maxSizeBytes ? ' or more' : ''}, more than the ${formatBytes(maxSizeBytes)} limit`,
          hint: 'experiments are small; split this one, or raise maxSizeBytes if you really need more',
        },
      ],
    };
  }
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (withoutBom.trim() === '') {
    return {
      ok: false,
      issues: [
        { path: '', message: 'is empty', hint: 'an experiment needs at least schemaVersion, id and faults' },
      ],
    };
  }
  return withoutBom;
}

/** Scan, then `JSON.parse`: see `parseExperimentJson`. */
export function parseJsonText(text: string): ParseExperimentTextResult {
  // The scan checks grammar and shape limits in one linear pass, so JSON.parse only ever sees bounded work, and a
  // syntax error is reported as a position and a kind (never a piece of the text, which may be a secret).
  const failure = scanJsonText(text);
  if (failure !== undefined) return { ok: false, issues: [failure.issue] };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // The scan and JSON.parse disagree (a bug in the scan): still say nothing about the text.
    return { ok: false, issues: [{ path: '', message: 'is not valid JSON' }] };
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 && bytes % 1024 === 0
    ? `${bytes / 1024} KiB`
    : bytes >= 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${bytes} bytes`;
}

/** A short description of a thrown value, for messages the CLI prints. */
export function describeError(error: unknown): string {
  try {
    return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 200);
  } catch {
    return 'unknown error';
  }
}
