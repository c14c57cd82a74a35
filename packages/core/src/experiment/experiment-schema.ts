/**
 * The experiment file format, schema v1, written once in the schema language: it validates documents (every problem
 * at once, each with its JSON path and a hint) and generates the JSON Schema editors use. Fault entries are
 * validated against the attribute schema of their type, looked up in a {@link FaultRegistry}, so custom fault types
 * get the same checks and messages as the built-in ones.
 */
import type { FaultType } from '../faults/fault-type.js';
import type { FaultRegistry } from '../faults/registry.js';
import { knownFields, maxFieldPathLength, parseFieldPath } from '../invocation/fields.js';
import { clouds } from '../invocation/invocation.js';
import { maxGlobLength } from '../matching/glob.js';
import { runTokenLength, runTokenPattern } from '../observability/injection-marker.js';
import type {
  Infer,
  JsonSchema,
  ObjectSchema,
  Properties,
  Schema,
  ValidationIssue,
} from '../schema/schema.js';
import {
  areValuesHidden,
  closestName,
  describeValue,
  invalid,
  isPlainObject,
  joinContentKey,
  joinPath,
  quoteName,
  valueHint,
} from '../schema/schema.js';
import * as s from '../schema/schema-builders.js';
import type { FaultDefinition, MatchCondition, MatchValue } from './types.js';
import { experimentModes, matchOperators } from './types.js';

/** The only schema version this release understands. */
export const experimentSchemaVersion = 1;
/** Most fault entries one experiment may hold (100); more is a validation error. */
export const maxFaultsPerExperiment = 100;
/** Most conditions one fault's `match` may hold (32). */
export const maxMatchConditions = 32;
/** Most values an `in` condition may list (100). */
export const maxMatchInValues = 100;
/** Longest experiment or fault id, in characters (64). */
export const maxIdLength = 64;
/** Stage globs treated as production unless `guard.productionStages` lists its own. */
export const defaultProductionStages: readonly string[] = ['prod', 'prod-*', 'prod*', 'production', 'live'];

const slugPattern = /^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/;

/** True for a string that is a valid experiment or fault id (a slug of at most {@link maxIdLength} characters). */
export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= maxIdLength && slugPattern.test(value);
}

/** Lower-case letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit. */
function slugSchema(description: string): Schema<string> {
  const base = s.string({ minLength: 1, maxLength: maxIdLength, description });
  return {
    kind: 'string',
    description,
    validate(value, path, issues) {
      const text = base.validate(value, path, issues);
      if (text === invalid) return invalid;
      if (slugPattern.test(text)) return text;
      const suggestion = toSlug(text);
      issues.push({
        path,
        message: `must be a slug (lower-case letters, digits, "-", "_", "."), got ${describeValue(text)}`,
        ...withValueHint(() =>
          suggestion === '' || suggestion === text ? undefined : `did you mean "${suggestion}"?`,
        ),
      });
      return invalid;
    },
    toJsonSchema() {
      return { ...base.toJsonSchema(), pattern: slugPattern.source };
    },
  };
}

function toSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, maxIdLength);
}

/**
 * The hint for an out-of-range probability: a value in (1, 100] was almost certainly meant as a percentage.
 *
 * @example
 * ```ts
 * import { s } from '@faultline/core';
 * probabilityHint(5); // 'did you mean 0.05?'
 * const rate = s.number({ minimum: 0, maximum: 1, hint: probabilityHint });
 * ```
 */
export function probabilityHint(value: number): string | undefined {
  // toPrecision trims float noise: 1.1 / 100 is 0.011000000000000001.
  return value > 1 && value <= 100 ? `did you mean ${Number((value / 100).toPrecision(12))}?` : undefined;
}

const probabilityNumber = s.number({
  minimum: 0,
  maximum: 1,
  hint: probabilityHint,
  description:
    'Chance in [0, 1] that a matching invocation is injected. Fractions below 1 % are fine (0.001 = one in a thousand).',
});

const percentText = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/;

