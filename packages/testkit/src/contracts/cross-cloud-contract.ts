import {
  builtinFaultTypes,
  createFaultRegistry,
  createInlineSource,
  defineFaultType,
  type FaultlineOptions,
  isInjectedFault,
  type KnownField,
  knownFields,
  s,
} from '@faultline/core';
import {
  compileFieldReader,
  createFakeClock,
  createMemorySink,
  createRecordingSleep,
  createSeededRandom,
  type FieldValue,
  type MemorySink,
} from '@faultline/core/testing';
import { describe, expect, it } from 'vitest';

/**
 * One logical request, the same on every cloud; each harness sends it in its platform's native shape:
 *
 * - `http`: `GET /orders/42?expand=items` with the header `X-Tenant: acme` (an API Gateway HTTP API event on the
 *   `$default` stage, a request to the Functions Framework, an Azure `HttpRequest` under the `/api` route prefix).
 * - `queue`: one message `{"orderId":"42"}` from a broker (an SQS batch of one, a Pub/Sub CloudEvent, a Storage
 *   Queue message).
 * - `schedule`: one timer tick (an EventBridge scheduled event, a Cloud Scheduler job's HTTP request, an Azure
 *   timer).
 */
export type CrossCloudRequestKind = 'http' | 'queue' | 'schedule';

/**
 * What the platform's caller observed, in neutral terms. A harness maps its platform's way of failing to `error`
 * (a thrown error; a 500 from the Functions Framework for a CloudEvent or a Cloud Scheduler request) and a completed
 * non-HTTP invocation to `done`.
 */
export type CrossCloudOutcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      /** Header names in any case; the contract compares them lower-cased. */
      readonly headers: Readonly<Record<string, string>>;
      readonly body: string | undefined;
    }
  | { readonly kind: 'done' }
  | { readonly kind: 'error'; readonly error: unknown };

/** A wrapped function, ready to be invoked with a logical request through the platform's native convention. */
export interface CrossCloudFunction {
  invoke(kind: CrossCloudRequestKind): Promise<CrossCloudOutcome>;
  close?(): Promise<void> | void;
}

/**
 * What an adapter implements to run {@link describeCrossCloudContract}.
 *
 * The user's function is the same everywhere: on HTTP it answers `200` with `content-type: application/json` and
 * the body `{"id":"42"}`; on the other triggers it completes. It calls `onHandler` each time it runs.
 */
export interface CrossCloudHarness {
  readonly cloud: 'aws' | 'gcp' | 'azure';
  /** The function's name as the platform tells it (what the `function` field reads). */
  readonly functionName: string;
  /** The function's region as the platform tells it (what the `region` field reads). */
  readonly region: string;
  /** The platform's own variables (function name, region), merged under the contract's environment. */
  readonly platformEnvironment: Readonly<Record<string, string>>;
  /**
   * Wraps the user's function with the adapter's wrapper and `options` unchanged (they hold the experiment, the
   * environment, the event sink, and — in some cases — a `stage` option).
   */
  wrap(
    options: FaultlineOptions & { readonly stage?: string },
    onHandler: () => void,
  ): CrossCloudFunction | Promise<CrossCloudFunction>;
}

/** What the HTTP user function answers when nothing is injected. */
export const crossCloudOkResponse = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ id: '42' }),
} as const;

/** A value the contract requires to be a non-empty string, whatever it is (a request id, a queue ARN, …). */
const someText = Symbol('some non-empty text');
/** A value the contract leaves to each cloud (the `raw.` escape hatch; a Cloud Scheduler request's HTTP fields). */
const cloudSpecific = Symbol('cloud-specific');
type Expected = FieldValue | typeof someText | typeof cloudSpecific;

/**
 * The value of every documented field (core's `knownFields`, the rows of docs/experiment-format.md's field table)
 * for each logical request, the same on every cloud. A field added to `knownFields` fails the contract until it is
 * given a meaning here, so the table, the adapters and this test cannot drift apart.
 */
function expectedFields(
  harness: CrossCloudHarness,
  kind: CrossCloudRequestKind,
): Readonly<Record<KnownField, Expected>> {
  const http = kind === 'http';
  // A Cloud Scheduler job calls an HTTP function: its request has HTTP fields there, and none elsewhere.
  const httpField = (value: FieldValue): Expected =>
    http ? value : kind === 'schedule' ? cloudSpecific : undefined;
  return {
    cloud: harness.cloud,
    function: harness.functionName,
    stage: 'test',
    region: harness.region,
    trigger: kind,
    requestId: someText,
    'http.method': httpField('GET'),
    'http.path': httpField('/orders/42'),
    'http.header.<name>': httpField('acme'),
    'http.query.<name>': httpField('items'),
    'event.type': http ? undefined : someText,
    'event.source': http ? undefined : someText,
    'raw.<dot.path>': cloudSpecific,
  };
}

