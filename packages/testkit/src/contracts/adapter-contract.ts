import {
  builtinFaultTypes,
  createFaultRegistry,
  createInlineSource,
  defineFaultType,
  FaultlineError,
  type FaultlineOptions,
  type FaultRegistry,
  isInjectedFault,
  s,
} from '@faultline/core';
import {
  createFakeClock,
  createMemorySink,
  createRecordingSleep,
  createSeededRandom,
  type MemorySink,
  type RecordingSleep,
} from '@faultline/core/testing';
import { describe, expect, it } from 'vitest';

/** An HTTP-like request the contract sends; the harness turns it into the platform's native request or event. */
export interface AdapterContractRequest {
  /** Must reach the adapter as the platform's request/invocation id (the contract checks events carry it). */
  readonly requestId: string;
  /** `http` for an HTTP trigger; `event` for a trigger without an HTTP response (queue message, CloudEvent). */
  readonly trigger: 'http' | 'event';
  readonly method: string;
  readonly path: string;
  /** Header names as a client would send them (mixed case). */
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** The handler's answer in neutral terms; the harness turns it into the platform's native result. */
export interface AdapterContractResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The user's function logic in neutral terms. The harness wraps a native handler that calls it. */
export type AdapterContractHandler = (request: AdapterContractRequest) => Promise<AdapterContractResponse>;

/** What the caller of the platform observed, translated back to neutral terms. */
export type AdapterContractOutcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      /** Header names in any case; the contract compares case-insensitively. */
      readonly headers: Readonly<Record<string, string>>;
      readonly body: string | undefined;
      /** The platform's request id, when it is not the one sent (default: `request.requestId`). */
      readonly requestId?: string;
    }
  | {
      readonly kind: 'error';
      /** What the platform surfaced to its caller (the thrown error for Lambda-style invocations). */
      readonly error: unknown;
      readonly requestId?: string;
    };

/** Everything the harness needs to build one wrapped function. */
export interface AdapterContractSetup {
  /**
   * Pass these to the adapter's wrapper unchanged (`withFaults(native, setup.options)`): they hold the experiment
   * source (absent when the test has none), registry, environment (never `process.env`), event sink, fake clock,
   * recording sleep and seeded random.
   */
  readonly options: FaultlineOptions;
  /** Call it from the native handler with the translated request, and translate its answer to the native shape. */
  readonly handler: AdapterContractHandler;
}

/** A wrapped function, ready to be invoked through the platform's native calling convention. */
export interface AdapterContractFunction {
  /** Sends one request through the platform (native request/event → wrapped handler → native result). */
  invoke(request: AdapterContractRequest): Promise<AdapterContractOutcome>;
  /** Whether the adapter's wrapper returned the native handler itself (it must under `FAULTLINE_DISABLED=1`). */
  readonly isOriginalHandler: boolean;
  /** Releases servers or hosts the harness started for this function. */
  close?(): Promise<void> | void;
}

/** How an uncaught failure reaches the caller on a trigger: thrown (`error`) or as an HTTP 500 (`status-500`). */
export type AdapterFailureShape = 'error' | 'status-500';

/**
 * What an adapter implements to run {@link describeAdapterContract}: only "make a wrapped function from the setup"
 * and "invoke it with an HTTP-like request, returning the neutral outcome". Everything else is the contract's.
 */
export interface AdapterContractHarness {
  /** How failures surface per trigger. `event` may be omitted when the adapter has no non-HTTP trigger. */
  readonly failureShape: { readonly http: AdapterFailureShape; readonly event?: AdapterFailureShape };
  /** Builds the native handler around `setup.handler` and wraps it with the adapter's wrapper. */
  wrap(setup: AdapterContractSetup): AdapterContractFunction | Promise<AdapterContractFunction>;
}

interface Fixture {
  readonly fn: AdapterContractFunction;
  readonly sink: MemorySink;
  readonly sleep: RecordingSleep;
  readonly calls: AdapterContractRequest[];
  readonly cleanups: string[];
}

interface FixtureOptions {
  readonly experiment?: object;
  readonly environment?: Record<string, string>;
  readonly handler?: AdapterContractHandler;
}

