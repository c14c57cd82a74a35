import { createModuleLoader } from '../engine/module-loader.js';
import type { ValidationIssue } from '../schema/schema.js';
import {
  type ExperimentValidationResult,
  type ValidateExperimentOptions,
  validateExperiment,
} from './validate.js';

/**
 * Largest experiment document accepted, in bytes (256 KiB). Config stores hold far less; a bigger one is a mistake.
 *
 * @example
 * ```ts
 * import { defaultMaxConfigSizeBytes, parseExperimentText } from '@faultline/core';
 * await parseExperimentText(text, { maxSizeBytes: defaultMaxConfigSizeBytes / 4 });
 * ```
 */
export const defaultMaxConfigSizeBytes = 256 * 1024;

/**
 * Most YAML aliases (`*anchor`) one document may expand. Experiments have no use for many; a low cap defeats
 * "billion laughs" documents before they can allocate.
 *
 * @example
 * ```ts
 * console.log(`YAML documents may expand at most ${maxYamlAliasCount} aliases`);
 * ```
 */
export const maxYamlAliasCount = 20;

/**
 * The text formats an experiment can be written in.
 *
 * @example
 * ```ts
 * const format = experimentTextFormats.find((candidate) => file.endsWith(`.${candidate}`));
 * ```
 */
export const experimentTextFormats = ['json', 'yaml'] as const;
export type ExperimentTextFormat = (typeof experimentTextFormats)[number];

/**
 * Options of {@link parseExperimentText}.
 *
 * @example
 * ```ts
 * import { type ParseExperimentTextOptions, parseExperimentText } from '@faultline/core';
 * const options: ParseExperimentTextOptions = { format: 'yaml', maxSizeBytes: 64 * 1024 };
 * await parseExperimentText(text, options);
 * ```
 */
export interface ParseExperimentTextOptions {
  /** Default: JSON when the text starts with `{`, YAML otherwise (YAML also reads JSON). */
  readonly format?: ExperimentTextFormat;
  /** Texts larger than this are refused before parsing. Default {@link defaultMaxConfigSizeBytes}. */
  readonly maxSizeBytes?: number;
}

/**
 * The result of {@link parseExperimentText}: the parsed (not yet validated) document, or why it is unreadable.
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

// Loaded with the first YAML document; a failed load (say, a file system hiccup) is retried by the next one.
const yamlParser = createModuleLoader(() => import('yaml'));

/**
 * Parses experiment text (JSON or YAML) into a plain value, safely: the size is checked before parsing, YAML
 * aliases are capped, custom tags are refused and duplicate keys are errors. Syntax errors name the line and
 * column. JSON is parsed synchronously; the YAML parser is loaded on first use only, so functions reading JSON
 * never pay for it. Never throws and never rejects.
 *
 * @example
 * ```ts
 * import { formatValidationIssues, parseExperimentText, validateExperiment } from '@faultline/core';
 * import { readFile } from 'node:fs/promises';
 *
 * const parsed = await parseExperimentText(await readFile('experiments/pricing-latency.yaml', 'utf8'));
 * if (!parsed.ok) throw new Error(formatValidationIssues(parsed.issues));
 * const result = validateExperiment(parsed.value);
 * ```
 */
export async function parseExperimentText(
  text: string,
  options: ParseExperimentTextOptions = {},
): Promise<ParseExperimentTextResult> {
  try {
    const checked = checkText(text, options.maxSizeBytes ?? defaultMaxConfigSizeBytes);
    if (typeof checked !== 'string') return checked;
    const format = options.format ?? (/^\s*[{[]/.test(checked) ? 'json' : 'yaml');
    if (format === 'json') return parseJsonText(checked);
    return await parseYamlText(checked);
  } catch (error) {
    return { ok: false, issues: [{ path: '', message: `could not be parsed (${describeError(error)})` }] };
  }
}

/**
 * Parses and validates experiment text in one step (see {@link parseExperimentText} and {@link validateExperiment}).
 *
 * @example
 * ```ts
 * import { formatValidationIssues, validateExperimentText } from '@faultline/core';
 *
 * const result = await validateExperimentText('schemaVersion: 1\nid: demo\nfaults: []\n');
 * if (!result.ok) console.error(formatValidationIssues(result.issues));
 * ```
 */
export async function validateExperimentText(
  text: string,
  options: ParseExperimentTextOptions & ValidateExperimentOptions = {},
): Promise<ExperimentValidationResult> {
  const parsed = await parseExperimentText(text, options);
  if (!parsed.ok) return parsed;
  return validateExperiment(parsed.value, options);
}

/**
 * The JSON part of {@link parseExperimentText}, synchronous, for callers on a hot path that only ever read JSON
 * (e.g. an environment variable).
 *
 * @example
 * ```ts
 * const parsed = parseExperimentJson(process.env.FAULTLINE_CONFIG ?? '');
 * ```
 */
export function parseExperimentJson(
  text: string,
  options: Pick<ParseExperimentTextOptions, 'maxSizeBytes'> = {},
): ParseExperimentTextResult {
  try {
    const checked = checkText(text, options.maxSizeBytes ?? defaultMaxConfigSizeBytes);
    return typeof checked === 'string' ? parseJsonText(checked) : checked;
  } catch (error) {
    return { ok: false, issues: [{ path: '', message: `could not be parsed (${describeError(error)})` }] };
  }
}

function checkText(text: unknown, maxSizeBytes: number): string | { ok: false; issues: ValidationIssue[] } {
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

function parseJsonText(text: string): ParseExperimentTextResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const location = locateJsonError(text, message);
    return {
      ok: false,
      issues: [
        {
          path: '',
          message: `is not valid JSON${location === undefined ? '' : ` at line ${location.line}, column ${location.column}`}: ${firstLine(message)}`,
          hint: 'check for trailing commas, unquoted keys and missing quotes',
        },
      ],
    };
  }
}

function locateJsonError(text: string, message: string): { line: number; column: number } | undefined {
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn !== null) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  const position = /position (\d+)/.exec(message);
  const offset =
    position !== null ? Number(position[1]) : /end of JSON input/.test(message) ? text.length : undefined;
  return offset === undefined ? undefined : locateOffset(text, offset);
}

