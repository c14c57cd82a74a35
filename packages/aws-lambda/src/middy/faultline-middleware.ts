import {
  createPhaseWrapper,
  FaultlineError,
  type FaultRun,
  type InvocationDriver,
  singleHandlerCallCapability,
} from '@faultline/core/adapter-kit';
import type { LambdaContext } from '../invocation/lambda-context.js';
import { createLambdaAdapter } from '../lambda-adapter.js';
import {
  adapterOptions,
  type LambdaFaultlineOptions,
  lambdaMissingSourceHint,
  resolveLambdaDefaultSource,
} from '../with-faults.js';

/**
 * The Middy request, redefined here (as Middy's own packages do) so `@middy/core` stays an optional peer. Middy's
 * `Request` is assignable to it.
 *
 * @example
 * ```ts
 * import type { MiddyRequest } from '@faultline/aws-lambda/middy';
 * const log = (request: MiddyRequest) => console.info(request.context.awsRequestId);
 * ```
 */
export interface MiddyRequest<
  Event = unknown,
  Result = unknown,
  Context extends LambdaContext = LambdaContext,
> {
  event: Event;
  context: Context;
  response: Result | null | undefined;
  error: unknown;
  internal: object;
}

/**
 * A Middy middleware object (before / after / onError), redefined locally like {@link MiddyRequest}.
 *
 * @example
 * ```ts
 * import type { MiddyMiddleware } from '@faultline/aws-lambda/middy';
 * const middleware: MiddyMiddleware = faultlineMiddleware();
 * ```
 */
export interface MiddyMiddleware<
  Event = unknown,
  Result = unknown,
  Context extends LambdaContext = LambdaContext,
> {
  readonly name?: string;
  before?: (request: MiddyRequest<Event, Result, Context>) => Promise<Result | undefined>;
  after?: (request: MiddyRequest<Event, Result, Context>) => Promise<void>;
  onError?: (request: MiddyRequest<Event, Result, Context>) => Promise<void>;
}

/**
 * What {@link faultlineMiddleware} returns under the kill switch (`FAULTLINE_DISABLED=1`): a middleware that does
 * nothing (Middy requires at least one hook). Compare with it to assert the kill switch in your tests.
 */
export const disabledFaultlineMiddleware: MiddyMiddleware = Object.freeze({
  name: 'faultline',
  before: async () => undefined,
});

/** One request's run, from Middy's `before` to its `after` / `onError`. */
interface ActiveRun<Result> {
  readonly run: FaultRun;
  readonly driver: InvocationDriver<Result>;
}

/** What `before` resolves with when the handler should run: nothing to answer early. */
const noEarlyResponse: Promise<undefined> = Promise.resolve(undefined);

/**
 * Middy middleware running the same engine as `withFaults`, its hooks mapped onto the engine's phases: `before`
 * plans and runs the `before` effects (and may answer early with an injected response or throw an injected error),
 * then opens the `around` effects (`enter`); Middy's handler phase — the handler plus the middlewares registered
 * after this one — is the handler they wrap; `after` closes them (`leave`), runs the `after` effects (such as
 * `corrupt` and `cors`) and every cleanup (`finish`); `onError` closes them with the error and cleans up.
 *
 * Register it last (innermost), so its handler phase is the handler itself. If another middleware ends the request
 * without running the handler, the run closes itself shortly before the Lambda deadline, so cleanups still happen.
 * Concurrent requests (in tests, or several handlers in one process) are independent.
 *
 * `dependency` and `blackhole` faults reach the handler's outgoing calls (and only this request's): the scope they
 * open is entered in Middy's request chain right as Middy calls the handler. One limit follows from Middy's design:
 * `duplicate` cannot make Middy run its handler twice, so a sampled `duplicate` fault is reported as `skipped` (with
 * the reason), never as injected.
 *
 * @example
 * ```ts
 * import middy from '@middy/core';
 * import { faultlineMiddleware } from '@faultline/aws-lambda/middy';
 *
 * export const handler = middy()
 *   .use(jsonBodyParser())
 *   .use(faultlineMiddleware()) // last: innermost
 *   .handler(async (event) => ({ statusCode: 200, body: 'ok' }));
 * ```
 */
export function faultlineMiddleware<
  Event = unknown,
  Result = unknown,
  Context extends LambdaContext = LambdaContext,