/** The concrete path the contract reads for a documented field (placeholders filled in). */
function concretePath(field: KnownField): string | undefined {
  switch (field) {
    case 'http.header.<name>':
      return 'http.header.X-Tenant';
    case 'http.query.<name>':
      return 'http.query.expand';
    case 'raw.<dot.path>':
      return undefined;
    default:
      return field;
  }
}

const probeType = 'cross-cloud-probe';

/** One experiment for every cloud: the faults are told apart by normalized fields only. */
const decisionFaults = [
  {
    id: 'orders-down',
    type: 'status',
    probability: 1,
    status: 503,
    headers: { 'retry-after': '7' },
    body: { error: 'down' },
    match: [
      { field: 'http.method', op: 'eq', value: 'GET' },
      { field: 'http.path', op: 'glob', value: '/orders/*' },
      { field: 'http.header.x-tenant', op: 'eq', value: 'acme' },
      { field: 'trigger', op: 'eq', value: 'http' },
    ],
  },
  {
    id: 'redeliver',
    type: 'duplicate',
    probability: 1,
    times: 2,
    match: [{ field: 'trigger', op: 'eq', value: 'queue' }],
  },
  {
    id: 'nightly-fails',
    type: 'exception',
    probability: 1,
    message: 'nightly job broke',
    match: [{ field: 'trigger', op: 'eq', value: 'schedule' }],
  },
];

interface Run {
  readonly outcome: CrossCloudOutcome;
  readonly handlerCalls: number;
  readonly sink: MemorySink;
}

function lowerCaseHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/**
 * The cross-cloud contract: the same experiment file and the same logical request (an HTTP `GET /orders/42` with a
 * header, a queue message, a schedule tick) must read the same normalized fields, take the same decision (which
 * fault fires, or none) and produce an equivalent native answer (status, body and headers) on every adapter. Each
 * adapter runs it from its own tests with a {@link CrossCloudHarness}.
 *
 * @example
 * ```ts
 * import { describeCrossCloudContract } from '@faultline/testkit';
 *
 * describeCrossCloudContract({
 *   cloud: 'aws',
 *   functionName: 'orders',
 *   region: 'eu-west-1',
 *   platformEnvironment: {},
 *   wrap: (options, onHandler) => ({ invoke: (kind) => invokeNatively(withFaults(userFunction(onHandler), options), kind) }),
 * });
 * ```
 */