const okBody = JSON.stringify({ id: '42', item: 'book', price: 12.5 });

function request(overrides: Partial<AdapterContractRequest> = {}): AdapterContractRequest {
  return {
    requestId: `contract-${Math.random().toString(36).slice(2, 10)}`,
    trigger: 'http',
    method: 'GET',
    path: '/orders/42',
    headers: { 'Content-Type': 'application/json' },
    query: {},
    ...overrides,
  };
}

function experiment(faults: object[], extra: object = {}): object {
  // Production guard off: adapters derive the stage differently; the guard has its own engine tests.
  return {
    schemaVersion: 1,
    id: 'adapter-contract',
    guard: { allowProduction: true },
    faults,
    ...extra,
  };
}

function header(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return headers[key];
  return undefined;
}

/**
 * The behaviour every cloud adapter must have, as a vitest suite: passthrough, the five base faults in the
 * platform's native shapes, dry-run, kill switches, cleanup after a throwing handler, fail-open, the handler
 * called exactly once, and events carrying request ids. Fault types used only by the contract (a cleanup probe and
 * a deliberately broken type) are registered in a custom registry passed through `setup.options.registry`.
 *
 * @example
 * ```ts
 * import { describeAdapterContract } from '@faultline/testkit';
 * import { withFaults } from '../src/index.js';
 *
 * describeAdapterContract('aws-lambda (API Gateway v2)', {
 *   failureShape: { http: 'error', event: 'error' },
 *   wrap(setup) {
 *     const native = async (event: APIGatewayProxyEventV2) => toNative(await setup.handler(fromNative(event)));
 *     const wrapped = withFaults(native, setup.options);
 *     return {
 *       isOriginalHandler: wrapped === native,
 *       async invoke(request) {
 *         try {
 *           return { kind: 'response', ...fromNativeResult(await wrapped(toEvent(request), context(request))) };
 *         } catch (error) {
 *           return { kind: 'error', error };
 *         }
 *       },
 *     };
 *   },
 * });
 * ```
 */
