/**
 * A small schema language: one definition validates untrusted input (returning every problem at once, each with a
 * JSON path and a hint) and generates the JSON Schema that editors use. We write our own instead of pulling a
 * validation library because the messages are the product (`faults[2].probability: must be between 0 and 1, got 5
 * — did you mean 0.05?`) and because adapters ship this code inside user functions, where bytes and cold-start
 * milliseconds count.
 */

/** One problem found in the input: where it is, what is wrong, and how to fix it. */
export interface ValidationIssue {
  /** JSON path of the offending value, e.g. `faults[2].probability`; `` (empty) for the document itself. */
  readonly path: string;
  /** What is wrong, e.g. `must be between 0 and 1, got 5`. */
  readonly message: string;
  /** How to fix it, when we can tell, e.g. `did you mean 0.05?`. */
  readonly hint?: string;
}

/** A JSON Schema (draft 2020-12) fragment. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** Returned by {@link Schema.validate} when the value is invalid; issues were pushed to the list. */
export const invalid: unique symbol = Symbol('faultline.invalid');
export type Invalid = typeof invalid;

/** A schema node: validates a value into a typed value (defaults applied) and describes itself as JSON Schema. */
export interface Schema<T> {
  readonly kind: string;
  readonly description: string | undefined;
  /**
   * Validates `value` found at `path`. Pushes every problem to `issues` and returns {@link invalid}, or returns the
   * value with defaults applied. Never throws.
   */
  validate(value: unknown, path: string, issues: ValidationIssue[]): T | Invalid;
  toJsonSchema(): JsonSchema;
}

/** The TypeScript type a schema validates into. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

interface CommonOptions {
  /** Shown in generated JSON Schema (editor tooltips) and in docs. */
  readonly description?: string;
}

/**
 * While above zero, messages describe values by kind only and free-form keys are masked: validation for a running
 * function, whose messages go to logs (see {@link withValuesHidden}). Validation is synchronous, so a counter is
 * enough to scope it.
 */
let valuesHidden = 0;

/**
 * Runs `validate` with document content kept out of every issue it produces: values are described by their kind
 * (`got a string`), hints computed from a value are left out, and keys that are not schema names are masked in
 * paths (`match.headers[…]`). Used where issues end up in function logs (`parseExperimentForRuntime` with
 * `hideValues`); the CLI shows the values.
 */
export function withValuesHidden<T>(validate: () => T): T {
  valuesHidden++;
  try {
    return validate();
  } finally {
    valuesHidden--;
  }
}

/**
 * True while validating for a running function (`parseExperimentForRuntime(…, { hideValues: true })`): custom
 * schemas and fault types must not put document values in their messages then; {@link describeValue} already
 * describes them by kind.
 *
 * @example
 * ```ts
 * import { areValuesHidden, describeValue } from '@faultline/core';
 * const message = areValuesHidden() ? 'is not a queue name' : `${describeValue(value)} is not a queue name`;
 * ```
 */
export function areValuesHidden(): boolean {
  return valuesHidden > 0;
}

/** Formats a value for an error message without dumping huge or hostile input (by kind only, values hidden). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  switch (typeof value) {
    case 'string':
      if (valuesHidden > 0) return 'a string';
      return value.length > 40 ? JSON.stringify(`${value.slice(0, 37)}...`) : JSON.stringify(value);
    case 'number':
      return valuesHidden > 0 ? 'a number' : String(value);
    case 'boolean':
      return valuesHidden > 0 ? 'a boolean' : String(value);
    case 'undefined':
      return 'nothing';
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

/** Appends a property name to a JSON path (`faults[2]` + `probability` → `faults[2].probability`). */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/**
 * {@link joinPath} for a key that comes from the document rather than the schema (an unknown key, a header
 * name): masked as `[…]` while values are hidden.
 */
export function joinContentKey(path: string, key: string): string {
  return valuesHidden > 0 ? `${path}[…]` : joinPath(path, key);
}

/**
 * Quotes a name from the schema (a key, an enum member) for a message: `"delayMs"`, or bare while values are
 * hidden, because messages for function logs have every quoted part masked as a last line of defence.
 */
export function quoteName(name: string): string {
  return valuesHidden > 0 ? name : JSON.stringify(name);
}

