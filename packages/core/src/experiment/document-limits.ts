import type { ValidationIssue } from '../schema/schema.js';

/**
 * Bounds on the shape of an experiment document, checked before any parser or validator does real work, so a
 * hostile document under the size cap cannot stall or exhaust a function. Real experiments stay far below them:
 * about ten levels deep, a few hundred values, lists of at most 100 entries (the schema's own caps).
 */
export const documentLimits = {
  /** Deepest nesting of objects and arrays (the document itself is level 1). */
  maxDepth: 32,
  /** Most values (objects, arrays, strings, numbers, booleans, nulls) in one document. */
  maxValues: 20_000,
  /** Most entries in one object or array. */
  maxEntries: 1_000,
} as const;

/** The kinds of problem {@link scanJsonText} reports; never a piece of the text itself. */
type JsonProblem =
  | 'expected a value'
  | 'expected a property name in double quotes'
  | 'expected a colon after the property name'
  | 'expected a comma or a closing brace'
  | 'expected a comma or a closing bracket'
  | 'a string is not closed'
  | 'a string holds a raw control character (write \\n, \\t, … instead)'
  | 'a string holds an invalid escape sequence'
  | 'a number is malformed'
  | 'there is more text after the document'
  | 'a property name appears twice in one object';

/** Where {@link scanJsonText} stopped: the kind of problem and its position, never the offending text. */
export interface JsonScanFailure {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly issue: ValidationIssue;
}

const space = 0x20;
const tab = 0x09;
const newline = 0x0a;
const carriageReturn = 0x0d;
const quote = 0x22;
const backslash = 0x5c;
const comma = 0x2c;
const colon = 0x3a;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const minus = 0x2d;
const plus = 0x2b;
const dot = 0x2e;
const zero = 0x30;
const nine = 0x39;

/** Characters a JSON string holds without escaping (sticky, so it matches exactly at `lastIndex`). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings forbid raw control characters; the class stops at them.
const plainRun = /[^"\\\u0000-\u001f]+/y;
/** JSON whitespace (sticky). */
const whitespaceRun = /[ \t\n\r]*/y;

function isDigit(code: number): boolean {
  return code >= zero && code <= nine;
}

