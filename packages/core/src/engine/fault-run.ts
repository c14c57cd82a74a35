import { describeError } from '../errors/describe-error.js';
import { FaultlineError } from '../errors/faultline-error.js';
import type {
  AdapterCapabilities,
  FaultContext,
  FaultOutcome,
  NeutralResponse,
} from '../faults/fault-type.js';
import { InjectedFaultError, isInjectedFault } from '../faults/injected-fault-error.js';
import { throttledResponse } from '../faults/throttled-response.js';
import type { Invocation } from '../invocation/invocation.js';
import {
  type InjectionMarker,
  injectionMarkerFor,
  withInjectionMarker,
} from '../observability/injection-marker.js';
import {
  annotateInjections,
  recordInjectedException,
  type TraceAccess,
  type TracedFault,
  type TraceSpan,
} from '../observability/open-telemetry.js';
import { captureInterceptionScope, type Interception } from '../scope/interception-scope.js';
import type { CompiledExperiment, CompiledFault } from './compile.js';
import type { FaultEngine } from './fault-engine.js';
import { holdProcessWideFault } from './process-wide-faults.js';
import { reportInternalError } from './report-internal-error.js';

// Loaded with the rest of the engine runtime (`fault-runtime.ts`), never at import: a run only exists once an engine
// has compiled an experiment. Code loaded at import (wrappers, hosts) refers to `FaultRun` as a type only.

/**
 * The first `before` effect that answered instead of the handler: respond, throw or throttle.
 *
 * @example
 * ```ts
 * const shortCircuit = await run.before();
 * if (shortCircuit?.outcome.kind === 'throw') throw shortCircuit.outcome.error;
 * ```
 */
export interface ShortCircuit {
  /** The fault whose effect answered. */
  readonly fault: CompiledFault;
  /** Its answer. An `InjectedFaultError` a `before` effect threw arrives here as `{ kind: 'throw' }`. */
  readonly outcome: FaultOutcome;
}

/**
 * How the handler ended, as a host that runs it itself hands it to {@link FaultRun.leave}.
 *
 * @example
 * ```ts
 * const outcome: HandlerOutcome<Response> = { ok: false, error: request.error };
 * ```
 */
export type HandlerOutcome<Result> =
  | { readonly ok: true; readonly value: Result }
  | { readonly ok: false; readonly error: unknown };

/**
 * How a trigger answers natively instead of its handler (the part of an adapter's `InvocationDriver` that
 * {@link FaultRun.answer} uses). `undefined` means the trigger has no such answer: the injected error is thrown.
 *
 * @example
 * ```ts
 * const answers: NativeAnswers<Response> = {
 *   respond: (response) => new Response(response.body, { status: response.status, headers: response.headers }),
 *   throttled: (_reason, response) => new Response(response.body, { status: response.status, headers: response.headers }),
 * };
 * ```
 */
export interface NativeAnswers<Result> {
  respond(response: NeutralResponse): Result | undefined;
  /** `response` is the 429 every adapter answers with on HTTP (see `throttledResponse`); `reason` says why. */
  throttled(reason: string, response: NeutralResponse): Result | undefined;
}

/**
 * How a trigger's native result reads and writes as a neutral response (the part of an adapter's
 * `InvocationDriver` that {@link FaultRun.changeResponse} uses).
 *
 * @example
 * ```ts
 * const responses: NativeResponses<Response> = {
 *   readResponse: (result) => ({ status: result.status, headers: {}, body: undefined }),
 *   writeResponse: (original, response) => new Response(response.body, { status: response.status }),
 * };
 * ```
 */
export interface NativeResponses<Result> {
  /**
   * Optional: prepares the result for `readResponse`, asynchronously, before any `after` fault sees it (see
   * `InvocationDriver.prepareResponse`): a host whose results carry streamed bodies reads one here, bounded, and
   * only when `needs.body` says an `after` effect looks at it.
   */
  prepareResponse?(result: Result, needs: { readonly body: boolean }): Promise<Result>;
  readResponse(result: Result): NeutralResponse | undefined;
  writeResponse(original: Result, response: NeutralResponse): Result;
}