/** A hint computed from a value, left out while values are hidden. */
export function valueHint(hint: () => string | undefined): string | undefined {
  return valuesHidden > 0 ? undefined : hint();
}

function withHint(path: string, message: string, hint: string | undefined): ValidationIssue {
  return hint === undefined ? { path, message } : { path, message, hint };
}

function typeIssue(issues: ValidationIssue[], path: string, expected: string, value: unknown): Invalid {
  issues.push({ path, message: `must be ${expected}, got ${describeValue(value)}` });
  return invalid;
}

function describe(options: CommonOptions): JsonSchema {
  return options.description === undefined ? {} : { description: options.description };
}

// ---------------------------------------------------------------------------------------------------------------
// Scalars

export interface StringOptions extends CommonOptions {
  readonly minLength?: number;
  readonly maxLength?: number;
  /** Anchored pattern the value must match, with a human description used in the error message. */
  readonly pattern?: { readonly regex: RegExp; readonly description: string };
  /** JSON Schema `format`, e.g. `date-time`. `date-time` values are also checked with `Date.parse`. */
  readonly format?: 'date-time';
  readonly examples?: readonly string[];
}

/** A string, optionally length-bounded and pattern-checked. */
export function string(options: StringOptions = {}): Schema<string> {
  return {
    kind: 'string',
    description: options.description,
    validate(value, path, issues) {
      if (typeof value !== 'string') return typeIssue(issues, path, 'a string', value);
      const before = issues.length;
      if (options.minLength !== undefined && value.length < options.minLength) {
        issues.push({
          path,
          message:
            options.minLength === 1
              ? 'must not be empty'
              : `must be at least ${options.minLength} characters, got ${value.length}`,
        });
      }
      if (options.maxLength !== undefined && value.length > options.maxLength) {
        issues.push({
          path,
          message: `must be at most ${options.maxLength} characters, got ${value.length}`,
        });
      }
      if (options.pattern !== undefined && !options.pattern.regex.test(value)) {
        issues.push({ path, message: `must be ${options.pattern.description}, got ${describeValue(value)}` });
      }
      if (options.format === 'date-time' && Number.isNaN(Date.parse(value))) {
        issues.push(
          withHint(
            path,
            `must be an ISO 8601 date-time, got ${describeValue(value)}`,
            'write it like 2026-11-29T18:00:00Z',
          ),
        );
      }
      return issues.length === before ? value : invalid;
    },
    toJsonSchema() {
      return {
        type: 'string',
        ...describe(options),
        ...(options.minLength === undefined ? {} : { minLength: options.minLength }),
        ...(options.maxLength === undefined ? {} : { maxLength: options.maxLength }),
        ...(options.pattern === undefined ? {} : { pattern: options.pattern.regex.source }),
        ...(options.format === undefined ? {} : { format: options.format }),
        ...(options.examples === undefined ? {} : { examples: options.examples }),
      };
    },
  };
}

export interface NumberOptions extends CommonOptions {
  readonly minimum?: number;
  readonly maximum?: number;
  readonly integer?: boolean;
  /** Unit shown in messages and docs, e.g. `ms`, `MB`. */
  readonly unit?: string;
  /** Suggests a fix for an out-of-range value, e.g. a probability of 5 → `did you mean 0.05?`. */
  readonly hint?: (value: number) => string | undefined;
}

/** A finite number (or integer), optionally bounded. */
export function number(options: NumberOptions = {}): Schema<number> {
  const unit = options.unit === undefined ? '' : ` ${options.unit}`;
  return {
    kind: options.integer ? 'integer' : 'number',
    description: options.description,
    validate(value, path, issues) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return typeIssue(issues, path, options.integer ? 'a whole number' : 'a number', value);
      }
      if (options.integer && !Number.isInteger(value)) {
        issues.push({ path, message: `must be a whole number${unit}, got ${describeValue(value)}` });
        return invalid;
      }
      const tooLow = options.minimum !== undefined && value < options.minimum;
      const tooHigh = options.maximum !== undefined && value > options.maximum;
      if (tooLow || tooHigh) {
        const range =
          options.minimum !== undefined && options.maximum !== undefined
            ? `between ${options.minimum} and ${options.maximum}${unit}`
            : options.minimum !== undefined
              ? `at least ${options.minimum}${unit}`
              : `at most ${options.maximum}${unit}`;
        issues.push(
          withHint(
            path,
            `must be ${range}, got ${describeValue(value)}`,
            valueHint(() => options.hint?.(value)),
          ),
        );
        return invalid;
      }
      return value;
    },
    toJsonSchema() {
      return {
        type: options.integer ? 'integer' : 'number',
        ...describe(options),
        ...(options.minimum === undefined ? {} : { minimum: options.minimum }),
        ...(options.maximum === undefined ? {} : { maximum: options.maximum }),
      };
    },
  };
}

