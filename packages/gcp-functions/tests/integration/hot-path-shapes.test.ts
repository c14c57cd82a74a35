import { measureDeoptsAfterGc } from '@faultline/testkit';
import { expect, it } from 'vitest';

// Invocations all die young. Without one kept alive, a full GC collects their shape and V8 throws away the optimized
// code of the decision and the request view, so every major GC makes the next invocations run unoptimized.
it('a full GC keeps the optimized hot path of an armed experiment that does not fire', async () => {
  const adapter = new URL('../../src/index.ts', import.meta.url).href;
  const core = new URL('../../../core/src/index.ts', import.meta.url).href;
  const { droppedFunctions, lastLine } = await measureDeoptsAfterGc(`
    const { withFaults } = await import(${JSON.stringify(adapter)});
    const { createFaultEngine, createInlineSource } = await import(${JSON.stringify(core)});
    const source = createInlineSource({ schemaVersion: 1, id: 'shapes', faults: [
      { id: 'deletes', type: 'status', probability: 1, status: 503, match: [{ field: 'http.method', op: 'eq', value: 'DELETE' }] },
    ] });
    const engine = createFaultEngine({ source, environment: {}, logLevel: 'silent' });
    await engine.ready();
    let answered = 0;
    const wrapped = withFaults(async () => { answered++; }, { engine, environment: { K_SERVICE: 'orders' } });
    const request = { method: 'GET', url: '/orders/42?verbose=1', headers: { 'x-cloud-trace-context': 'abc/1;o=1' } };
    const response = { end() {} };
    for (let round = 0; round < 12; round++) {
      for (let index = 0; index < 20000; index++) await wrapped(request, response);
      gc();
    }
    engine.close();
    console.log('answered ' + answered);
  `);
  expect(lastLine).toBe('answered 240000');
  // The native decision (no invocation built) is the path such an invocation takes; the rest when it cannot decide.
  const hotPath = [
    'faultlineWrapped',
    'nothingCanFire',
    'conditionFailsNatively',
    'valueMeets',
    'decide',
    'decideFor',
    'plan',
    'readField',
    'toHttpInvocation',
    'RequestHttpView',
  ];
  expect(droppedFunctions.filter((name) => hotPath.includes(name))).toEqual([]);
}, 120_000);
