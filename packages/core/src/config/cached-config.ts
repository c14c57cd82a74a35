import type { Clock, RandomSource, Sleep } from '../engine/ports.js';
import { systemClock, systemRandom } from '../engine/ports.js';
import { describeError } from '../errors/describe-error.js';
import { isFaultlineError } from '../errors/faultline-error.js';
import type { EventSink, FaultlineEvent } from '../events/events.js';
import { isoTime } from '../events/iso-time.js';
import { type CachedConfigOptions, checkCachedConfigOptions } from './cache-options.js';
import {
  ConfigDocumentError,
  ConfigFetchTimeoutError,
  ConfigTooLargeError,
  InvalidConfigOptionError,
} from './config-errors.js';
import type { ConfigLoadRequest, ConfigLoadResult, ConfigSource } from './config-source.js';
import { readAborted } from './read-request.js';

/**
 * One cached config state. The same object is returned until something changes, so callers may compare by identity.
 *
 * @example
 * ```ts
 * let lastSeen: CachedValue<Experiment> | undefined;
 * const cached = config.peek();
 * if (cached !== lastSeen) {
 *   lastSeen = cached; // recompile only when the config actually changed
 * }
 * ```
 */
export interface CachedValue<T> {
  /** The parsed config, or `undefined` when none is in force (missing, failed first load, stale, …). */
  readonly value: T | undefined;
  /** Store version of `value` (SSM version, ETag, mtime+size, content hash). */
  readonly version: string | undefined;
  /** When this state was established (injected clock, epoch ms). */
  readonly loadedAtMs: number;
}

/**
 * A config source behind a cache that never throws and never makes a caller wait more than the fetch budget.
 *
 * @example
 * ```ts
 * import { type CachedConfig, createCachedConfig, createFileSource } from '@faultline/core';
 *
 * const config: CachedConfig<object> = createCachedConfig(createFileSource('faultline.json'), {
 *   parse: (document) => document as object,
 * });
 * const experiment = (config.peek() ?? (await config.get()))?.value; // undefined ⇒ no faults
 * ```
 */
export interface CachedConfig<T> {
  /**
   * The current state, synchronously. Starts a background refresh when one is due and never waits for it.
   * `undefined` only before the first load finished. Allocation-free when nothing is due; never throws.
   */
  peek(): CachedValue<T> | undefined;
  /** Like {@link peek}, but waits for the first load (bounded by `fetchBudgetMs`). Never rejects. */
  get(): Promise<CachedValue<T> | undefined>;
  /** Reads the store now (joining a read already in flight), bounded by `fetchBudgetMs`. Never rejects. */
  refresh(): Promise<void>;
  /** Stops push updates and timers. Later calls to `peek`/`get` return the last state without reading the store. */
  close(): void;
}

/**
 * Everything {@link createCachedConfig} needs besides the source.
 *
 * @example
 * ```ts
 * import { type CreateCachedConfigOptions, validateExperiment } from '@faultline/core';
 * import { createFakeClock } from '@faultline/core/testing';
 *
 * const options: CreateCachedConfigOptions<unknown> = {
 *   ttlMs: 5_000,
 *   parse: (document) => {
 *     const result = validateExperiment(document);
 *     if (!result.ok) throw new Error('invalid experiment');
 *     return result.experiment;
 *   },
 *   clock: createFakeClock(),
 * };
 * ```
 */
export type CreateCachedConfigOptions<T> = CachedConfigOptions & {
  /**
   * Turns a document into the value to cache. May throw (or reject): that counts as a config error and the last
   * good value stays in force.
   */
  parse: (document: string | object, version: string) => T | Promise<T>;
  /** Receives `config-load`, `config-missing` and `config-error` events. */
  onEvent?: EventSink;
  clock?: Clock;
  random?: RandomSource;
  /** Used for the fetch budget, the refresh timer and the resubscribe backoff. Defaults to unref'd timers. */
  sleep?: Sleep;
};

