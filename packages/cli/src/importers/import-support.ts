import type { ValidationIssue } from '@faultline/core';
import {
  builtinFaultRegistry,
  FaultlineError,
  formatValidationIssues,
  invalid,
  isPlainObject,
  maxGlobLength,
  parseFieldPath,
  validateFaultEntry,
} from '@faultline/core';

/**
 * What an importer returns: a schema v1 experiment document (plain JSON, ready to write to a file or validate) and
 * one warning per place where the conversion is not exact. Read the warnings before pushing the result.
 *
 * @example
 * ```ts
 * import { type ImportResult, importChaosLambda } from '@faultline/cli';
 * const { experiment, warnings }: ImportResult = importChaosLambda(config);
 * ```
 */
export interface ImportResult {
  readonly experiment: Record<string, unknown>;
  readonly warnings: string[];
}

/**
 * Options every importer accepts.
 *
 * @example
 * ```ts
 * import { importFailureLambda } from '@faultline/cli';
 * importFailureLambda(config, { id: 'checkout-chaos' });
 * ```
 */
export interface ImportOptions {
  /** Id of the resulting experiment (a slug). Default: named after the source format, e.g. `failure-lambda-import`. */
  readonly id?: string;
}

/**
 * Thrown when the input is not a configuration of the format being imported at all, or when it yields no fault
 * (an import that converts nothing is never a success). `warnings` says what was found and dropped.
 *
 * @example
 * ```ts
 * import { ImportError, importFailureLambda } from '@faultline/cli';
 * try {
 *   importFailureLambda(config);
 * } catch (error) {
 *   if (error instanceof ImportError) console.error(error.message, error.warnings);
 * }
 * ```
 */
export class ImportError extends FaultlineError {
  override readonly name = 'ImportError';
  /** What the importer noticed before it gave up (empty when the input was not such a configuration). */
  readonly warnings: readonly string[];
  constructor(message: string, options?: { cause?: unknown; warnings?: readonly string[] }) {
    super('IMPORT_FAILED', message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.warnings = options?.warnings ?? [];
  }
}

/**
 * The end of every import: the converted faults the built-in types still reject are left out (with a warning), and
 * an experiment needs at least one fault, otherwise the conversion found nothing it could carry over and says so
 * (an {@link ImportError} with the warnings that explain why) instead of producing an empty experiment.
 */
export function finishImport(
  format: string,
  header: { readonly id: string; readonly description: string; readonly enabled: unknown },
  faults: Record<string, unknown>[],
  warnings: string[],
): ImportResult {
  const kept = keepValidFaults(faults, warnings);
  if (kept.length === 0) {
    throw new ImportError(
      `faultline: the ${format} configuration yields no fault, so there is nothing to import${warnings.length > 0 ? ` (${warnings.join('; ')})` : ''}`,
      { warnings },
    );
  }
  return {
    experiment: {
      schemaVersion: 1,
      id: header.id,
      description: header.description,
      enabled: header.enabled,
      faults: kept,
    },
    warnings,
  };
}

/** A value as it appears in the source configuration, for warnings: JSON, shortened, or `missing`. */
export function describeJson(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * JavaScript's `Number(value)` for JSON values, as failure-lambda's arithmetic applies it. A value JavaScript cannot
 * convert at all (an object whose `toString` key is not a function) made failure-lambda throw; that is NaN here.
 */
export function javaScriptNumber(value: unknown): number {
  try {
    return Number(value);
  } catch {
    return Number.NaN;
  }
}

/** JavaScript's `String(value)` for JSON values (`new Error(value)`), or its JSON when JavaScript would throw. */
export function javaScriptString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return describeJson(value);
  }
}

/**
 * Reads a number the way a tool reads it, warning about every coercion. Returns `undefined` when the tool would
 * not have had a usable number.
 */
export type NumberReader = (value: unknown, path: string) => number | undefined;

/**
 * JavaScript arithmetic, as failure-lambda 0.x applies it (`"100" * 1000` is 100 000, `true` is 1, `null` is 0,
 * `"abc"` is NaN): the import uses the number failure-lambda computed with, and says so.
 */
export function javaScriptNumbers(warnings: string[], tool: string): NumberReader {
  return (value, path) => {
    if (value === undefined) return undefined;
    if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
    const coerced = javaScriptNumber(value);
    if (!Number.isFinite(coerced)) {
      warnings.push(
        `${path}: ${describeJson(value)} is not a number (${tool} computed NaN with it); not used`,
      );
      return undefined;
    }
    warnings.push(
      `${path}: ${describeJson(value)} is not a number; ${tool} computed with it as ${coerced} (JavaScript arithmetic), and so does the import`,
    );
    return coerced;
  };
}

