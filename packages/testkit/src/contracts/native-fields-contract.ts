import {
  createFaultEngine,
  createInlineSource,
  type FaultEngine,
  FaultlineError,
  type Invocation,
} from '@faultline/core';
import type { MatchFieldKind, NativeFieldReader } from '@faultline/core/adapter-kit';
import { compileFieldReader } from '@faultline/core/testing';

/** The fields every invocation has, as experiments address them. */
const plainFields = [
  'cloud',
  'function',
  'stage',
  'region',
  'trigger',
  'requestId',
  'http.method',
  'http.path',
  'event.type',
  'event.source',
] as const;

/**
 * The header and query parameter names to compare besides the plain fields. Names of `Object.prototype` members
 * are left out: the engine never asks a native reader for them.
 */
export interface NativeFieldNames {
  readonly headers: readonly string[];
  readonly query: readonly string[];
}

/**
 * Compares what an adapter's native field reader reads from `(first, second)` with the invocation its
 * `toInvocation` builds from the same arguments: every field the reader answers (anything but `null`, and no
 * throw) must hold exactly the value `compileFieldReader` reads from the invocation. Returns the mismatches as text
 * (empty when they agree), for a property test over generated native arguments.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(eventArbitrary, (event) => {
 *   expect(nativeFieldMismatches(reader, toInvocation(event, context), event, context, names)).toEqual([]);
 * }));
 * ```
 */
export function nativeFieldMismatches<First, Second>(
  reader: NativeFieldReader<First, Second>,
  invocation: Invocation,
  first: First,
  second: Second,
  names: NativeFieldNames,
): string[] {
  const mismatches: string[] = [];
  const check = (path: string, kind: MatchFieldKind, name: string) => {
    let native: unknown;
    try {
      native = reader.read(kind, name);
    } catch {
      return; // a reader that throws leaves the decision to the invocation: allowed
    }
    if (native === null) return;
    const expected = compileFieldReader(path)(invocation);
    if (!Object.is(native, expected)) {
      mismatches.push(`${path}: native ${describe(native)}, invocation ${describe(expected)}`);
    }
  };
  reader.begin(first, second);
  try {
    for (const path of plainFields) check(path, path, '');
    for (const name of names.headers) {
      if (!(name in Object.prototype)) check(`http.header.${name}`, 'http.header', name);
    }
    for (const name of names.query) {
      if (!(name in Object.prototype)) check(`http.query.${name}`, 'http.query', name);
    }
  } finally {
    reader.end();
  }
  return mismatches;
}

function describe(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

/**
 * An engine armed with one status fault (503, probability 1) under `match`, its first read done: for tests of the
 * native decision, which only an armed experiment takes. Close it after the test.
 *
 * @example
 * ```ts
 * const engine = await createOneFaultEngine([{ field: 'http.method', op: 'eq', value: 'DELETE' }]);
 * ```
 */
export async function createOneFaultEngine(match: readonly object[]): Promise<FaultEngine> {
  const engine = createFaultEngine({
    source: createInlineSource({
      schemaVersion: 1,
      id: 'native-decision',
      faults: [{ id: 'down', type: 'status', status: 503, probability: 1, match }],
    }),
    onEvent: () => undefined,
  });
  await engine.ready();
  return engine;
}

/**
 * Calls `invoke` until one call leaves `builder` (a spy on the adapter's invocation builder) uncalled — the native
 * field reader loads lazily, next to the engine's runtime — and returns how many calls that took. Throws when every
 * call of about 5 s builds an invocation: the wrapper does not decide from the native arguments.
 *
 * @example
 * ```ts
 * await callsUntilNoInvocationIsBuilt(vi.mocked(toHttpInvocation), () => wrapped(request, response));
 * ```
 */
export async function callsUntilNoInvocationIsBuilt(
  builder: { readonly mock: { readonly calls: readonly unknown[] } },
  invoke: () => unknown,
): Promise<number> {
  for (let call = 1; call <= 250; call++) {
    const before = builder.mock.calls.length;
    await invoke();
    if (builder.mock.calls.length === before) return call;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new FaultlineError(
    'INTERNAL',
    'every armed invocation that no fault matches built the invocation: the native field reader is not used',
  );
}