/** A probability; `"5%"` (text in YAML) gets the fraction it meant as a hint. */
const probabilitySchema: Schema<number> = {
  ...probabilityNumber,
  validate(value, path, issues) {
    const percent = typeof value === 'string' ? percentText.exec(value) : null;
    if (percent === null) return probabilityNumber.validate(value, path, issues);
    const fraction = Number((Number(percent[1]) / 100).toPrecision(12));
    issues.push({
      path,
      message: `must be a number between 0 and 1, got ${describeValue(value)}`,
      hint:
        valueHint(() => (fraction <= 1 ? `did you mean ${fraction}?` : undefined)) ??
        'a probability is a fraction between 0 and 1',
    });
    return invalid;
  },
};

/** Keys from failure-lambda, chaos_lambda, AWS FIS and Gremlin that mean something faultline spells differently. */
const habitualFaultKeys: Readonly<Record<string, string>> = {
  percentage: 'faultline uses probability, a fraction: 20 % is probability: 0.2',
  rate: 'faultline uses probability, a fraction between 0 and 1',
  invocationPercentage: 'faultline uses probability, a fraction: 20 % is probability: 0.2',
  is_enabled: 'did you mean "enabled"?',
  isEnabled: 'did you mean "enabled"?',
  fault_type: 'did you mean "type"?',
  failureMode: 'did you mean "type"?',
  name: 'faults are named by "id"',
  scope:
    'only fault types that act on the whole instance (config, diskfill) take scope: process; this type acts on the sampled invocation only',
  min_latency: 'latency uses minDelayMs (milliseconds)',
  max_latency: 'latency uses maxDelayMs (milliseconds)',
  delay: 'latency uses delayMs (milliseconds)',
  exception_msg: 'exception uses message',
  status_code: 'status uses status',
  statusCode: 'status uses status',
  error_code: 'status uses status (dependency faults use errorCode)',
};

const globSchema = (description: string) => s.string({ minLength: 1, maxLength: maxGlobLength, description });

/**
 * A schema for a field path (`http.header.x-tenant`, `raw.detail.orderId`, …): validated with the same messages and
 * hints as `match[].field`, and returned in canonical form (header names lower-cased).
 *
 * @example
 * ```ts
 * import { s } from '@faultline/core';
 * const attributes = s.object({ keyField: s.required(fieldPathSchema('Field that keys the cache.')) });
 * ```
 */
export function fieldPathSchema(description: string): Schema<string> {
  return {
    kind: 'string',
    description,
    validate(value, path, issues) {
      if (typeof value !== 'string') {
        issues.push({ path, message: `must be a field name (a string), got ${describeValue(value)}` });
        return invalid;
      }
      const parsed = parseFieldPath(value);
      if (parsed.ok) return parsed.field.path;
      // Field-path messages quote the path; a running function reports only that it is not one.
      issues.push(
        areValuesHidden()
          ? { path, message: 'is not a valid field path' }
          : parsed.hint === undefined
            ? { path, message: parsed.message }
            : { path, message: parsed.message, hint: parsed.hint },
      );
      return invalid;
    },
    toJsonSchema() {
      return {
        type: 'string',
        description,
        minLength: 1,
        maxLength: maxFieldPathLength,
        pattern: fieldPathPattern,
        examples: ['http.path', 'http.header.x-tenant', 'http.query.tenant', 'stage', 'raw.detail.orderId'],
      };
    },
  };
}

/** The shape of a field path for editors; the validator's checks (segment rules, header names) are stricter. */
const fieldPathPattern = `^(?:${knownFields
  .map((field) => field.replace(/\./g, '\\.').replace(/<[^>]+>$/, '.+'))
  .join('|')})$`;

// ---------------------------------------------------------------------------------------------------------------
// Match conditions

