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
 * The conditions of every fault of an experiment, arranged so that "some condition of every fault fails", read from
 * the native arguments, costs the least: each distinct field is read at most once, and only while a fault it could
 * rule out is left; each distinct condition (the same field, operator and value in several faults) is compared
 * once; the check stops as soon as every fault is ruled out. Built once per compiled experiment; per invocation it
 * allocates nothing and keeps nothing (the faults still in play are bits of one small integer).
 */
export interface NativeMatchPlan {
  /**
   * Whether, for the invocation `reader` reads (between its `begin` and `end`), some condition of every fault fails:
   * what {@link conditionFailsNatively} says for each condition, decided with fewer reads and comparisons. `false`
   * when that is not certain. May throw what the reader throws.
   */
  everyFaultMisses<First, Second>(reader: NativeFieldReader<First, Second>): boolean;
}

/** Faults one plan can follow: one bit each in a small integer (V8 keeps 31-bit integers unboxed). */
export const maxPlannedFaults = 30;

/** How costly reading a field is natively: plain fields, then header and query lookups, then raw event paths. */
function readCost(kind: MatchFieldKind): number {
  return kind === 'raw' ? 2 : kind === 'http.header' || kind === 'http.query' ? 1 : 0;
}

/** How costly a comparison is: lists and globs after the rest. */
function compareCost(condition: Condition): number {
  return condition.operator === operatorCodes.glob || condition.operator === operatorCodes.in ? 1 : 0;
}

/** What makes two conditions the same check: field, operator and value. */
function checkKey(condition: Condition): string {
  const value =
    condition.operator === operatorCodes.in
      ? condition.values
      : condition.operator === operatorCodes.exists
        ? condition.present
        : condition.expected;
  return JSON.stringify([condition.kind, condition.name, condition.segments, condition.op, value]);
}

/**
 * The `prefix` conditions of one field, when there are several: which of them a text value meets is told by one
 * character for most of them, so ten faults on ten routes cost one character read and a few integer comparisons
 * rather than ten comparisons. All have an expected text at least `minLength` long; `position` (below it) is where
 * their expected texts differ most. A value shorter than `minLength` meets none; otherwise only those whose
 * character at `position` is the value's can meet it, and only they are compared in full.
 */
class PrefixGroup {
  constructor(
    readonly position: number,
    readonly minLength: number,
    /** The faults (bits) of every condition of the group. */
    readonly faults: number,
    /** The distinct characters (codes) at `position`, one bucket each. */
    readonly codes: readonly number[],
    /** Per bucket: the faults of the conditions outside it (they fail when the value has this bucket's character). */
    readonly othersFaults: readonly number[],
    /** Per bucket, the end of its conditions in `texts` (they start where the previous bucket's end). */
    readonly bucketEnds: readonly number[],
    readonly texts: readonly string[],
    readonly textFaults: readonly number[],
  ) {}

  /** `remaining` without the faults of the group's conditions that `actual` does not start with. */
  remainingAfter(actual: string, remaining: number): number {
    if (actual.length < this.minLength) return remaining & ~this.faults;
    const code = actual.charCodeAt(this.position);
    const codes = this.codes;
    let start = 0;
    for (let bucket = 0; bucket < codes.length; bucket++) {
      const end = this.bucketEnds[bucket] as number;
      if (codes[bucket] === code) {
        let left = remaining & ~(this.othersFaults[bucket] as number);
        for (let index = start; index < end; index++) {
          const faults = this.textFaults[index] as number;
          if ((left & faults) !== 0 && !actual.startsWith(this.texts[index] as string)) left &= ~faults;
        }
        return left;
      }
      start = end;
    }
    return remaining & ~this.faults;
  }
}