/**
 * Wraps a {@link ConfigSource} with everything a per-invocation reader needs: TTL with jitter, single-flight, a
 * fetch budget, stale-while-revalidate, negative caching with exponential backoff, a max stale age, a size cap on
 * text documents, push updates when the source supports them, and exactly one event per condition.
 *
 * @example
 * ```ts
 * import { createCachedConfig, createFileSource } from '@faultline/core';
 *
 * const config = createCachedConfig(createFileSource('./faultline.json'), {
 *   ttlMs: 10_000,
 *   parse: (document) => document as { faults: unknown[] },
 *   onEvent: (event) => console.log(JSON.stringify(event)),
 * });
 *
 * await config.get(); // first load, at most fetchBudgetMs
 * const current = config.peek(); // later: sync, never waits, refreshes in the background
 * console.log(current?.version, current?.value);
 * config.close();
 * ```
 */
export function createCachedConfig<T>(
  source: ConfigSource,
  options: CreateCachedConfigOptions<T>,
): CachedConfig<T> {
  return new CachedConfigState<T>(source, options);
}

/**
 * The request a source's `load` gets: its signal is made only when the source reads it, so the sources that never
 * wait on anything (inline, environment: they check {@link readAborted} instead) cost a cold instance's first read no
 * `AbortController`. An abort before the signal exists is remembered and applies when it is made.
 */
class ReadRequest implements ConfigLoadRequest {
  private controller: AbortController | undefined;
  private abortedWith: { readonly reason: unknown } | undefined;

  constructor(readonly previousVersion: string | undefined) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortedWith !== undefined) this.controller.abort(this.abortedWith.reason);
    }
    return this.controller.signal;
  }

  get [readAborted](): boolean {
    return this.abortedWith !== undefined;
  }

  abort(reason?: unknown): void {
    if (this.abortedWith !== undefined) return;
    this.abortedWith = { reason };
    this.controller?.abort(reason);
  }
}

/**
 * A wait that can be cancelled: `done` resolves when `durationMs` has passed, or at once on `cancel()` (never
 * rejects). `cancelled` tells the two apart.
 */
interface Wait {
  readonly done: Promise<void>;
  readonly cancelled: boolean;
  cancel(): void;
}

/** The longest delay Node's timers take; a longer one would fire at once. */
const maxTimerDelayMs = 2 ** 31 - 1;

/**
 * The default wait: a plain timer that never keeps the process alive, cleared on cancel. No `AbortController`: a
 * cold instance's first read runs these timers, and the first `AbortController` and abort event of a process cost
 * about a millisecond (Node loads its event target and `DOMException` on first use).
 */
class TimerWait implements Wait {
  readonly done: Promise<void>;
  cancelled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private resolve: (() => void) | undefined;

  constructor(durationMs: number) {
    this.done = new Promise<void>((resolve) => {
      if (durationMs <= 0) {
        resolve();
        return;
      }
      this.resolve = resolve;
      // Capped, as a longer delay would fire at once; a capped wait ends early and the caller looks at the clock.
      this.timer = setTimeout(resolve, Math.min(durationMs, maxTimerDelayMs));
      this.timer.unref?.();
    });
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.resolve?.();
  }
}

/** A wait on an injected {@link Sleep} (tests, fake clocks): cancelling aborts the signal it was given. */
class SleepWait implements Wait {
  readonly done: Promise<void>;
  private readonly controller = new AbortController();

  constructor(sleep: Sleep, durationMs: number) {
    let slept: Promise<void>;
    try {
      slept = Promise.resolve(sleep(durationMs, this.controller.signal));
    } catch (error) {
      slept = Promise.reject(error);
    }
    // A sleep that fails has ended: the wait is over, as a timer that fired.
    this.done = slept.then(
      () => undefined,
      () => undefined,
    );
  }

  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }

  cancel(): void {
    this.controller.abort();
  }
}

type Prepared<T> =
  | { readonly kind: 'value'; readonly value: T; readonly version: string }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'missing' };