/**
 * One invocation that faults fire for, as phases a host calls in order: `before()`, then `around(next)` (or
 * `enter()` … `leave(outcome)` when the host calls the handler itself between two hooks), then `after(response)`,
 * and always `finish()`. `engine.plan(invocation)` returns one; when nothing fires it returns `undefined` and the
 * host calls the handler directly.
 *
 * Phases never throw faultline's own errors: they report them as `internal-error` events and let the invocation go
 * on untouched. What they do throw is either deliberate (an `InjectedFaultError`) or the handler's own error,
 * rethrown as it was.
 *
 * @example
 * ```ts
 * const run = engine.plan(invocation);
 * if (run === undefined) return handler(request);
 * try {
 *   const shortCircuit = await run.before();
 *   if (shortCircuit !== undefined) return answer(shortCircuit); // the handler is skipped
 *   const response = await run.around(() => handler(request));
 *   return await run.after(response); // a NeutralResponse, or undefined when not HTTP-like
 * } finally {
 *   await run.finish(); // cleanups, newest first
 * }
 * ```
 */
export interface FaultRun {
  readonly invocation: Invocation;
  readonly experimentId: string;
  /** The faults that fire, in file order. */
  readonly faults: readonly CompiledFault[];
  /**
   * Whether `after` may change a response (some fault has an `after` effect and the run has not failed open): read
   * the handler's response for {@link FaultRun.after} only then.
   */
  readonly changesResponse: boolean;
  /**
   * Whether some `after` effect looks at the response body (see `FaultEffect.readsResponseBody`): a host whose
   * bodies are streams reads one only then, and otherwise hands `after` the status and headers with no body.
   */
  readonly readsResponseBody: boolean;
  /**
   * The response header that tells a `faultline run` probe which faults were injected (`x-faultline-injected`: the
   * acting faults' ids), known once {@link FaultRun.before} ran: set only when the experiment has a `runToken`, the
   * trigger is HTTP, the request carries that token (`x-faultline-run-token`) and some fault acts. `answer` and
   * `changeResponse` add it to the response; a host that writes responses itself adds it.
   */
  readonly injectionMarker: InjectionMarker | undefined;
  /**
   * Emits one `inject` event per fault, then runs the `before` effects in file order and resolves with the first
   * answer (the handler must then be skipped), or `undefined`. `capabilities` are what the trigger offers to
   * effects (e.g. the SQS batch). Never rejects.
   */
  before(capabilities?: AdapterCapabilities): Promise<ShortCircuit | undefined>;
  /**
   * Runs the `around` effects as an onion around `next` (the first fault outermost) and resolves with what they
   * return. The handler's own error is rethrown untouched; if an effect fails, the handler still runs once.
   */
  around<Result>(next: () => Promise<Result>): Promise<Result>;
  /**
   * The `around` phase for hosts that call the handler themselves between two hooks (a Middy middleware): runs the
   * effects up to the handler and resolves with `undefined` once they reach it, or with `{ result }` when one
   * answered without it; rejects with an injected error. Then hand the handler's outcome to {@link FaultRun.leave}.
   * If the host never does (another middleware ended the request), the run closes itself shortly before the
   * invocation's deadline (15 minutes when it has none) and runs its cleanups.
   */
  enter<Result>(): Promise<{ readonly result: Result } | undefined>;
  /** Hands the handler's outcome to the effects opened by {@link FaultRun.enter}; resolves or rejects with theirs. */
  leave<Result>(outcome: HandlerOutcome<Result>): Promise<Result>;
  /**
   * After {@link FaultRun.enter}: a function that makes the current async context see what the `around` effects set
   * up for the handler (the interception scope of `dependency` and `blackhole` faults), for hosts that call the
   * handler from a context those effects do not reach. Call it synchronously, right before the handler is called;
   * everything the handler then starts is intercepted, and nothing outside that context is. `undefined` when the
   * effects set up nothing of the kind (then there is nothing to do).
   */
  handlerContext(): (() => void) | undefined;
  /**
   * Runs the `after` effects in file order on the handler's neutral response and resolves with the result — the
   * same object when nothing changed it. `undefined` (no HTTP-like response) is returned as is, with a debug event.
   */
  after(response: NeutralResponse | undefined): Promise<NeutralResponse | undefined>;
  /** Ends the run: aborts the effects' signal and runs every pending cleanup, newest first. Never rejects. */
  finish(): Promise<void>;
  /**
   * The native answer to a short-circuit (`respond` → the trigger's response, `throttle` → its throttling result),
   * or throws what the trigger cannot answer natively: the injected error of a `throw`, else an
   * `InjectedFaultError` carrying the status. If `answers` fail to shape the answer, the run fails open and this
   * returns `undefined`: call the handler, untouched. The {@link FaultRun.injectionMarker} is added to the answer.
   */
  answer<Result>(
    shortCircuit: ShortCircuit,
    answers: NativeAnswers<Result>,
  ): { readonly result: Result } | undefined;
  /**
   * The `after` phase on a native result: reads it as a neutral response (only when some fault changes responses
   * or the {@link FaultRun.injectionMarker} is to be added), lets the effects change it, adds the marker, and writes
   * it back. Returns `result` itself when nothing changed; a failure to read or write fails the run open and returns
   * `result`.
   */
  changeResponse<Result>(result: Result, responses: NativeResponses<Result>): Promise<Result>;
  /**
   * For hosts whose own step failed (shaping an answer, reading the response): reports an `internal-error` event
   * and turns the rest of the run into a pass-through (`around` calls `next`, `after` changes nothing); `finish`
   * still cleans up.
   */
  failOpen(error: unknown, where: string, fault?: CompiledFault): void;
}

