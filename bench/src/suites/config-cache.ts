import { type ConfigSource, createCachedConfig, defaultCachedConfigOptions } from '@faultline/core';
import {
  type BenchRow,
  type BenchSuite,
  createRow,
  measureInterleaved,
  measureInterleavedSync,
} from '../harness.js';

const experiment = {
  schemaVersion: 1,
  id: 'bench',
  faults: [{ id: 'slow', type: 'latency', probability: 0.01, delayMs: 100 }],
};

/** A store that answers instantly (or after `delayMs`) and counts reads. */
function createCountingSource(options: { delayMs?: number; failing?: boolean } = {}) {
  let reads = 0;
  const version = 0;
  const source: ConfigSource = {
    name: 'bench:counting',
    async load({ previousVersion }) {
      reads += 1;
      if (options.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      if (options.failing) throw Object.assign(new Error('store unavailable'), { code: 'ECONNREFUSED' });
      const current = `v${version}`;
      if (previousVersion === current) return { kind: 'unchanged' };
      return { kind: 'document', document: experiment, version: current };
    },
  };
  return {
    source,
    get reads() {
      return reads;
    },
  };
}

/** A clock the suite advances by hand, and a seeded random source so runs are repeatable. */
function createManualClock(startMs = 1_700_000_000_000) {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advance(durationMs: number) {
      nowMs += durationMs;
    },
  };
}

function createSeededRandom(seed = 42) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Drives `invocations` simulated invocations, 10 ms apart on the clock, each calling `peek()`. */
async function simulateTraffic(failing: boolean, invocations: number): Promise<number> {
  const counting = createCountingSource({ failing });
  const clock = createManualClock();
  const config = createCachedConfig(counting.source, {
    parse: (document) => document,
    clock,
    random: createSeededRandom(),
  });
  for (let index = 0; index < invocations; index++) {
    if (config.peek() === undefined) await config.get();
    clock.advance(10);
    // Let a background refresh started by this invocation finish before the next one, as real gaps would.
    if (index % 50 === 0) await settle();
    else await Promise.resolve();
  }
  await settle();
  config.close();
  return counting.reads;
}

export const suite: BenchSuite = {
  name: 'config cache (createCachedConfig)',
  async run(context) {
    const rows: BenchRow[] = [];
    const rounds = context.quick ? 10 : 40;
    const targetRoundMs = context.quick ? 2 : 5;

    const phaseStartedAt = performance.now();
    const elapsed = () => `${((performance.now() - phaseStartedAt) / 1000).toFixed(1)} s`;
    rows.push(
      ...(await context.scenario('peek() when fresh', async () => {
        const scenarioRows: BenchRow[] = [];
        const counting = createCountingSource();
        const config = createCachedConfig(counting.source, {
          parse: (document) => document,
          ttlMs: 3_600_000,
        });
        const loaded = await config.get();
        const holder = { current: loaded };
        context.log('peek() on a fresh cache vs a bare function call');
        const bareRead = () => holder.current;
        const peek = await measureInterleavedSync({
          baseline: bareRead,
          candidate: () => config.peek(),
          rounds,
          targetRoundMs,
        });
        scenarioRows.push(
          createRow({
            name: 'config-cache: peek() when fresh',
            value: peek.candidateNsPerOp,
            unit: 'ns/op',
            baseline: peek.baselineNsPerOp,
            target: { of: 'added', max: 100 },
            note: `baseline: a bare function returning the cached object; added ${peek.addedNsPerOp.toFixed(1)} ns (median of ${peek.rounds} interleaved rounds × ${peek.iterations.toLocaleString('en-US')} calls)`,
          }),
        );

        config.close();
        return scenarioRows;
      })),
    );

    rows.push(
      ...(await context.scenario('await get() when fresh', async () => {
        const scenarioRows: BenchRow[] = [];
        const counting = createCountingSource();
        const config = createCachedConfig(counting.source, {
          parse: (document) => document,
          ttlMs: 3_600_000,
        });
        const loaded = await config.get();
        const holder = { current: loaded };
        context.log(`get() on a fresh cache vs awaiting a bare async function (${elapsed()})`);
        const bareAsync = async () => holder.current;
        const get = await measureInterleaved({
          baseline: bareAsync,
          candidate: () => config.get(),
          rounds,
          targetRoundMs,
        });
        scenarioRows.push(
          createRow({
            name: 'config-cache: await get() when fresh',
            value: get.candidateNsPerOp,
            unit: 'ns/op',
            baseline: get.baselineNsPerOp,
            target: { of: 'added', max: 500 },
            note: `baseline: awaiting a bare async function returning the cached object; added ${get.addedNsPerOp.toFixed(1)} ns`,
          }),
        );

        config.close();
        return scenarioRows;
      })),
    );

    rows.push(
      ...(await context.scenario(
        'store reads',
        async () => {
          const scenarioRows: BenchRow[] = [];
          const invocations = 10_000;
          const simulatedMs = invocations * 10;
          context.log(
            `store reads per ${invocations.toLocaleString('en-US')} invocations, 10 ms apart (fake clock)`,
          );
          const reads = await simulateTraffic(false, invocations);
          const idealReads = Math.ceil(simulatedMs / defaultCachedConfigOptions.ttlMs);
          scenarioRows.push(
            createRow({
              name: 'config-cache: store reads per 10k invocations (default TTL)',
              value: reads,
              unit: 'reads',
              baseline: idealReads,
              target: { of: 'value', max: idealReads },
              note: `${simulatedMs / 1000} s of traffic at the default TTL (${defaultCachedConfigOptions.ttlMs} ms ± 10 %); baseline: one read per TTL per instance`,
            }),
          );

          const failingReads = await simulateTraffic(true, invocations);
          scenarioRows.push(
            createRow({
              name: 'config-cache: store reads per 10k invocations (store failing)',
              value: failingReads,
              unit: 'reads',
              baseline: invocations,
              target: { of: 'ratio', max: 0.001 },
              note: `negative caching with backoff ${defaultCachedConfigOptions.errorBackoffMs} ms doubling to ${defaultCachedConfigOptions.maxBackoffMs} ms; baseline: a reader that retries on every invocation (failure-lambda)`,
            }),
          );

          context.log(`store reads when 1,000 invocations arrive together at expiry (${elapsed()})`);
          const burstSource = createCountingSource({ delayMs: 5 });
          const clock = createManualClock();
          const burstConfig = createCachedConfig(burstSource.source, {
            parse: (document) => document,
            clock,
          });
          await burstConfig.get();
          const readsBefore = burstSource.reads;
          clock.advance(defaultCachedConfigOptions.ttlMs * 1.2);
          const arrivals: Promise<unknown>[] = [];
          for (let index = 0; index < 1_000; index++) {
            if (index % 2 === 0) burstConfig.peek();
            else arrivals.push(burstConfig.get());
          }
          await Promise.all(arrivals);
          await new Promise((resolve) => setTimeout(resolve, 50));
          const burstReads = burstSource.reads - readsBefore;
          burstConfig.close();
          scenarioRows.push(
            createRow({
              name: 'config-cache: store reads when 1000 invocations arrive at expiry',
              value: burstReads,
              unit: 'reads',
              baseline: 1,
              target: { of: 'value', max: 1 },
              note: 'half call peek(), half await get(), all in one tick after the TTL ran out; the store answers in 5 ms',
            }),
          );
          return scenarioRows;
        },
        { runs: 1 },
      )),
    );

    return rows;
  },
};
