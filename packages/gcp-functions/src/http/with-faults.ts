import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InjectionMarker, NeutralResponse } from '@faultline/core';
import {
  createPhaseWrapper,
  type FaultRun,
  markFaultWrapped,
  type NativeFieldReader,
  type ShortCircuit,
  systemClock,
  throttledResponse,
} from '@faultline/core/adapter-kit';
import { keepInvocationShapes, resolveFunctionIdentity, toHttpInvocation } from '../invocation.js';
import {
  defaultMaxCapturedBodyBytes,
  type GcpFaultlineOptions,
  gcpMissingSourceHint,
  resolveGcpDefaultSource,
} from '../options.js';
import { type CaptureOutcome, ResponseCapture } from './response-capture.js';

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
 * The phases of one HTTP invocation that faults fire for. The response is captured from the start, so nothing
 * reaches the client before the faults are done: an answer from a `before` effect replaces the handler, and
 * `after` effects get the captured response and return the one to send. Cleanups run before it is sent.
 */
async function runCaptured(
  run: FaultRun,
  handler: (request: IncomingMessage, response: ServerResponse) => unknown,
  request: IncomingMessage,
  response: ServerResponse,
  maxCapturedBodyBytes: number,
): Promise<void> {
  const capture = new ResponseCapture(response, maxCapturedBodyBytes);
  let replacement: NeutralResponse | undefined;
  try {
    const shortCircuit = await run.before();
    const marker = run.injectionMarker;
    // On the response from the start, so every answer carries it: the handler's, an injected one, and the
    // Functions Framework's 500 for an injected error.
    if (marker !== undefined) markResponse(response, marker);
    if (shortCircuit !== undefined) {
      replacement = answerFor(shortCircuit, marker);
    } else {
      const ended = await run.around(() => callCaptured(handler, request, response, capture));
      if (run.changesResponse) {
        // A body that streamed past the capture limit has been sent: there is nothing left to change.
        const captured = ended === 'passed-through' ? undefined : capture.read();
        const changed = await run.after(captured);
        if (changed !== captured) replacement = changed;
      }
    }
  } catch (error) {
    await run.finish();
    // A complete response goes out as the handler wrote it; otherwise the Functions Framework answers 500.
    if (capture.outcome === 'ended') capture.flush();
    else capture.releaseWithPartialBody();
    throw error;
  }
  await run.finish();
  capture.flush(replacement);
}

/** The response that answers for the handler, or throws the injected error (the framework then answers 500). */
function answerFor(shortCircuit: ShortCircuit, marker: InjectionMarker | undefined): NeutralResponse {
  const { outcome } = shortCircuit;
  if (outcome.kind === 'throw') throw outcome.error;
  const answer =
    outcome.kind === 'throttle'
      ? throttledResponse(outcome.reason, outcome.retryAfterSeconds)
      : outcome.response;
  return marker === undefined
    ? answer
    : { ...answer, headers: { ...answer.headers, [marker.name]: marker.value } };
}

/**
 * Sets the injection marker header on the real response. A response that refuses it is left as it is: the faults
 * still act, and the run's report shows the injection as unproven rather than the invocation failing on us.
 */
function markResponse(response: ServerResponse, marker: InjectionMarker): void {
  try {
    if (!response.headersSent) response.setHeader(marker.name, marker.value);
  } catch {
    // fail open
  }
}

/**
 * Runs the handler against the captured response. The invocation ends when the handler ends the response (a
 * handler may return long before, e.g. from a callback), when it fails before that, or when the client leaves.
 * Resolves with how the capture ended.
 */
function callCaptured(
  handler: (request: IncomingMessage, response: ServerResponse) => unknown,
  request: IncomingMessage,
  response: ServerResponse,
  capture: ResponseCapture,
): Promise<CaptureOutcome> {
  return new Promise<CaptureOutcome>((resolve, reject) => {
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
      if (outcome !== 'passed-through' || response.writableFinished || response.destroyed) {
        resolve(outcome);
        return;
      }
      const finished = (): void => resolve(outcome);
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
 * goes straight to the handler. With `FAULTLINE_DISABLED=1` the handler itself is returned. The wrapped function is
 * marked, so the `@faultline/gcp-functions/auto` preload leaves it alone.
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
  const plainHandler = handler as HttpHandler<IncomingMessage, ServerResponse>;
  const wrapped = createPhaseWrapper(
    handler,
    {
      ...options,
      defaultSource: options.defaultSource ?? (() => resolveGcpDefaultSource(environment)),
      missingSourceHint: options.missingSourceHint ?? gcpMissingSourceHint,
      logFormat: options.logFormat ?? 'google-cloud',
    },
    () => {
      const identity = resolveFunctionIdentity(options, environment, options.clock ?? systemClock);
      keepInvocationShapes(identity);
      const maxCapturedBodyBytes = options.maxCapturedBodyBytes ?? defaultMaxCapturedBodyBytes;
      return {
        toInvocation: (request) => toHttpInvocation(request, identity),
        // Decides "no fault matches" from `req` itself once loaded (next to the engine's runtime, off the import).
        loadNativeFields: () =>
          import('../native-fields.js').then(
            (module) => new module.HttpFieldReader(identity) as NativeFieldReader<Request, Response>,
          ),
        runPhases: (run, request, response) =>
          runCaptured(run, plainHandler, request, response, maxCapturedBodyBytes),
      };
    },
  );
  // Marked so the @faultline/gcp-functions/auto preload, which may run another copy of faultline, leaves it alone.
  return wrapped === handler ? handler : markFaultWrapped(wrapped);
}
