import { createModuleLoader } from '../engine/module-loader.js';
import type { ValidationIssue } from '../schema/schema.js';
import { checkDocumentShape, documentLimits, locateOffset } from './document-limits.js';
import {
  checkText,
  defaultMaxConfigSizeBytes,
  describeError,
  type ParseExperimentTextResult,
  parseJsonText,
} from './parse-json.js';
import type { ValidateExperimentOptions } from './validate.js';
import { type ExperimentValidationResult, validateExperiment } from './validate-experiment.js';

/**
 * Most YAML aliases (`*anchor`) one document may expand. Experiments have no use for many; a low cap defeats
 * "billion laughs" documents before they can allocate.
 */
export const maxYamlAliasCount = 20;

/** The text formats an experiment can be written in. */
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

// Loaded with the first YAML document; a failed load (say, a file system hiccup) is retried by the next one.
type YamlModule = typeof import('yaml');
const yamlParser = createModuleLoader((): Promise<YamlModule> => import('yaml'));

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

async function parseYamlText(text: string): Promise<ParseExperimentTextResult> {
  let yaml: YamlModule;
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
  const tooComplex = prescanYaml(yaml, text);
  if (tooComplex !== undefined) return { ok: false, issues: [tooComplex] };
  const document = yaml.parseDocument(text, {
    // Plain YAML 1.2 core: no custom tags, no `<<` merge keys, no implicit timestamps or binary.
    schema: 'core',
    customTags: [],
    merge: false,
    // Checked below in one pass: the library's own check compares every key with every other one (quadratic).
    uniqueKeys: false,
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
  const at = (node: unknown): string => {
    const offset = (node as { range?: [number, number, number] } | null)?.range?.[0];
    if (offset === undefined) return '';
    const location = locateOffset(text, offset);
    return ` at line ${location.line}, column ${location.column}`;
  };
  yaml.visit(document, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (yaml.isCollection(pair.key)) {
          issues.push({
            path: '',
            message: `is not valid for an experiment${at(pair.key)}: a key is a list or map`,
            hint: 'keys must be plain strings',
          });
          return yaml.visit.BREAK;
        }
        const name = String(yaml.isScalar(pair.key) ? pair.key.value : pair.key);
        if (seen.has(name)) {
          issues.push({
            path: '',
            message: `is not valid YAML${at(pair.key)}: a key appears twice in one mapping`,
            ...yamlProblemHint('DUPLICATE_KEY'),
          });
          return yaml.visit.BREAK;
        }
        seen.add(name);
      }
      return undefined;
    },
  });
  if (issues.length > 0) return { ok: false, issues };
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: maxYamlAliasCount });
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
  // Aliases can grow a document past the limits the prescan saw.
  const shape = checkDocumentShape(value);
  return shape === undefined ? { ok: true, value } : { ok: false, issues: [shape] };
}

/** Most lexical tokens that make nodes (scalars, indicators, flow brackets) per value allowed in a document. */
const yamlTokensPerValue = 3;
/** Deepest indentation (in columns) of a block line; block nesting needs indentation, so this bounds it. */
const maxYamlIndent = 4 * documentLimits.maxDepth;

/**
 * Bounds the YAML parser's work before it builds anything: the library keeps every node of a document in memory
 * and has no depth or size limits of its own (250 000 unclosed `[` take hundreds of MB). One pass over the lexer's
 * tokens, stopped at the first excess, bounds the node count, the flow nesting and the block nesting (through
 * indentation and compact `- - -` indicators). The exact limits are checked on the parsed value.
 */
function prescanYaml(yaml: YamlModule, text: string): ValidationIssue | undefined {
  const maxTokens = yamlTokensPerValue * documentLimits.maxValues;
  const hint = 'experiments are small and shallow; this document is not one';
  let nodeTokens = 0;
  let flowDepth = 0;
  let indicatorsOnLine = 0;
  let atLineStart = true;
  let offset = 0;
  const failAt = (message: string): ValidationIssue => {
    const location = locateOffset(text, offset);
    return { path: '', message: `${message} (line ${location.line}, column ${location.column})`, hint };
  };
  let scalarNext = false;
  for (const token of new yaml.Lexer().lex(text)) {
    if (scalarNext) {
      // The text of a scalar (a block scalar's lines start with spaces, so its type cannot be told from it).
      scalarNext = false;
      offset += token.length;
      const lastNewline = token.lastIndexOf('\n');
      atLineStart = lastNewline === token.length - 1;
      if (lastNewline !== -1) indicatorsOnLine = 0;
      continue;
    }
    const type = yaml.CST.tokenType(token);
    switch (type) {
      case 'doc-mode':
      case 'flow-error-end':
      case 'scalar':
        // Lexer control characters (the `scalar` marker precedes a plain scalar): not part of the text.
        if (type === 'scalar') {
          nodeTokens++;
          scalarNext = true;
        }
        continue;
      case 'newline':
        atLineStart = true;
        indicatorsOnLine = 0;
        offset += token.length;
        continue;
      case 'space':
        if (atLineStart && flowDepth === 0 && token.length > maxYamlIndent) {
          return failAt(`is indented deeper than ${maxYamlIndent} columns`);
        }
        offset += token.length;
        continue;
      case 'seq-item-ind':
      case 'explicit-key-ind':
        if (++indicatorsOnLine > documentLimits.maxDepth) {
          return failAt(`nests deeper than ${documentLimits.maxDepth} levels`);
        }
        nodeTokens++;
        break;
      case 'flow-map-start':
      case 'flow-seq-start':
        if (++flowDepth > documentLimits.maxDepth) {
          return failAt(`nests deeper than ${documentLimits.maxDepth} levels`);
        }
        nodeTokens++;
        break;
      case 'flow-map-end':
      case 'flow-seq-end':
        flowDepth = Math.max(0, flowDepth - 1);
        break;
      case 'map-value-ind':
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
      case 'block-scalar-header':
        nodeTokens++;
        break;
      default:
        break;
    }
    atLineStart = false;
    if (nodeTokens > maxTokens) return failAt(`holds more than ${documentLimits.maxValues} values`);
    offset += token.length;
  }
  return undefined;
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

function firstLine(message: string): string {
  const newline = message.indexOf('\n');
  return newline === -1 ? message : message.slice(0, newline);
}