type Settled<T> =
  | { readonly kind: 'prepared'; readonly prepared: Prepared<T> }
  | { readonly kind: 'failed'; readonly error: unknown; readonly stage: FailureStage };

type FailureStage = 'load' | 'size' | 'parse' | 'timeout' | 'subscribe';

const timedOut: unique symbol = Symbol('timed-out');

/** Carries a failure and the stage it happened in to the one place that reports it; never leaves this file. */
class StageError {
  constructor(
    readonly stage: FailureStage,
    readonly cause: unknown,
  ) {}
}

class CachedConfigState<T> implements CachedConfig<T> {
  private readonly source: ConfigSource;
  private readonly parse: CreateCachedConfigOptions<T>['parse'];
  private readonly onEvent: EventSink | undefined;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly sleep: Sleep | undefined;
  private readonly ttlMs: number;
  private readonly jitterRatio: number;
  private readonly fetchBudgetMs: number;
  private readonly maxStaleMs: number;
  private readonly errorBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxSizeBytes: number;

  private current: CachedValue<T> | undefined;
  /** The last successfully parsed config; cleared when the store says it is gone. */
  private good: { readonly value: T; readonly version: string; readonly loadedAtMs: number } | undefined;
  private nextRefreshAtMs = 0;
  private lastSuccessAtMs = 0;
  private consecutiveFailures = 0;
  private staleSwitchedOff = false;
  private inflight: Promise<void> | undefined;
  private inflightRead: ReadRequest | undefined;
  private budgetWait: Wait | undefined;
  /** Orders reads and pushes: a result is only committed when nothing newer has been committed. */
  private lastTicket = 0;
  private committedTicket = 0;
  /** Conditions already reported, so each produces one event, not one per invocation. */
  private reportedError: string | undefined;
  /** The last failure condition seen (reported or not) and when, to keep a flapping store to one event. */
  private lastCondition: string | undefined;
  private lastConditionAtMs = Number.NEGATIVE_INFINITY;
  private reportedMissing = false;
  private started = false;
  /** Whether `peek` must look at the clock; always true with an injected clock, else raised by a timer. */
  private checkDue = true;
  private readonly timerDriven: boolean;
  private checkWait: Wait | undefined;
  private resubscribeWait: Wait | undefined;
  private closed = false;
  private unsubscribe: (() => void) | undefined;
  private subscribeFailures = 0;

  constructor(source: ConfigSource, options: CreateCachedConfigOptions<T>) {
    this.source = source;
    this.parse = options.parse;
    this.onEvent = options.onEvent;
    this.clock = options.clock ?? systemClock;
    // The system clock and real timers agree, so timers can stand in for reading the clock on every peek.
    this.timerDriven = this.clock === systemClock;
    this.random = options.random ?? systemRandom;
    this.sleep = options.sleep;
    if (typeof this.parse !== 'function') {
      throw new InvalidConfigOptionError('parse', this.parse, 'a function (document, version) => value');
    }
    const checked = checkCachedConfigOptions(options);
    this.ttlMs = checked.ttlMs;
    this.jitterRatio = checked.jitterRatio;
    this.fetchBudgetMs = checked.fetchBudgetMs;
    this.maxStaleMs = checked.maxStaleMs;
    this.errorBackoffMs = checked.errorBackoffMs;
    this.maxBackoffMs = checked.maxBackoffMs;
    this.maxSizeBytes = checked.maxSizeBytes;
  }

  peek(): CachedValue<T> | undefined {
    // The per-invocation path. With the system clock, a timer raises `checkDue` when a refresh or the stale
    // deadline comes up, so a fresh cache costs one boolean test: no clock read (≈100 ns on some VMs), no
    // allocation. With an injected clock, time is checked on every call so fake clocks need no timers.
    if (!this.checkDue) return this.current;
    try {
      if (this.closed) return this.current;
      if (!this.started) this.start();
      const nowMs = this.clock.now();
      let acted = false;
      if (nowMs >= this.nextRefreshAtMs && this.inflight === undefined) {
        acted = true;
        void this.startRefresh();
      }
      if (
        this.good !== undefined &&
        !this.staleSwitchedOff &&
        nowMs - this.lastSuccessAtMs > this.maxStaleMs
      ) {
        acted = true;
        this.switchOffStale(nowMs);
      }
      // The timer fired a little early (timers and wall clock drift apart): wait for the real deadline.
      if (!acted && this.inflight === undefined) this.scheduleCheck(nowMs);
    } catch {
      // Fail open: a broken clock or source must not break the caller.
    }
    return this.current;
  }