async function parseYamlText(text: string): Promise<ParseExperimentTextResult> {
  let yaml: typeof import('yaml');
  try {
    yaml = await yamlParser.load();
  } catch (error) {
    return {
      ok: false,
      issues: [
        {
          path: '',
          message: `could not be read as YAML: the yaml package failed to load (${describeError(error)})`,
          hint: 'write the experiment as JSON, or install the yaml package',
        },
      ],
    };
  }
  const document = yaml.parseDocument(text, {
    // Plain YAML 1.2 core: no custom tags, no `<<` merge keys, no implicit timestamps or binary.
    schema: 'core',
    customTags: [],
    merge: false,
    uniqueKeys: true,
    strict: true,
    prettyErrors: true,
    // 'error' keeps every error (multiple documents included) but never prints warnings to the console.
    logLevel: 'error',
  });
  const issues: ValidationIssue[] = [];
  for (const problem of [...document.errors, ...document.warnings]) {
    const position = problem.linePos?.[0];
    const where = position === undefined ? '' : ` at line ${position.line}, column ${position.col}`;
    issues.push({
      path: '',
      message: `is not valid YAML${where}: ${yamlProblemMessage(problem.message)}`,
      ...yamlProblemHint(problem.code),
    });
  }
  yaml.visit(document, {
    Pair(_, pair) {
      if (yaml.isCollection(pair.key)) {
        const offset = (pair.key as { range?: [number, number, number] }).range?.[0];
        const location = offset === undefined ? undefined : locateOffset(text, offset);
        issues.push({
          path: '',
          message: `is not valid for an experiment${location === undefined ? '' : ` at line ${location.line}, column ${location.column}`}: a key is a list or map`,
          hint: 'keys must be plain strings',
        });
        return yaml.visit.BREAK;
      }
      return undefined;
    },
  });
  if (issues.length > 0) return { ok: false, issues };
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: maxYamlAliasCount }) };
  } catch (error) {
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      return {
        ok: false,
        issues: [
          {
            path: '',
            message: `uses YAML aliases too often (more than ${maxYamlAliasCount} expansions)`,
            hint: 'write the repeated parts out; experiments rarely need anchors',
          },
        ],
      };
    }
    return {
      ok: false,
      issues: [{ path: '', message: `could not be read as YAML (${describeError(error)})` }],
    };
  }
}

function yamlProblemMessage(message: string): string {
  // yaml's pretty errors append the location and a source excerpt; we report the location ourselves.
  return firstLine(message).replace(/ at line \d+, column \d+:?$/, '');
}

function yamlProblemHint(code: string): { hint?: string } {
  switch (code) {
    case 'TAG_RESOLVE_FAILED':
      return { hint: 'custom tags (!tag) are not allowed; write plain values' };
    case 'DUPLICATE_KEY':
      return { hint: 'each key may appear once per mapping; remove or merge the repeated one' };
    case 'MULTIPLE_DOCS':
      return { hint: 'one experiment per file; remove the extra `---` document' };
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return { hint: 'check the indentation (spaces, not tabs) and closing brackets' };
    case 'TAB_AS_INDENT':
      return { hint: 'indent with spaces, not tabs' };
    default:
      return {};
  }
}

function locateOffset(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index++) {
    if (text.charCodeAt(index) === 10) {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function firstLine(message: string): string {
  const newline = message.indexOf('\n');
  return newline === -1 ? message : message.slice(0, newline);
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 && bytes % 1024 === 0
    ? `${bytes / 1024} KiB`
    : bytes >= 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${bytes} bytes`;
}

function describeError(error: unknown): string {
  try {
    return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 200);
  } catch {
    return 'unknown error';
  }
}
