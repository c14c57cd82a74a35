import { availableParallelism, loadavg } from 'node:os';
import { type ConfigSource, createFaultEngine, createInlineSource, type FaultEngine } from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import {
  createInMemoryAdapter,
  type InMemoryContext,
  type InMemoryRequest,
  type InMemoryResponse,
} from '@faultline/core/testing';
import { type BenchRow, type BenchSuite, createRow, measureInterleaved } from '../harness.js';
import {
  dryRunNonMatchingSource,
  missingSource,
  oneFaultOnOtherMethodSource,
  oneNonMatchingTargetNs,
  tenNonMatchingFaultsSource,
  tenNonMatchingTargetNs,
  tenUnrelatedNonMatchingFaultsSource,
} from '../scenarios.js';

/**
 * The added cost of the engine per invocation when nothing fires, against a bare async handler measured in the
 * same run, through the smallest adapter (the in-memory one from `@faultline/core/testing`), so only the engine
 * and wrapper are measured. Config is cached (loaded before measuring), as in a warm instance.
 */

const idleTargetNs = 100;
const nonFiringTargetNs = 300;

const response: InMemoryResponse = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"ok":true}',
};
const handler = async (
  _request: InMemoryRequest,
  _context: InMemoryContext,
): Promise<InMemoryResponse | undefined> => response;
const request: InMemoryRequest = {
  requestId: 'bench-request',
  method: 'GET',
  path: '/orders/42',
  headers: { 'content-type': 'application/json', 'x-tenant': 'acme' },
  query: {},
};
const context: InMemoryContext = { functionName: 'orders', stage: 'dev' };

function experiment(faults: object[], extra: object = {}) {
  return { schemaVersion: 1, id: 'bench', faults, ...extra };
}

const adminOnly = [{ field: 'http.path', op: 'prefix', value: '/admin' }];

interface Scenario {
  readonly name: string;
  readonly source: ConfigSource | undefined;
  readonly targetNs: number;
  readonly note: string;
}

const scenarios: readonly Scenario[] = [
  {
    name: 'no experiment in the store',
    source: missingSource,
    targetNs: idleTargetNs,
    note: 'store answers "missing"; idle path: one synchronous state read',
  },
  {
    name: 'enabled experiment, fault at probability 0',
    source: createInlineSource(experiment([{ id: 'off', type: 'status', probability: 0, status: 503 }])),
    targetNs: idleTargetNs,
    note: 'nothing can fire in this config version, so the idle path applies',
  },
  {
    name: 'enabled experiment, switched off (enabled: false)',
    source: createInlineSource(
      experiment([{ id: 'down', type: 'status', probability: 1, status: 503 }], { enabled: false }),
    ),
    targetNs: idleTargetNs,
    note: 'kill switch in the store',
  },
  {
    name: 'enabled experiment, one fault whose match misses',
    source: createInlineSource(
      experiment([{ id: 'admin', type: 'status', probability: 1, status: 503, match: adminOnly }]),
    ),
    targetNs: nonFiringTargetNs,
    note: 'builds the invocation, decides, calls the handler directly',
  },
  {
    name: 'enabled experiment, 1 fault that does not match (http.method eq DELETE, GET request)',
    source: oneFaultOnOtherMethodSource('bench'),
    targetNs: oneNonMatchingTargetNs,
    note: "issue 15's case: one armed fault on another method; builds the invocation, decides, calls the handler",
  },
  {
    name: 'enabled experiment targeting other functions',
    source: createInlineSource(
      experiment([{ id: 'down', type: 'status', probability: 1, status: 503 }], {
        target: { functions: ['billing-*'] },
      }),
    ),
    targetNs: nonFiringTargetNs,
    note: 'target verdict remembered per function; builds the invocation only',
  },
  {
    name: 'enabled experiment, 10 faults that do not match',
    source: tenNonMatchingFaultsSource('bench'),
    targetNs: tenNonMatchingTargetNs,
    note: 'the ten faults share their path condition, which is checked once for all of them',
  },
  {
    name: 'enabled experiment, 10 unrelated faults that do not match',
    source: tenUnrelatedNonMatchingFaultsSource('bench'),
    targetNs: tenNonMatchingTargetNs,
    note: 'nothing shared: each of the 10 faults checks its own conditions (its path fails first), no random draw',
  },
  {
    name: 'dry-run experiment, fault that does not match',
    source: dryRunNonMatchingSource('bench'),
    targetNs: nonFiringTargetNs,
    note: 'dry-run adds nothing when nothing would fire',
  },
];

async function engineFor(source: ConfigSource | undefined): Promise<FaultEngine> {
  const engine = createFaultEngine({
    ...(source === undefined ? {} : { source }),
    environment: {},
    logLevel: 'silent',
    cache: { ttlMs: 3_600_000 },
  });
  await engine.ready();
  return engine;
}

export const suite: BenchSuite = {
  name: 'core-engine',
  async run(benchContext) {
    const rows: BenchRow[] = [];
    const rounds = benchContext.quick ? 20 : 150;

    rows.push(
      ...(await benchContext.scenario(
        'kill switch',
        async () => {
          const scenarioRows: BenchRow[] = [];
          const killed = createFaultWrapper(createInMemoryAdapter(), handler, {
            environment: { FAULTLINE_DISABLED: '1' },
          });
          scenarioRows.push(
            createRow({
              name: 'core-engine: kill switch FAULTLINE_DISABLED=1 returns the handler itself',
              value: killed === handler ? 0 : 1,
              unit: 'wrappers',
              baseline: 0,
              target: { of: 'value', max: 0 },
              note: 'identity check: 0 means no wrapper at all, so no added cost',
            }),
          );
          return scenarioRows;
        },
        { runs: 1 },
      )),
    );

    for (const scenario of scenarios) {
      rows.push(
        ...(await benchContext.scenario(scenario.name, async () => {
          const scenarioRows: BenchRow[] = [];
          benchContext.log(`core-engine: ${scenario.name}`);
          const engine = await engineFor(scenario.source);
          const wrapped = createFaultWrapper(createInMemoryAdapter(), handler, { engine, environment: {} });
          const result = await measureInterleaved({
            baseline: () => handler(request, context),
            candidate: () => wrapped(request, context),
            rounds,
          });
          engine.close();
          const [load = 0] = loadavg();
          scenarioRows.push(
            createRow({
              name: `core-engine: ${scenario.name}`,
              value: result.candidateNsPerOp,
              unit: 'ns/op',
              baseline: result.baselineNsPerOp,
              target: { of: 'added', max: scenario.targetNs },
              note: `${scenario.note}; added ${result.addedNsPerOp.toFixed(1)} ns/op (median of per-round differences; target ≤ ${scenario.targetNs} ns added); baseline: bare async handler; 1-min load average ${load.toFixed(1)} on ${availableParallelism()} CPUs`,
            }),
          );
          return scenarioRows;
        })),
      );
    }
    return rows;
  },
};