/** What a run needs from its engine. */
export type FaultRunEngine = Pick<FaultEngine, 'emit' | 'isLevelEnabled' | 'clock' | 'random' | 'sleep'> & {
  /** Tells batching sinks that the invocation's events are all delivered (see `EventSink.flush`). */
  readonly flushEvents?: (invocation: Invocation) => void;
  /** How to reach the active OpenTelemetry span; absent when tracing is off. */
  readonly traceAccess?: (() => TraceAccess) | undefined;
};

/** How long before the platform deadline a run that has not finished cleans up. */
const deadlineCleanupMarginMs = 100;
/** A handler phase opened by `enter` on an invocation without a deadline closes after this (Lambda's longest). */
const maxOpenHandlerPhaseMs = 900_000;
const maxTimerDelayMs = 2 ** 31 - 1;
const noCapabilities: AdapterCapabilities = Object.freeze({});

/**
 * Creates the run of one invocation: what `engine.plan` returns when faults fire.
 *
 * @example
 * ```ts
 * const run = createFaultRun(engine, compiled, invocation, plan.inject);
 * ```
 */
export function createFaultRun(
  engine: FaultRunEngine,
  compiled: CompiledExperiment,
  invocation: Invocation,
  faults: readonly CompiledFault[],
): FaultRun {
  return new InvocationRun(engine, compiled, invocation, faults);
}

/** Carries the handler's own error through the effects, so it is rethrown untouched and never counted as ours. */
class HandlerFailure {
  constructor(readonly error: unknown) {}
}

/** Rejects a handler phase the host never closed. */
const abandonedHandlerPhase = Symbol('abandoned handler phase');

interface DeferredCleanup {
  readonly fault: CompiledFault;
  readonly cleanup: () => void | Promise<void>;
}

interface OpenHandlerPhase {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  readonly promise: Promise<unknown>;
  readonly effects: Promise<unknown>;
  /** Enters the scope the effects opened around the handler; see {@link FaultRun.handlerContext}. */
  readonly enterContext: (() => void) | undefined;
}