/** `true` or `false`. */
export function boolean(options: CommonOptions = {}): Schema<boolean> {
  return {
    kind: 'boolean',
    description: options.description,
    validate(value, path, issues) {
      if (typeof value === 'boolean') return value;
      typeIssue(issues, path, 'true or false', value);
      // YAML 1.2 reads yes/no/on/off (and quoted "true") as text, a classic surprise coming from YAML 1.1.
      if (typeof value === 'string' && booleanWords.has(value.toLowerCase())) {
        const last = issues[issues.length - 1] as ValidationIssue;
        const intended = ['true', 'yes', 'on', 'y'].includes(value.toLowerCase());
        issues[issues.length - 1] = { ...last, hint: `write ${intended} without quotes` };
      }
      return invalid;
    },
    toJsonSchema() {
      return { type: 'boolean', ...describe(options) };
    },
  };
}

const booleanWords: ReadonlySet<string> = new Set(['true', 'false', 'yes', 'no', 'on', 'off', 'y', 'n']);

/** One of a fixed list of strings (or numbers). */
export function oneOf<const Values extends readonly (string | number)[]>(
  values: Values,
  options: CommonOptions = {},
): Schema<Values[number]> {
  const list = (): string => values.map((v) => (typeof v === 'string' ? quoteName(v) : String(v))).join(', ');
  return {
    kind: 'enum',
    description: options.description,
    validate(value, path, issues) {
      if ((values as readonly unknown[]).includes(value)) return value as Values[number];
      const suggestion = typeof value === 'string' ? closestName(value, values.map(String)) : undefined;
      issues.push(
        withHint(
          path,
          `must be one of ${list()}, got ${describeValue(value)}`,
          suggestion === undefined ? undefined : `did you mean ${quoteName(suggestion)}?`,
        ),
      );
      return invalid;
    },
    toJsonSchema() {
      return values.length === 1
        ? { const: values[0], ...describe(options) }
        : { enum: values, ...describe(options) };
    },
  };
}