export function describeAdapterContract(name: string, harness: AdapterContractHarness): void {
  const cleanupProbeType = 'contract-cleanup-probe';
  const brokenType = 'contract-broken';

  async function createFixture(options: FixtureOptions = {}): Promise<Fixture> {
    const clock = createFakeClock(Date.parse('2026-11-29T12:00:00Z'));
    const sleep = createRecordingSleep(clock);
    const sink = createMemorySink();
    const calls: AdapterContractRequest[] = [];
    const cleanups: string[] = [];
    const registry: FaultRegistry = createFaultRegistry([
      ...builtinFaultTypes,
      defineFaultType({
        type: cleanupProbeType,
        summary: 'Contract probe: registers a cleanup and lets the handler run.',
        phase: 'around',
        attributes: s.object({}),
        create: () => ({
          around: (context, next) => {
            context.defer(() => {
              cleanups.push(context.invocation.requestId);
            });
            return next();
          },
        }),
      }),
      defineFaultType({
        type: brokenType,
        summary: 'Contract probe: a fault type with a bug (its effect throws a plain Error).',
        phase: 'before',
        attributes: s.object({}),
        create: () => ({
          before: () => {
            // deliberately not a FaultlineError: stands for a bug in someone else's fault type.
            throw new Error('bug inside a fault type');
          },
        }),
      }),
    ]);
    const userHandler =
      options.handler ??
      (async () => ({
        status: 200,
        headers: { 'content-type': 'application/json', 'x-handler': 'yes' },
        body: okBody,
      }));
    const faultlineOptions: FaultlineOptions = {
      ...(options.experiment === undefined ? {} : { source: createInlineSource(options.experiment) }),
      registry,
      environment: { ...options.environment },
      onEvent: sink,
      logLevel: 'debug',
      clock,
      sleep,
      random: createSeededRandom(42),
    };
    const fn = await harness.wrap({
      options: faultlineOptions,
      handler: async (incoming) => {
        calls.push(incoming);
        return userHandler(incoming);
      },
    });
    return { fn, sink, sleep, calls, cleanups };
  }

  async function withFixture(
    options: FixtureOptions,
    test: (fixture: Fixture) => Promise<void>,
  ): Promise<void> {
    const fixture = await createFixture(options);
    try {
      await test(fixture);
    } finally {
      await fixture.fn.close?.();
    }
  }

  function expectResponse(
    outcome: AdapterContractOutcome,
  ): Extract<AdapterContractOutcome, { kind: 'response' }> {
    if (outcome.kind !== 'response') {
      throw new FaultlineError(
        'INVALID_ARGUMENT',
        `expected a response, got an error: ${String((outcome as { error: unknown }).error)}`,
      );
    }
    return outcome;
  }

  function expectInjectedFailure(
    outcome: AdapterContractOutcome,
    trigger: 'http' | 'event',
    expected: { name?: string; message?: string; status?: number },
  ): void {
    const shape = (trigger === 'http' ? harness.failureShape.http : harness.failureShape.event) ?? 'error';
    if (shape === 'status-500') {
      expect(outcome).toMatchObject({ kind: 'response', status: 500 });
      return;
    }
    expect(outcome.kind).toBe('error');
    const error = (outcome as { error: unknown }).error;
    expect(isInjectedFault(error)).toBe(true);
    expect(error).toMatchObject({ faultline: true, ...expected });
  }

  function requestIdOf(outcome: AdapterContractOutcome, sent: AdapterContractRequest): string {
    return outcome.requestId ?? sent.requestId;
  }

  describe(`${name} — adapter contract`, () => {
    describe('passthrough', () => {
      it('returns the handler response unchanged when no experiment is configured', async () => {
        await withFixture({}, async ({ fn, calls, sink }) => {
          const sent = request();
          const outcome = expectResponse(await fn.invoke(sent));
          expect(outcome.status).toBe(200);
          expect(outcome.body).toBe(okBody);
          expect(header(outcome.headers, 'x-handler')).toBe('yes');
          expect(calls).toHaveLength(1);
          expect(calls[0]?.path).toBe('/orders/42');
          expect(sink.ofType('inject')).toHaveLength(0);
        });
      });

      it('injects nothing while the experiment is switched off (enabled: false)', async () => {
        const document = experiment([{ id: 'down', type: 'status', probability: 1, status: 503 }], {
          enabled: false,
        });
        await withFixture({ experiment: document }, async ({ fn, calls, sink }) => {
          const outcome = expectResponse(await fn.invoke(request()));
          expect(outcome.status).toBe(200);
          expect(calls).toHaveLength(1);
          expect(sink.ofType('inject')).toHaveLength(0);
        });
      });

      it('returns the native handler itself under the kill switch FAULTLINE_DISABLED=1', async () => {
        const document = experiment([{ id: 'down', type: 'status', probability: 1, status: 503 }]);
        await withFixture(
          { experiment: document, environment: { FAULTLINE_DISABLED: '1' } },
          async ({ fn, calls, sink }) => {
            expect(fn.isOriginalHandler).toBe(true);
            const outcome = expectResponse(await fn.invoke(request()));
            expect(outcome.status).toBe(200);
            expect(calls).toHaveLength(1);
            expect(sink.events).toHaveLength(0);
          },
        );
      });

      it('leaves requests alone that the fault does not match (path, case-insensitive header)', async () => {
        const document = experiment([
          {
            id: 'admin-only',
            type: 'status',
            probability: 1,
            status: 503,
            match: [
              { field: 'http.path', op: 'prefix', value: '/admin' },
              { field: 'http.header.x-chaos', op: 'eq', value: 'on' },
            ],
          },
        ]);
        await withFixture({ experiment: document }, async ({ fn, calls }) => {
          const missed = expectResponse(await fn.invoke(request({ headers: { 'X-Chaos': 'on' } })));
          expect(missed.status).toBe(200);
          const hit = expectResponse(
            await fn.invoke(request({ path: '/admin/users', headers: { 'X-Chaos': 'on' } })),
          );
          expect(hit.status).toBe(503);
          expect(calls).toHaveLength(1);
        });
      });
    });

    describe('faults', () => {
      it('delays the invocation by the latency fault (observed through the injected sleep)', async () => {
        const document = experiment([{ id: 'slow', type: 'latency', probability: 1, delayMs: 250 }]);
        await withFixture({ experiment: document }, async ({ fn, calls, sleep, sink }) => {
          const sent = request();
          const outcome = expectResponse(await fn.invoke(sent));
          expect(outcome.status).toBe(200);
          expect(outcome.body).toBe(okBody);
          expect(sleep.calls).toContain(250);
          expect(calls).toHaveLength(1);
          expect(sink.ofType('inject')).toEqual([
            expect.objectContaining({
              faultId: 'slow',
              faultType: 'latency',
              requestId: requestIdOf(outcome, sent),
            }),
          ]);
        });
      });

      it('fails with the exception fault in the platform failure shape, without calling the handler', async () => {
        const document = experiment([
          { id: 'boom', type: 'exception', probability: 1, message: 'db lost', errorName: 'ConnectionError' },
        ]);
        await withFixture({ experiment: document }, async ({ fn, calls, sink }) => {
          const outcome = await fn.invoke(request());
          expectInjectedFailure(outcome, 'http', { name: 'ConnectionError', message: 'db lost' });
          expect(calls).toHaveLength(0);
          expect(sink.ofType('inject')).toHaveLength(1);
        });
      });

      it('answers an HTTP trigger with the status fault response (status, headers, body), without the handler', async () => {
        const document = experiment([
          {
            id: 'unavailable',
            type: 'status',
            probability: 1,
            status: 503,
            headers: { 'retry-after': '1' },
            body: { message: 'Service unavailable' },
          },
        ]);
        await withFixture({ experiment: document }, async ({ fn, calls }) => {
          const outcome = expectResponse(await fn.invoke(request()));
          expect(outcome.status).toBe(503);
          expect(header(outcome.headers, 'retry-after')).toBe('1');
          expect(JSON.parse(outcome.body ?? '')).toEqual({ message: 'Service unavailable' });
          expect(calls).toHaveLength(0);
        });
      });

      it.skipIf(harness.failureShape.event === undefined)(
        'fails an event trigger with an injected error carrying the status fault status',
        async () => {
          const document = experiment([{ id: 'unavailable', type: 'status', probability: 1, status: 503 }]);
          await withFixture({ experiment: document }, async ({ fn, calls }) => {
            const outcome = await fn.invoke(request({ trigger: 'event', method: 'POST', path: '/' }));
            expectInjectedFailure(outcome, 'event', { status: 503 });
            expect(calls).toHaveLength(0);
          });
        },
      );

      it('replaces the response body with the corrupt fault after the handler ran once', async () => {
        const document = experiment([
          { id: 'garbage', type: 'corrupt', probability: 1, body: 'not json', status: 200 },
        ]);
        await withFixture({ experiment: document }, async ({ fn, calls }) => {
          const outcome = expectResponse(await fn.invoke(request()));
          expect(outcome.status).toBe(200);
          expect(outcome.body).toBe('not json');
          expect(calls).toHaveLength(1);
        });
      });

      it('mangles the response body so JSON clients cannot parse it', async () => {
        const document = experiment([{ id: 'mangled', type: 'corrupt', probability: 1, mode: 'mangle' }]);
        await withFixture({ experiment: document }, async ({ fn, calls }) => {
          const outcome = expectResponse(await fn.invoke(request()));
          expect(() => JSON.parse(outcome.body ?? '')).toThrow();
          expect(calls).toHaveLength(1);
        });
      });

      it('calls the handler exactly once with before, around and after faults combined', async () => {
        const document = experiment([
          { id: 'slow', type: 'latency', probability: 1, delayMs: 10 },
          { id: 'probe', type: cleanupProbeType, probability: 1 },
          { id: 'truncate', type: 'corrupt', probability: 1, mode: 'truncate' },
        ]);
        await withFixture({ experiment: document }, async ({ fn, calls, cleanups, sink }) => {
          const sent = request();
          const outcome = expectResponse(await fn.invoke(sent));
          expect(outcome.body).toBe(okBody.slice(0, Math.floor(okBody.length / 2)));
          expect(calls).toHaveLength(1);
          expect(cleanups).toHaveLength(1);
          expect(sink.ofType('inject').map((event) => event.faultId)).toEqual(['slow', 'probe', 'truncate']);
          for (const event of sink.ofType('inject')) expect(event.requestId).toBe(requestIdOf(outcome, sent));
        });
      });
    });

    describe('injection marker (faultline run)', () => {
      const runToken = 'contract-run-token-0123456789abcdef';
      const withToken = (overrides: Partial<AdapterContractRequest> = {}) =>
        request({
          ...overrides,
          headers: { 'Content-Type': 'application/json', 'X-Faultline-Run-Token': runToken },
        });

      it('lists the faults injected into an HTTP request that carries the run token, in file order', async () => {
        const document = experiment(
          [
            { id: 'slow', type: 'latency', probability: 1, delayMs: 10 },
            {
              id: 'never',
              type: 'latency',
              probability: 1,
              delayMs: 10,
              match: [{ field: 'http.path', op: 'prefix', value: '/admin' }],
            },
            { id: 'truncate', type: 'corrupt', probability: 1, mode: 'truncate' },
          ],
          { runToken },
        );
        await withFixture({ experiment: document }, async ({ fn, calls }) => {
          const outcome = expectResponse(await fn.invoke(withToken()));
          expect(header(outcome.headers, 'x-faultline-injected')).toBe('slow,truncate');
          expect(header(outcome.headers, 'x-handler')).toBe('yes');
          expect(outcome.body).toBe(okBody.slice(0, Math.floor(okBody.length / 2)));
          expect(calls).toHaveLength(1);
        });
      });

      it('marks a response that only an around fault acted on, leaving status, headers and body as they were', async () => {
        const document = experiment([{ id: 'slow', type: 'latency', probability: 1, delayMs: 10 }], {
          runToken,
        });
        await withFixture({ experiment: document }, async ({ fn }) => {
          const outcome = expectResponse(await fn.invoke(withToken()));
          expect(outcome.status).toBe(200);
          expect(outcome.body).toBe(okBody);
          expect(header(outcome.headers, 'x-handler')).toBe('yes');
          expect(header(outcome.headers, 'content-type')).toContain('application/json');
          expect(header(outcome.headers, 'x-faultline-injected')).toBe('slow');
        });
      });

      it('marks an injected status response', async () => {
        const document = experiment(
          [
            {
              id: 'unavailable',
              type: 'status',
              probability: 1,
              status: 503,
              headers: { 'retry-after': '1' },
            },
          ],
          { runToken },
        );
        await withFixture({ experiment: document }, async ({ fn, calls }) => {
          const outcome = expectResponse(await fn.invoke(withToken()));
          expect(outcome.status).toBe(503);
          expect(header(outcome.headers, 'retry-after')).toBe('1');
          expect(header(outcome.headers, 'x-faultline-injected')).toBe('unavailable');
          expect(calls).toHaveLength(0);
        });
      });

      it('adds nothing to requests without the token, with another token, or that no fault fired for', async () => {
        const document = experiment(
          [
            {
              id: 'slow',
              type: 'latency',
              probability: 1,
              delayMs: 10,
              match: [{ field: 'http.method', op: 'eq', value: 'GET' }],
            },
          ],
          { runToken },
        );
        await withFixture({ experiment: document }, async ({ fn, sink }) => {
          const without = expectResponse(await fn.invoke(request()));
          const wrong = expectResponse(
            await fn.invoke(request({ headers: { 'X-Faultline-Run-Token': `${runToken.slice(0, -1)}X` } })),
          );
          const notFired = expectResponse(await fn.invoke(withToken({ method: 'POST' })));
          for (const outcome of [without, wrong, notFired]) {
            expect(outcome.status).toBe(200);
            expect(header(outcome.headers, 'x-faultline-injected')).toBeUndefined();
          }
          // The faults still fired for the first two: only the marker depends on the token.
          expect(sink.ofType('inject')).toHaveLength(2);
        });
      });

      it('adds nothing when the experiment has no run token, whatever the request carries', async () => {
        const document = experiment([{ id: 'slow', type: 'latency', probability: 1, delayMs: 10 }]);
        await withFixture({ experiment: document }, async ({ fn, sink }) => {
          const outcome = expectResponse(await fn.invoke(withToken()));
          expect(header(outcome.headers, 'x-faultline-injected')).toBeUndefined();
          expect(sink.ofType('inject')).toHaveLength(1);
        });
      });

      it('adds nothing in dry-run mode (nothing is injected)', async () => {
        const document = experiment([{ id: 'slow', type: 'latency', probability: 1, delayMs: 10 }], {
          runToken,
          mode: 'dry-run',
        });
        await withFixture({ experiment: document }, async ({ fn }) => {
          const outcome = expectResponse(await fn.invoke(withToken()));
          expect(header(outcome.headers, 'x-faultline-injected')).toBeUndefined();
        });
      });

      it.skipIf(harness.failureShape.event === undefined)(
        'never marks a non-HTTP trigger, even when its event carries the token',
        async () => {
          const document = experiment([{ id: 'slow', type: 'latency', probability: 1, delayMs: 10 }], {
            runToken,
          });
          await withFixture({ experiment: document }, async ({ fn, sink }) => {
            const outcome = await fn.invoke(withToken({ trigger: 'event', method: 'POST', path: '/' }));
            expect(sink.ofType('inject')).toHaveLength(1);
            if (outcome.kind === 'response') {
              expect(header(outcome.headers, 'x-faultline-injected')).toBeUndefined();
            }
          });
        },
      );
    });

    describe('safety', () => {
      it('only reports would-inject in dry-run mode and leaves the handler untouched', async () => {
        const document = experiment([{ id: 'down', type: 'status', probability: 1, status: 503 }], {
          mode: 'dry-run',
        });
        await withFixture({ experiment: document }, async ({ fn, calls, sink }) => {
          const sent = request();
          const outcome = expectResponse(await fn.invoke(sent));
          expect(outcome.status).toBe(200);
          expect(outcome.body).toBe(okBody);
          expect(calls).toHaveLength(1);
          expect(sink.ofType('inject')).toHaveLength(0);
          expect(sink.ofType('would-inject')).toEqual([
            expect.objectContaining({
              experimentId: 'adapter-contract',
              faultId: 'down',
              faultType: 'status',
              requestId: requestIdOf(outcome, sent),
            }),
          ]);
        });
      });

      it("runs deferred cleanups when the handler throws, and surfaces the handler's own error", async () => {
        const document = experiment([{ id: 'probe', type: cleanupProbeType, probability: 1 }]);
        const handler: AdapterContractHandler = async () => {
          // deliberately not a FaultlineError: stands for the user's own failure.
          throw new Error('handler failed on purpose');
        };
        await withFixture({ experiment: document, handler }, async ({ fn, calls, cleanups }) => {
          const sent = request();
          const outcome = await fn.invoke(sent);
          expect(calls).toHaveLength(1);
          expect(cleanups).toEqual([requestIdOf(outcome, sent)]);
          if (harness.failureShape.http === 'status-500') {
            expect(outcome).toMatchObject({ kind: 'response', status: 500 });
          } else {
            expect(outcome.kind).toBe('error');
            const error = (outcome as { error: unknown }).error;
            expect(isInjectedFault(error)).toBe(false);
            expect(error).toMatchObject({ message: 'handler failed on purpose' });
          }
        });
      });

      it('fails open: a broken fault type is reported and the handler runs untouched', async () => {
        const document = experiment([{ id: 'broken', type: brokenType, probability: 1 }]);
        await withFixture({ experiment: document }, async ({ fn, calls, sink }) => {
          const sent = request();
          const outcome = expectResponse(await fn.invoke(sent));
          expect(outcome.status).toBe(200);
          expect(outcome.body).toBe(okBody);
          expect(calls).toHaveLength(1);
          expect(sink.ofType('internal-error')).toEqual([
            expect.objectContaining({ faultId: 'broken', requestId: requestIdOf(outcome, sent) }),
          ]);
        });
      });
    });
  });
}