const scalarOperators: ReadonlySet<string> = new Set(['eq', 'neq']);
const stringOperators: ReadonlySet<string> = new Set(['prefix', 'suffix']);
const isoDateTimePattern =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function isScalar(value: unknown): value is MatchValue {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

const conditionFieldSchema = fieldPathSchema('The invocation field to test.');
const operatorSchema = s.oneOf(matchOperators, { description: 'How the field is compared with `value`.' });

function checkConditionValue(
  op: string,
  value: unknown,
  path: string,
  issues: ValidationIssue[],
): MatchValue | readonly MatchValue[] | undefined | typeof invalid {
  const valuePath = joinPath(path, 'value');
  const present = value !== undefined;
  if (op === 'exists') {
    if (!present) return true;
    if (typeof value === 'boolean') return value;
    issues.push({
      path: valuePath,
      message: `must be true or false for op "exists", got ${describeValue(value)}`,
      hint: 'true: the field is present; false: it is absent',
    });
    return invalid;
  }
  if (!present) {
    issues.push({ path: valuePath, message: `is required for op "${op}"` });
    return invalid;
  }
  if (op === 'in') {
    if (!Array.isArray(value)) {
      issues.push({
        path: valuePath,
        message: `must be a list for op "in", got ${describeValue(value)}`,
        ...(isScalar(value) ? withValueHint(() => `write [${JSON.stringify(value)}], or use op "eq"`) : {}),
      });
      return invalid;
    }
    if (value.length === 0 || value.length > maxMatchInValues) {
      issues.push({
        path: valuePath,
        message: `must hold between 1 and ${maxMatchInValues} values, got ${value.length}`,
        ...(value.length === 0
          ? { hint: 'an empty list never matches; set enabled: false to switch the fault off' }
          : {}),
      });
      return invalid;
    }
    let ok = true;
    value.forEach((item, index) => {
      if (!isScalar(item)) {
        issues.push({
          path: joinPath(valuePath, index),
          message: `must be a string, number or boolean, got ${describeValue(item)}`,
        });
        ok = false;
      }
    });
    return ok ? (value as MatchValue[]) : invalid;
  }
  if (scalarOperators.has(op)) {
    if (isScalar(value)) return value;
    issues.push({
      path: valuePath,
      message: `must be a string, number or boolean for op "${op}", got ${describeValue(value)}`,
      ...(Array.isArray(value) ? { hint: 'use op "in" to compare with a list' } : {}),
    });
    return invalid;
  }
  if (stringOperators.has(op) || op === 'glob') {
    if (typeof value !== 'string') {
      issues.push({
        path: valuePath,
        message: `must be a string for op "${op}", got ${describeValue(value)}`,
      });
      return invalid;
    }
    if (op === 'glob' && (value.length === 0 || value.length > maxGlobLength)) {
      issues.push({
        path: valuePath,
        message: `must be a glob of 1 to ${maxGlobLength} characters, got ${value.length}`,
      });
      return invalid;
    }
    return value;
  }
  // gte / lte: numbers compare numerically, ISO date-times chronologically.
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && isoDateTimePattern.test(value) && !Number.isNaN(Date.parse(value)))
    return value;
  issues.push({
    path: valuePath,
    message: `must be a number or an ISO 8601 date-time for op "${op}", got ${describeValue(value)}`,
    ...(typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
      ? withValueHint(() => `did you mean ${Number(value)} (a number, without quotes)?`)
      : {}),
  });
  return invalid;
}

const conditionKeys = ['field', 'op', 'value'];

function ifThen(condition: JsonSchema, consequence: JsonSchema): JsonSchema {
  // biome-ignore lint/suspicious/noThenProperty: `then` is a JSON Schema keyword here, not a thenable.
  return { if: { type: 'object', required: ['op'], ...condition }, then: { type: 'object', ...consequence } };
}

