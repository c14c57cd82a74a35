import type { FieldPath, FieldValue } from '../invocation/fields.js';
import type { Invocation } from '../invocation/invocation.js';

// Types only: nothing of it may load with an adapter's entry point.

/**
 * The kind of field a {@link NativeFieldReader} is asked for: the field path without the header or parameter name
 * (`http.header` for `http.header.x-tenant`).
 */
export type MatchFieldKind = FieldPath['kind'];

/**
 * Reads the fields of one invocation straight from the platform's native arguments, without building the
 * {@link Invocation}: the wrapper asks it, before building anything, whether some condition of every fault fails,
 * and then calls the handler directly. Called only between `begin` and `end`, synchronously, on one invocation.
 *
 * @example
 * ```ts
 * const reader: NativeFieldReader<MyRequest, MyContext> = {
 *   begin(request) { current = request; },
 *   read: (field) => (field === 'http.method' ? current.method : null),
 *   end() { current = undefined; },
 * };
 * ```
 */
export interface NativeFieldReader<First, Second> {
  /** Starts reading one invocation's native arguments. */
  begin(first: First, second: Second): void;
  /**
   * The value the field has in the invocation the adapter's `toInvocation(first, second)` builds — exactly the same
   * value, as `compileFieldReader` would read it — or `null` when it cannot be read cheaply here (the wrapper then
   * builds the invocation and decides as usual). `name` is the header or query parameter name (lower-case for
   * headers), `''` for other fields. Must not allocate on the common path; may throw (the wrapper then decides as
   * usual).
   */
  read(field: MatchFieldKind, name: string): FieldValue | null;
  /** Drops what `begin` kept, so no native argument outlives its invocation. */
  end(): void;
}