class InvocationRun implements FaultRun {
  readonly invocation: Invocation;
  readonly experimentId: string;
  readonly faults: readonly CompiledFault[];
  readonly #engine: FaultRunEngine;
  readonly #compiled: CompiledExperiment;
  /** The faults that act: `faults` less those whose `cannotAct` gave a reason (decided by `before`). */
  #acting: readonly CompiledFault[];
  #afters: readonly CompiledFault[];
  #selected = false;
  #marker: InjectionMarker | undefined;
  readonly #controller = new AbortController();
  readonly #cleanups: DeferredCleanup[] = [];
  readonly #contexts = new Map<CompiledFault, FaultContext>();
  #capabilities = noCapabilities;
  #deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  #handlerPhase: OpenHandlerPhase | undefined;
  /** Set by `failOpen` and by closing an abandoned handler phase: the remaining phases leave the invocation alone. */
  #untouched = false;
  /** The span active when the injections were reported (the invocation's), for exceptions recorded later. */
  #span: TraceSpan | undefined;
  #onIntercept: ((interception: Interception) => void) | undefined;

  constructor(
    engine: FaultRunEngine,
    compiled: CompiledExperiment,
    invocation: Invocation,
    faults: readonly CompiledFault[],
  ) {
    this.#engine = engine;
    this.#compiled = compiled;
    this.invocation = invocation;
    this.experimentId = compiled.experimentId;
    this.faults = faults;
    this.#acting = faults;
    this.#afters = faults.filter((fault) => fault.effect.after !== undefined);
  }

  get changesResponse(): boolean {
    return !this.#untouched && this.#afters.length > 0;
  }

  get injectionMarker(): InjectionMarker | undefined {
    return this.#untouched ? undefined : this.#marker;
  }

  get readsResponseBody(): boolean {
    return this.changesResponse && this.#afters.some((fault) => fault.effect.readsResponseBody !== false);
  }