/** Groups `prefix` conditions with a non-empty text; `undefined` for fewer than two. */
function createPrefixGroup(
  prefixes: readonly { readonly condition: Condition; readonly faults: number }[],
): PrefixGroup | undefined {
  if (prefixes.length < 2) return undefined;
  let minLength = Number.POSITIVE_INFINITY;
  for (const { condition } of prefixes) minLength = Math.min(minLength, condition.expectedText.length);
  // The position where the expected texts differ most (the last such one: routes share their first characters).
  let position = 0;
  let mostDistinct = 0;
  for (let candidate = 0; candidate < minLength; candidate++) {
    const distinct = new Set(prefixes.map(({ condition }) => condition.expectedText.charCodeAt(candidate)))
      .size;
    if (distinct >= mostDistinct) {
      mostDistinct = distinct;
      position = candidate;
    }
  }
  const buckets = new Map<number, { readonly condition: Condition; readonly faults: number }[]>();
  let faults = 0;
  for (const prefix of prefixes) {
    const code = prefix.condition.expectedText.charCodeAt(position);
    buckets.set(code, [...(buckets.get(code) ?? []), prefix]);
    faults |= prefix.faults;
  }
  const codes: number[] = [];
  const othersFaults: number[] = [];
  const bucketEnds: number[] = [];
  const texts: string[] = [];
  const textFaults: number[] = [];
  for (const [code, members] of buckets) {
    codes.push(code);
    let others = 0;
    for (const prefix of prefixes) if (!members.includes(prefix)) others |= prefix.faults;
    othersFaults.push(others);
    for (const member of members) {
      texts.push(member.condition.expectedText);
      textFaults.push(member.faults);
    }
    bucketEnds.push(texts.length);
  }
  return new PrefixGroup(position, minLength, faults, codes, othersFaults, bucketEnds, texts, textFaults);
}

class FieldMatchPlan implements NativeMatchPlan {
  constructor(
    /** The distinct fields, cheapest read first: kind and name, as the reader is asked. */
    private readonly kinds: readonly MatchFieldKind[],
    private readonly names: readonly string[],
    /** Per field, the faults (bits) with a condition on it. */
    private readonly fieldFaults: readonly number[],
    /** Per field, the end of its conditions in `checks` (they start where the previous field's end). */
    private readonly fieldEnds: readonly number[],
    /**
     * Per field, its prefix group (`undefined` when it has none) and where the group's conditions start in `checks`
     * (they come last): for a text value the group decides them, for other values they are checked one by one.
     */
    private readonly groups: readonly (PrefixGroup | undefined)[],
    private readonly groupStarts: readonly number[],
    /** The distinct conditions, grouped by field. */
    private readonly checks: readonly Condition[],
    /** Per condition, the faults (bits) that have it. */
    private readonly checkFaults: readonly number[],
    /** Every fault (one bit each). */
    private readonly allFaults: number,
  ) {}

  everyFaultMisses<First, Second>(reader: NativeFieldReader<First, Second>): boolean {
    const kinds = this.kinds;
    const fieldEnds = this.fieldEnds;
    let remaining = this.allFaults;
    let start = 0;
    for (let field = 0; field < kinds.length; field++) {
      let end = fieldEnds[field] as number;
      if ((remaining & (this.fieldFaults[field] as number)) !== 0) {
        const actual = reader.read(kinds[field] as MatchFieldKind, this.names[field] as string);
        // `null`: the reader cannot tell; only the invocation can rule these faults out.
        if (actual !== null) {
          if (typeof actual === 'string') {
            const group = this.groups[field];
            if (group !== undefined) {
              remaining = group.remainingAfter(actual, remaining);
              if (remaining === 0) return true;
              end = this.groupStarts[field] as number;
            }
          }
          remaining = this.remainingAfter(actual, start, end, remaining);
          if (remaining === 0) return true;
        }
      }
      start = fieldEnds[field] as number;
    }
    return false;
  }

  /** `remaining` without the faults of the conditions in `checks[start…end)` that `actual` fails. */
  private remainingAfter(actual: FieldValue, start: number, end: number, remaining: number): number {
    const checks = this.checks;
    const checkFaults = this.checkFaults;
    for (let index = start; index < end; index++) {
      const faults = checkFaults[index] as number;
      if (
        (remaining & faults) !== 0 &&
        !(typeof actual === 'string'
          ? textMeets(checks[index] as Condition, actual)
          : valueMeets(checks[index] as Condition, actual))
      ) {
        remaining &= ~faults;
      }
    }
    return remaining;
  }
}