/** One match condition `{field, op, value?}` with the value rules of its operator. */
export const matchConditionSchema: Schema<MatchCondition> = {
  kind: 'object',
  description: 'One condition on an invocation field; all conditions of a fault must hold.',
  validate(input, path, issues) {
    if (!isPlainObject(input)) {
      issues.push({
        path,
        message: `must be an object like { field: http.path, op: prefix, value: /orders }, got ${describeValue(input)}`,
      });
      return invalid;
    }
    const before = issues.length;
    for (const key of Object.keys(input)) {
      if (conditionKeys.includes(key)) continue;
      const suggestion =
        key === 'operator' ? 'op' : key === 'path' ? 'field' : closestName(key, conditionKeys);
      issues.push({
        path: joinContentKey(path, key),
        message: 'is not a known key',
        hint:
          suggestion === undefined
            ? 'known keys: field, op, value'
            : `did you mean ${quoteName(suggestion)}?`,
      });
    }
    let field: string | typeof invalid = invalid;
    if (input.field === undefined) issues.push({ path: joinPath(path, 'field'), message: 'is required' });
    else field = conditionFieldSchema.validate(input.field, joinPath(path, 'field'), issues);
    let op: string | typeof invalid = invalid;
    if (input.op === undefined) {
      // An `operator` key was already reported with a "did you mean op" hint; one message per mistake.
      if (!Object.hasOwn(input, 'operator'))
        issues.push({
          path: joinPath(path, 'op'),
          message: 'is required',
          hint: `one of ${matchOperators.join(', ')}`,
        });
    } else {
      op = operatorSchema.validate(input.op, joinPath(path, 'op'), issues);
    }
    const value = op === invalid ? invalid : checkConditionValue(op, input.value, path, issues);
    if (issues.length !== before || field === invalid || op === invalid || value === invalid) return invalid;
    return value === undefined
      ? { field, op: op as MatchCondition['op'] }
      : { field, op: op as MatchCondition['op'], value };
  },
  toJsonSchema() {
    const scalar = { type: ['string', 'number', 'boolean'] };
    return {
      type: 'object',
      description: this.description,
      properties: {
        field: conditionFieldSchema.toJsonSchema(),
        op: operatorSchema.toJsonSchema(),
        value: {
          description:
            'A string, number or boolean; a list for `in`; a glob for `glob`; a number or ISO date-time for `gte`/`lte`; optional boolean for `exists` (default true).',
          anyOf: [scalar, { type: 'array', items: scalar, minItems: 1, maxItems: maxMatchInValues }],
        },
      },
      required: ['field', 'op'],
      additionalProperties: false,
      allOf: [
        ifThen(
          { properties: { op: { const: 'in' } } },
          { properties: { value: { type: 'array' } }, required: ['value'] },
        ),
        ifThen({ properties: { op: { const: 'exists' } } }, { properties: { value: { type: 'boolean' } } }),
        ifThen(
          { properties: { op: { enum: ['eq', 'neq'] } } },
          { properties: { value: scalar }, required: ['value'] },
        ),
        ifThen(
          { properties: { op: { enum: ['prefix', 'suffix', 'glob'] } } },
          { properties: { value: { type: 'string' } }, required: ['value'] },
        ),
        ifThen(
          { properties: { op: { enum: ['gte', 'lte'] } } },
          {
            properties: { value: { anyOf: [{ type: 'number' }, { type: 'string', format: 'date-time' }] } },
            required: ['value'],
          },
        ),
      ],
    };
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Faults

/** The fields every fault has, whatever its type. Type attributes are merged next to them. */
export const faultCommonProperties = {
  id: s.required(slugSchema('Unique id of the fault within the experiment; appears in every event.')),
  type: s.required(
    s.string({ minLength: 1, description: 'The fault type, e.g. latency, exception, status.' }),
  ),
  enabled: s.defaulted(
    s.boolean({ description: 'Set to false to switch this fault off without deleting it.' }),
    true,
  ),
  probability: s.required(probabilitySchema),
  sampleBy: s.optional(
    fieldPathSchema(
      'A field whose value keys sticky sampling: the same value always gets the same decision.',
    ),
  ),
  match: s.optional(
    s.array(matchConditionSchema, {
      maxItems: maxMatchConditions,
      description:
        'Conditions on the invocation; all must hold (AND). Absent: every invocation is a candidate.',
    }),
  ),
} as const satisfies Properties;

const commonOnlySchema = s.object(faultCommonProperties, { allowUnknownKeys: true });

/**
 * `scope: process` — required on fault types whose effect reaches the whole instance (`reach: 'process'`), so that
 * affecting the sampled invocation's concurrent neighbours is written down, not discovered.
 */
const processScopeProperty = s.required(
  s.oneOf(['process'], {
    description:
      'Acknowledges that this fault acts on the whole instance: invocations running next to the sampled one are affected too.',
  }),
);

function processScopeIssue(faultType: string, path: string): ValidationIssue {
  return {
    path,
    message: `is required: a ${faultType} fault acts on the whole instance, so invocations running at the same time as the sampled one are affected too`,
    hint: 'add scope: process to accept that (each affected invocation gets a neighbour-affected event)',
  };
}

interface FaultSchemas {
  /** Every registered type name, in registration order. */
  readonly knownTypes: readonly string[];
  /** The schema of a registered type, built on its first use: a function's experiment uses a few of the types. */
  schemaOf(type: string): ObjectSchema<Properties> | undefined;
}

const faultSchemaCache = new WeakMap<FaultRegistry, FaultSchemas>();

function faultSchemasOf(registry: FaultRegistry): FaultSchemas {
  const cached = faultSchemaCache.get(registry);
  if (cached !== undefined) return cached;
  const registered = new Map<string, FaultType>();
  for (const faultType of registry.list()) registered.set(faultType.type, faultType);
  const built = new Map<string, ObjectSchema<Properties>>();
  const schemas: FaultSchemas = {
    knownTypes: [...registered.keys()],
    schemaOf(type) {
      let schema = built.get(type);
      if (schema === undefined) {
        const faultType = registered.get(type);
        if (faultType === undefined) return undefined;
        schema = faultSchemaOf(faultType);
        built.set(type, schema);
      }
      return schema;
    },
  };
  faultSchemaCache.set(registry, schemas);
  return schemas;
}

/** One fault type's entry schema: the common fields, its `type`, and its own attributes. */
function faultSchemaOf(faultType: FaultType): ObjectSchema<Properties> {
  const attributes = faultType.attributes;
  return s.object(
    {
      ...faultCommonProperties,
      type: s.required(s.oneOf([faultType.type], { description: faultType.summary })),
      ...(faultType.reach === 'process' ? { scope: processScopeProperty } : {}),
      // A type cannot redefine the common fields (id, type, probability, …): the engine owns them.
      ...Object.fromEntries(
        Object.entries(attributes.properties).filter(([key]) => !Object.hasOwn(faultCommonProperties, key)),
      ),
    },
    {
      description: `${faultType.type}: ${faultType.summary}`,
      unknownKeyHints: { ...habitualFaultKeys, ...attributes.options.unknownKeyHints },
      ...(attributes.options.refine === undefined ? {} : { refine: attributes.options.refine }),
      ...(attributes.options.ignoredKeys === undefined
        ? {}
        : { ignoredKeys: attributes.options.ignoredKeys }),
      ...(attributes.options.allowUnknownKeys === undefined
        ? {}
        : { allowUnknownKeys: attributes.options.allowUnknownKeys }),
    },
  ) as unknown as ObjectSchema<Properties>;
}

/**
 * Validates one fault entry against the common fields and its type's attributes. Exported for tools that check
 * one entry at a time (the runtime skips invalid entries this way).
 *
 * @example
 * ```ts
 * import { builtinFaultRegistry, validateFaultEntry } from '@faultline/core';
 *
 * const issues = [];
 * const fault = validateFaultEntry({ id: 'slow', type: 'latency', probability: 0.1, delayMs: 300 }, 'faults[0]', issues, builtinFaultRegistry);
 * // fault: { id: 'slow', type: 'latency', enabled: true, probability: 0.1, delayMs: 300 }
 * ```
 */
export function validateFaultEntry(
  input: unknown,
  path: string,
  issues: ValidationIssue[],
  registry: FaultRegistry,
): FaultDefinition | typeof invalid {
  if (!isPlainObject(input)) {
    issues.push({ path, message: `must be an object (a fault entry), got ${describeValue(input)}` });
    return invalid;
  }
  const schemas = faultSchemasOf(registry);
  const type = input.type;
  const typeSchema = typeof type === 'string' ? schemas.schemaOf(type) : undefined;
  if (typeSchema !== undefined) {
    const before = issues.length;
    const fault = typeSchema.validate(input, path, issues) as FaultDefinition | typeof invalid;
    if (input.scope === undefined && registry.get(type as string)?.reach === 'process') {
      // The generic "is required" says nothing about why: replace it with the blast radius and the fix.
      const scopePath = joinPath(path, 'scope');
      const at = issues.findIndex((issue, index) => index >= before && issue.path === scopePath);
      if (at !== -1) issues[at] = processScopeIssue(type as string, scopePath);
    }
    return fault;
  }

  // Unknown or missing type: report it, and still check the common fields so every problem shows at once.
  const known = schemas.knownTypes.length === 0 ? '(none registered)' : schemas.knownTypes.join(', ');
  const typePath = joinPath(path, 'type');
  if (type === undefined) {
    issues.push({ path: typePath, message: 'is required', hint: `known types: ${known}` });
  } else if (typeof type !== 'string') {
    issues.push({
      path: typePath,
      message: `must be a string, got ${describeValue(type)}`,
      hint: `known types: ${known}`,
    });
  } else {
    const suggestion = closestName(type, schemas.knownTypes);
    issues.push({
      path: typePath,
      message: `is not a known fault type: ${describeValue(type)}`,
      hint:
        suggestion === undefined
          ? `known types: ${known}`
          : `did you mean ${quoteName(suggestion)}? (known types: ${known})`,
    });
  }
  const commonIssues: ValidationIssue[] = [];
  commonOnlySchema.validate(input, path, commonIssues);
  for (const issue of commonIssues) if (issue.path !== typePath) issues.push(issue);
  return invalid;
}

/** The envelope of `faults`: a list, and not an oversized one (checked before any entry is looked at). */
function isFaultList(value: unknown, path: string, issues: ValidationIssue[]): value is unknown[] {
  if (!Array.isArray(value)) {
    issues.push({ path, message: `must be a list of fault entries, got ${describeValue(value)}` });
    return false;
  }
  if (value.length > maxFaultsPerExperiment) {
    issues.push({
      path,
      message: `must hold at most ${maxFaultsPerExperiment} faults, got ${value.length}`,
      hint: 'split the experiment into several files',
    });
    return false;
  }
  return true;
}

/** The `faults` list: every entry checked against its fault type, ids unique. */
export function faultsSchema(registry: FaultRegistry): Schema<FaultDefinition[]> {
  const description = `The faults to inject (at most ${maxFaultsPerExperiment}); ids must be unique.`;
  return {
    kind: 'array',
    description,
    validate(value, path, issues) {
      if (!isFaultList(value, path, issues)) return invalid;
      const before = issues.length;
      const faults: FaultDefinition[] = [];
      const firstIndexOfDuplicate = new Map<number, number>();
      for (const duplicate of findDuplicateFaultIds(value)) {
        firstIndexOfDuplicate.set(duplicate.index, duplicate.firstIndex);
      }
      for (let index = 0; index < value.length; index++) {
        const entryPath = joinPath(path, index);
        const fault = validateFaultEntry(value[index], entryPath, issues, registry);
        if (fault !== invalid) faults.push(fault);
        const firstIndex = firstIndexOfDuplicate.get(index);
        if (firstIndex !== undefined) {
          issues.push({
            path: joinPath(entryPath, 'id'),
            message: `duplicates the id of ${joinPath(path, firstIndex)}: ${describeValue((value[index] as { id: string }).id)}`,
            hint: 'give every fault its own id; events and budgets are keyed by it',
          });
        }
      }
      return issues.length === before ? faults : invalid;
    },
    toJsonSchema() {
      const variants = faultSchemasOf(registry);
      return {
        type: 'array',
        description,
        maxItems: maxFaultsPerExperiment,
        items: {
          type: 'object',
          description: 'A fault entry: the common fields plus the attributes of its `type`.',
          required: ['type'],
          properties: { type: { enum: variants.knownTypes } },
          oneOf: variants.knownTypes.map((type) =>
            (variants.schemaOf(type) as ObjectSchema<Properties>).toJsonSchema(),
          ),
        },
      };
    },
  };
}

/** Entries whose `id` repeats an earlier entry's id (the first occurrence is not listed). */
export function findDuplicateFaultIds(
  entries: readonly unknown[],
): { readonly index: number; readonly firstIndex: number; readonly id: string }[] {
  const firstIndexById = new Map<string, number>();
  const duplicates: { index: number; firstIndex: number; id: string }[] = [];
  entries.forEach((entry, index) => {
    if (!isPlainObject(entry) || typeof entry.id !== 'string') return;
    const firstIndex = firstIndexById.get(entry.id);
    if (firstIndex === undefined) firstIndexById.set(entry.id, index);
    else duplicates.push({ index, firstIndex, id: entry.id });
  });
  return duplicates;
}

// ---------------------------------------------------------------------------------------------------------------
// The document

const schemaVersionSchema: Schema<1> = {
  kind: 'enum',
  description: 'The version of this file format. Always 1.',
  validate(value, path, issues) {
    if (value === experimentSchemaVersion) return experimentSchemaVersion;
    if (value === '1') {
      issues.push({
        path,
        message: `must be the number 1, got ${describeValue(value)}`,
        hint: 'write schemaVersion: 1 without quotes',
      });
    } else if (typeof value === 'number' && Number.isInteger(value) && value > experimentSchemaVersion) {
      issues.push({
        path,
        message: `must be 1, got ${describeValue(value)}`,
        hint: 'this file was written for a newer faultline; upgrade @faultline/core and the CLI',
      });
    } else {
      issues.push({ path, message: `must be 1, got ${describeValue(value)}` });
    }
    return invalid;
  },
  toJsonSchema() {
    return { const: experimentSchemaVersion, description: this.description };
  },
};

const windowSchema = s.object(
  {
    start: s.optional(
      s.string({
        format: 'date-time',
        description: 'Nothing is injected before this time (ISO 8601, e.g. 2026-11-29T18:00:00Z).',
      }),
    ),
    end: s.optional(
      s.string({
        format: 'date-time',
        description: 'Nothing is injected from this time on: the experiment expires by itself (ISO 8601).',
      }),
    ),
  },
  {
    description: 'Time window; outside it nothing is injected, whatever `enabled` says.',
    refine: (value: { start?: string; end?: string }, path: string, issues: ValidationIssue[]) => {
      if (value.start === undefined || value.end === undefined) return;
      if (Date.parse(value.start) >= Date.parse(value.end)) {
        issues.push({
          path: joinPath(path, 'end'),
          message: areValuesHidden()
            ? 'must be later than window.start'
            : `must be later than window.start (${value.start}), got ${value.end}`,
          hint: 'swap start and end, or move end later',
        });
      }
    },
  },
);

const globListSchema = (description: string, example: string) =>
  s.array(globSchema(`A name or glob (* and ?), e.g. ${example}.`), {
    minItems: 1,
    maxItems: 100,
    description: `${description} Remove the key to match any.`,
  });

const targetSchema = s.object(
  {
    clouds: s.optional(
      s.array(s.oneOf(clouds), {
        minItems: 1,
        maxItems: clouds.length,
        description: 'Clouds the experiment applies to.',
      }),
    ),
    functions: s.optional(globListSchema('Function-name globs the experiment applies to.', 'orders-*')),
    stages: s.optional(globListSchema('Stage names or globs the experiment applies to.', 'staging-*')),
  },
  { description: 'Which functions the experiment applies to. Absent lists mean "any".' },
);

const guardSchema = s.object(
  {
    allowProduction: s.defaulted(
      s.boolean({ description: 'Production stages are refused unless this is true.' }),
      false,
    ),
    productionStages: s.defaulted(
      s.array(globSchema('A stage name or glob, e.g. prod-*.'), {
        maxItems: 100,
        description: 'Globs naming production stages.',
      }),
      [...defaultProductionStages],
    ),
    maxInjectionsPerMinute: s.optional(
      s.number({
        integer: true,
        minimum: 1,
        maximum: 1_000_000,
        description:
          'Injections allowed per minute per function instance; further sampled invocations run untouched.',
      }),
    ),
  },
  { description: 'Safety limits.' },
);

const defaultGuard = { allowProduction: false, productionStages: [...defaultProductionStages] };

const runTokenDescription =
  'Set by `faultline run` for the run it drives: HTTP requests carrying this token in the x-faultline-run-token header get an x-faultline-injected response header listing the faults injected into them, which the run counts. A random secret; leave it to the CLI.';

/** The run token: checked for shape, never quoted back (it is a secret of the run that pushed it). */
const runTokenSchema: Schema<string> = {
  kind: 'string',
  description: runTokenDescription,
  validate(value, path, issues) {
    if (
      typeof value === 'string' &&
      value.length >= runTokenLength.min &&
      value.length <= runTokenLength.max &&
      runTokenPattern.test(value)
    ) {
      return value;
    }
    issues.push({
      path,
      message:
        typeof value === 'string'
          ? `must be ${runTokenLength.min} to ${runTokenLength.max} letters, digits, "-" or "_" (got ${value.length} characters)`
          : `must be a string, got ${typeof value}`,
      hint: 'remove runToken: faultline run sets it for the run it drives',
    });
    return invalid;
  },
  toJsonSchema() {
    return {
      type: 'string',
      description: runTokenDescription,
      minLength: runTokenLength.min,
      maxLength: runTokenLength.max,
      pattern: runTokenPattern.source,
    };
  },
};

/**
 * The v1 experiment schema around a `faults` and a `run` schema: the runtime checks fault entries one by one and
 * never reads `run` (see {@link getExperimentEnvelopeSchema}); the full document schema (`document-schema.ts`)
 * checks both.
 */
export function createExperimentSchema<Run>(
  registry: FaultRegistry,
  faults: Schema<FaultDefinition[]>,
  run: Schema<Run>,
) {
  return s.object(
    {
      schemaVersion: s.required(schemaVersionSchema),
      id: s.required(slugSchema('Experiment id (a slug); appears in every event, e.g. pricing-latency.')),
      description: s.optional(
        s.string({ maxLength: 4000, description: 'What the experiment tests and why.' }),
      ),
      enabled: s.defaulted(
        s.boolean({
          description: 'Kill switch: false injects nothing, everywhere, at the next config refresh.',
        }),
        true,
      ),
      mode: s.defaulted(
        s.oneOf(experimentModes, {
          description: 'enforce injects; dry-run only emits "would inject" events.',
        }),
        'enforce',
      ),
      seed: s.optional(
        s.string({
          minLength: 1,
          maxLength: 128,
          description: 'Seed for sticky sampling (sampleBy); change it to re-draw which keys are affected.',
        }),
      ),
      window: s.optional(windowSchema),
      target: s.optional(targetSchema),
      guard: s.defaulted(guardSchema, defaultGuard),
      faults: s.required(faults),
      run: s.optional(run),
      runToken: s.optional(runTokenSchema),
    },
    {
      description: `A faultline experiment (schema v1). Fault types: ${faultSchemasOf(registry).knownTypes.join(', ')}.`,
      ignoredKeys: ['$schema'],
    },
  );
}

type EnvelopeSchema = ReturnType<typeof createExperimentSchema<unknown>>;

/** What {@link getExperimentEnvelopeSchema} validates into: the experiment with its fault entries unchecked. */
export type ExperimentEnvelope = Omit<Infer<EnvelopeSchema>, 'faults'> & { faults: unknown[] };

const runtimeSchemaCache = new WeakMap<FaultRegistry, EnvelopeSchema>();

// Functions never read the `faultline run` section (steady state, load, stop conditions): the CLI validates it
// before it pushes. Its schema and the metric probes' stay out of the runtime, which loads a third less code with
// the first document; `checkDocumentShape` still bounds its size and depth.
const runSectionIgnoredByTheRuntime = s.unknownValue({
  description: 'The `faultline run` section; functions ignore it.',
});

/**
 * The experiment schema as the runtime uses it: `faults` accepted as any list (at most
 * {@link maxFaultsPerExperiment}), so the runtime can validate the document and each fault entry separately and keep
 * the valid entries, and `run` not checked (functions ignore it).
 */
export function getExperimentEnvelopeSchema(registry: FaultRegistry): Schema<ExperimentEnvelope> {
  let schema = runtimeSchemaCache.get(registry);
  if (schema === undefined) {
    schema = createExperimentSchema(
      registry,
      faultListEnvelope as unknown as Schema<FaultDefinition[]>,
      runSectionIgnoredByTheRuntime,
    );
    runtimeSchemaCache.set(registry, schema);
  }
  return schema as unknown as Schema<ExperimentEnvelope>;
}

const faultListEnvelope: Schema<unknown[]> = {
  kind: 'array',
  description: undefined,
  validate(value, path, issues) {
    return isFaultList(value, path, issues) ? value : invalid;
  },
  toJsonSchema: (): JsonSchema => ({ type: 'array', maxItems: maxFaultsPerExperiment }),
};

/** `{ hint }` computed from a value, or nothing while values are hidden (see `withValuesHidden`). */
function withValueHint(hint: () => string | undefined): { hint?: string } {
  const text = valueHint(hint);
  return text === undefined ? {} : { hint: text };
}