  async get(): Promise<CachedValue<T> | undefined> {
    try {
      if (this.current !== undefined || this.closed) return this.peek();
      if (!this.started) this.start();
      await this.startRefresh();
      return this.peek();
    } catch {
      return this.current;
    }
  }

  async refresh(): Promise<void> {
    try {
      if (this.closed) return;
      if (!this.started) this.start();
      await this.startRefresh();
    } catch {
      // never rejects
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.checkWait?.cancel();
    this.budgetWait?.cancel();
    this.resubscribeWait?.cancel();
    this.inflightRead?.abort();
    this.stopSubscription();
  }

  // ---- reading -------------------------------------------------------------------------------------------------

  private startRefresh(): Promise<void> {
    if (this.inflight !== undefined) return this.inflight;
    const attempt = this.runAttempt().finally(() => {
      if (this.inflight === attempt) {
        this.inflight = undefined;
        this.inflightRead = undefined;
      }
    });
    this.inflight = attempt;
    return attempt;
  }

  /** One bounded read: load + size check + parse raced against the fetch budget. Never rejects. */
  private async runAttempt(): Promise<void> {
    const ticket = ++this.lastTicket;
    const read = new ReadRequest(this.good?.version);
    this.inflightRead = read;
    const budget = this.wait(this.fetchBudgetMs);
    this.budgetWait = budget;
    const work = this.loadAndPrepare(read);
    let outcome: Settled<T> | typeof timedOut;
    try {
      outcome = await Promise.race([work, budget.done.then((): typeof timedOut => timedOut)]);
    } catch (error) {
      outcome = { kind: 'failed', error, stage: 'load' };
    } finally {
      budget.cancel();
    }
    if (this.closed) return;
    if (outcome === timedOut) {
      read.abort(new ConfigFetchTimeoutError(this.source.name, this.fetchBudgetMs));
      this.commitFailure(
        ticket,
        new ConfigFetchTimeoutError(this.source.name, this.fetchBudgetMs),
        'timeout',
      );
      // A source that ignores the signal may still answer; use that answer if nothing newer arrived meanwhile.
      void work.then((late) => {
        if (!this.closed && late.kind === 'prepared' && this.committedTicket === ticket) {
          this.commitPrepared(ticket, late.prepared);
        }
      });
      return;
    }
    if (outcome.kind === 'failed') this.commitFailure(ticket, outcome.error, outcome.stage);
    else this.commitPrepared(ticket, outcome.prepared);
  }

  private async loadAndPrepare(request: ConfigLoadRequest): Promise<Settled<T>> {
    try {
      const result = await this.source.load(request);
      return { kind: 'prepared', prepared: await this.prepare(result) };
    } catch (error) {
      if (error instanceof StageError) return { kind: 'failed', error: error.cause, stage: error.stage };
      return { kind: 'failed', error, stage: 'load' };
    }
  }

  /** Size check and parse, without touching the cached state (the caller may have given up already). */
  private async prepare(result: ConfigLoadResult): Promise<Prepared<T>> {
    if (result === null || typeof result !== 'object') {
      throw new StageError('load', new ConfigDocumentError(`${this.source.name} returned no load result`));
    }
    if (result.kind === 'missing' || result.kind === 'unchanged') return result;
    if (result.kind !== 'document') {
      throw new StageError(
        'load',
        new ConfigDocumentError(
          `${this.source.name} returned an unknown result kind ${String((result as { kind?: unknown }).kind)}`,
        ),
      );
    }
    const { document, version } = result;
    if (this.good !== undefined && version === this.good.version) return { kind: 'unchanged' };
    if (typeof document === 'string') {
      const sizeBytes = byteLengthOver(document, this.maxSizeBytes);
      if (sizeBytes !== undefined) {
        throw new StageError('size', new ConfigTooLargeError(this.source.name, sizeBytes, this.maxSizeBytes));
      }
    } else if (document === null || typeof document !== 'object') {
      throw new StageError(
        'parse',
        new ConfigDocumentError(
          `${this.source.name} returned a ${document === null ? 'null' : typeof document} document`,
        ),
      );
    }
    try {
      return { kind: 'value', value: await this.parse(document, String(version)), version: String(version) };
    } catch (error) {
      throw new StageError('parse', error);
    }
  }

  // ---- committing ----------------------------------------------------------------------------------------------

  private commitPrepared(ticket: number, prepared: Prepared<T>): void {
    if (ticket < this.committedTicket) return;
    this.applyPrepared(ticket, prepared);
    this.scheduleCheck(this.clock.now());
  }

  private applyPrepared(ticket: number, prepared: Prepared<T>): void {
    this.committedTicket = ticket;
    const nowMs = this.clock.now();
    this.consecutiveFailures = 0;
    this.lastSuccessAtMs = nowMs;
    this.nextRefreshAtMs = nowMs + this.jittered(this.ttlMs);
    const recoveredFrom = this.reportedError;
    this.reportedError = undefined;

    if (prepared.kind === 'missing') {
      this.good = undefined;
      this.staleSwitchedOff = false;
      if (
        this.current === undefined ||
        this.current.value !== undefined ||
        this.current.version !== undefined
      ) {
        this.current = { value: undefined, version: undefined, loadedAtMs: nowMs };
      }
      if (!this.reportedMissing) {
        this.reportedMissing = true;
        this.emit(
          'config-missing',
          'warn',
          `${this.source.name} holds no experiment: no faults are injected until one is written ` +
            `(checked again every ${this.ttlMs} ms)`,
          undefined,
          { ttlMs: this.ttlMs },
        );
      }
      return;
    }

    if (prepared.kind === 'unchanged') {
      if (this.good === undefined) {
        // "Unchanged" with nothing cached is a source bug; treat it as an empty store rather than guessing.
        this.applyPrepared(ticket, { kind: 'missing' });
        return;
      }
      if (this.staleSwitchedOff) {
        this.staleSwitchedOff = false;
        this.current = { value: this.good.value, version: this.good.version, loadedAtMs: nowMs };
        this.emit(
          'config-load',
          'info',
          `${this.source.name} is reachable again: config version ${this.good.version} is back in force`,
          this.good.version,
          recoveredFrom === undefined ? undefined : { recoveredFrom },
        );
      }
      return;
    }

    const previousVersion = this.good?.version;
    this.good = { value: prepared.value, version: prepared.version, loadedAtMs: nowMs };
    this.staleSwitchedOff = false;
    this.reportedMissing = false;
    this.current = { value: prepared.value, version: prepared.version, loadedAtMs: nowMs };
    const details: Record<string, unknown> = { ttlMs: this.ttlMs };
    if (previousVersion !== undefined) details.previousVersion = previousVersion;
    if (recoveredFrom !== undefined) details.recoveredFrom = recoveredFrom;
    this.emit(
      'config-load',
      'info',
      `Loaded config version ${prepared.version} from ${this.source.name}`,
      prepared.version,
      details,
    );
  }

  private commitFailure(ticket: number, error: unknown, stage: FailureStage): void {
    if (ticket < this.committedTicket) return;
    this.applyFailure(ticket, error, stage);
    this.scheduleCheck(this.clock.now());
  }

  private applyFailure(ticket: number, error: unknown, stage: FailureStage): void {
    this.committedTicket = ticket;
    const nowMs = this.clock.now();
    this.consecutiveFailures += 1;
    const backoffMs = Math.min(this.errorBackoffMs * 2 ** (this.consecutiveFailures - 1), this.maxBackoffMs);
    const retryInMs = Math.round(this.jittered(backoffMs));
    this.nextRefreshAtMs = nowMs + retryInMs;
    if (this.current === undefined)
      this.current = { value: undefined, version: undefined, loadedAtMs: nowMs };
    this.reportError(error, stage, retryInMs, nowMs);
  }

  private reportError(error: unknown, stage: FailureStage, retryInMs: number, nowMs: number): void {
    // Whole messages: an invalid experiment's issues are listed (redacted) in them.
    const described = describeError(error, Number.POSITIVE_INFINITY);
    // What tells one failure from another: the service's answer, a system code (`ECONNREFUSED`), else the code.
    const code = described.serviceCode ?? described.errorCode;
    const condition = `${stage}:${described.errorName}:${code ?? ''}`;
    const flapping = condition === this.lastCondition && nowMs - this.lastConditionAtMs < this.maxBackoffMs;
    this.lastCondition = condition;
    this.lastConditionAtMs = nowMs;
    if (condition === this.reportedError) return;
    this.reportedError = condition;
    // The same failure coming back soon after a recovery is one flapping condition, already reported.
    if (flapping) return;
    const what = describeStage(stage, this.source.name);
    // A faultline error's message says what went wrong already; other codes are worth the prefix.
    const prefix = described.serviceCode ?? (isFaultlineError(error) ? undefined : described.errorCode);
    const detail = prefix !== undefined ? `${prefix}: ${described.errorMessage}` : described.errorMessage;
    let next: string;
    if (this.good !== undefined && !this.staleSwitchedOff) {
      const staleInMs = Math.max(0, this.maxStaleMs - (nowMs - this.lastSuccessAtMs));
      next =
        `Keeping config version ${this.good.version}; retrying in ${retryInMs} ms ` +
        `(backoff up to ${this.maxBackoffMs} ms); faults switch off in ${staleInMs} ms if no read succeeds.`;
    } else {
      next =
        `No config is in force, so no faults are injected; retrying in ${retryInMs} ms ` +
        `(backoff up to ${this.maxBackoffMs} ms).`;
    }
    this.emit('config-error', 'error', `${what} (${detail}). ${next}`, this.good?.version, {
      stage,
      errorName: described.errorName,
      ...(described.errorCode !== undefined ? { errorCode: described.errorCode } : {}),
      ...(described.serviceCode !== undefined ? { serviceCode: described.serviceCode } : {}),
      retryInMs,
      keptVersion: this.staleSwitchedOff ? undefined : this.good?.version,
    });
  }

  /** Timer mode: sleep until the next refresh or stale deadline, then make `peek` look at the clock again. */
  private scheduleCheck(nowMs: number): void {
    if (!this.timerDriven || this.closed) return;
    this.checkWait?.cancel();
    let checkAtMs = this.nextRefreshAtMs;
    if (this.good !== undefined && !this.staleSwitchedOff) {
      checkAtMs = Math.min(checkAtMs, this.lastSuccessAtMs + this.maxStaleMs + 1);
    }
    this.checkDue = false;
    const wait = this.wait(Math.max(0, checkAtMs - nowMs));
    this.checkWait = wait;
    void wait.done.then(() => {
      if (!wait.cancelled) this.checkDue = true;
    });
  }

  private switchOffStale(nowMs: number): void {
    if (this.good === undefined) return;
    this.staleSwitchedOff = true;
    this.current = { value: undefined, version: this.good.version, loadedAtMs: nowMs };
    this.emit(
      'config-error',
      'error',
      `${this.source.name} has not been read successfully for ${nowMs - this.lastSuccessAtMs} ms ` +
        `(maxStaleMs ${this.maxStaleMs}): config version ${this.good.version} is switched off and no faults are ` +
        'injected until a read succeeds',
      this.good.version,
      { stage: 'stale', maxStaleMs: this.maxStaleMs },
    );
    this.scheduleCheck(nowMs);
  }

  // ---- push updates --------------------------------------------------------------------------------------------

  private start(): void {
    this.started = true;
    if (typeof this.source.subscribe === 'function') this.subscribe();
  }

  private subscribe(): void {
    if (this.closed || typeof this.source.subscribe !== 'function') return;
    let failed = false;
    const onError = (error: unknown) => {
      if (failed || this.closed) return;
      failed = true;
      this.stopSubscription();
      this.subscribeFailures += 1;
      const retryInMs = Math.round(
        this.jittered(Math.min(this.errorBackoffMs * 2 ** (this.subscribeFailures - 1), this.maxBackoffMs)),
      );
      this.reportError(error, 'subscribe', retryInMs, this.clock.now());
      const wait = this.wait(retryInMs);
      this.resubscribeWait = wait;
      void wait.done.then(() => {
        if (!wait.cancelled) this.subscribe();
      });
    };
    const onResult = (result: ConfigLoadResult) => {
      if (failed || this.closed) return;
      this.subscribeFailures = 0;
      const ticket = ++this.lastTicket;
      this.prepare(result).then(
        (prepared) => {
          if (!this.closed) this.commitPrepared(ticket, prepared);
        },
        (error: unknown) => {
          if (this.closed) return;
          if (error instanceof StageError) this.commitFailure(ticket, error.cause, error.stage);
          else this.commitFailure(ticket, error, 'load');
        },
      );
    };
    try {
      const unsubscribe = this.source.subscribe(onResult, onError);
      if (failed) {
        safeCall(unsubscribe);
      } else {
        this.unsubscribe = unsubscribe;
      }
    } catch (error) {
      onError(error);
    }
  }

  private stopSubscription(): void {
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    if (unsubscribe !== undefined) safeCall(unsubscribe);
  }

  // ---- helpers -------------------------------------------------------------------------------------------------

  private wait(durationMs: number): Wait {
    return this.sleep === undefined ? new TimerWait(durationMs) : new SleepWait(this.sleep, durationMs);
  }

  private jittered(durationMs: number): number {
    if (this.jitterRatio === 0) return durationMs;
    return Math.max(0, durationMs * (1 + this.jitterRatio * (2 * this.random() - 1)));
  }

  private emit(
    type: FaultlineEvent['type'],
    level: FaultlineEvent['level'],
    message: string,
    configVersion: string | undefined,
    details: Record<string, unknown> | undefined,
  ): void {
    const sink = this.onEvent;
    if (sink === undefined) return;
    try {
      const event: FaultlineEvent = {
        source: 'faultline',
        type,
        level,
        time: isoTime(this.clock.now()),
        message,
        configSource: this.source.name,
        ...(configVersion !== undefined ? { configVersion } : {}),
        ...(details !== undefined ? { details } : {}),
      };
      sink(event);
    } catch {
      // A throwing sink must not break config handling.
    }
  }
}

function describeStage(stage: FailureStage, sourceName: string): string {
  switch (stage) {
    case 'timeout':
      return `Reading ${sourceName} timed out`;
    case 'size':
      return `The document in ${sourceName} is too large`;
    case 'parse':
      return `The document in ${sourceName} is not a valid config`;
    case 'subscribe':
      return `Watching ${sourceName} for changes failed`;
    default:
      return `Reading ${sourceName} failed`;
  }
}

/** UTF-8 size of `text` when it exceeds `maxSizeBytes`, else `undefined` (cheap when clearly under). */
function byteLengthOver(text: string, maxSizeBytes: number): number | undefined {
  // A UTF-16 code unit encodes to at most 3 UTF-8 bytes, so short strings skip the exact count.
  if (text.length * 3 <= maxSizeBytes) return undefined;
  const sizeBytes = Buffer.byteLength(text, 'utf8');
  return sizeBytes > maxSizeBytes ? sizeBytes : undefined;
}

function safeCall(callback: () => void): void {
  try {
    callback();
  } catch {
    // Unsubscribing is best effort.
  }
}