/** Only real numbers: tools that check types (failure-lambda 1.x) reject anything else. */
export function exactNumbers(warnings: string[], tool: string): NumberReader {
  return (value, path) => {
    if (value === undefined) return undefined;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    warnings.push(`${path}: ${describeJson(value)} is not a number, which ${tool} rejects; not used`);
    return undefined;
  };
}

/** Accepts the object itself or its JSON text (SSM parameters hold text). */
export function readImportInput(input: unknown, format: string): Record<string, unknown> {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new ImportError(`faultline: the ${format} configuration is not valid JSON`, { cause: error });
    }
  }
  if (!isPlainObject(value)) {
    throw new ImportError(`faultline: a ${format} configuration must be a JSON object`);
  }
  return value;
}

/** Rounds away floating-point noise from percentage conversions (7 / 100 → 0.07, not 0.07000000000000001). */
export function roundProbability(value: number): number {
  // Twelve significant digits: float noise goes, tiny rates (1e-7) stay tiny instead of becoming "never".
  return Math.min(1, Math.max(0, Number(value.toPrecision(12))));
}

/**
 * The result of converting a regular expression to one of our globs.
 *
 * @example
 * ```ts
 * import { type GlobConversion, regexToGlob } from '@faultline/cli';
 * const conversion: GlobConversion = regexToGlob('^api\\.example\\.com$');
 * ```
 */
export type GlobConversion =
  | { readonly ok: true; readonly glob: string; readonly exact: boolean }
  | { readonly ok: false; readonly reason: string };

/**
 * Options of {@link regexToGlob}.
 *
 * @example
 * ```ts
 * import { regexToGlob } from '@faultline/cli';
 * regexToGlob('sale', { unanchored: 'wildcard' }); // { ok: true, glob: '*sale*', exact: true }
 * ```
 */
export interface RegexToGlobOptions {
  /**
   * What an unanchored side of the regex becomes. `anchor` (default): nothing, so the glob matches the whole value
   * (what people usually mean in a host denylist). `wildcard`: `*`, so the glob matches exactly where the regex did.
   */
  readonly unanchored?: 'anchor' | 'wildcard';
}

/**
 * Converts a simple regular expression to a glob (globs are anchored at both ends). Handles what host denylists and
 * path filters use in practice: literal text, `\.`, `.*` / `.+` (→ `*` / `?*`), `^`/`$` anchors, and an unescaped
 * `.` meant as a literal dot (`s3.*.amazonaws.com` → `s3.*.amazonaws.com`). Anything richer (classes, groups,
 * alternation, other quantifiers) is refused, because a glob cannot say it.
 *
 * `exact` is true only when the glob matches exactly the strings the regex matched.
 *
 * @example
 * ```ts
 * import { regexToGlob } from '@faultline/cli';
 *
 * regexToGlob('^api\\.example\\.com$'); // { ok: true, glob: 'api.example.com', exact: true }
 * regexToGlob('s3.*.amazonaws.com'); // { ok: true, glob: 's3.*.amazonaws.com', exact: false }
 * regexToGlob('^/orders/\\d+$'); // { ok: false, reason: 'it uses the class \\d' }
 * ```
 */
