import { FaultlineError } from '../errors/faultline-error.js';
import { closestName } from '../schema/schema.js';
import type { Invocation } from './invocation.js';
import { readRaw, scalarFieldValue } from './read-value.js';

/**
 * Field paths address one value of a normalized {@link Invocation} from an experiment file (`match[].field`,
 * `sampleBy`). Paths are parsed once, when a config version is validated or compiled, into a {@link FieldPath};
 * the compiled reader then runs per invocation without parsing, allocating or throwing.
 */

/**
 * The fields an experiment can address (placeholders in angle brackets): the one list behind the field table of
 * docs/experiment-format.md and the cross-cloud contract every adapter runs, so each field means the same on AWS
 * Lambda, Cloud Functions and Azure Functions. A field added here must be given a row in that table and a meaning in
 * the contract, or their tests fail.
 */
export const knownFields = [
  'cloud',
  'function',
  'stage',
  'region',
  'trigger',
  'requestId',
  'http.method',
  'http.path',
  'http.header.<name>',
  'http.query.<name>',
  'event.type',
  'event.source',
  'raw.<dot.path>',
] as const;
export type KnownField = (typeof knownFields)[number];

const scalarFields = ['cloud', 'function', 'stage', 'region', 'trigger', 'requestId'] as const;
type ScalarField = (typeof scalarFields)[number];

/** Most segments a `raw.<dot.path>` may walk; deeper paths are rejected (bounded work per invocation). */
export const maxRawPathSegments = 16;
/** Longest field path accepted, in characters. */
export const maxFieldPathLength = 512;

/** Segment names that would reach into prototypes rather than the event's own data. */
const forbiddenSegments: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** RFC 9110 token characters: what a header name may contain. */
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/**
 * A parsed field path. `path` is the canonical spelling (header names lower-cased).
 *
 * @example
 * ```ts
 * import type { FieldPath } from '@faultline/core';
 * const tenant: FieldPath = { kind: 'http.header', path: 'http.header.x-tenant', name: 'x-tenant' };
 * ```
 */
export type FieldPath =
  | { readonly kind: ScalarField; readonly path: string }
  | { readonly kind: 'http.method' | 'http.path'; readonly path: string }
  | { readonly kind: 'http.header' | 'http.query'; readonly path: string; readonly name: string }
  | { readonly kind: 'event.type' | 'event.source'; readonly path: string }
  | { readonly kind: 'raw'; readonly path: string; readonly segments: readonly string[] };

/**
 * The outcome of {@link parseFieldPath}: a field, or a message (and a hint) saying what is wrong.
 *
 * @example
 * ```ts
 * import { type FieldPathResult, parseFieldPath } from '@faultline/core';
 * const result: FieldPathResult = parseFieldPath('stage');
 * if (!result.ok) console.error(result.message, result.hint);
 * ```
 */
export type FieldPathResult =
  | { readonly ok: true; readonly field: FieldPath }
  | { readonly ok: false; readonly message: string; readonly hint?: string };

/**
 * A value read from an invocation. Objects and arrays read through `raw.*` come back as `undefined`.
 *
 * @example
 * ```ts
 * import { compileFieldReader, type FieldValue } from '@faultline/core/testing';
 * const value: FieldValue = compileFieldReader('raw.detail.total')(invocation); // 42, 'x', true or undefined
 * ```
 */
export type FieldValue = string | number | boolean | undefined;

/**
 * Reads one field from an invocation. Never throws; `undefined` when the field is absent.
 *
 * @example
 * ```ts
 * import { compileFieldReader, type FieldReader } from '@faultline/core/testing';
 * const readPath: FieldReader = compileFieldReader('http.path');
 * ```
 */
export type FieldReader = (invocation: Invocation) => FieldValue;

/**
 * Thrown by {@link compileFieldReader} for a path that {@link parseFieldPath} rejects (validation prevents it).
 *
 * @example
 * ```ts
 * import { compileFieldReader } from '@faultline/core/testing';
 * try {
 *   compileFieldReader('htp.path');
 * } catch (error) {
 *   if (error instanceof FieldPathError) console.error(error.path, error.message);
 * }
 * ```
 */
export class FieldPathError extends FaultlineError {
  override readonly name = 'FieldPathError';
  declare readonly code: 'FIELD_PATH_INVALID';
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('FIELD_PATH_INVALID', `faultline: invalid field path ${JSON.stringify(path)}: ${message}`, options);
    this.path = path;
  }
}

const concreteNames: readonly string[] = [
  ...scalarFields,
  'http.method',
  'http.path',
  'http.header',
  'http.query',
  'event.type',
  'event.source',
  'raw',
];

