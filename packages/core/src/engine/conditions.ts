import { FaultlineError } from '../errors/faultline-error.js';
import type { MatchCondition, MatchValue } from '../experiment/types.js';
import { FieldPathError, type FieldValue, parseFieldPath } from '../invocation/fields.js';
import type { Invocation } from '../invocation/invocation.js';
import { readRaw, scalarFieldValue } from '../invocation/read-value.js';
import { compileGlob, type GlobMatcher } from '../matching/glob.js';
import type { MatchFieldKind, NativeFieldReader } from './native-fields.js';

/**
 * Match conditions compiled to data, checked by one function for every condition of every fault. Deciding an
 * experiment with many faults then calls the same few functions on objects of one shape, which V8 keeps optimized
 * and inlined, instead of one closure per condition (a call site that sees ten different closures is megamorphic:
 * ~4× slower per fault).
 */

// Field and operator codes: small integers, so a check is a jump table rather than string comparisons.
const fieldCodes = {
  cloud: 0,
  function: 1,
  stage: 2,
  region: 3,
  trigger: 4,
  requestId: 5,
  'http.method': 6,
  'http.path': 7,
  'http.header': 8,
  'http.query': 9,
  'event.type': 10,
  'event.source': 11,
  raw: 12,
} as const satisfies Record<MatchFieldKind, number>;

const operatorCodes = {
  eq: 0,
  neq: 1,
  in: 2,
  exists: 3,
  prefix: 4,
  suffix: 5,
  glob: 6,
  gte: 7,
  lte: 8,
} as const satisfies Record<MatchCondition['op'], number>;

const noSegments: readonly string[] = Object.freeze([]);
const noValues: readonly MatchValue[] = Object.freeze([]);
const neverMatches: GlobMatcher = () => false;

/**
 * One `match` condition of an experiment, compiled once per config version: which field it reads and how it
 * compares. Every condition has the same fields (unused ones hold neutral values), so every check sees one shape.
 *
 * @example
 * ```ts
 * for (const fault of compiled.faults) console.log(fault.id, fault.conditions.map((condition) => condition.path));
 * ```
 */
export interface CompiledCondition {
  /** The field path as written in the experiment (header names lower-cased), e.g. `http.header.x-tenant`. */
  readonly path: string;
  /** The operator as written, e.g. `prefix`. */
  readonly op: MatchCondition['op'];
}

class Condition implements CompiledCondition {
  constructor(
    readonly path: string,
    readonly op: MatchCondition['op'],
    readonly field: number,
    /** The field's kind, as native readers are asked for it. */
    readonly kind: MatchFieldKind,
    /** Header or query parameter name; `''` for other fields. */
    readonly name: string,
    /** `raw.` path segments; empty for other fields. */
    readonly segments: readonly string[],
    readonly operator: number,
    /** The expected value (`eq`, `neq`, `gte`, `lte`). */
    readonly expected: MatchValue,
    /** `String(expected)`: compared with values of another type, and the text of `prefix`/`suffix`/string order. */
    readonly expectedText: string,
    /** `gte`/`lte` against a number. */
    readonly numeric: boolean,
    readonly expectedNumber: number,
    /** `in`: the accepted values. */
    readonly values: readonly MatchValue[],
    /** `exists`: whether the field must be present. */
    readonly present: boolean,
    readonly glob: GlobMatcher,
    /** Whether `name` is an `Object.prototype` member: such fields are never read natively. */
    readonly prototypeName: boolean,
    /**
     * `prefix`: the code of the expected text's last character; `suffix`: of its first; `-1` otherwise. Checking
     * the one character a value must have there rejects most values before a string comparison (paths and tenants
     * usually share their first characters, not the rest).
     */
    readonly edgeCode: number,
  ) {}

  /**
   * The field's place in its experiment's {@link NativeReads} (one per distinct field and name), set by
   * {@link createNativeReads}; `-1` until then.
   */
  slot = -1;
}

/**
 * What one native decision has read so far: each field (kind and name) is read from the native arguments at most
 * once per invocation, however many conditions compare it (ten faults on ten paths read `http.path` once). Created
 * once per compiled experiment and reused by every invocation: a generation number, not a clearing loop, marks the
 * values of earlier invocations stale, so the decision allocates nothing.
 */
export interface NativeReads {
  generation: number;
  readonly generations: number[];
  readonly values: (FieldValue | null)[];
  /**
   * The conditions of each fault, in fault order: one array of arrays, so the decision's loop over faults reads
   * objects of one shape (the faults themselves differ in shape by type).
   */
  readonly faultConditions: readonly (readonly CompiledCondition[])[];
  /** Whether the experiment targets a function of this cloud, name and stage; `undefined`: every function. */
  readonly targets: ((cloud: string, functionName: string, stage: string | undefined) => boolean) | undefined;
}

