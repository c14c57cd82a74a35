/**
 * Reliability drills for the cached config: a real loopback HTTP "config store" misbehaves in every way we know of
 * while simulated invocations read the config the way the engine does (`peek()`, and `get()` only before the first
 * load). The contract under test (docs/reliability.md):
 *
 * - every invocation completes, nothing escapes from the config layer;
 * - an invocation waits for the store at most once (the cold start), and never longer than the fetch budget;
 * - a failing store is retried at most once per backoff window;
 * - each condition produces one event, not one per invocation;
 * - a config that was loaded stays in force while the store misbehaves (until maxStaleMs).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createFaultWrapper } from '../../src/adapter/create-fault-wrapper.js';
import { createFaultEngine, type FaultEngine } from '../../src/engine/fault-engine.js';
import type { FaultlineEvent } from '../../src/events/events.js';
import { parseExperimentText } from '../../src/experiment/parse-text.js';
import type { ExperimentDefinition } from '../../src/experiment/types.js';
import { formatValidationIssues } from '../../src/experiment/validate.js';
import { validateExperiment } from '../../src/experiment/validate-experiment.js';
import { isInjectedFault } from '../../src/faults/injected-fault-error.js';
import {
  type CachedConfig,
  ConfigDocumentError,
  type ConfigSource,
  contentVersion,
  createCachedConfig,
} from '../../src/index.js';
import { createInMemoryAdapter } from '../../src/testing/in-memory-adapter.js';

const fetchBudgetMs = 150;
const ttlMs = 100;
const errorBackoffMs = 200;
const maxBackoffMs = 800;
const drillDurationMs = 1_600;
/**
 * Real timers on a shared 2-core CI machine running other suites: generous, but far below what a hung store would
 * cost. The exact bound (wait ≤ fetchBudgetMs) is proven with a fake clock in the unit tests.
 */
const slackMs = 750;
/** A drill keeps going past its duration (up to this) until the store has been read often enough to judge. */
const maxDrillDurationMs = 8_000;
/** An invocation "waited" when it took longer than this: a third of the budget, well above scheduler hiccups. */
const waitThresholdMs = 50;

const goodExperiment = {
  schemaVersion: 1,
  id: 'drill',
  faults: [{ id: 'slow', type: 'latency', probability: 0.1, delayMs: 50 }],
};
const goodText = JSON.stringify(goodExperiment);

type StoreMode = 'ok' | 'blackhole' | 'slow' | 'garbage' | 'oversized' | 'wrong-types' | 'flapping';

