import { measureDeoptsAfterGc } from '@faultline/testkit';
import { expect, it } from 'vitest';

// Invocations all die young. Without one kept alive, a full GC collects their shape and V8 throws away the optimized
// code of the decision and the lazy HTTP view, so every major GC makes the next invocations run unoptimized.
it('a full GC keeps the optimized hot path of an armed experiment that does not fire', async () => {
  const adapter = new URL('../../src/index.ts', import.meta.url).href;
  const core = new URL('../../../core/src/index.ts', import.meta.url).href;
  const { droppedFunctions, lastLine } = await measureDeoptsAfterGc(`
    const { createRequire } = await import('node:module');
    const { HttpRequest, InvocationContext } = createRequire(${JSON.stringify(adapter)})('@azure/functions');
    const { withFaults } = await import(${JSON.stringify(adapter)});
    const { createFaultEngine, createInlineSource } = await import(${JSON.stringify(core)});
    const source = createInlineSource({ schemaVersion: 1, id: 'shapes', faults: [
      { id: 'deletes', type: 'status', probability: 1, status: 503, match: [{ field: 'http.method', op: 'eq', value: 'DELETE' }] },
    ] });
    const engine = createFaultEngine({ source, environment: {}, logLevel: 'silent' });
    await engine.ready();
    const result = { status: 200 };
    const wrapped = withFaults(async () => result, { engine, environment: {} });
    const request = new HttpRequest({ method: 'GET', url: 'http://127.0.0.1:7071/api/orders/42' });
    const context = new InvocationContext({ functionName: 'orders', invocationId: 'i', options: { trigger: { name: 'request', type: 'httpTrigger' } } });
    let answered = 0;
    for (let round = 0; round < 12; round++) {
      for (let index = 0; index < 20000; index++) if ((await wrapped(request, context)) === result) answered++;
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
    'toAzureInvocation',
    'LazyInvocationHttp',
    'get method',
  ];
  expect(droppedFunctions.filter((name) => hotPath.includes(name))).toEqual([]);
}, 120_000);