/**
 * Numbers the distinct fields the conditions read (the same number for the same kind and name) and returns the
 * reads they share. Call once per compiled experiment, with every condition it decides on.
 */
export function createNativeReads(
  sharedConditions: readonly CompiledCondition[],
  faultConditions: readonly (readonly CompiledCondition[])[],
  targets?: NativeReads['targets'],
): NativeReads {
  const slots = new Map<string, number>();
  for (const conditions of [sharedConditions, ...faultConditions]) {
    for (const condition of conditions) {
      const compiled = condition as Condition;
      const key = `${compiled.kind}\u0000${compiled.name}`;
      let slot = slots.get(key);
      if (slot === undefined) {
        slot = slots.size;
        slots.set(key, slot);
      }
      compiled.slot = slot;
    }
  }
  return {
    generation: 0,
    generations: new Array<number>(slots.size).fill(-1),
    values: new Array<FieldValue | null>(slots.size).fill(null),
    faultConditions,
    targets,
  };
}

/**
 * Compiles one match condition (see `compileMatchCondition` for the rules).
 *
 * @throws {FieldPathError} for a field path that validation would reject.
 */
export function compileCondition(condition: MatchCondition): CompiledCondition {
  const parsed = parseFieldPath(condition.field);
  if (!parsed.ok) {
    throw new FieldPathError(
      condition.field,
      parsed.hint === undefined ? parsed.message : `${parsed.message} (${parsed.hint})`,
    );
  }
  const field = parsed.field;
  const op = condition.op;
  const operator = operatorCodes[op];
  if (operator === undefined) throw new FaultlineError('INTERNAL', `unknown match operator ${String(op)}`);
  const value = condition.value;
  // As written: validation guarantees the value each operator needs.
  const single = value as MatchValue;
  const name = field.kind === 'http.header' || field.kind === 'http.query' ? field.name : '';
  return new Condition(
    field.path,
    op,
    fieldCodes[field.kind],
    field.kind,
    name,
    field.kind === 'raw' ? field.segments : noSegments,
    operator,
    single,
    String(single),
    typeof single === 'number',
    typeof single === 'number' ? single : Number.NaN,
    op === 'in' ? ((Array.isArray(value) ? value : [value]) as readonly MatchValue[]) : noValues,
    value !== false,
    op === 'glob' ? compileGlob(String(value)) : neverMatches,
    name !== '' && name in Object.prototype,
    edgeCodeOf(op, String(single)),
  );
}

function edgeCodeOf(op: MatchCondition['op'], text: string): number {
  if (text === '') return -1;
  if (op === 'prefix') return text.charCodeAt(text.length - 1);
  if (op === 'suffix') return text.charCodeAt(0);
  return -1;
}

/**
 * Whether `invocation` meets every condition, checked in order (put the cheapest first). Never throws for
 * conditions from {@link compileCondition}.
 */
export function conditionsHold(conditions: readonly CompiledCondition[], invocation: Invocation): boolean {
  for (let index = 0; index < conditions.length; index++) {
    if (!conditionHolds(conditions[index] as Condition, invocation)) return false;
  }
  return true;
}

/** Whether `invocation` meets one condition. */
export function conditionHolds(condition: CompiledCondition, invocation: Invocation): boolean {
  const compiled = condition as Condition;
  return valueMeets(compiled, readField(compiled, invocation));
}

/**
 * Whether `condition` fails for the invocation `reader` reads: `false` when it holds or when the reader cannot read
 * its field. The comparison is the one {@link conditionHolds} makes.
 */
export function conditionFailsNatively<First, Second>(
  condition: CompiledCondition,
  reader: NativeFieldReader<First, Second>,
  reads?: NativeReads,
): boolean {
  const compiled = condition as Condition;
  // A header or parameter named like an Object.prototype member (`constructor`, `__proto__`): adapters build their
  // header maps as plain objects, so only the built invocation tells what such a name reads.
  if (compiled.prototypeName) return false;
  const slot = compiled.slot;
  let actual: FieldValue | null;
  if (reads === undefined || slot < 0 || slot >= reads.values.length) {
    actual = reader.read(compiled.kind, compiled.name);
  } else if (reads.generations[slot] === reads.generation) {
    actual = reads.values[slot] as FieldValue | null;
  } else {
    actual = reader.read(compiled.kind, compiled.name);
    reads.values[slot] = actual;
    reads.generations[slot] = reads.generation;
  }
  return actual !== null && !valueMeets(compiled, actual);
}