/** Any JSON value (used for escape hatches such as a synthetic response body). */
export function unknownValue(options: CommonOptions = {}): Schema<unknown> {
  return {
    kind: 'unknown',
    description: options.description,
    validate(value) {
      return value;
    },
    toJsonSchema() {
      return { ...describe(options) };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Containers

export interface ArrayOptions extends CommonOptions {
  readonly minItems?: number;
  readonly maxItems?: number;
}

/** An array whose items all match `item`. Every invalid item is reported, not just the first. */
export function array<T>(item: Schema<T>, options: ArrayOptions = {}): Schema<T[]> {
  return {
    kind: 'array',
    description: options.description,
    validate(value, path, issues) {
      if (!Array.isArray(value)) return typeIssue(issues, path, 'a list', value);
      if (options.maxItems !== undefined && value.length > options.maxItems) {
        issues.push({ path, message: `must hold at most ${options.maxItems} items, got ${value.length}` });
        return invalid;
      }
      if (options.minItems !== undefined && value.length < options.minItems) {
        issues.push({
          path,
          message:
            options.minItems === 1
              ? 'must hold at least one item'
              : `must hold at least ${options.minItems} items, got ${value.length}`,
        });
        return invalid;
      }
      const result: T[] = [];
      let ok = true;
      for (let index = 0; index < value.length; index++) {
        const parsed = item.validate(value[index], joinPath(path, index), issues);
        if (parsed === invalid) ok = false;
        else result.push(parsed);
      }
      return ok ? result : invalid;
    },
    toJsonSchema() {
      return {
        type: 'array',
        ...describe(options),
        items: item.toJsonSchema(),
        ...(options.minItems === undefined ? {} : { minItems: options.minItems }),
        ...(options.maxItems === undefined ? {} : { maxItems: options.maxItems }),
      };
    },
  };
}

export interface RecordOptions extends CommonOptions {
  readonly maxProperties?: number;
}

/** An object used as a map from free-form keys to values of one schema (e.g. HTTP headers). */
export function record<T>(value: Schema<T>, options: RecordOptions = {}): Schema<Record<string, T>> {
  return {
    kind: 'record',
    description: options.description,
    validate(input, path, issues) {
      if (!isPlainObject(input)) return typeIssue(issues, path, 'an object', input);
      const keys = Object.keys(input);
      if (options.maxProperties !== undefined && keys.length > options.maxProperties) {
        issues.push({
          path,
          message: `must hold at most ${options.maxProperties} entries, got ${keys.length}`,
        });
        return invalid;
      }
      const result: Record<string, T> = Object.create(null);
      let ok = true;
      for (const key of keys) {
        const parsed = value.validate(input[key], joinContentKey(path, key), issues);
        if (parsed === invalid) ok = false;
        else result[key] = parsed;
      }
      return ok ? { ...result } : invalid;
    },
    toJsonSchema() {
      return {
        type: 'object',
        ...describe(options),
        additionalProperties: value.toJsonSchema(),
        ...(options.maxProperties === undefined ? {} : { maxProperties: options.maxProperties }),
      };
    },
  };
}

/** A property of an {@link object} schema. */
export interface Property<T, Optional extends boolean> {
  readonly schema: Schema<T>;
  readonly optional: Optional;
  readonly defaultValue: T | undefined;
}

/** A required property. */
export function required<T>(schema: Schema<T>): Property<T, false> {
  return { schema, optional: false, defaultValue: undefined };
}

/** An optional property; absent stays absent. */
export function optional<T>(schema: Schema<T>): Property<T, true> {
  return { schema, optional: true, defaultValue: undefined };
}

/** An optional property that takes `defaultValue` when absent (the parsed type has it always). */
export function defaulted<T>(schema: Schema<T>, defaultValue: T): Property<T, false> {
  return { schema, optional: false, defaultValue };
}

// biome-ignore lint/suspicious/noExplicitAny: a property map holds properties of any value type.
export type Properties = { readonly [key: string]: Property<any, boolean> };

type OptionalKeys<P extends Properties> = {
  [K in keyof P]: P[K] extends Property<unknown, true> ? K : never;
}[keyof P];
type RequiredKeys<P extends Properties> = Exclude<keyof P, OptionalKeys<P>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The parsed type of an object schema with properties `P`. */
export type InferProperties<P extends Properties> = Simplify<
  { [K in RequiredKeys<P>]: P[K] extends Property<infer T, boolean> ? T : never } & {
    [K in OptionalKeys<P>]?: P[K] extends Property<infer T, boolean> ? T : never;
  }
>;

export interface ObjectOptions extends CommonOptions {
  /** Extra keys allowed beyond `properties` (default: none, so typos are caught). */
  readonly allowUnknownKeys?: boolean;
  /** Keys accepted and ignored without an error (e.g. `$schema`). */
  readonly ignoredKeys?: readonly string[];
  /**
   * Hints for unknown keys people write by habit from other tools, e.g. `{ percentage: 'use probability, a
   * fraction: 20 % is 0.2' }`. Used instead of the generic "did you mean" for those keys.
   */
  readonly unknownKeyHints?: Readonly<Record<string, string>>;
  /** Cross-field checks run after every property is valid, e.g. `min <= max`. */
  readonly refine?: (value: never, path: string, issues: ValidationIssue[]) => void;
}

/** An object schema. Exposes its properties so fault types can be merged with the common fault fields. */
export interface ObjectSchema<P extends Properties> extends Schema<InferProperties<P>> {
  readonly properties: P;
  readonly options: ObjectOptions;
}

/**
 * An object with known properties. Unknown keys are errors (with a "did you mean" hint), every property is
 * checked and every problem reported.
 */
export function object<P extends Properties>(properties: P, options: ObjectOptions = {}): ObjectSchema<P> {
  const names = Object.keys(properties);
  return {
    kind: 'object',
    description: options.description,
    properties,
    options,
    validate(value, path, issues) {
      if (!isPlainObject(value)) return typeIssue(issues, path, 'an object', value);
      const before = issues.length;
      const result: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        if (Object.hasOwn(properties, key) || options.ignoredKeys?.includes(key)) continue;
        if (options.allowUnknownKeys) {
          // defineProperty, not assignment: an own `__proto__` key (JSON.parse makes those) must stay data.
          Object.defineProperty(result, key, {
            value: value[key],
            enumerable: true,
            writable: true,
            configurable: true,
          });
          continue;
        }
        const suggestion = closestName(key, names);
        const habitHint =
          options.unknownKeyHints !== undefined && Object.hasOwn(options.unknownKeyHints, key)
            ? options.unknownKeyHints[key]
            : undefined;
        issues.push(
          withHint(
            joinContentKey(path, key),
            'is not a known key',
            habitHint ??
              (suggestion === undefined
                ? `known keys: ${names.join(', ')}`
                : `did you mean ${quoteName(suggestion)}?`),
          ),
        );
      }
      for (const key of names) {
        const property = properties[key] as Property<unknown, boolean>;
        const present = Object.hasOwn(value, key) && value[key] !== undefined;
        if (!present) {
          if (property.defaultValue !== undefined) result[key] = property.defaultValue;
          else if (!property.optional) issues.push({ path: joinPath(path, key), message: 'is required' });
          continue;
        }
        const parsed = property.schema.validate(value[key], joinPath(path, key), issues);
        if (parsed !== invalid) result[key] = parsed;
      }
      if (issues.length !== before) return invalid;
      if (options.refine !== undefined) {
        options.refine(result as never, path, issues);
        if (issues.length !== before) return invalid;
      }
      return result as InferProperties<P>;
    },
    toJsonSchema() {
      const jsonProperties: Record<string, JsonSchema> = {};
      const requiredKeys: string[] = [];
      for (const key of names) {
        const property = properties[key] as Property<unknown, boolean>;
        jsonProperties[key] = {
          ...property.schema.toJsonSchema(),
          ...(property.defaultValue === undefined ? {} : { default: property.defaultValue }),
        };
        if (!property.optional && property.defaultValue === undefined) requiredKeys.push(key);
      }
      for (const key of options.ignoredKeys ?? []) jsonProperties[key] = {};
      return {
        type: 'object',
        ...describe(options),
        properties: jsonProperties,
        ...(requiredKeys.length === 0 ? {} : { required: requiredKeys }),
        additionalProperties: options.allowUnknownKeys === true,
      };
    },
  };
}

/**
 * The first schema that accepts the value wins. When none does, the issues of the closest variant (the one that
 * produced the fewest issues) are reported, so messages stay specific.
 */
export function anyOf<const Variants extends readonly Schema<unknown>[]>(
  variants: Variants,
  options: CommonOptions = {},
): Schema<Infer<Variants[number]>> {
  return {
    kind: 'anyOf',
    description: options.description,
    validate(value, path, issues) {
      let best: ValidationIssue[] | undefined;
      let bestScore = Number.POSITIVE_INFINITY;
      for (const variant of variants) {
        const attempt: ValidationIssue[] = [];
        const parsed = variant.validate(value, path, attempt);
        if (parsed !== invalid) return parsed as Infer<Variants[number]>;
        // A variant whose shape fits (its problems are inside the value, not the value itself) explains the
        // mistake better than one that rejects the value outright.
        const score = attempt.length + (attempt.some((issue) => issue.path === path) ? 1000 : 0);
        if (score < bestScore) {
          best = attempt;
          bestScore = score;
        }
      }
      issues.push(...(best ?? [{ path, message: 'matches no allowed form' }]));
      return invalid;
    },
    toJsonSchema() {
      return { anyOf: variants.map((variant) => variant.toJsonSchema()), ...describe(options) };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** A non-null, non-array object (what JSON calls an object). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The candidate within edit distance 2 (or a case-insensitive match), for "did you mean" hints. */
export function closestName(input: string, candidates: readonly string[]): string | undefined {
  if (input.length > 64) return undefined;
  const lower = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === lower) return candidate;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 3;
}