function isHexDigit(code: number): boolean {
  return isDigit(code) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

/**
 * Checks JSON text in one linear pass, without building anything: the grammar (RFC 8259, as `JSON.parse` reads
 * it), duplicate property names, and {@link documentLimits}. `JSON.parse` runs only on text that passed, so its
 * work is bounded too, and a failure names only a position and a kind of problem (the text may be a secret a
 * source was pointed at by mistake). Returns `undefined` when the text is fine.
 *
 * @example
 * ```ts
 * import { scanJsonText } from '@faultline/core';
 * scanJsonText('{"id": "x",}')?.issue.message; // 'is not valid JSON at line 1, column 12: expected a property name in double quotes'
 * ```
 */
export function scanJsonText(text: string): JsonScanFailure | undefined {
  const length = text.length;
  // One entry per open container: its kind, its entry count and (objects) the property names seen so far.
  const kinds: number[] = [];
  const entries: number[] = [];
  const names: (Set<string> | undefined)[] = [];
  let values = 0;
  let index = 0;

  const fail = (offset: number, message: string, hint?: string): JsonScanFailure => {
    const { line, column } = locateOffset(text, offset);
    return {
      offset,
      line,
      column,
      issue: {
        path: '',
        message: `is not valid JSON at line ${line}, column ${column}: ${message}`,
        ...(hint === undefined ? {} : { hint }),
      },
    };
  };
  const problem = (offset: number, kind: JsonProblem): JsonScanFailure =>
    offset === firstNonSpace(text) && !startsLikeJson(text.charCodeAt(offset))
      ? fail(
          offset,
          `${kind} (this is not JSON; YAML or plain text, perhaps)`,
          'functions read experiments as JSON only; `faultline push` stores a YAML file as JSON',
        )
      : fail(offset, kind, 'check for trailing commas, unquoted keys and missing quotes');
  const limit = (offset: number, message: string): JsonScanFailure =>
    fail(offset, message, 'experiments are small and shallow; this document is not one');

  const skipSpace = (): void => {
    const code = text.charCodeAt(index);
    if (code !== space && code !== tab && code !== newline && code !== carriageReturn) return;
    whitespaceRun.lastIndex = index;
    whitespaceRun.test(text);
    index = whitespaceRun.lastIndex;
  };

  /** Scans a string starting at the opening quote; returns the index after the closing quote, or a failure. */
  const scanString = (): number | JsonScanFailure => {
    const start = index;
    index++;
    while (index < length) {
      // Runs of ordinary characters in one native step: strings are most of a document's bytes.
      plainRun.lastIndex = index;
      if (plainRun.test(text)) index = plainRun.lastIndex;
      if (index >= length) break;
      const code = text.charCodeAt(index);
      if (code === quote) return ++index;
      if (code < 0x20)
        return problem(index, 'a string holds a raw control character (write \\n, \\t, … instead)');
      if (code === backslash) {
        const next = text.charCodeAt(index + 1);
        if (next === 0x75) {
          for (let digit = 2; digit < 6; digit++) {
            if (!isHexDigit(text.charCodeAt(index + digit))) {
              return index + digit >= length
                ? problem(start, 'a string is not closed')
                : problem(index, 'a string holds an invalid escape sequence');
            }
          }
          index += 6;
          continue;
        }
        if (
          next === quote ||
          next === backslash ||
          next === 0x2f ||
          next === 0x62 ||
          next === 0x66 ||
          next === 0x6e ||
          next === 0x72 ||
          next === 0x74
        ) {
          index += 2;
          continue;
        }
        return index + 1 >= length
          ? problem(start, 'a string is not closed')
          : problem(index, 'a string holds an invalid escape sequence');
      }
      index++;
    }
    return problem(start, 'a string is not closed');
  };

  const scanNumber = (): JsonScanFailure | undefined => {
    const start = index;
    if (text.charCodeAt(index) === minus) index++;
    const first = text.charCodeAt(index);
    if (first === zero) index++;
    else if (isDigit(first)) while (isDigit(text.charCodeAt(index))) index++;
    else return problem(start, 'a number is malformed');
    if (text.charCodeAt(index) === dot) {
      index++;
      if (!isDigit(text.charCodeAt(index))) return problem(start, 'a number is malformed');
      while (isDigit(text.charCodeAt(index))) index++;
    }
    const exponent = text.charCodeAt(index);
    if (exponent === 0x65 || exponent === 0x45) {
      index++;
      const sign = text.charCodeAt(index);
      if (sign === plus || sign === minus) index++;
      if (!isDigit(text.charCodeAt(index))) return problem(start, 'a number is malformed');
      while (isDigit(text.charCodeAt(index))) index++;
    }
    return undefined;
  };

  /** Counts one value at `offset` against the limits (the value count and its container's entry count). */
  const countValue = (offset: number): JsonScanFailure | undefined => {
    values++;
    if (values > documentLimits.maxValues) {
      return limit(offset, `it holds more than ${documentLimits.maxValues} values`);
    }
    const top = entries.length - 1;
    if (top >= 0) {
      const count = (entries[top] as number) + 1;
      entries[top] = count;
      if (count > documentLimits.maxEntries) {
        return limit(offset, `an object or array holds more than ${documentLimits.maxEntries} entries`);
      }
    }
    return undefined;
  };

  // The parser alternates between "a value is expected here" and "after a value, inside the current container".
  let expectValue = true;
  skipSpace();
  while (true) {
    if (expectValue) {
      if (index >= length) return problem(index, 'expected a value');
      const code = text.charCodeAt(index);
      const counted = countValue(index);
      if (counted !== undefined) return counted;
      if (code === openBrace || code === openBracket) {
        if (kinds.length + 1 > documentLimits.maxDepth) {
          return limit(index, `it nests deeper than ${documentLimits.maxDepth} levels`);
        }
        const closing = code === openBrace ? closeBrace : closeBracket;
        index++;
        skipSpace();
        if (text.charCodeAt(index) === closing) {
          // An empty object or array: a complete value.
          index++;
          expectValue = false;
          skipSpace();
          continue;
        }
        kinds.push(code);
        entries.push(0);
        names.push(code === openBrace ? new Set() : undefined);
        if (code === openBrace) {
          const key = scanKey();
          if (key !== undefined) return key;
        }
        continue;
      }
      if (code === quote) {
        const end = scanString();
        if (typeof end !== 'number') return end;
      } else if (code === minus || isDigit(code)) {
        const failure = scanNumber();
        if (failure !== undefined) return failure;
      } else if (text.startsWith('true', index)) index += 4;
      else if (text.startsWith('false', index)) index += 5;
      else if (text.startsWith('null', index)) index += 4;
      else return problem(index, 'expected a value');
      expectValue = false;
      skipSpace();
      continue;
    }
    // After a value.
    if (kinds.length === 0) {
      if (index < length) return problem(index, 'there is more text after the document');
      return undefined;
    }
    const inArray = kinds[kinds.length - 1] === openBracket;
    const code = text.charCodeAt(index);
    if (code === comma) {
      index++;
      skipSpace();
      if (!inArray) {
        const key = scanKey();
        if (key !== undefined) return key;
      }
      expectValue = true;
      continue;
    }
    if (code === (inArray ? closeBracket : closeBrace)) {
      index++;
      kinds.pop();
      entries.pop();
      names.pop();
      skipSpace();
      continue;
    }
    return problem(
      index,
      inArray ? 'expected a comma or a closing bracket' : 'expected a comma or a closing brace',
    );
  }

  /** Scans `"name" :` inside an object; leaves `index` after the colon. */
  function scanKey(): JsonScanFailure | undefined {
    if (text.charCodeAt(index) !== quote) return problem(index, 'expected a property name in double quotes');
    const start = index;
    const end = scanString();
    if (typeof end !== 'number') return end;
    const raw = text.slice(start + 1, end - 1);
    // Escapes spell the same name in several ways; decode those few (the text already passed the grammar check).
    const name = raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw;
    const seen = names[names.length - 1] as Set<string>;
    if (seen.has(name)) return problem(start, 'a property name appears twice in one object');
    seen.add(name);
    skipSpace();
    if (text.charCodeAt(index) !== colon) return problem(index, 'expected a colon after the property name');
    index++;
    skipSpace();
    return undefined;
  }
}

/**
 * Checks an already decoded document (an object from Firestore or from code) against {@link documentLimits}
 * without recursion, so cyclic or absurdly deep values stop early. Returns the problem, or `undefined`.
 */
export function checkDocumentShape(document: unknown): ValidationIssue | undefined {
  const hint = 'experiments are small and shallow; this document is not one';
  let values = 0;
  const stack: { value: unknown; depth: number }[] = [{ value: document, depth: 1 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop() as { value: unknown; depth: number };
    values++;
    if (values > documentLimits.maxValues) {
      return { path: '', message: `holds more than ${documentLimits.maxValues} values`, hint };
    }
    if (typeof value !== 'object' || value === null) continue;
    const children = Array.isArray(value) ? value : isPlainRecord(value) ? Object.values(value) : undefined;
    if (children === undefined) continue;
    if (depth > documentLimits.maxDepth) {
      return { path: '', message: `nests deeper than ${documentLimits.maxDepth} levels`, hint };
    }
    if (children.length > documentLimits.maxEntries) {
      return {
        path: '',
        message: `has an object or array with more than ${documentLimits.maxEntries} entries`,
        hint,
      };
    }
    for (const child of children) stack.push({ value: child, depth: depth + 1 });
  }
  return undefined;
}

function isPlainRecord(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function firstNonSpace(text: string): number {
  let index = 0;
  while (index < text.length && /\s/.test(text.charAt(index))) index++;
  return index;
}

/** JSON documents start with a value; anything else is most likely YAML. */
function startsLikeJson(code: number): boolean {
  return (
    code === openBrace ||
    code === openBracket ||
    code === quote ||
    code === minus ||
    isDigit(code) ||
    code === 0x74 ||
    code === 0x66 ||
    code === 0x6e
  );
}

/** 1-based line and column of `offset` in `text`. */
export function locateOffset(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index++) {
    if (text.charCodeAt(index) === newline) {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