>(options: LambdaFaultlineOptions = {}): MiddyMiddleware<Event, Result, Context> {
  type Request = MiddyRequest<Event, Result, Context>;
  const active = new WeakMap<Request, ActiveRun<Result>>();
  const continueToHandler = (): Promise<Result | undefined> => noEarlyResponse;

  const before = createPhaseWrapper(
    continueToHandler,
    {
      // Lambda's log levels and JSON log format, and EMF metrics, unless the options say otherwise.
      logFormat: 'aws-lambda',
      ...options,
      defaultSource: options.defaultSource ?? (() => resolveLambdaDefaultSource(options)),
      missingSourceHint: options.missingSourceHint ?? lambdaMissingSourceHint,
    },
    () => {
      const lambda = createLambdaAdapter<Event, Result, Context>(adapterOptions(options));
      return {
        toInvocation: (request: Request) => lambda.toInvocation(request.event, request.context),
        async runPhases(run, request: Request): Promise<Result | undefined> {
          let driver: InvocationDriver<Result>;
          try {
            driver = lambda.createDriver(
              request.event,
              request.context,
              run.invocation,
              middyCallsTheHandler,
            );
          } catch (error) {
            run.failOpen(error, 'preparing the invocation');
            return undefined;
          }
          let handled = false;
          try {
            // Middy calls its handler itself, once: faults that repeat it (duplicate) report `skipped`.
            const shortCircuit = await run.before({
              ...driver.capabilities,
              [singleHandlerCallCapability]: true,
            });
            const answer = shortCircuit && run.answer(shortCircuit, driver);
            if (answer !== undefined) return answer.result;
            const entered = await run.enter<Result>();
            if (entered !== undefined) return entered.result;
            // Middy runs the handler phase now; `after` or `onError` finishes the run.
            active.set(request, { run, driver });
            const enterHandlerContext = run.handlerContext();
            if (enterHandlerContext !== undefined) enterOnHandlerCall(request, enterHandlerContext);
            handled = true;
            return undefined;
          } finally {
            if (!handled) await run.finish();
          }
        },
      };
    },
  );
  if (before === continueToHandler) {
    // Kill switch, or faultline could not be set up (reported): Middy still needs a middleware.
    return disabledFaultlineMiddleware as MiddyMiddleware<Event, Result, Context>;
  }

  const take = (request: Request): ActiveRun<Result> | undefined => {
    const entry = active.get(request);
    if (entry !== undefined) active.delete(request);
    return entry;
  };

  return {
    name: 'faultline',
    // The idle path: one synchronous check, then the shared resolved promise.
    before: (request) => before(request, undefined),
    async after(request) {
      const entry = take(request);
      if (entry === undefined) return;
      try {
        const result = await entry.run.leave({ ok: true, value: request.response as Result });
        request.response = await entry.run.changeResponse(result, entry.driver);
      } finally {
        await entry.run.finish();
      }
    },
    async onError(request) {
      const entry = take(request);
      if (entry === undefined) return;
      try {
        await entry.run.leave({ ok: false, error: request.error });
      } catch {
        // The error stays Middy's to handle.
      } finally {
        await entry.run.finish();
      }
    },
  };
}

/**
 * Makes the handler Middy calls next run inside the scope the faults opened (`dependency`, `blackhole`). Middy calls
 * the handler from its own request chain, which the effects' AsyncLocalStorage scope does not reach, and no
 * middleware hook runs right before that call. But Middy reads `request.event` synchronously to pass it to the
 * handler: reading it enters the scope (`AsyncLocalStorage.enterWith`) in that same synchronous step, so the
 * handler and everything it starts inherit it. The context entered is the request chain's own (Middy awaited this
 * middleware's `before` first), so nothing outside this request — a concurrent request, the caller — sees the scope;
 * and it ends with the run. The first read or write turns `event` back into a plain property.
 */
function enterOnHandlerCall(request: { event: unknown }, enterHandlerContext: () => void): void {
  let event = request.event;
  const settle = () => {
    Object.defineProperty(request, 'event', {
      value: event,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    enterHandlerContext();
  };
  Object.defineProperty(request, 'event', {
    enumerable: true,
    configurable: true,
    get() {
      settle();
      return event;
    },
    set(value: unknown) {
      event = value;
      settle();
    },
  });
}

/** The driver's handler call: never used, Middy calls the handler itself. */
function middyCallsTheHandler(): Promise<never> {
  return Promise.reject(new FaultlineError('INTERNAL', 'faultline: Middy calls the handler itself'));
}
