import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createFaultWrapper,
  type FaultAdapter,
  type FaultEngine,
  type InvocationDriver,
  isKillSwitchOn,
  type NeutralResponse,
  resolveFaultEngine,
  systemClock,
} from '@faultline/core';
import { type FunctionIdentity, resolveFunctionIdentity, toHttpInvocation } from '../invocation.js';
import {
  defaultMaxCapturedBodyBytes,
  type GcpFaultlineOptions,
  reportSetupFailure,
  resolveGcpDefaultSource,
} from '../options.js';
import { ResponseCapture } from './response-capture.js';

/**
 * An HTTP function as the Functions Framework calls it: `(req, res)`, Express request and response.
 *
 * @example
 * ```ts
 * import type { Request, Response } from '@google-cloud/functions-framework';
 * const handler: HttpHandler<Request, Response> = (req, res) => res.send('ok');
 * ```
 */
export type HttpHandler<Request extends IncomingMessage, Response extends ServerResponse> = (
  request: Request,
  response: Response,
) => unknown;

/**
 * What an HTTP invocation produced once faults ran: the response the handler sent (held back) or one a fault
 * substituted. Internal to the adapter; the Functions Framework never sees it.
 */
class HttpOutcome {
  constructor(
    /** A response to send instead of the captured one; `undefined` sends what the handler wrote. */
    readonly replacement: NeutralResponse | undefined,
    /** The body streamed past the capture limit: nothing can be changed. */
    readonly passedThrough = false,
  ) {}
}

const handlerOutcome = new HttpOutcome(undefined);
const passedThroughOutcome = new HttpOutcome(undefined, true);
const throttledResponse: NeutralResponse = {
  status: 429,
  headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' },
  body: 'Too Many Requests',
};

function createHttpAdapter(
  identity: FunctionIdentity,
  maxCapturedBodyBytes: number,
  captures: WeakMap<ServerResponse, ResponseCapture>,
): FaultAdapter<IncomingMessage, ServerResponse, HttpOutcome> {
  return {
    cloud: 'gcp',
    toInvocation: (request) => toHttpInvocation(request, identity),
    createDriver(request, response, _invocation, handler): InvocationDriver<HttpOutcome> {
      const capture = new ResponseCapture(response, maxCapturedBodyBytes);
      captures.set(response, capture);
      return {
        callHandler: () => callCaptured(handler, request, response, capture),
        respond: (neutral) => new HttpOutcome(neutral),
        throttled: () => new HttpOutcome(throttledResponse),
        readResponse: (outcome) => {
          if (outcome.passedThrough) return undefined;
          return outcome.replacement ?? capture.read();
        },
        writeResponse: (_outcome, neutral) => new HttpOutcome(neutral),
      };
    },
  };
}

/**
 * Runs the handler against the captured response. The invocation ends when the handler ends the response (a
 * handler may return long before, e.g. from a callback), when it fails before that, or when the client leaves.
 */
function callCaptured(
  handler: (request: IncomingMessage, response: ServerResponse) => Promise<HttpOutcome>,
  request: IncomingMessage,
  response: ServerResponse,
  capture: ResponseCapture,
): Promise<HttpOutcome> {
  return new Promise<HttpOutcome>((resolve, reject) => {
    let returned: unknown;
    try {
      returned = handler(request, response);
    } catch (error) {
      reject(error);
      return;
    }
    if (isThenable(returned)) {
      returned.then(undefined, (error: unknown) => {
        if (capture.outcome === undefined) {
          reject(error);
          return;
        }
        // The response was already complete; the Functions Framework would only log this, so do the same.
        console.error(error);
      });
    }
    capture.done.then((outcome) => {
      if (outcome !== 'passed-through') {
        resolve(handlerOutcome);
        return;
      }
      if (response.writableFinished || response.destroyed) {
        resolve(passedThroughOutcome);
        return;
      }
      const finished = (): void => resolve(passedThroughOutcome);
      response.once('finish', finished);
      response.once('close', finished);
    });
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Wraps an HTTP Cloud Function with faultline. Only requests a fault is sampled for are touched: their response is
 * held back until `after` faults (`corrupt`, `cors`) have acted on it, injected responses (`status`, throttling)
 * are written to `res` with status, headers and body while the handler is skipped, and injected errors
 * (`exception`, `timeout`) reach the Functions Framework like an unhandled error (HTTP 500). Every other request
 * goes straight to the handler. With `FAULTLINE_DISABLED=1` the handler itself is returned.
 *
 * Reads the environment once, here: function name (`K_SERVICE`, `FUNCTION_TARGET`), region (`FUNCTION_REGION`),
 * stage (`FAULTLINE_STAGE`) and the config source (see {@link GcpFaultlineOptions}).
 *
 * @example
 * ```ts
 * import * as functions from '@google-cloud/functions-framework';
 * import { withFaults } from '@faultline/gcp-functions';
 *
 * functions.http(
 *   'orders',
 *   withFaults(async (req, res) => {
 *     res.json({ id: req.query.id, status: 'shipped' });
 *   }, { timeoutMs: 60_000 }),
 * );
 * ```
 */
export function withFaults<Request extends IncomingMessage, Response extends ServerResponse>(
  handler: HttpHandler<Request, Response>,
  options: GcpFaultlineOptions = {},
): HttpHandler<Request, Response> {
  const environment = options.environment ?? process.env;
  const engineOptions = {
    ...options,
    defaultSource: options.defaultSource ?? (() => resolveGcpDefaultSource(environment)),
  };
  const plainHandler = handler as unknown as (
    request: IncomingMessage,
    response: ServerResponse,
  ) => Promise<HttpOutcome>;
  const captures = new WeakMap<ServerResponse, ResponseCapture>();
  let engine: FaultEngine;
  let run: (request: IncomingMessage, response: ServerResponse) => Promise<HttpOutcome>;
  if (isKillSwitchOn(environment)) return handler;
  try {
    const identity = resolveFunctionIdentity(options, environment, options.clock ?? systemClock);
    const adapter = createHttpAdapter(
      identity,
      options.maxCapturedBodyBytes ?? defaultMaxCapturedBodyBytes,
      captures,
    );
    engine = options.engine ?? resolveFaultEngine(engineOptions, environment);
    run = createFaultWrapper(adapter, plainHandler, { ...engineOptions, engine });
  } catch (error) {
    reportSetupFailure(error);
    return handler;
  }

  const finish = (response: ServerResponse, outcome: HttpOutcome): void => {
    const capture = captures.get(response);
    if (capture === undefined) return;
    captures.delete(response);
    capture.flush(outcome instanceof HttpOutcome ? outcome.replacement : undefined);
  };
  const fail = (response: ServerResponse, error: unknown): never => {
    const capture = captures.get(response);
    if (capture !== undefined) {
      captures.delete(response);
      // A complete response goes out as the handler wrote it; otherwise the Functions Framework answers 500.
      if (capture.outcome === 'ended') capture.flush();
      else capture.releaseWithPartialBody();
    }
    throw error;
  };

  return function faultlineHttpFunction(request: Request, response: Response): unknown {
    // Same idle check as the core wrapper, so idle requests cost nothing extra here either.
    if (engine.current() === 'idle') return handler(request, response);
    // The engine may still find nothing to do (its state can change between the two reads) and then returns
    // whatever the handler returned, which need not be a promise: nothing was captured in that case.
    const pending: unknown = run(request, response);
    if (!isThenable(pending)) return pending;
    return pending.then(
      (outcome) => finish(response, outcome as HttpOutcome),
      (error: unknown) => fail(response, error),
    );
  };
}
