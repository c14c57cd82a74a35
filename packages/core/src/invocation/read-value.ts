import type { FieldValue } from './fields.js';

// Internal: the value rules every field reader shares (compiled readers and compiled match conditions).

/** Strings and booleans as they are, finite numbers; anything else (objects, NaN, functions) reads as absent. */
export function scalar(value: unknown): FieldValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : undefined;
    default:
      return undefined;
  }
}

/** Walks the native event's own properties; never throws (a proxy or a throwing getter reads as absent). */
export function readRaw(root: unknown, segments: readonly string[]): FieldValue {
  try {
    let current = root;
    for (let index = 0; index < segments.length; index++) {
      if (typeof current !== 'object' || current === null) return undefined;
      const segment = segments[index] as string;
      if (!Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
    return scalar(current);
  } catch {
    return undefined;
  }
}
