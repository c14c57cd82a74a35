import {
  createFaultWrapper,
  type FaultAdapter,
  type FaultEngine,
  isKillSwitchOn,
  resolveFaultEngine,
} from '@faultline/core';
import type { LambdaContext } from '../invocation/lambda-context.js';
import { createLambdaAdapter } from '../lambda-adapter.js';
import { adapterOptions, type LambdaFaultlineOptions, resolveLambdaDefaultSource } from '../with-faults.js';

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
 *
 * @example
 * ```ts
 * import { disabledFaultlineMiddleware, faultlineMiddleware } from '@faultline/aws-lambda/middy';
 * faultlineMiddleware({ environment: { FAULTLINE_DISABLED: '1' } }) === disabledFaultlineMiddleware; // true
 * ```
 */
export const disabledFaultlineMiddleware: MiddyMiddleware = Object.freeze({
  name: 'faultline',
  before: async () => undefined,
});

type Settled<Result> =
  | { readonly ok: true; readonly value: Result }
  | { readonly ok: false; readonly error: unknown };

/** One invocation's run of the engine, parked while Middy runs the handler phase. */
interface Flow<Result> {
  /** Settles the handler phase: the engine's `callHandler` resolves or rejects with it. */
  finishHandler(outcome: Settled<Result | null | undefined>): void;
  /** The engine's run: after effects, cleanups. */
  readonly settled: Promise<Settled<Result>>;
  abandonTimer: ReturnType<typeof setTimeout> | undefined;
  /** Closed at the deadline because Middy never came back to `after` / `onError`. */
  abandoned: boolean;
}

/** Lambda's longest invocation (15 min): the bound when a context cannot tell its remaining time. */
const maxInvocationMs = 900_000;

/**
 * Middy middleware running the same engine as `withFaults`: `before` runs the before and around effects (and may
 * answer early with an injected response or throw an injected error), Middy's handler phase — the handler plus the
 * middlewares registered after this one — is the engine's "handler call", and `after` / `onError` finish the run
 * (after effects such as `corrupt` and `cors`, then every cleanup).
 *
 * Register it last (innermost), so its handler phase is the handler itself. If another middleware ends the request
 * without running the handler, the run is closed at the Lambda deadline, so cleanups still happen. Concurrent
 * requests (in tests, or several handlers in one process) are independent.
 *
 * Limits: `duplicate` cannot make Middy run its handler twice (the handler runs once); faults that scope outgoing
 * calls with AsyncLocalStorage (`dependency`, `blackhole`) see only calls made during `before`, because Middy calls
 * the handler from its own async context — use `withFaults` for those.
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
  const environment = options.environment ?? process.env;
  if (isKillSwitchOn(environment))
    return disabledFaultlineMiddleware as MiddyMiddleware<Event, Result, Context>;
  const engineOptions = {
    ...options,
    defaultSource: options.defaultSource ?? (() => resolveLambdaDefaultSource(options)),
  };
  let engine: FaultEngine;
  try {
    engine = resolveFaultEngine(engineOptions, environment);
  } catch {
    return disabledFaultlineMiddleware as MiddyMiddleware<Event, Result, Context>;
  }

  type Request = MiddyRequest<Event, Result, Context>;
  const flows = new WeakMap<Request, Flow<Result>>();
  const handlerPhases = new WeakMap<Request, Promise<Result>>();
  const reachedHandler = new WeakMap<Request, () => void>();

  const adapter = createMiddyAdapter<Event, Result, Context>(
    createLambdaAdapter<Event, Result, Context>(adapterOptions(options)),
  );
  // The engine's "handler" is Middy's handler phase: it signals that `before` may return, then waits for it.
  const run = createFaultWrapper(
    adapter,
    (request: Request) => {
      reachedHandler.get(request)?.();
      return (
        handlerPhases.get(request) ?? Promise.reject(new Error('faultline: Middy handler phase not found'))
      );
    },
    { ...engineOptions, engine },
  );

  const finish = (flow: Flow<Result>, outcome: Settled<Result | null | undefined>) => {
    if (flow.abandonTimer !== undefined) clearTimeout(flow.abandonTimer);
    flow.finishHandler(outcome);
  };

  return {
    name: 'faultline',
    async before(request) {
      // The idle path: one synchronous check, nothing allocated.
      if (engine.current() === 'idle') return undefined;

      let finishHandler!: Flow<Result>['finishHandler'];
      handlerPhases.set(
        request,
        new Promise<Result>((resolve, reject) => {
          finishHandler = (outcome) =>
            outcome.ok ? resolve(outcome.value as Result) : reject(outcome.error);
        }),
      );
      let signalReached!: () => void;
      const reached = new Promise<'handler'>((resolve) => {
        signalReached = () => resolve('handler');
      });
      reachedHandler.set(request, signalReached);
      const settled = run(request, request.context).then(
        (value): Settled<Result> => ({ ok: true, value }),
        (error: unknown): Settled<Result> => ({ ok: false, error }),
      );

      const first = await Promise.race([reached, settled]);
      if (first !== 'handler') {
        // A before effect answered or threw: Middy skips the handler and the after hooks.
        if (first.ok) return first.value;
        throw first.error;
      }
      const flow: Flow<Result> = { finishHandler, settled, abandonTimer: undefined, abandoned: false };
      flows.set(request, flow);
      // If a middleware after this one ends the request, Middy calls neither `after` nor `onError`: close the run at
      // the deadline (the platform ends the invocation then anyway) so its cleanups still happen.
      flow.abandonTimer = setTimeout(() => {
        flow.abandoned = true;
        finish(flow, { ok: true, value: request.response });
      }, safeRemainingMs(request.context) ?? maxInvocationMs);
      flow.abandonTimer.unref?.();
      return undefined;
    },
    async after(request) {
      const flow = flows.get(request);
      if (flow === undefined) return;
      flows.delete(request);
      // Past the deadline the run was closed without this response: leave the response alone.
      if (flow.abandoned) return;
      finish(flow, { ok: true, value: request.response });
      const outcome = await flow.settled;
      if (!outcome.ok) throw outcome.error;
      request.response = outcome.value;
    },
    async onError(request) {
      const flow = flows.get(request);
      if (flow === undefined) return;
      flows.delete(request);
      if (flow.abandoned) return;
      finish(flow, { ok: false, error: request.error });
      // Wait for the cleanups; the error itself stays Middy's to handle.
      await flow.settled;
    },
  };
}

/** Feeds the Lambda adapter from a Middy request, so the middleware reuses its mapping and response shapes. */
function createMiddyAdapter<Event, Result, Context extends LambdaContext>(
  lambda: FaultAdapter<Event, Context, Result>,
): FaultAdapter<MiddyRequest<Event, Result, Context>, Context, Result> {
  return {
    cloud: lambda.cloud,
    toInvocation: (request, context) => lambda.toInvocation(request.event, context),
    createDriver: (request, context, invocation, handlerPhase) =>
      lambda.createDriver(request.event, context, invocation, () => handlerPhase(request, context)),
  };
}

function safeRemainingMs(context: LambdaContext): number | undefined {
  try {
    const remainingMs = context.getRemainingTimeInMillis();
    return Number.isFinite(remainingMs) && remainingMs > 0 ? remainingMs : undefined;
  } catch {
    return undefined;
  }
}
