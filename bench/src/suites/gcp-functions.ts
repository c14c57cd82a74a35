import type { IncomingMessage, ServerResponse } from 'node:http';
import { createInlineSource } from '@faultline/core';
import { withCloudEventFaults, withFaults } from '@faultline/gcp-functions';
import { type BenchRow, type BenchSuite, createRow, measureInterleaved } from '../harness.js';
import { measurePackageCost } from '../package-cost.js';
import {
  idleTargetNs,
  missingSource,
  oneNonMatchingTargetNs,
  standardScenarios,
  warmEngine,
} from '../scenarios.js';

/**
 * `@faultline/gcp-functions`: the added cost per invocation of `withFaults` / `withCloudEventFaults` when nothing
 * fires (calling the wrapped function directly with minimal request/response objects, as the Functions Framework
 * would), the cold import of the package in a fresh Node process, and its bundle size.
 */

/** The smallest objects the wrapper reads on its paths: what Express hands a function, reduced to the fields used. */
const request = {
  method: 'GET',
  url: '/orders/42?verbose=1',
  headers: {
    'content-type': 'application/json',
    'x-tenant': 'acme',
    'x-cloud-trace-context': 'abc123/1;o=1',
  },
} as unknown as IncomingMessage;
const response = { end: () => undefined } as unknown as ServerResponse;
const httpHandler = async (_request: IncomingMessage, _response: ServerResponse): Promise<void> => {
  _response.end();
};
const cloudEvent = {
  id: 'event-1',
  type: 'google.cloud.pubsub.topic.v1.messagePublished',
  source: '//pubsub',
};
const eventHandler = async (_event: typeof cloudEvent): Promise<void> => undefined;

const scenarios = standardScenarios(
  'bench-gcp',
  "decides from req's own fields (the native field reader: no invocation built), calls the handler",
);

export const suite: BenchSuite = {
  name: 'gcp-functions',
  async run(context) {
    const rows: BenchRow[] = [];
    const rounds = context.quick ? 20 : 150;

    rows.push(
      ...(await context.scenario(
        'kill switch',
        async () => {
          const scenarioRows: BenchRow[] = [];
          const killedHttp = withFaults(httpHandler, { environment: { FAULTLINE_DISABLED: '1' } });
          const killedEvent = withCloudEventFaults(eventHandler, {
            environment: { FAULTLINE_DISABLED: '1' },
          });
          scenarioRows.push(
            createRow({
              name: 'gcp-functions: kill switch FAULTLINE_DISABLED=1 returns the handlers themselves',
              value: (killedHttp === httpHandler ? 0 : 1) + (killedEvent === eventHandler ? 0 : 1),
              unit: 'wrappers',
              baseline: 0,
              target: { of: 'value', max: 0 },
              note: 'identity check for withFaults and withCloudEventFaults: 0 means no wrapper at all',
            }),
          );
          return scenarioRows;
        },
        { runs: 1 },
      )),
    );

    for (const scenario of scenarios) {
      rows.push(
        ...(await context.scenario(`withFaults (HTTP), ${scenario.name}`, async () => {
          const scenarioRows: BenchRow[] = [];
          context.log(`gcp-functions: HTTP, ${scenario.name}`);
          const engine = await warmEngine(scenario.source);
          const wrapped = withFaults(httpHandler, {
            engine,
            environment: { K_SERVICE: 'orders', FAULTLINE_STAGE: 'bench' },
          });
          const result = await measureInterleaved({
            baseline: () => httpHandler(request, response),
            candidate: () => wrapped(request, response),
            rounds,
          });
          engine.close();
          scenarioRows.push(
            createRow({
              name: `gcp-functions: withFaults (HTTP), ${scenario.name}`,
              value: result.candidateNsPerOp,
              unit: 'ns/op',
              baseline: result.baselineNsPerOp,
              target: { of: 'added', max: scenario.targetNs },
              note: `${scenario.note}; added ${result.addedNsPerOp.toFixed(1)} ns/op; baseline: the bare async (req, res) handler`,
            }),
          );
          return scenarioRows;
        })),
      );
    }

    rows.push(
      ...(await context.scenario('withCloudEventFaults, 1 fault that does not match', async () => {
        const scenarioRows: BenchRow[] = [];
        context.log('gcp-functions: CloudEvent, 1 fault that does not match');
        // One armed fault on admin events; the benchmarked event is a Pub/Sub message.
        const engine = await warmEngine(
          createInlineSource({
            schemaVersion: 1,
            id: 'bench-gcp-events',
            faults: [
              {
                id: 'admin-events',
                type: 'status',
                probability: 1,
                status: 503,
                match: [{ field: 'event.type', op: 'prefix', value: 'admin.' }],
              },
            ],
          }),
        );
        const wrapped = withCloudEventFaults(eventHandler, {
          engine,
          environment: { FAULTLINE_STAGE: 'bench' },
        });
        const result = await measureInterleaved({
          baseline: () => eventHandler(cloudEvent),
          candidate: () => wrapped(cloudEvent),
          rounds,
        });
        engine.close();
        scenarioRows.push(
          createRow({
            name: 'gcp-functions: withCloudEventFaults, 1 fault that does not match (event.type prefix admin.)',
            value: result.candidateNsPerOp,
            unit: 'ns/op',
            baseline: result.baselineNsPerOp,
            target: { of: 'added', max: oneNonMatchingTargetNs },
            note: `decides from the event's own type (the native field reader: no invocation built); added ${result.addedNsPerOp.toFixed(1)} ns/op; baseline: the bare async CloudEvent handler`,
          }),
        );
        return scenarioRows;
      })),
    );

    rows.push(
      ...(await context.scenario('withCloudEventFaults, no experiment', async () => {
        const scenarioRows: BenchRow[] = [];
        context.log('gcp-functions: CloudEvent, no experiment');
        const engine = await warmEngine(missingSource);
        const wrapped = withCloudEventFaults(eventHandler, {
          engine,
          environment: { FAULTLINE_STAGE: 'bench' },
        });
        const result = await measureInterleaved({
          baseline: () => eventHandler(cloudEvent),
          candidate: () => wrapped(cloudEvent),
          rounds,
        });
        engine.close();
        scenarioRows.push(
          createRow({
            name: 'gcp-functions: withCloudEventFaults, no experiment in the store',
            value: result.candidateNsPerOp,
            unit: 'ns/op',
            baseline: result.baselineNsPerOp,
            target: { of: 'added', max: idleTargetNs },
            note: `added ${result.addedNsPerOp.toFixed(1)} ns/op; baseline: the bare async CloudEvent handler`,
          }),
        );
        return scenarioRows;
      })),
    );

    rows.push(
      ...(await measurePackageCost({
        prefix: 'gcp-functions',
        entries: [
          {
            label: '@faultline/gcp-functions',
            coldImport: true,
            firstInvocation: {
              // The Functions Framework serves every function, CloudEvent ones too, from its HTTP server: `node:http`
              // (and with it `node:net`) is loaded before the function is imported, on both sides.
              prelude: "await import('node:http');",
              body: [
                'const handler = entry.withCloudEventFaults(async () => undefined);',
                "await handler({ specversion: '1.0', id: 'e-1', source: '//bench', type: 'bench.created' });",
              ].join('\n'),
            },
          },
          { label: '@faultline/gcp-functions/firestore' },
        ],
        external: ['@google-cloud/*'],
        context,
      })),
    );
    return rows;
  },
};