export function describeCrossCloudContract(harness: CrossCloudHarness): void {
  async function run(
    kind: CrossCloudRequestKind,
    faults: readonly object[],
    setup: {
      readonly guard?: object;
      readonly environment?: Record<string, string>;
      readonly stage?: string;
    } = {
      environment: { FAULTLINE_STAGE: 'test' },
    },
    registry = createFaultRegistry(builtinFaultTypes),
  ): Promise<Run> {
    const clock = createFakeClock(Date.parse('2026-11-29T12:00:00Z'));
    const sink = createMemorySink();
    let handlerCalls = 0;
    const options: FaultlineOptions & { stage?: string } = {
      source: createInlineSource({
        schemaVersion: 1,
        id: 'cross-cloud',
        ...(setup.guard === undefined ? {} : { guard: setup.guard }),
        faults,
      }),
      registry,
      environment: { ...harness.platformEnvironment, ...setup.environment },
      onEvent: sink,
      logLevel: 'debug',
      clock,
      sleep: createRecordingSleep(clock),
      random: createSeededRandom(7),
      ...(setup.stage === undefined ? {} : { stage: setup.stage }),
    };
    const fn = await harness.wrap(options, () => {
      handlerCalls += 1;
    });
    try {
      const outcome = await fn.invoke(kind);
      return { outcome, handlerCalls, sink };
    } finally {
      await fn.close?.();
    }
  }

  describe(`cross-cloud contract: ${harness.cloud}`, () => {
    it('gives every documented field a meaning for every logical request', () => {
      for (const kind of ['http', 'queue', 'schedule'] as const) {
        expect(Object.keys(expectedFields(harness, kind)).sort()).toEqual([...knownFields].sort());
      }
    });

    for (const kind of ['http', 'queue', 'schedule'] as const) {
      it(`reads the same normalized fields for the ${kind} request`, async () => {
        const seen: Partial<Record<KnownField, FieldValue>> = {};
        const registry = createFaultRegistry([
          ...builtinFaultTypes,
          defineFaultType({
            type: probeType,
            summary: 'Contract probe: reads every documented field, changes nothing.',
            phase: 'before',
            attributes: s.object({}),
            create: () => ({
              before(context) {
                for (const field of knownFields) {
                  const path = concretePath(field);
                  if (path !== undefined) seen[field] = compileFieldReader(path)(context.invocation);
                }
                return undefined;
              },
            }),
          }),
        ]);

        const { outcome, handlerCalls } = await run(
          kind,
          [{ id: 'probe', type: probeType, probability: 1 }],
          { environment: {}, stage: 'test' },
          registry,
        );

        expect(handlerCalls).toBe(1);
        expect(outcome.kind).toBe(kind === 'http' ? 'response' : 'done');
        const expected = expectedFields(harness, kind);
        for (const field of knownFields) {
          const want = expected[field];
          if (want === cloudSpecific) continue;
          if (want === someText) {
            expect(typeof seen[field] === 'string' && seen[field] !== '', `${field} is some text`).toBe(true);
          } else {
            expect(seen[field], field).toEqual(want);
          }
        }
      });
    }

    it('fires the same fault for the HTTP request: the same 503, body and headers as on every cloud', async () => {
      const { outcome, handlerCalls, sink } = await run('http', decisionFaults);

      expect(sink.ofType('inject').map((event) => event.faultId)).toEqual(['orders-down']);
      expect(handlerCalls).toBe(0);
      expect(outcome.kind).toBe('response');
      if (outcome.kind !== 'response') return;
      expect(outcome.status).toBe(503);
      expect(JSON.parse(outcome.body ?? '')).toEqual({ error: 'down' });
      expect(lowerCaseHeaders(outcome.headers)).toMatchObject({
        'retry-after': '7',
        'content-type': expect.stringMatching(/^application\/json/),
      });
    });

    it('fires the same fault for the queue message: it is delivered twice (duplicate on trigger queue)', async () => {
      const { outcome, handlerCalls, sink } = await run('queue', decisionFaults);

      expect(sink.ofType('inject').map((event) => event.faultId)).toEqual(['redeliver']);
      expect(outcome.kind).toBe('done');
      expect(handlerCalls).toBe(2);
    });

    it('fires the same fault for the schedule tick: the invocation fails with the injected error', async () => {
      const { outcome, handlerCalls, sink } = await run('schedule', decisionFaults);

      expect(sink.ofType('inject').map((event) => event.faultId)).toEqual(['nightly-fails']);
      expect(handlerCalls).toBe(0);
      expect(outcome.kind).toBe('error');
      if (outcome.kind === 'error' && outcome.error instanceof Error) {
        // A thrown error is the injected one; a platform that answers 500 (Cloud Functions) has no error object.
        expect(isInjectedFault(outcome.error)).toBe(true);
      }
    });

    it('answers a throttled HTTP request with the same 429, JSON body and retry-after', async () => {
      const { outcome, handlerCalls } = await run('http', [
        { id: 'cap', type: 'concurrency', probability: 1, maxInFlight: 0, retryAfterSeconds: 3 },
      ]);

      expect(handlerCalls).toBe(0);
      expect(outcome.kind).toBe('response');
      if (outcome.kind !== 'response') return;
      expect(outcome.status).toBe(429);
      expect(JSON.parse(outcome.body ?? '')).toEqual({
        error: 'TooManyRequests',
        message: 'Too Many Requests',
        reason: 'concurrency limit of 0 in-flight invocations reached (fault cap)',
      });
      expect(lowerCaseHeaders(outcome.headers)).toMatchObject({
        'retry-after': '3',
        'content-type': expect.stringMatching(/^application\/json/),
      });
    });

    it('passes the HTTP request through untouched when no fault matches', async () => {
      const { outcome, handlerCalls, sink } = await run('http', [
        {
          ...decisionFaults[0],
          id: 'other-tenant',
          match: [{ field: 'http.header.x-tenant', op: 'eq', value: 'x' }],
        },
      ]);

      expect(sink.ofType('inject')).toEqual([]);
      expect(handlerCalls).toBe(1);
      expect(outcome.kind).toBe('response');
      if (outcome.kind !== 'response') return;
      expect(outcome.status).toBe(crossCloudOkResponse.status);
      expect(outcome.body).toBe(crossCloudOkResponse.body);
      expect(lowerCaseHeaders(outcome.headers)['content-type']).toMatch(/^application\/json/);
    });

    it.each([
      ['a stage option', { environment: {}, stage: 'test' }, true],
      ['FAULTLINE_STAGE', { environment: { FAULTLINE_STAGE: 'test' } }, true],
      ['no stage at all', { environment: {} }, false],
      [
        'a production stage option over FAULTLINE_STAGE=test',
        { environment: { FAULTLINE_STAGE: 'test' }, stage: 'prod' },
        false,
      ],
    ])('lifts the production guard the same way for %s', async (_title, setup, fires) => {
      const { outcome, sink } = await run('http', [decisionFaults[0] as object], setup);

      expect(outcome.kind).toBe('response');
      if (outcome.kind !== 'response') return;
      expect(outcome.status).toBe(fires ? 503 : 200);
      expect(sink.ofType('production-refused')).toHaveLength(fires ? 0 : 1);
    });
  });
}