function failure(message: string, hint?: string): FieldPathResult {
  return hint === undefined ? { ok: false, message } : { ok: false, message, hint };
}

const knownFieldsHint = `known fields: ${knownFields.join(', ')}`;

/**
 * Parses a field path such as `http.header.X-Tenant` or `raw.detail.orderId`. Header names are lower-cased
 * (headers are case-insensitive); `raw.` paths walk the native event's own properties only, at most
 * 16 segments deep, and refuse `__proto__`, `constructor` and `prototype`. Never throws.
 *
 * @example
 * ```ts
 * import { parseFieldPath } from '@faultline/core';
 *
 * parseFieldPath('http.header.X-Tenant');
 * // { ok: true, field: { kind: 'http.header', path: 'http.header.x-tenant', name: 'x-tenant' } }
 * parseFieldPath('http.methd');
 * // { ok: false, message: 'is not a known field: "http.methd"', hint: 'did you mean "http.method"?' }
 * ```
 */
export function parseFieldPath(path: string): FieldPathResult {
  if (typeof path !== 'string') return failure('must be a string', knownFieldsHint);
  if (path.length === 0) return failure('must not be empty', knownFieldsHint);
  if (path.length > maxFieldPathLength) {
    return failure(`must be at most ${maxFieldPathLength} characters, got ${path.length}`);
  }
  const firstDot = path.indexOf('.');
  const head = firstDot === -1 ? path : path.slice(0, firstDot);
  const rest = firstDot === -1 ? undefined : path.slice(firstDot + 1);

  if ((scalarFields as readonly string[]).includes(head)) {
    if (rest !== undefined) return failure(`"${head}" has no sub-fields`, `use "${head}" on its own`);
    return { ok: true, field: { kind: head as ScalarField, path } };
  }
  if (head === 'http') return parseHttpField(path, rest);
  if (head === 'event') return parseEventField(path, rest);
  if (head === 'raw') return parseRawField(path, rest);
  return unknownField(path, head, rest);
}

function parseHttpField(path: string, rest: string | undefined): FieldPathResult {
  if (rest === undefined) {
    return failure(
      '"http" needs a sub-field',
      'use http.method, http.path, http.header.<name> or http.query.<name>',
    );
  }
  const dot = rest.indexOf('.');
  const sub = dot === -1 ? rest : rest.slice(0, dot);
  const name = dot === -1 ? undefined : rest.slice(dot + 1);
  if (sub === 'method' || sub === 'path') {
    if (name !== undefined) return failure(`"http.${sub}" has no sub-fields`, `use "http.${sub}" on its own`);
    return { ok: true, field: { kind: sub === 'method' ? 'http.method' : 'http.path', path } };
  }
  if (sub === 'header' || sub === 'query') {
    if (name === undefined || name.length === 0) {
      return failure(
        `"http.${sub}" needs a name`,
        `write it like http.${sub}.${sub === 'header' ? 'x-tenant' : 'tenant'}`,
      );
    }
    if (sub === 'header') {
      const lower = name.toLowerCase();
      if (!headerNamePattern.test(lower)) {
        return failure(
          `is not a valid header name: ${JSON.stringify(name)}`,
          'header names use letters, digits and -',
        );
      }
      return { ok: true, field: { kind: 'http.header', path: `http.header.${lower}`, name: lower } };
    }
    return { ok: true, field: { kind: 'http.query', path, name } };
  }
  const suggestion = closestName(sub, ['method', 'path', 'header', 'headers', 'query']);
  const fixed = suggestion === 'headers' ? 'header' : suggestion;
  return failure(
    `is not a known field: ${JSON.stringify(path)}`,
    fixed === undefined
      ? 'use http.method, http.path, http.header.<name> or http.query.<name>'
      : `did you mean "http.${fixed}${name === undefined ? '' : `.${name}`}"?`,
  );
}

function parseEventField(path: string, rest: string | undefined): FieldPathResult {
  if (rest === 'type' || rest === 'source') {
    return { ok: true, field: { kind: rest === 'type' ? 'event.type' : 'event.source', path } };
  }
  const suggestion = rest === undefined ? undefined : closestName(rest, ['type', 'source']);
  return failure(
    rest === undefined ? '"event" needs a sub-field' : `is not a known field: ${JSON.stringify(path)}`,
    suggestion === undefined
      ? 'use event.type or event.source (or raw.<dot.path> for anything else in the event)'
      : `did you mean "event.${suggestion}"?`,
  );
}

