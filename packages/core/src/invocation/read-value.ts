import type { FieldValue } from './fields.js';

// The value rules every field reader shares (compiled readers, compiled match conditions, the adapters' native
// field readers through the adapter kit).

/**
 * A native value as a match condition reads it: strings and booleans as they are, finite numbers; anything else
 * (objects, `null`, `NaN`, functions) reads as absent (`undefined`). An adapter's `NativeFieldReader` passes the
 * native fields it copies as they are through it, so it answers exactly what the invocation's field would.
 *
 * @example
 * ```ts
 * import { scalarFieldValue } from '@faultline/core/adapter-kit';
 *
 * scalarFieldValue('orders'); // 'orders'
 * scalarFieldValue(Number.NaN); // undefined
 * scalarFieldValue({ name: 'orders' }); // undefined
 * ```
 */
export function scalarFieldValue(value: unknown): FieldValue {
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
    return scalarFieldValue(current);
  } catch {
    return undefined;
  }
}