  async before(capabilities?: AdapterCapabilities): Promise<ShortCircuit | undefined> {
    if (this.#untouched) return undefined;
    if (capabilities !== undefined) this.#capabilities = capabilities;
    this.#selectActing();
    this.#reportInjections();
    for (const fault of this.#acting) {
      const before = fault.effect.before;
      if (before === undefined) continue;
      let outcome: void | FaultOutcome;
      try {
        outcome = await before.call(fault.effect, this.#contextFor(fault));
      } catch (error) {
        if (isInjectedFault(error)) {
          this.#recordInjectedError(error);
          return { fault, outcome: { kind: 'throw', error } };
        }
        this.#reportInternalError(error, `running the ${fault.type} fault`, fault);
        continue;
      }
      if (outcome !== undefined) {
        if (outcome.kind === 'throw') this.#recordInjectedError(outcome.error);
        return { fault, outcome };
      }
    }
    return undefined;
  }

  async around<Result>(next: () => Promise<Result>): Promise<Result> {
    if (this.#untouched) return next();
    this.#selectActing();
    let firstCall: Promise<Result> | undefined;
    const callHandler = (): Promise<Result> => {
      const call = callMarkingFailure(next);
      firstCall ??= call;
      return call;
    };
    let onion = callHandler;
    const acting = this.#acting;
    for (let index = acting.length - 1; index >= 0; index--) {
      const fault = acting[index] as CompiledFault;
      const around = fault.effect.around;
      if (around === undefined) continue;
      const inner = onion;
      const context = this.#contextFor(fault);
      onion = () => around.call(fault.effect, context, inner) as Promise<Result>;
    }
    try {
      return await onion();
    } catch (error) {
      if (error instanceof HandlerFailure) {
        // A fault's injected error the handler let through (e.g. from a faulted AWS SDK call) is a drill's too.
        if (isInjectedFault(error.error)) this.#recordInjectedError(error.error);
        throw error.error;
      }
      if (isInjectedFault(error)) {
        this.#recordInjectedError(error);
        throw error;
      }
      this.#reportInternalError(error, 'running an around fault');
      // Never run the handler a second time because of our failure: reuse its first call when there was one.
      try {
        return await (firstCall ?? callHandler());
      } catch (failure) {
        throw failure instanceof HandlerFailure ? failure.error : failure;
      }
    }
  }

  enter<Result>(): Promise<{ readonly result: Result } | undefined> {
    return new Promise((resolve, reject) => {
      const phase = {} as { -readonly [Key in keyof OpenHandlerPhase]: OpenHandlerPhase[Key] };
      phase.promise = new Promise<unknown>((resolvePhase, rejectPhase) => {
        phase.resolve = resolvePhase;
        phase.reject = rejectPhase;
      });
      let reached = false;
      // An effect may call `next` synchronously, before `around` has returned: `phase.effects` is set right after.
      phase.effects = this.around(() => {
        if (!reached) {
          reached = true;
          // Called inside the effects' onion: the interception scope they opened is this context's.
          phase.enterContext = captureInterceptionScope();
          this.#handlerPhase = phase;
          this.#armDeadline();
          resolve(undefined);
        }
        return phase.promise;
      });
      phase.effects.then(
        (result) => {
          if (!reached) resolve({ result: result as Result });
        },
        (error: unknown) => {
          if (!reached) reject(error);
        },
      );
    });
  }

  handlerContext(): (() => void) | undefined {
    return this.#untouched ? undefined : this.#handlerPhase?.enterContext;
  }

  async leave<Result>(outcome: HandlerOutcome<Result>): Promise<Result> {
    const phase = this.#handlerPhase;
    if (phase === undefined || this.#untouched) {
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    }
    this.#handlerPhase = undefined;
    if (outcome.ok) phase.resolve(outcome.value);
    else phase.reject(outcome.error);
    return (await phase.effects) as Result;
  }

  async after(response: NeutralResponse | undefined): Promise<NeutralResponse | undefined> {
    if (!this.changesResponse) return response;
    if (response === undefined) {
      this.#reportNothingToChange();
      return undefined;
    }
    let changed = response;
    try {
      for (const fault of this.#afters) {
        const after = fault.effect.after as NonNullable<typeof fault.effect.after>;
        changed = await after.call(fault.effect, this.#contextFor(fault), changed);
      }
      return changed;
    } catch (error) {
      if (isInjectedFault(error)) throw error;
      this.#reportInternalError(error, 'changing the response');
      return response;
    }
  }

  async finish(): Promise<void> {
    if (this.#deadlineTimer !== undefined) {
      clearTimeout(this.#deadlineTimer);
      this.#deadlineTimer = undefined;
    }
    this.#abandonHandlerPhase();
    this.#controller.abort();
    await this.#runCleanups();
    try {
      this.#engine.flushEvents?.(this.invocation);
    } catch {
      // fail open
    }
  }

  /** Records an injected error on the invocation's span: an `exception` event marked `faultline.injected`. */
  #recordInjectedError(error: unknown): void {
    if (this.#span === undefined || !isInjectedFault(error)) return;
    recordInjectedException(this.#span, error, {
      experimentId: error.experimentId,
      faultId: error.faultId,
      faultType: error.faultType,
      configVersion: this.#compiled.configVersion,
    });
  }

  failOpen(error: unknown, where: string, fault?: CompiledFault): void {
    this.#reportInternalError(error, where, fault);
    this.#untouched = true;
  }

  answer<Result>(
    shortCircuit: ShortCircuit,
    answers: NativeAnswers<Result>,
  ): { readonly result: Result } | undefined {
    const { fault, outcome } = shortCircuit;
    if (outcome.kind === 'throw') throw outcome.error;
    let native: Result | undefined;
    try {
      if (outcome.kind === 'respond') {
        // Copied: the configured response is shared by every invocation of this config version.
        const { status, headers, body } = outcome.response;
        const marker = this.injectionMarker;
        native = answers.respond(
          marker === undefined
            ? { status, headers: { ...headers }, body }
            : withInjectionMarker({ status, headers, body }, marker),
        );
      } else if (outcome.kind === 'throttle') {
        const response = throttledResponse(outcome.reason, outcome.retryAfterSeconds);
        const marker = this.injectionMarker;
        native = answers.throttled(
          outcome.reason,
          marker === undefined ? response : withInjectionMarker(response, marker),
        );
      } else {
        throw new FaultlineError(
          'INTERNAL',
          `unknown fault outcome ${JSON.stringify((outcome as { kind?: unknown }).kind)}`,
        );
      }
    } catch (error) {
      // The adapter could not shape the answer: the invocation goes on untouched rather than failing on us.
      this.failOpen(error, `answering for the ${fault.type} fault`, fault);
      return undefined;
    }
    if (native !== undefined) return { result: native };
    const details = { experimentId: this.experimentId, faultId: fault.id, faultType: fault.type };
    const error =
      outcome.kind === 'respond'
        ? new InjectedFaultError(`Injected status ${outcome.response.status}`, {
            ...details,
            status: outcome.response.status,
          })
        : new InjectedFaultError(`Injected throttling: ${outcome.reason}`, {
            ...details,
            name: 'ThrottlingError',
            status: 429,
          });
    // Traces record the error the trigger gets instead of an answer like any injected error.
    this.#recordInjectedError(error);
    throw error;
  }

  async changeResponse<Result>(handlerResult: Result, responses: NativeResponses<Result>): Promise<Result> {
    const marker = this.injectionMarker;
    if (!this.changesResponse && marker === undefined) return handlerResult;
    let result = handlerResult;
    let response: NeutralResponse | undefined;
    try {
      if (responses.prepareResponse !== undefined) {
        result = await responses.prepareResponse(result, { body: this.readsResponseBody });
      }
      response = responses.readResponse(result);
    } catch (error) {
      this.failOpen(error, 'reading the response');
      return result;
    }
    let changed = await this.after(response);
    if (marker !== undefined && changed !== undefined) changed = withInjectionMarker(changed, marker);
    if (changed === response || changed === undefined) return result;
    try {
      return responses.writeResponse(result, changed);
    } catch (error) {
      this.failOpen(error, 'changing the response');
      return result;
    }
  }

  #contextFor(fault: CompiledFault): FaultContext {
    let context = this.#contexts.get(fault);
    if (context === undefined) {
      const engine = this.#engine;
      context = {
        invocation: this.invocation,
        experimentId: this.experimentId,
        fault: fault.definition,
        clock: engine.clock,
        random: engine.random,
        sleep: engine.sleep,
        signal: this.#controller.signal,
        defer: (cleanup) => {
          this.#cleanups.push({ fault, cleanup });
          this.#armDeadline();
        },
        capabilities: this.#capabilities,
        onIntercept: this.#interceptionObserver(),
        report: (level, message, details) => {
          engine.emit('fault-detail', message, { ...this.#fieldsOf(fault), details }, level);
        },
      };
      this.#contexts.set(fault, context);
    }
    return context;
  }

  #fieldsOf(fault: CompiledFault) {
    return {
      experimentId: this.experimentId,
      faultId: fault.id,
      faultType: fault.type,
      configVersion: this.#compiled.configVersion,
      invocation: this.invocation,
    };
  }

  /**
   * Leaves out the faults that cannot act on this invocation (a `skipped` event each says why), so only faults that
   * really act are reported as injected and run. Once per run, with the host's capabilities known.
   */
  #selectActing(): void {
    if (this.#selected) return;
    this.#selected = true;
    let acting: CompiledFault[] | undefined;
    for (const [index, fault] of this.faults.entries()) {
      const cannotAct = fault.effect.cannotAct;
      if (cannotAct === undefined) {
        acting?.push(fault);
        continue;
      }
      let reason: string | undefined;
      try {
        reason = cannotAct.call(fault.effect, this.#contextFor(fault));
      } catch (error) {
        this.#reportInternalError(error, `checking whether the ${fault.type} fault can act`, fault);
        reason = 'faultline could not tell whether it can act (see the internal-error event)';
      }
      if (reason === undefined) {
        acting?.push(fault);
        continue;
      }
      acting ??= this.faults.slice(0, index) as CompiledFault[];
      this.#engine.emit('skipped', `${fault.type} fault ${fault.id} cannot act here: ${reason}`, {
        ...this.#fieldsOf(fault),
        details: { reason },
      });
    }
    if (acting !== undefined) {
      this.#acting = acting;
      this.#afters = acting.filter((fault) => fault.effect.after !== undefined);
    }
    // Only here, on the firing path: the idle and non-matching paths never look at the run token.
    try {
      this.#marker = injectionMarkerFor(this.#compiled.runToken, this.invocation, this.#acting);
    } catch (error) {
      this.#reportInternalError(error, 'reading the run token');
    }
  }

  #reportInjections(): void {
    for (const fault of this.#acting) {
      this.#engine.emit('inject', `injecting ${fault.type} fault ${fault.id}`, this.#fieldsOf(fault));
      if (fault.faultType.reach === 'process') {
        // Invocations starting in this instance until the run's cleanups ran are told they share its effect; the
        // release is the first cleanup registered, so it runs last, after the effect itself was undone.
        const release = holdProcessWideFault({
          experimentId: this.experimentId,
          configVersion: this.#compiled.configVersion,
          faultId: fault.id,
          faultType: fault.type,
          requestId: this.invocation.requestId,
        });
        this.#cleanups.push({ fault, cleanup: release });
        this.#armDeadline();
      }
    }
    const access = this.#engine.traceAccess?.();
    if (access === undefined || this.#acting.length === 0) return;
    this.#span = access.activeSpan();
    annotateInjections(
      this.#span,
      this.#acting.map((fault) => this.#traced(fault)),
      false,
    );
  }

  #traced(fault: { readonly id: string; readonly type: string }): TracedFault {
    return {
      experimentId: this.experimentId,
      faultId: fault.id,
      faultType: fault.type,
      configVersion: this.#compiled.configVersion,
    };
  }

  /**
   * What the interceptors tell about each call a `dependency` or `blackhole` fault acts on: the active span (the
   * call's client span when the HTTP client or SDK is instrumented) gets a `faultline.inject` event naming the call
   * and `faultline.injected=true`, and a debug event says what was done. One observer per run.
   */
  #interceptionObserver(): (interception: Interception) => void {
    this.#onIntercept ??= (interception) => {
      const target =
        interception.service !== undefined
          ? `${interception.service}${interception.operation === undefined ? '' : `.${interception.operation}`}`
          : `${interception.host ?? 'a host'}${interception.port === undefined || Number.isNaN(interception.port) ? '' : `:${interception.port}`}`;
      if (this.#engine.isLevelEnabled('debug')) {
        this.#engine.emit(
          'fault-detail',
          `${interception.faultType} fault ${interception.faultId} acted on a call to ${target} (${interception.action})`,
          {
            experimentId: this.experimentId,
            faultId: interception.faultId,
            faultType: interception.faultType,
            configVersion: this.#compiled.configVersion,
            invocation: this.invocation,
            details: { ...interception },
          },
          'debug',
        );
      }
      const span = this.#engine.traceAccess?.().activeSpan();
      if (span === undefined) return;
      try {
        const attributes: Record<string, string | number | boolean> = {
          'faultline.experiment.id': this.experimentId,
          'faultline.fault.id': interception.faultId,
          'faultline.fault.type': interception.faultType,
          'faultline.dry_run': false,
          'faultline.dependency.action': interception.action,
        };
        const version = this.#compiled.configVersion;
        if (version !== undefined) attributes['faultline.config.version'] = version;
        if (interception.host !== undefined) attributes['faultline.dependency.host'] = interception.host;
        if (interception.port !== undefined && !Number.isNaN(interception.port)) {
          attributes['faultline.dependency.port'] = interception.port;
        }
        if (interception.service !== undefined)
          attributes['faultline.dependency.service'] = interception.service;
        if (interception.operation !== undefined) {
          attributes['faultline.dependency.operation'] = interception.operation;
        }
        span.addEvent('faultline.inject', attributes);
        span.setAttribute('faultline.injected', true);
      } catch {
        // Tracing must never change the call.
      }
    };
    return this.#onIntercept;
  }

  #reportNothingToChange(): void {
    if (!this.#engine.isLevelEnabled('debug')) return;
    for (const fault of this.#afters) {
      this.#engine.emit(
        'fault-detail',
        `${fault.type} fault ${fault.id} had no HTTP-like response to change`,
        this.#fieldsOf(fault),
        'debug',
      );
    }
  }

  #reportInternalError(error: unknown, where: string, fault?: CompiledFault): void {
    reportInternalError(this.#engine, error, where, this.invocation, fault, this.#compiled);
  }

  /**
   * The platform may freeze or kill the instance at its deadline, before `finish` runs: shortly before it, undo what
   * faults changed (so a warm instance never keeps a filled disk or a blocked host) and close a handler phase the
   * host never came back for. Armed by the first cleanup and by `enter`; one timer per run.
   */
  #armDeadline(): void {
    if (this.#deadlineTimer !== undefined) return;
    let delayMs: number;
    try {
      const deadlineMs = this.invocation.deadlineMs;
      if (deadlineMs !== undefined) {
        delayMs = deadlineMs - deadlineCleanupMarginMs - this.#engine.clock.now();
      } else if (this.#handlerPhase !== undefined) {
        delayMs = maxOpenHandlerPhaseMs;
      } else {
        return;
      }
    } catch {
      return;
    }
    const timer = setTimeout(() => this.#onDeadline(), Math.min(Math.max(0, delayMs), maxTimerDelayMs));
    timer.unref?.();
    this.#deadlineTimer = timer;
  }

  #onDeadline(): void {
    this.#abandonHandlerPhase();
    if (this.#cleanups.length === 0) return;
    this.#engine.emit(
      'fault-detail',
      `invocation ${this.invocation.requestId} is about to reach its deadline; cleaning up faults now`,
      {
        experimentId: this.experimentId,
        configVersion: this.#compiled.configVersion,
        invocation: this.invocation,
      },
      'warn',
    );
    void this.#runCleanups();
  }

  /** Closes a handler phase the host never came back for; whatever it reports later is left alone. */
  #abandonHandlerPhase(): void {
    const phase = this.#handlerPhase;
    if (phase === undefined) return;
    this.#handlerPhase = undefined;
    this.#untouched = true;
    phase.reject(abandonedHandlerPhase);
  }

  /** Runs and removes every pending cleanup, newest first; each runs once even when called twice concurrently. */
  async #runCleanups(): Promise<void> {
    const cleanups = this.#cleanups;
    while (cleanups.length > 0) {
      const entry = cleanups.pop() as DeferredCleanup;
      try {
        await entry.cleanup();
      } catch (error) {
        try {
          this.#engine.emit(
            'cleanup-error',
            `cleanup of ${entry.fault.type} fault ${entry.fault.id} failed`,
            { ...this.#fieldsOf(entry.fault), details: describeError(error) },
          );
        } catch {
          // fail open
        }
      }
    }
  }
}

async function callMarkingFailure<Result>(next: () => Promise<Result>): Promise<Result> {
  try {
    return await next();
  } catch (error) {
    throw new HandlerFailure(error);
  }
}