function parseRawField(path: string, rest: string | undefined): FieldPathResult {
  if (rest === undefined || rest.length === 0) {
    return failure('"raw" needs a dot path into the native event', 'write it like raw.detail.orderId');
  }
  const segments = rest.split('.');
  if (segments.length > maxRawPathSegments) {
    return failure(
      `must be at most ${maxRawPathSegments} segments deep after "raw.", got ${segments.length}`,
    );
  }
  for (const segment of segments) {
    if (segment.length === 0) {
      return failure(`has an empty segment: ${JSON.stringify(path)}`, 'remove the doubled or trailing dot');
    }
    if (forbiddenSegments.has(segment)) {
      return failure(
        `must not use the segment "${segment}"`,
        'raw paths read the event’s own data only, never its prototype',
      );
    }
  }
  return { ok: true, field: { kind: 'raw', path, segments } };
}

function unknownField(path: string, head: string, rest: string | undefined): FieldPathResult {
  const whole = closestName(path, concreteNames);
  if (whole !== undefined) {
    return failure(`is not a known field: ${JSON.stringify(path)}`, `did you mean "${whole}"?`);
  }
  const top = closestName(head, [...scalarFields, 'http', 'event', 'raw']);
  if (top !== undefined) {
    return failure(
      `is not a known field: ${JSON.stringify(path)}`,
      `did you mean "${top}${rest === undefined ? '' : `.${rest}`}"?`,
    );
  }
  return failure(
    `is not a known field: ${JSON.stringify(path)}`,
    `${knownFieldsHint} (use raw.<dot.path> for other parts of the native event)`,
  );
}

/**
 * Compiles a field path into a reader. Call it once per config version; the reader runs per invocation, does not
 * allocate and never throws (a throwing getter or proxy inside the native event reads as `undefined`).
 *
 * @throws {FieldPathError} for a path {@link parseFieldPath} rejects; validated experiments never contain one.
 *
 * @example
 * ```ts
 * import { compileFieldReader } from '@faultline/core/testing';
 *
 * const readTenant = compileFieldReader('http.header.X-Tenant');
 * const readOrder = compileFieldReader('raw.detail.orderId');
 * readTenant(invocation); // 'acme' (header names are matched case-insensitively)
 * readOrder(invocation); // 42, or undefined when the event has no such property
 * ```
 */
export function compileFieldReader(path: string): FieldReader {
  const parsed = parseFieldPath(path);
  if (!parsed.ok) {
    throw new FieldPathError(
      path,
      parsed.hint === undefined ? parsed.message : `${parsed.message} (${parsed.hint})`,
    );
  }
  return compileParsedFieldReader(parsed.field);
}

/**
 * Compiles an already parsed {@link FieldPath} into a reader (see {@link compileFieldReader}).
 *
 * @example
 * ```ts
 * import { parseFieldPath } from '@faultline/core';
 *
 * const parsed = parseFieldPath('http.query.tenant');
 * if (parsed.ok) {
 *   const read = compileParsedFieldReader(parsed.field);
 *   read(invocation); // 'acme' for /orders?tenant=acme
 * }
 * ```
 */
export function compileParsedFieldReader(field: FieldPath): FieldReader {
  switch (field.kind) {
    case 'cloud':
      return (invocation) => scalarFieldValue(invocation.cloud);
    case 'function':
      return (invocation) => scalarFieldValue(invocation.function);
    case 'stage':
      return (invocation) => scalarFieldValue(invocation.stage);
    case 'region':
      return (invocation) => scalarFieldValue(invocation.region);
    case 'trigger':
      return (invocation) => scalarFieldValue(invocation.trigger);
    case 'requestId':
      return (invocation) => scalarFieldValue(invocation.requestId);
    case 'http.method':
      return (invocation) => scalarFieldValue(invocation.http?.method);
    case 'http.path':
      return (invocation) => scalarFieldValue(invocation.http?.path);
    case 'event.type':
      return (invocation) => scalarFieldValue(invocation.event?.type);
    case 'event.source':
      return (invocation) => scalarFieldValue(invocation.event?.source);
    case 'http.header': {
      const name = field.name;
      return (invocation) => {
        const headers = invocation.http?.headers;
        // Own properties only: a header named like an Object.prototype member must not read the prototype.
        return headers !== undefined && Object.hasOwn(headers, name)
          ? scalarFieldValue(headers[name])
          : undefined;
      };
    }
    case 'http.query': {
      const name = field.name;
      return (invocation) => {
        const query = invocation.http?.query;
        return query !== undefined && Object.hasOwn(query, name) ? scalarFieldValue(query[name]) : undefined;
      };
    }
    case 'raw': {
      const segments = field.segments;
      return (invocation) => readRaw(invocation.raw, segments);
    }
  }
}
