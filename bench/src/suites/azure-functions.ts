import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import type { HttpResponseInit } from '@azure/functions';
import { type AzureFunctionsAppLike, installFaults, withFaults } from '@faultline/azure-functions';
import { type BenchRow, type BenchSuite, createRow, measureInterleaved } from '../harness.js';
import { measurePackageCost } from '../package-cost.js';
import { idleTargetNs, missingSource, standardScenarios, warmEngine } from '../scenarios.js';

/**
 * @faultline/azure-functions: the added cost per invocation when nothing fires (bare v4 handler vs wrapped, with
 * the library's real HttpRequest and InvocationContext created once), the zero-touch hook, the cold import of the
 * published bundle in a fresh process against an empty module, and the bundle size (esbuild, minified, SDKs
 * external).
 */

const _execFileAsync = promisify(execFile);
// The library's classes are not visible as ESM named exports of its CommonJS bundle; require them.
const { HttpRequest, InvocationContext } = createRequire(import.meta.url)(
  '@azure/functions',
) as typeof import('@azure/functions');
type HttpRequest = InstanceType<typeof HttpRequest>;
type InvocationContext = InstanceType<typeof InvocationContext>;
/** Peer SDKs stay outside the bundle, as users install them next to it. */
const externals = ['@azure/functions', '@azure/app-configuration', '@azure/identity'];

const response: HttpResponseInit = { status: 200, jsonBody: { id: '42', item: 'book' } };
const handler = async (_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> =>
  response;
const request = new HttpRequest({
  method: 'GET',
  url: 'http://127.0.0.1:7071/orders/42?expand=items',
  headers: { 'content-type': 'application/json', 'x-tenant': 'acme' },
});
const context = new InvocationContext({
  functionName: 'orders',
  invocationId: 'bench-invocation',
  options: { trigger: { name: 'request', type: 'httpTrigger' } },
});

const scenarios = standardScenarios(
  'bench-azure',
  'decides from the HttpRequest/InvocationContext fields (the native field reader: no invocation built; each HttpRequest getter goes through the undici Request), calls the handler',
);

/** A stand-in for `app` that keeps the pre-invocation hook so the bench can call it as the worker would. */
function captureHook(): { app: AzureFunctionsAppLike; hook: () => ((context: never) => void) | undefined } {
  let hook: ((context: never) => void) | undefined;
  return {
    app: {
      hook: {
        preInvocation: (callback) => {
          hook = callback as (context: never) => void;
          return { dispose: () => undefined };
        },
      },
    },
    hook: () => hook,
  };
}

export const suite: BenchSuite = {
  name: 'azure-functions',
  async run(benchContext) {
    const rows: BenchRow[] = [];
    const rounds = benchContext.quick ? 20 : 150;

    rows.push(
      ...(await benchContext.scenario(
        'kill switch',
        async () => {
          const scenarioRows: BenchRow[] = [];
          const killed = withFaults(handler, { environment: { FAULTLINE_DISABLED: '1' } });
          scenarioRows.push(
            createRow({
              name: 'azure-functions: kill switch FAULTLINE_DISABLED=1 returns the handler itself',
              value: (killed as unknown) === handler ? 0 : 1,
              unit: 'wrappers',
              baseline: 0,
              target: { of: 'value', max: 0 },
              note: 'identity check: 0 means no wrapper at all',
            }),
          );
          return scenarioRows;
        },
        { runs: 1 },
      )),
    );

    for (const scenario of scenarios) {
      rows.push(
        ...(await benchContext.scenario(`withFaults, ${scenario.name}`, async () => {
          const scenarioRows: BenchRow[] = [];
          benchContext.log(`azure-functions: ${scenario.name}`);
          const engine = await warmEngine(scenario.source);
          const wrapped = withFaults(handler, { engine, environment: { FAULTLINE_STAGE: 'bench' } });
          const result = await measureInterleaved({
            baseline: () => handler(request, context),
            candidate: () => wrapped(request, context),
            rounds,
          });
          engine.close();
          scenarioRows.push(
            createRow({
              name: `azure-functions: withFaults, ${scenario.name}`,
              value: result.candidateNsPerOp,
              unit: 'ns/op',
              baseline: result.baselineNsPerOp,
              target: { of: 'added', max: scenario.targetNs },
              note: `${scenario.note}; added ${result.addedNsPerOp.toFixed(1)} ns/op; baseline: bare async v4 handler`,
            }),
          );
          return scenarioRows;
        })),
      );
    }

    rows.push(
      ...(await benchContext.scenario('installFaults hook, no experiment', async () => {
        const scenarioRows: BenchRow[] = [];
        benchContext.log('azure-functions: installFaults hook, no experiment');
        const engine = await warmEngine(missingSource);
        const captured = captureHook();
        const installed = installFaults(captured.app, { engine, environment: { FAULTLINE_STAGE: 'bench' } });
        const hook = captured.hook();
        if (hook === undefined) throw new Error('installFaults registered no pre-invocation hook');
        const hookContext = { invocationContext: context, functionHandler: handler as unknown };
        const result = await measureInterleaved({
          baseline: () => handler(request, context),
          candidate: () => {
            hookContext.functionHandler = handler;
            hook(hookContext as never);
            return (hookContext.functionHandler as typeof handler)(request, context);
          },
          rounds,
        });
        installed.dispose();
        engine.close();
        scenarioRows.push(
          createRow({
            name: 'azure-functions: installFaults pre-invocation hook + wrapped handler, no experiment',
            value: result.candidateNsPerOp,
            unit: 'ns/op',
            baseline: result.baselineNsPerOp,
            target: { of: 'added', max: idleTargetNs },
            note: `the hook swaps in the cached wrapper (one Map lookup per invocation); added ${result.addedNsPerOp.toFixed(1)} ns/op`,
          }),
        );
        return scenarioRows;
      })),
    );

    rows.push(
      ...(await measurePackageCost({
        prefix: 'azure-functions',
        entries: [
          {
            label: '@faultline/azure-functions',
            coldImport: true,
            firstInvocation: {
              // The host builds the request before it calls the function; Node loads `Headers` on first use. Every
              // function app imports `@azure/functions` to register its functions, which loads `node:http`,
              // `node:crypto` and `node:stream`: loaded before the clock, on both sides.
              prelude:
                "await import('node:http');await import('node:crypto');await import('node:stream');const request = { method: 'GET', url: 'http://127.0.0.1/orders/1', headers: new Headers(), query: new URLSearchParams(), params: {} };",
              body: [
                'const handler = entry.withFaults(async () => ({ status: 200 }));',
                "await handler(request, { invocationId: 'i-1', functionName: 'orders', options: { trigger: { type: 'httpTrigger', name: 'request' } } });",
              ].join('\n'),
            },
          },
          { label: '@faultline/azure-functions/app-configuration' },
        ],
        external: externals,
        context: benchContext,
      })),
    );
    return rows;
  },
};