/**
 * The plan of an experiment whose faults have these conditions (in fault order), or `undefined` for more than
 * {@link maxPlannedFaults} faults. A condition on a header or parameter named like an `Object.prototype` member
 * rules nothing out natively (see {@link conditionFailsNatively}); a fault with no other condition makes the plan
 * never certain, as it makes {@link conditionFailsNatively}'s loop.
 */
export function createNativeMatchPlan(
  faultConditions: readonly (readonly CompiledCondition[])[],
): NativeMatchPlan | undefined {
  if (faultConditions.length === 0 || faultConditions.length > maxPlannedFaults) return undefined;
  interface PlannedCheck {
    readonly condition: Condition;
    faults: number;
  }
  interface PlannedField {
    readonly kind: MatchFieldKind;
    readonly name: string;
    readonly order: number;
    faults: number;
    readonly checks: Map<string, PlannedCheck>;
  }
  const fields = new Map<string, PlannedField>();
  faultConditions.forEach((conditions, fault) => {
    const bit = 1 << fault;
    for (const condition of conditions) {
      const compiled = condition as Condition;
      if (compiled.prototypeName) continue;
      const fieldKey = JSON.stringify([compiled.kind, compiled.name, compiled.segments]);
      let field = fields.get(fieldKey);
      if (field === undefined) {
        field = {
          kind: compiled.kind,
          name: compiled.name,
          order: fields.size,
          faults: 0,
          checks: new Map(),
        };
        fields.set(fieldKey, field);
      }
      field.faults |= bit;
      const key = checkKey(compiled);
      const check = field.checks.get(key);
      if (check === undefined) field.checks.set(key, { condition: compiled, faults: bit });
      else check.faults |= bit;
    }
  });
  const ordered = [...fields.values()].sort(
    (a, b) => readCost(a.kind) - readCost(b.kind) || a.order - b.order,
  );
  const kinds: MatchFieldKind[] = [];
  const names: string[] = [];
  const fieldFaults: number[] = [];
  const fieldEnds: number[] = [];
  const groups: (PrefixGroup | undefined)[] = [];
  const groupStarts: number[] = [];
  const checks: Condition[] = [];
  const checkFaults: number[] = [];
  for (const field of ordered) {
    kinds.push(field.kind);
    names.push(field.name);
    fieldFaults.push(field.faults);
    const all = [...field.checks.values()];
    const isGrouped = (check: PlannedCheck) =>
      check.condition.operator === operatorCodes.prefix && check.condition.expectedText !== '';
    const grouped = all.filter(isGrouped);
    const group = createPrefixGroup(grouped);
    const rest = group === undefined ? all : all.filter((check) => !isGrouped(check));
    for (const check of rest.sort((a, b) => compareCost(a.condition) - compareCost(b.condition))) {
      checks.push(check.condition);
      checkFaults.push(check.faults);
    }
    groups.push(group);
    groupStarts.push(checks.length);
    if (group !== undefined) {
      for (const check of grouped) {
        checks.push(check.condition);
        checkFaults.push(check.faults);
      }
    }
    fieldEnds.push(checks.length);
  }
  const allFaults = (2 ** faultConditions.length - 1) | 0;
  return new FieldMatchPlan(
    kinds,
    names,
    fieldFaults,
    fieldEnds,
    groups,
    groupStarts,
    checks,
    checkFaults,
    allFaults,
  );
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

/**
 * {@link valueMeets} for a text value (what most fields hold), small enough for V8 to inline into the plan's loop.
 * Text compares with the expected value's text whatever its type (`"5"` equals `5`: see {@link sameValue}).
 */
function textMeets(compiled: Condition, actual: string): boolean {
  switch (compiled.operator) {
    case operatorCodes.eq:
      return actual === compiled.expectedText;
    case operatorCodes.neq:
      return actual !== compiled.expectedText;
    case operatorCodes.exists:
      return compiled.present;
    case operatorCodes.prefix: {
      const expected = compiled.expectedText;
      const length = expected.length;
      return (
        length === 0 ||
        (actual.length >= length &&
          actual.charCodeAt(length - 1) === compiled.edgeCode &&
          actual.startsWith(expected))
      );
    }
    default:
      return valueMeets(compiled, actual);
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
