import { type ConfigSource, createFaultEngine, createInlineSource, type FaultEngine } from '@faultline/core';

/** Project goal for the idle path (nothing can fire): added ns per invocation. */
export const idleTargetNs = 100;
/** Issue 8's budget for an armed experiment whose faults do not fire: added ns per invocation. */
export const nonFiringTargetNs = 1_000;

/** A store that holds no experiment: the idle path. */
export const missingSource: ConfigSource = {
  name: 'bench:missing',
  load: async () => ({ kind: 'missing' }),
};

const adminOnly = [{ field: 'http.path', op: 'prefix', value: '/admin' }];

function experiment(id: string, faults: object[], extra: object = {}): object {
  return { schemaVersion: 1, id, faults, ...extra };
}

/** Ten latency and status faults (probability 0.5), each with the conditions `matchFor` gives it. */
function tenFaultsSource(experimentId: string, matchFor: (index: number) => object[]): ConfigSource {
  return createInlineSource(
    experiment(
      experimentId,
      Array.from({ length: 10 }, (_, index) => ({
        id: `fault-${index}`,
        type: index % 2 === 0 ? 'latency' : 'status',
        probability: 0.5,
        ...(index % 2 === 0 ? { delayMs: 100 } : { status: 503 }),
        match: matchFor(index),
      })),
    ),
  );
}

/**
 * Ten faults that match on a header and a path the benchmarked request does not have; they share the path
 * condition, so it is checked once for all of them.
 */
export function tenNonMatchingFaultsSource(experimentId: string): ConfigSource {
  return tenFaultsSource(experimentId, (index) => [
    { field: 'http.header.x-tenant', op: 'eq', value: `tenant-${index}` },
    ...adminOnly,
  ]);
}

/**
 * Ten faults with nothing in common that all miss the benchmarked request (each on its own path): no condition can
 * be checked once for all of them, so this is the cost per fault.
 */
export function tenUnrelatedNonMatchingFaultsSource(experimentId: string): ConfigSource {
  return tenFaultsSource(experimentId, (index) => [
    { field: 'http.path', op: 'prefix', value: `/admin-${index}` },
    { field: 'http.header.x-tenant', op: 'eq', value: `tenant-${index}` },
  ]);
}

/** An enforced experiment whose one fault does not match the benchmarked request. */
export function oneNonMatchingFaultSource(experimentId: string): ConfigSource {
  return createInlineSource(
    experiment(experimentId, [
      { id: 'admin', type: 'status', probability: 1, status: 503, match: adminOnly },
    ]),
  );
}

/** A dry-run experiment whose one fault does not match the benchmarked request. */
export function dryRunNonMatchingSource(experimentId: string): ConfigSource {
  return createInlineSource(
    experiment(
      experimentId,
      [{ id: 'admin', type: 'status', probability: 1, status: 503, match: adminOnly }],
      {
        mode: 'dry-run',
      },
    ),
  );
}

/** The three situations issue 8 measures per adapter, with the adapter's own description of its slow path. */
export function standardScenarios(experimentId: string, slowPathNote: string) {
  return [
    {
      name: 'no experiment in the store',
      source: missingSource,
      targetNs: idleTargetNs,
      note: 'idle path: one synchronous state read, then the handler',
    },
    {
      name: '10 faults that do not match',
      source: tenNonMatchingFaultsSource(experimentId),
      targetNs: nonFiringTargetNs,
      note: slowPathNote,
    },
    {
      name: 'dry-run experiment, fault that does not match',
      source: dryRunNonMatchingSource(experimentId),
      targetNs: nonFiringTargetNs,
      note: 'dry-run adds nothing when nothing would fire',
    },
  ] as const;
}

/** An engine with the source loaded, as in a warm instance (TTL long enough not to refresh during a run). */
export async function warmEngine(source: ConfigSource): Promise<FaultEngine> {
  const engine = createFaultEngine({
    source,
    environment: {},
    logLevel: 'silent',
    cache: { ttlMs: 3_600_000 },
  });
  await engine.ready();
  return engine;
}
