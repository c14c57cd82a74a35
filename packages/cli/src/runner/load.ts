import { randomBytes } from 'node:crypto';
import { injectedFaultsHeader, runTokenHeader } from '@faultline/core';
import type { Sample } from './metrics.js';

/**
 * The request header carrying each probe request's own id (`<generator>-<sequence>`, unique within a run). A fault
 * with `sampleBy: http.header.x-faultline-probe-id` is sampled per probe request, and `faultline run` then knows
 * exactly which requests must be injected (see injection-counts.ts).
 */
export const probeIdHeader = 'x-faultline-probe-id';

/** The request a probe sends. */
export interface ProbeRequest {
  readonly url: string;
  readonly method: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  /** Statuses counted as success; default: 2xx and 3xx. */
  readonly expectStatus?: readonly number[];
  /**
   * The run token of the experiment the run pushed: sent as `x-faultline-run-token`, so the functions name the
   * faults they injected in `x-faultline-injected`, which the sample records.
   */
  readonly runToken?: string;
}

/**
 * Sends one probe request and measures it. Never throws: failures become samples with `ok: false`.
 *
 * @example
 * ```ts
 * const sample = await sendProbe({ url: 'http://127.0.0.1:3000/healthz', method: 'GET', timeoutMs: 1000 }, () => 0);
 * ```
 */
export async function sendProbe(
  probe: ProbeRequest,
  elapsedMs: () => number,
  probeId?: string,
): Promise<Sample> {
  const atMs = elapsedMs();
  const startedAt = performance.now();
  const identified = probeId === undefined ? {} : { probeId };
  try {
    const headers = {
      ...probe.headers,
      ...(probe.runToken === undefined ? {} : { [runTokenHeader]: probe.runToken }),
      ...(probeId === undefined ? {} : { [probeIdHeader]: probeId }),
    };
    const response = await fetch(probe.url, {
      method: probe.method,
      headers,
      ...(probe.body === undefined ? {} : { body: probe.body }),
      signal: AbortSignal.timeout(probe.timeoutMs),
    });
    // Read the body so the latency covers the whole answer and the connection is reusable.
    await response.arrayBuffer();
    const latencyMs = performance.now() - startedAt;
    const ok =
      probe.expectStatus === undefined
        ? response.status >= 200 && response.status < 400
        : probe.expectStatus.includes(response.status);
    const injected = parseInjectedFaults(response.headers.get(injectedFaultsHeader));
    const marked = injected === undefined ? {} : { injected };
    return ok
      ? { atMs, latencyMs, ok, status: response.status, ...identified, ...marked }
      : {
          atMs,
          latencyMs,
          ok,
          status: response.status,
          error: `HTTP ${response.status}`,
          ...identified,
          ...marked,
        };
  } catch (error) {
    const latencyMs = performance.now() - startedAt;
    const name = (error as Error).name;
    return {
      atMs,
      latencyMs,
      ok: false,
      error: name === 'TimeoutError' ? 'timeout' : ((error as Error).message ?? name),
      ...identified,
    };
  }
}

/** The fault ids of an `x-faultline-injected` header; `undefined` without one. */
function parseInjectedFaults(value: string | null): string[] | undefined {
  if (value === null) return undefined;
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  return ids.length === 0 ? undefined : ids;
}

/** A running load generator. */
export interface LoadGenerator {
  /** Every sample so far, in completion order. */
  readonly samples: readonly Sample[];
  /** Requests skipped because `concurrency` requests were already in flight (the target is saturated). */
  readonly skipped: number;
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<void>;
}

/** Options of {@link startLoad}. */
export interface LoadOptions {
  readonly probe: ProbeRequest;
  readonly ratePerSecond: number;
  readonly concurrency: number;
  /** Milliseconds since the run started. */
  readonly elapsedMs: () => number;
  readonly onSample?: (sample: Sample) => void;
}

/**
 * Sends requests at a fixed rate (open model: a slow target does not slow the sender down) with at most
 * `concurrency` in flight, until stopped. Every request carries its own id ({@link probeIdHeader}): a random
 * prefix per generator and a sequence number in send order.
 *
 * @example
 * ```ts
 * const load = startLoad({ probe, ratePerSecond: 20, concurrency: 8, elapsedMs: () => Date.now() - start });
 * await sleep(5000);
 * await load.stop();
 * ```
 */
export function startLoad(options: LoadOptions): LoadGenerator {
  const samples: Sample[] = [];
  const inFlight = new Set<Promise<void>>();
  const intervalMs = 1000 / options.ratePerSecond;
  let skipped = 0;
  let stopped = false;
  const idPrefix = randomBytes(4).toString('hex');
  let sequence = 0;
  let next = performance.now();
  let timer: NodeJS.Timeout | undefined;

  function tick(): void {
    if (stopped) return;
    const now = performance.now();
    // Catch up on missed ticks (timers are coarse), but never burst more than a second's worth.
    let due = Math.min(Math.floor((now - next) / intervalMs) + 1, Math.ceil(options.ratePerSecond));
    while (due-- > 0) {
      next += intervalMs;
      if (inFlight.size >= options.concurrency) {
        skipped++;
        continue;
      }
      sequence++;
      const request = sendProbe(options.probe, options.elapsedMs, `${idPrefix}-${sequence}`).then(
        (sample) => {
          samples.push(sample);
          options.onSample?.(sample);
          inFlight.delete(request);
        },
      );
      inFlight.add(request);
    }
    if (next < now - 1000) next = now;
    timer = setTimeout(tick, Math.max(1, next - performance.now()));
  }
  tick();

  return {
    samples,
    get skipped() {
      return skipped;
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await Promise.all(inFlight);
    },
  };
}
