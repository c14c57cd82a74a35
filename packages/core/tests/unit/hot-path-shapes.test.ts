import { setFlagsFromString } from 'node:v8';
import { createFaultEngine, createInlineSource, type FaultEngine } from '@faultline/core';
import { resolveFaultEngine } from '@faultline/core/adapter-kit';
import { afterAll, describe, expect, it } from 'vitest';

// The wrapper reads `engine.current` and the compiled experiment's fields on every invocation. V8 reads a property of
// an object in dictionary mode through its generic load stub (a hash lookup, about 70 instructions) instead of one
// field load, so these objects must keep fast properties: an object literal that declares a getter, or an object
// given a getter function of its own, is in dictionary mode. V8's own predicates tell; natives syntax is switched on
// for the functions compiled below only.
setFlagsFromString('--allow-natives-syntax');
const hasFastProperties = new Function('object', 'return %HasFastProperties(object)') as (
  object: object,
) => boolean;
const haveSameMap = new Function('first', 'second', 'return %HaveSameMap(first, second)') as (
  first: object,
  second: object,
) => boolean;
setFlagsFromString('--no-allow-natives-syntax');

const experiment = {
  schemaVersion: 1,
  id: 'shapes',
  faults: [
    {
      id: 'deletes',
      type: 'status',
      probability: 1,
      status: 503,
      match: [{ field: 'http.method', op: 'eq', value: 'DELETE' }],
    },
  ],
};

const engines: FaultEngine[] = [];
afterAll(() => {
  for (const engine of engines) engine.close();
});

function keep<Engine extends FaultEngine>(engine: Engine): Engine {
  engines.push(engine);
  return engine;
}

describe('objects read on every invocation keep fast properties', () => {
  it('checks what it claims: an object literal with a getter is in dictionary mode', () => {
    expect(hasFastProperties({ current: () => 'idle' })).toBe(true);
    expect(
      hasFastProperties({
        current: () => 'idle',
        get registry() {
          return undefined;
        },
      }),
    ).toBe(false);
  });

  it('engines from createFaultEngine: fast, one shape for all, with their getter working', async () => {
    const first = keep(createFaultEngine({ source: createInlineSource(experiment), logLevel: 'silent' }));
    const second = keep(createFaultEngine({ source: createInlineSource(experiment), logLevel: 'silent' }));
    await Promise.all([first.ready(), second.ready()]);
    expect(hasFastProperties(first)).toBe(true);
    expect(hasFastProperties(second)).toBe(true);
    expect(haveSameMap(first, second)).toBe(true);
    // The registry is the built-in one once a document was compiled; it stays a read-only, enumerable property.
    expect(first.registry).toBeDefined();
    expect(Object.keys(first)).toContain('registry');
    expect(() => {
      (first as { registry: unknown }).registry = undefined;
    }).toThrow(TypeError);
  });

  it('the deferred engines wrappers hold: fast before and after loading, one shape for all', async () => {
    const first = keep(
      resolveFaultEngine({ source: createInlineSource(experiment), logLevel: 'silent' }, {}),
    );
    const second = keep(
      resolveFaultEngine({ source: createInlineSource(experiment), logLevel: 'silent' }, {}),
    );
    expect(hasFastProperties(first)).toBe(true);
    expect(haveSameMap(first, second)).toBe(true);
    expect(first.current()).toBe('loading');
    await first.ready();
    expect(hasFastProperties(first)).toBe(true);
    expect(first.clock.now()).toBeGreaterThan(0);
    expect(first.registry).toBeDefined();
  });

  it('the compiled experiment an armed engine returns', async () => {
    const engine = keep(createFaultEngine({ source: createInlineSource(experiment), logLevel: 'silent' }));
    await engine.ready();
    const state = engine.current();
    if (typeof state === 'string') throw new TypeError(`expected an armed experiment, got ${state}`);
    expect(hasFastProperties(state)).toBe(true);
    expect(hasFastProperties(state.state)).toBe(true);
  });
});