/** Whether the field's value `actual` meets the condition. */
function valueMeets(compiled: Condition, actual: FieldValue): boolean {
  switch (compiled.operator) {
    case operatorCodes.eq:
      return sameValue(actual, compiled);
    case operatorCodes.neq:
      return !sameValue(actual, compiled);
    case operatorCodes.in: {
      if (actual === undefined) return false;
      const values = compiled.values;
      for (let index = 0; index < values.length; index++) {
        const expected = values[index] as MatchValue;
        if (typeof actual === typeof expected ? actual === expected : String(actual) === String(expected)) {
          return true;
        }
      }
      return false;
    }
    case operatorCodes.exists:
      return (actual !== undefined) === compiled.present;
    case operatorCodes.prefix: {
      if (actual === undefined) return false;
      const text = textOf(actual);
      const length = compiled.expectedText.length;
      if (length > 0 && (text.length < length || text.charCodeAt(length - 1) !== compiled.edgeCode))
        return false;
      return text.startsWith(compiled.expectedText);
    }
    case operatorCodes.suffix: {
      if (actual === undefined) return false;
      const text = textOf(actual);
      const length = compiled.expectedText.length;
      if (
        length > 0 &&
        (text.length < length || text.charCodeAt(text.length - length) !== compiled.edgeCode)
      ) {
        return false;
      }
      return text.endsWith(compiled.expectedText);
    }
    case operatorCodes.glob:
      return actual !== undefined && compiled.glob(textOf(actual));
    case operatorCodes.gte:
    case operatorCodes.lte: {
      const comparison = compare(actual, compiled);
      if (Number.isNaN(comparison)) return false;
      return compiled.operator === operatorCodes.gte ? comparison >= 0 : comparison <= 0;
    }
    default:
      return false;
  }
}

/** Values compare by type when both sides have the same type, else by their string forms (`"5"` equals `5`). */
function sameValue(actual: FieldValue, condition: Condition): boolean {
  if (actual === undefined) return false;
  const expected = condition.expected;
  if (typeof actual === typeof expected) return actual === expected;
  return textOf(actual) === condition.expectedText;
}

function textOf(value: string | number | boolean): string {
  return typeof value === 'string' ? value : String(value);
}

/** Sign of `actual − expected` (numbers) or of the string order; `NaN` when the two cannot be compared. */
function compare(actual: FieldValue, condition: Condition): number {
  if (condition.numeric) {
    const number =
      typeof actual === 'number'
        ? actual
        : typeof actual === 'string' && actual.trim() !== ''
          ? Number(actual)
          : Number.NaN;
    return number - condition.expectedNumber;
  }
  if (actual === undefined) return Number.NaN;
  // Strings (e.g. ISO dates, versions of equal width) compare lexicographically.
  const text = textOf(actual);
  const expected = condition.expectedText;
  return text < expected ? -1 : text > expected ? 1 : 0;
}

function readField(condition: Condition, invocation: Invocation): FieldValue {
  switch (condition.field) {
    case fieldCodes.cloud:
      return scalarFieldValue(invocation.cloud);
    case fieldCodes.function:
      return scalarFieldValue(invocation.function);
    case fieldCodes.stage:
      return scalarFieldValue(invocation.stage);
    case fieldCodes.region:
      return scalarFieldValue(invocation.region);
    case fieldCodes.trigger:
      return scalarFieldValue(invocation.trigger);
    case fieldCodes.requestId:
      return scalarFieldValue(invocation.requestId);
    case fieldCodes['http.method']: {
      const http = invocation.http;
      return http == null ? undefined : scalarFieldValue(http.method);
    }
    case fieldCodes['http.path']: {
      const http = invocation.http;
      return http == null ? undefined : scalarFieldValue(http.path);
    }
    case fieldCodes['http.header']: {
      const headers = invocation.http?.headers;
      // Own properties only: a header named like an Object.prototype member must not read the prototype.
      return headers != null && Object.hasOwn(headers, condition.name)
        ? scalarFieldValue(headers[condition.name])
        : undefined;
    }
    case fieldCodes['http.query']: {
      const query = invocation.http?.query;
      return query != null && Object.hasOwn(query, condition.name)
        ? scalarFieldValue(query[condition.name])
        : undefined;
    }
    case fieldCodes['event.type']:
      return scalarFieldValue(invocation.event?.type);
    case fieldCodes['event.source']:
      return scalarFieldValue(invocation.event?.source);
    default:
      return readRaw(invocation.raw, condition.segments);
  }
}
