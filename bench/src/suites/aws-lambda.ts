import { withFaults } from '@faultline/aws-lambda';
import { type BenchRow, type BenchSuite, createRow, measureInterleaved } from '../harness.js';
import { measurePackageCost } from '../package-cost.js';
import { standardScenarios, warmEngine } from '../scenarios.js';

/**
 * `@faultline/aws-lambda`: the added cost per invocation of `withFaults` when nothing fires (config cached: no
 * experiment, 10 faults that do not match, a dry-run experiment), the kill switch, the cold import of the package in
 * a fresh Node process, and the bundle sizes. The reference numbers are failure-lambda's (anchors.md): 325–690 ns
 * with all flags off, 12 µs with a flag that does not fire, +233 ms cold import, 11.8 kB bundle.
 */

/** A realistic HTTP API (payload 2.0) event and context: what the wrapper reads on its slow path. */
const event = {
  version: '2.0',
  routeKey: 'GET /orders/{id}',
  rawPath: '/orders/42',
  rawQueryString: 'expand=items',
  headers: { accept: 'application/json', 'x-tenant': 'acme', host: 'api.example.test' },
  queryStringParameters: { expand: 'items' },
  requestContext: {
    accountId: '123456789012',
    apiId: 'r3pmxmplak',
    domainName: 'r3pmxmplak.execute-api.us-east-1.amazonaws.com',
    http: {
      method: 'GET',
      path: '/orders/42',
      protocol: 'HTTP/1.1',
      sourceIp: '10.0.0.1',
      userAgent: 'bench',
    },
    requestId: 'JKJaXmPLvHcESHA=',
    routeKey: 'GET /orders/{id}',
    stage: '$default',
    timeEpoch: 1_710_028_639_000,
  },
  isBase64Encoded: false,
};
const context = {
  functionName: 'orders',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders:dev',
  awsRequestId: '8476a536-e9f4-11e8-9739-2dfe598c3fcd',
  getRemainingTimeInMillis: () => 3000,
};
const result = { statusCode: 200, body: '{"price":10}' };
const handler = async (_event: typeof event, _context: typeof context) => result;

const scenarios = standardScenarios(
  'bench-aws',
  'decides from the event and context fields (the native field reader: the trigger detected once per invocation, no invocation built), calls the handler',
);

export const suite: BenchSuite = {
  name: 'aws-lambda',
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
              name: 'aws-lambda: kill switch FAULTLINE_DISABLED=1 returns the handler itself',
              value: killed === handler ? 0 : 1,
              unit: 'wrappers',
              baseline: 0,
              target: { of: 'value', max: 0 },
              note: 'identity check: 0 means no wrapper at all, so the kill switch costs nothing (failure-lambda: 195 ns/call)',
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
          benchContext.log(`aws-lambda: withFaults, ${scenario.name}`);
          const engine = await warmEngine(scenario.source);
          const wrapped = withFaults(handler, { engine, environment: { FAULTLINE_STAGE: 'bench' } });
          const measured = await measureInterleaved({
            baseline: () => handler(event, context),
            candidate: () => wrapped(event, context),
            rounds,
          });
          engine.close();
          scenarioRows.push(
            createRow({
              name: `aws-lambda: withFaults, ${scenario.name}`,
              value: measured.candidateNsPerOp,
              unit: 'ns/op',
              baseline: measured.baselineNsPerOp,
              target: { of: 'added', max: scenario.targetNs },
              note: `${scenario.note}; added ${measured.addedNsPerOp.toFixed(1)} ns/op; baseline: the bare async (event, context) handler`,
            }),
          );
          return scenarioRows;
        })),
      );
    }

    rows.push(
      ...(await measurePackageCost({
        prefix: 'aws-lambda',
        entries: [
          {
            label: '@faultline/aws-lambda',
            coldImport: true,
            firstInvocation: {
              // The Lambda runtime interface client requires `node:http` and `node:net` before it imports the
              // function (aws-lambda-ric's index.mjs): what the function finds loaded, on both sides.
              prelude: "await import('node:http');await import('node:net');",
              body: [
                'const handler = entry.withFaults(async () => ({ statusCode: 200 }));',
                "await handler({ version: '2.0', routeKey: '$default', rawPath: '/orders/1', rawQueryString: '', headers: {}, requestContext: { http: { method: 'GET', path: '/orders/1' }, requestId: 'r-1', stage: '$default' }, isBase64Encoded: false }, { awsRequestId: 'r-1', functionName: 'orders', getRemainingTimeInMillis: () => 3000 });",
              ].join('\n'),
            },
          },
          { label: '@faultline/aws-lambda/ssm' },
          { label: '@faultline/aws-lambda/middy' },
        ],
        external: ['@aws-sdk/*', '@middy/*'],
        context: benchContext,
      })),
    );
    return rows;
  },
};