/** A config store on 127.0.0.1 that speaks ETag / If-None-Match and misbehaves on demand. */
async function startConfigStore(documentText = goodText) {
  let mode: StoreMode = 'ok';
  let requests = 0;
  let flap = 0;
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests += 1;
    request.resume();
    switch (mode) {
      case 'blackhole':
        return; // accept, read, never answer
      case 'slow':
        setTimeout(() => serveDocument(request, response, documentText), fetchBudgetMs * 2).unref();
        return;
      case 'garbage':
        response.writeHead(200, { 'content-type': 'application/json', etag: '"garbage"' });
        response.end('\u0000\u00ff<html>502 Bad Gateway</html>{{{');
        return;
      case 'oversized':
        serveDocument(
          request,
          response,
          JSON.stringify({ ...goodExperiment, padding: 'x'.repeat(300 * 1024) }),
        );
        return;
      case 'wrong-types':
        // Wrong at the document level (an invalid fault entry alone is skipped while the others apply).
        serveDocument(
          request,
          response,
          JSON.stringify({ schemaVersion: 'one', id: 42, faults: { slow: true } }),
        );
        return;
      case 'flapping':
        flap += 1;
        if (flap % 2 === 1) {
          response.writeHead(503).end('unavailable');
          return;
        }
        serveDocument(request, response, documentText);
        return;
      default:
        serveDocument(request, response, documentText);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/config`,
    get requests() {
      return requests;
    },
    setMode(next: StoreMode) {
      mode = next;
    },
    /** Closes the port: later connections are refused. */
    async stop() {
      if (!server.listening) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    /** Listens again on the same port, serving `text` from now on (a store that came back, maybe changed). */
    async restart(text: string) {
      documentText = text;
      mode = 'ok';
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    },
  };
}

function serveDocument(request: IncomingMessage, response: ServerResponse, text: string): void {
  const etag = `"${contentVersion(text)}"`;
  if (request.headers['if-none-match'] === etag) {
    response.writeHead(304, { etag }).end();
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json', etag }).end(text);
}

class HttpStatusError extends Error {
  override readonly name = 'HttpStatusError';
  readonly code: string;
  constructor(readonly status: number) {
    super(`the store answered HTTP ${status}`);
    this.code = `HTTP_${status}`;
  }
}

/** The smallest real ConfigSource for an HTTP store: conditional GET, 304 → unchanged, 404 → missing. */
function createHttpConfigSource(url: string): ConfigSource & { readonly loads: number } {
  let loads = 0;
  return {
    name: `http:${url}`,
    get loads() {
      return loads;
    },
    async load({ signal, previousVersion }) {
      loads += 1;
      const response = await fetch(url, {
        signal,
        headers: previousVersion === undefined ? {} : { 'if-none-match': previousVersion },
      });
      if (response.status === 304) return { kind: 'unchanged' };
      if (response.status === 404) return { kind: 'missing' };
      if (!response.ok) throw new HttpStatusError(response.status);
      const text = await response.text();
      return {
        kind: 'document',
        document: text,
        version: response.headers.get('etag') ?? contentVersion(text),
      };
    },
  };
}

/** What the engine does with a document: parse the text safely, validate, refuse anything invalid. */
async function parseExperiment(document: string | object): Promise<ExperimentDefinition> {
  let value: unknown = document;
  if (typeof document === 'string') {
    const parsed = await parseExperimentText(document, { maxSizeBytes: Number.POSITIVE_INFINITY });
    if (!parsed.ok) throw new ConfigDocumentError(formatValidationIssues(parsed.issues));
    value = parsed.value;
  }
  const validated = validateExperiment(value);
  if (!validated.ok) throw new ConfigDocumentError(formatValidationIssues(validated.issues));
  return validated.experiment;
}

interface DrillReport {
  readonly invocations: number;
  readonly completed: number;
  readonly escaped: number;
  readonly maxWaitMs: number;
  readonly invocationsThatWaited: number;
  /** Invocations that found no config yet and awaited `get()` (the only way an invocation can wait for the store). */
  readonly awaitedFirstLoad: number;
  readonly withConfig: number;
  readonly withoutConfig: number;
  readonly elapsedMs: number;
}

/** Simulated invocations at a steady rate, each reading the config exactly as the engine's fast path does. */
async function simulateInvocations(
  config: CachedConfig<ExperimentDefinition>,
  durationMs: number,
  until: () => boolean = () => true,
): Promise<DrillReport> {
  let invocations = 0;
  let completed = 0;
  let escaped = 0;
  let maxWaitMs = 0;
  let invocationsThatWaited = 0;
  let awaitedFirstLoad = 0;
  let withConfig = 0;
  let withoutConfig = 0;
  const startedAt = performance.now();
  for (;;) {
    const elapsedMs = performance.now() - startedAt;
    if (elapsedMs >= maxDrillDurationMs || (elapsedMs >= durationMs && until())) break;
    invocations += 1;
    const before = performance.now();
    let cached: Awaited<ReturnType<typeof config.get>>;
    try {
      cached = config.peek();
      if (cached === undefined) {
        awaitedFirstLoad += 1;
        cached = await config.get();
      }
    } catch {
      escaped += 1;
      cached = undefined;
    }
    const waitedMs = performance.now() - before;
    maxWaitMs = Math.max(maxWaitMs, waitedMs);
    if (waitedMs > waitThresholdMs) invocationsThatWaited += 1;
    if (cached?.value === undefined) withoutConfig += 1;
    else withConfig += 1;
    // The handler itself: nothing is injected in these drills, so it must always succeed.
    await Promise.resolve('ok');
    completed += 1;
    await delay(2);
  }
  return {
    invocations,
    completed,
    escaped,
    maxWaitMs,
    invocationsThatWaited,
    awaitedFirstLoad,
    withConfig,
    withoutConfig,
    elapsedMs: performance.now() - startedAt,
  };
}

const measured: Record<string, DrillReport & { loads: number; errorEvents: number }> = {};
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(() => {
  const rows = Object.entries(measured).map(([drill, report]) => ({
    drill,
    invocations: report.invocations,
    'max wait ms': Number(report.maxWaitMs.toFixed(1)),
    waited: report.invocationsThatWaited,
    reads: report.loads,
    'config-error events': report.errorEvents,
    escaped: report.escaped,
  }));
  console.table(rows);
});

async function createDrill(options: { warm: boolean }) {
  const store = await startConfigStore();
  cleanups.push(() => store.stop().catch(() => {}));
  const source = createHttpConfigSource(store.url);
  const events: FaultlineEvent[] = [];
  const config = createCachedConfig(source, {
    parse: parseExperiment,
    ttlMs,
    fetchBudgetMs,
    errorBackoffMs,
    maxBackoffMs,
    onEvent: (event) => events.push(event),
  });
  cleanups.push(() => config.close());
  if (options.warm) {
    const first = await config.get();
    expect(first?.value?.id).toBe('drill');
  }
  const loadsBefore = source.loads;
  return {
    store,
    source,
    config,
    events,
    errorEvents: () => events.filter((event) => event.type === 'config-error'),
    readsDuringDrill: () => source.loads - loadsBefore,
  };
}

/** Most reads a failing store may see in `durationMs`: one per backoff window (shortened by jitter), plus one. */
function maxReadsWithBackoff(durationMs: number): number {
  let reads = 1;
  let elapsedMs = 0;
  let backoffMs = errorBackoffMs;
  while (elapsedMs < durationMs) {
    elapsedMs += backoffMs * 0.9;
    backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
    reads += 1;
  }
  return reads;
}

const failureModes: { name: string; mode: StoreMode | 'down'; stage: string }[] = [
  { name: 'down (port closed)', mode: 'down', stage: 'load' },
  { name: 'black-holed (accepts, never answers)', mode: 'blackhole', stage: 'timeout' },
  { name: 'slow (2× the fetch budget)', mode: 'slow', stage: 'timeout' },
  { name: 'returning garbage', mode: 'garbage', stage: 'parse' },
  { name: 'serving an oversized document', mode: 'oversized', stage: 'size' },
  { name: 'serving wrong types (valid JSON, invalid experiment)', mode: 'wrong-types', stage: 'parse' },
];

describe('config store reliability drills', () => {
  describe.each(failureModes)('store $name', ({ name, mode, stage }) => {
    async function breakStore(drill: Awaited<ReturnType<typeof createDrill>>) {
      if (mode === 'down') await drill.store.stop();
      else drill.store.setMode(mode);
    }

    it('keeps the loaded config, never makes an invocation wait, and reports the condition once', async () => {
      const drill = await createDrill({ warm: true });
      await breakStore(drill);

      const report = await simulateInvocations(
        drill.config,
        drillDurationMs,
        () => drill.readsDuringDrill() >= 3,
      );
      measured[`warm, ${name}`] = {
        ...report,
        loads: drill.readsDuringDrill(),
        errorEvents: drill.errorEvents().length,
      };

      expect(report.escaped).toBe(0);
      expect(report.completed).toBe(report.invocations);
      expect(report.withoutConfig).toBe(0);
      expect(report.awaitedFirstLoad).toBe(0);
      expect(report.invocationsThatWaited).toBe(0);
      expect(drill.readsDuringDrill()).toBeGreaterThanOrEqual(3);
      expect(drill.readsDuringDrill()).toBeLessThanOrEqual(maxReadsWithBackoff(report.elapsedMs));
      expect(drill.errorEvents()).toHaveLength(1);
      expect(drill.errorEvents()[0]?.details).toMatchObject({ stage, keptVersion: expect.any(String) });
      expect(drill.errorEvents()[0]?.message).toMatch(/Keeping config version .+; retrying in \d+ ms/);
    });

    it('on a cold start waits at most the fetch budget once, then runs without faults', async () => {
      const drill = await createDrill({ warm: false });
      await breakStore(drill);

      const report = await simulateInvocations(
        drill.config,
        drillDurationMs,
        () => drill.readsDuringDrill() >= 3,
      );
      measured[`cold, ${name}`] = {
        ...report,
        loads: drill.readsDuringDrill(),
        errorEvents: drill.errorEvents().length,
      };

      expect(report.escaped).toBe(0);
      expect(report.completed).toBe(report.invocations);
      expect(report.withConfig).toBe(0);
      expect(report.maxWaitMs).toBeLessThanOrEqual(fetchBudgetMs + slackMs);
      expect(report.awaitedFirstLoad).toBe(1);
      expect(report.invocationsThatWaited).toBeLessThanOrEqual(1);
      expect(drill.readsDuringDrill()).toBeGreaterThanOrEqual(3);
      expect(drill.readsDuringDrill()).toBeLessThanOrEqual(maxReadsWithBackoff(report.elapsedMs));
      expect(drill.errorEvents()).toHaveLength(1);
      expect(drill.errorEvents()[0]?.message).toContain('no faults are injected');
    });
  });

  it('store flapping: the loaded config stays in force and events follow conditions, not invocations', async () => {
    const drill = await createDrill({ warm: true });
    drill.store.setMode('flapping');

    const report = await simulateInvocations(
      drill.config,
      drillDurationMs,
      () => drill.readsDuringDrill() >= 4,
    );
    const errorEvents = drill.errorEvents().length;
    measured['warm, flapping'] = { ...report, loads: drill.readsDuringDrill(), errorEvents };

    expect(report.escaped).toBe(0);
    expect(report.withoutConfig).toBe(0);
    expect(report.awaitedFirstLoad).toBe(0);
    expect(report.invocationsThatWaited).toBe(0);
    expect(drill.readsDuringDrill()).toBeGreaterThanOrEqual(4);
    // A store that keeps failing and recovering is one condition: one event, however many flaps and invocations.
    expect(errorEvents).toBe(1);
  });

  it('store recovers: a config written while the store was failing is picked up within one backoff window', async () => {
    const drill = await createDrill({ warm: false });
    drill.store.setMode('blackhole');
    await simulateInvocations(drill.config, 300);
    expect(drill.config.peek()?.value).toBeUndefined();

    drill.store.setMode('ok');
    await simulateInvocations(
      drill.config,
      maxBackoffMs * 1.1 + fetchBudgetMs,
      () => drill.config.peek()?.value !== undefined,
    );

    expect(drill.config.peek()?.value?.id).toBe('drill');
    const loads = drill.events.filter((event) => event.type === 'config-load');
    expect(loads).toHaveLength(1);
    expect(loads[0]?.details).toMatchObject({ recoveredFrom: expect.stringContaining('timeout') });
  });
});

/** Deliberately injected: every request to /inject answers 503; nothing else is touched. */
const injectingExperiment = JSON.stringify({
  schemaVersion: 1,
  id: 'drill-e2e',
  faults: [
    {
      id: 'inject-path',
      type: 'status',
      status: 503,
      probability: 1,
      match: [{ field: 'http.path', op: 'eq', value: '/inject' }],
    },
  ],
});

interface WrapperReport {
  invocations: number;
  escaped: number;
  notInjectedFailures: number;
  injected: number;
  maxWaitMs: number;
  invocationsThatWaited: number;
  elapsedMs: number;
}

/** Real wrapper, trivial adapter: one in ten requests goes to /inject, the others must always get the handler's 200. */
async function driveWrapper(
  wrapped: (
    request: { requestId: string; path: string },
    context: object,
  ) => Promise<{ status: number } | undefined>,
  durationMs: number,
  until: () => boolean = () => true,
): Promise<WrapperReport> {
  const report: WrapperReport = {
    invocations: 0,
    escaped: 0,
    notInjectedFailures: 0,
    injected: 0,
    maxWaitMs: 0,
    invocationsThatWaited: 0,
    elapsedMs: 0,
  };
  const startedAt = performance.now();
  for (;;) {
    const elapsedMs = performance.now() - startedAt;
    if (elapsedMs >= maxDrillDurationMs || (elapsedMs >= durationMs && until())) break;
    report.invocations += 1;
    const deliberate = report.invocations % 10 === 0;
    const before = performance.now();
    try {
      const response = await wrapped(
        { requestId: `r-${report.invocations}`, path: deliberate ? '/inject' : '/orders/1' },
        {},
      );
      if (deliberate && (response?.status === 503 || response?.status === 429)) report.injected += 1;
      else if (response?.status !== 200) report.notInjectedFailures += 1;
    } catch (error) {
      if (!isInjectedFault(error)) report.escaped += 1;
    }
    const waitedMs = performance.now() - before;
    report.maxWaitMs = Math.max(report.maxWaitMs, waitedMs);
    if (waitedMs > waitThresholdMs) report.invocationsThatWaited += 1;
    await delay(2);
  }
  report.elapsedMs = performance.now() - startedAt;
  return report;
}

describe('config store reliability drills through createFaultWrapper', () => {
  const e2eDurationMs = 1_300;

  async function createWrapperDrill(options: { warm: boolean }) {
    const store = await startConfigStore(injectingExperiment);
    cleanups.push(() => store.stop().catch(() => {}));
    const source = createHttpConfigSource(store.url);
    const events: FaultlineEvent[] = [];
    const engine: FaultEngine = createFaultEngine({
      source,
      cache: { ttlMs, fetchBudgetMs, errorBackoffMs, maxBackoffMs },
      onEvent: (event) => events.push(event),
      environment: {},
    });
    cleanups.push(() => engine.close());
    const wrapped = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200, body: 'ok' }), {
      engine,
      environment: {},
    });
    if (options.warm) {
      await engine.ready();
      expect(await wrapped({ requestId: 'warm-up', path: '/inject' }, {})).toMatchObject({ status: 503 });
    }
    const loadsBefore = source.loads;
    return {
      store,
      wrapped,
      events: () => events,
      errorEvents: () => events.filter((event) => event.type === 'config-error'),
      readsDuringDrill: () => source.loads - loadsBefore,
    };
  }

  function record(
    label: string,
    drill: Awaited<ReturnType<typeof createWrapperDrill>>,
    report: WrapperReport,
  ) {
    measured[label] = {
      invocations: report.invocations,
      completed: report.invocations - report.escaped,
      escaped: report.escaped,
      maxWaitMs: report.maxWaitMs,
      invocationsThatWaited: report.invocationsThatWaited,
      awaitedFirstLoad: 0,
      withConfig: report.injected,
      withoutConfig: 0,
      elapsedMs: report.elapsedMs,
      loads: drill.readsDuringDrill(),
      errorEvents: drill.errorEvents().length,
    };
  }

  describe.each(failureModes)('store $name', ({ name, mode }) => {
    async function breakStore(drill: Awaited<ReturnType<typeof createWrapperDrill>>) {
      if (mode === 'down') await drill.store.stop();
      else drill.store.setMode(mode);
    }

    it('every invocation not deliberately injected succeeds; faults stay on with the loaded config', async () => {
      const drill = await createWrapperDrill({ warm: true });
      await breakStore(drill);

      const report = await driveWrapper(drill.wrapped, e2eDurationMs, () => drill.readsDuringDrill() >= 2);
      record(`wrapper, warm, ${name}`, drill, report);

      expect(report.escaped).toBe(0);
      expect(report.notInjectedFailures).toBe(0);
      expect(report.injected).toBe(Math.floor(report.invocations / 10));
      expect(report.invocationsThatWaited).toBe(0);
      expect(drill.errorEvents()).toHaveLength(1);
    });

    it('on a cold start every invocation succeeds untouched, after at most one bounded wait', async () => {
      const drill = await createWrapperDrill({ warm: false });
      await breakStore(drill);

      const report = await driveWrapper(drill.wrapped, e2eDurationMs, () => drill.readsDuringDrill() >= 2);
      record(`wrapper, cold, ${name}`, drill, report);

      expect(report.escaped).toBe(0);
      expect(report.notInjectedFailures).toBe(0);
      expect(report.injected).toBe(0);
      expect(report.maxWaitMs).toBeLessThanOrEqual(fetchBudgetMs + slackMs);
      expect(report.invocationsThatWaited).toBeLessThanOrEqual(1);
      expect(drill.errorEvents()).toHaveLength(1);
    });
  });

  it('store goes down mid-traffic and comes back changed: functions keep serving, the new faults apply after the next read', async () => {
    const drill = await createWrapperDrill({ warm: true });
    await drill.store.stop();
    const whileDown = await driveWrapper(drill.wrapped, 400);

    const changed = JSON.parse(injectingExperiment) as { faults: { status: number }[] };
    changed.faults[0]!.status = 429;
    await drill.store.restart(JSON.stringify(changed));
    const comeback = await driveWrapper(drill.wrapped, maxBackoffMs + fetchBudgetMs, () =>
      drill
        .events()
        .some((event) => event.type === 'config-load' && event.details?.previousVersion !== undefined),
    );
    const afterwards = await drill.wrapped({ requestId: 'after', path: '/inject' }, {});

    expect(whileDown.escaped + comeback.escaped).toBe(0);
    expect(whileDown.notInjectedFailures + comeback.notInjectedFailures).toBe(0);
    expect(whileDown.injected).toBe(Math.floor(whileDown.invocations / 10));
    expect(afterwards).toMatchObject({ status: 429 });
    expect(drill.errorEvents()).toHaveLength(1);
  });
});