export function regexToGlob(pattern: string, options: RegexToGlobOptions = {}): GlobConversion {
  if (pattern.length === 0) return { ok: false, reason: 'it is empty' };
  let source = pattern;
  let anchoredStart = source.startsWith('^');
  if (anchoredStart) source = source.slice(1);
  let anchoredEnd = source.endsWith('$') && !source.endsWith('\\$');
  if (anchoredEnd) source = source.slice(0, -1);
  // A leading or trailing `.*` already reaches the edge, anchored or not.
  if (source.startsWith('.*')) anchoredStart = true;
  if (source.endsWith('.*') && !source.endsWith('\\.*')) anchoredEnd = true;
  const wildcard = options.unanchored === 'wildcard';
  let glob = '';
  let exact = wildcard || (anchoredStart && anchoredEnd);
  if (wildcard && !anchoredStart) glob = '*';
  for (let index = 0; index < source.length; index++) {
    const char = source[index] as string;
    const next = source[index + 1];
    if (char === '\\') {
      if (next === undefined) return { ok: false, reason: 'it ends with a lone backslash' };
      if (/[A-Za-z0-9]/.test(next)) return { ok: false, reason: `it uses the class \\${next}` };
      if (next === '*' || next === '?')
        return { ok: false, reason: `globs cannot express a literal ${next}` };
      glob += next;
      index++;
      continue;
    }
    if (char === '.') {
      if (next === '*' && source[index + 2] === '.' && glob.length > 0 && !glob.endsWith('/')) {
        // `s3.*.amazonaws.com`: written as "a dot, any label, a dot" (a glob in regex clothes), not "s3", anything.
        glob += '.*';
        exact = false;
        index++;
        continue;
      }
      if (next === '*' || next === '+') {
        glob += next === '*' ? '*' : '?*';
        index++;
        continue;
      }
      // Regex `.` is "any character", but in host names and paths it is almost always meant as a literal dot.
      glob += '.';
      exact = false;
      continue;
    }
    if ('[](){}|+?*^$'.includes(char)) {
      return { ok: false, reason: `it uses "${char}", which a glob cannot express` };
    }
    glob += char;
  }
  if (wildcard && !anchoredEnd) glob += '*';
  // `*` next to `*` adds nothing; collapse so the bounded matcher does less work.
  glob = glob.replace(/\*{2,}/g, '*');
  if (glob.length === 0 || /^\**$/.test(glob)) return { ok: false, reason: 'it matches everything' };
  if (glob.length > maxGlobLength)
    return { ok: false, reason: `the glob would exceed ${maxGlobLength} characters` };
  return { ok: true, glob, exact };
}

/** Well-known API Gateway / Lambda event paths and the normalized field that reads the same value on every cloud. */
const normalizedEventPaths: readonly {
  readonly pattern: RegExp;
  readonly field: (match: RegExpExecArray) => string;
}[] = [
  { pattern: /^(?:httpMethod|requestContext\.http\.method)$/, field: () => 'http.method' },
  { pattern: /^(?:path|rawPath|requestContext\.http\.path)$/, field: () => 'http.path' },
  { pattern: /^(?:multiValue)?[hH]eaders\.(.+)$/, field: (match) => `http.header.${match[1]}` },
  {
    pattern: /^(?:queryStringParameters|multiValueQueryStringParameters)\.(.+)$/,
    field: (match) => `http.query.${match[1]}`,
  },
  { pattern: /^(?:detail-type)$/, field: () => 'event.type' },
  { pattern: /^(?:source)$/, field: () => 'event.source' },
];

/** The field a raw event path becomes: a normalized field for well-known API Gateway/EventBridge paths, else `raw.`. */
export function fieldForEventPath(
  path: string,
):
  | { readonly ok: true; readonly field: string; readonly normalized: boolean }
  | { readonly ok: false; readonly reason: string } {
  const cleaned = path.replace(/^\$?\.?(?:event\.)?/, '').replace(/\[(\d+)\]/g, '.$1');
  for (const known of normalizedEventPaths) {
    const match = known.pattern.exec(cleaned);
    if (match !== null) {
      const field = known.field(match);
      if (parseFieldPath(field).ok) return { ok: true, field, normalized: true };
    }
  }
  const raw = `raw.${cleaned}`;
  const parsed = parseFieldPath(raw);
  if (!parsed.ok) return { ok: false, reason: parsed.message };
  return { ok: true, field: parsed.field.path, normalized: false };
}

/** Lower-case slug for ids built from source names (`statuscode` → `statuscode`, `Disk Space` → `disk-space`). */
export function slugify(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 64) || 'fault'
  );
}

/** Cuts text to a fault attribute's limit, with a warning. */
export function truncate(text: string, maxLength: number, path: string, warnings: string[]): string {
  if (text.length <= maxLength) return text;
  warnings.push(`${path}: longer than faultline's ${maxLength}-character limit; truncated`);
  return text.slice(0, maxLength);
}

/**
 * Last line of defence: a converted fault that the built-in fault types still reject (a limit we did not foresee)
 * is left out with a warning, so an import never yields a document that fails validation.
 */
function keepValidFaults(faults: Record<string, unknown>[], warnings: string[]): Record<string, unknown>[] {
  return faults.filter((fault, index) => {
    if (typeof fault.type !== 'string' || builtinFaultRegistry.get(fault.type) === undefined) return true;
    const issues: ValidationIssue[] = [];
    if (validateFaultEntry(fault, `faults[${index}]`, issues, builtinFaultRegistry) !== invalid) return true;
    warnings.push(
      `${String(fault.id)}: the converted fault is not valid and was left out: ${formatValidationIssues(issues).replace(/\n/g, '; ')}`,
    );
    return false;
  });
}
