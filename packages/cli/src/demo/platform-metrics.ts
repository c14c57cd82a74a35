/**
 * The demo's stand-in for each cloud's front door (API Gateway, Cloud Run's ingress, App Service's front end): a
 * loopback proxy in front of a demo app that counts every request it passes on — status and latency — and
 * publishes them the way the cloud does, to moto's CloudWatch, the local Cloud Monitoring server or the local Azure
 * Monitor server. With steady "user" traffic through it, `faultline run` can judge an experiment from metrics
 * alone (experiments/pricing-latency-metrics.yaml). Dev-only.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the front door passed on. */
export interface FrontDoorSample {
  readonly atEpochMs: number;
  readonly statusCode: number;
  readonly durationMs: number;
}

/** A running front door. */
export interface FrontDoor {
  /** Where users send their requests (instead of the app's own URL). */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts a proxy on 127.0.0.1 that forwards every request to `targetUrl` and reports each answered request to
 * `record` (a request the app never answered counts as a 502).
 *
 * @example
 * ```ts
 * const front = await startFrontDoor(demo.url, (sample) => publisher.record(sample));
 * await fetch(`${front.url}/orders/o-1001`);
 * ```
 */
export async function startFrontDoor(
  targetUrl: string,
  record: (sample: FrontDoorSample) => void,
): Promise<FrontDoor> {
  const target = new URL(targetUrl);
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const startedMs = performance.now();
    const atEpochMs = Date.now();
    const finish = (statusCode: number) =>
      record({ atEpochMs, statusCode, durationMs: performance.now() - startedMs });
    const forwarded = httpRequest(
      {
        hostname: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: target.host },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
        answer.on('end', () => finish(answer.statusCode ?? 502));
      },
    );
    forwarded.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502).end();
      finish(502);
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The per-second numbers the clouds publish for a front door. */
export interface SecondOfTraffic {
  readonly startEpochMs: number;
  readonly requests: number;
  readonly errors: number;
  readonly maxDurationMs: number;
}

/**
 * Groups samples into whole seconds and hands each second to `publish` once it is over (every `flushMs`), like a
 * cloud's metrics pipeline publishing one data point per period.
 */
export function createSecondAggregator(
  publish: (second: SecondOfTraffic) => Promise<void> | void,
  options: { readonly flushMs?: number; readonly onError?: (error: unknown) => void } = {},
) {
  const seconds = new Map<number, { requests: number; errors: number; maxDurationMs: number }>();
  const flush = async (all: boolean) => {
    const currentSecond = Math.floor(Date.now() / 1000) * 1000;
    for (const [startEpochMs, second] of [...seconds.entries()].sort(([a], [b]) => a - b)) {
      if (!all && startEpochMs >= currentSecond) continue;
      seconds.delete(startEpochMs);
      try {
        await publish({ startEpochMs, ...second });
      } catch (error) {
        options.onError?.(error);
      }
    }
  };
  let flushing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    flushing = flushing.then(() => flush(false));
  }, options.flushMs ?? 250);
  return {
    record(sample: FrontDoorSample): void {
      const key = Math.floor(sample.atEpochMs / 1000) * 1000;
      const second = seconds.get(key) ?? { requests: 0, errors: 0, maxDurationMs: 0 };
      second.requests += 1;
      if (sample.statusCode >= 500) second.errors += 1;
      second.maxDurationMs = Math.max(second.maxDurationMs, sample.durationMs);
      seconds.set(key, second);
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await flushing;
      await flush(true);
    },
  };
}

/**
 * Steady "users" of a front door: `ratePerSecond` GET requests to `url` until stopped, at most `concurrency` in
 * flight (the rest are skipped, like the run's own load).
 */
export function startUsers(
  url: string,
  options: { readonly ratePerSecond: number; readonly concurrency: number },
) {
  let inFlight = 0;
  const timer = setInterval(() => {
    if (inFlight >= options.concurrency) return;
    inFlight += 1;
    fetch(url, { signal: AbortSignal.timeout(5000) })
      .then((response) => response.arrayBuffer())
      .catch(() => {})
      .finally(() => {
        inFlight -= 1;
      });
  }, 1000 / options.ratePerSecond);
  return {
    stop(): void {
      clearInterval(timer);
    },
  };
}

/** A demo app behind its front door, with steady users, publishing one data point per second. */
export interface MeteredTraffic {
  /** Requests the users sent through the front door so far. */
  readonly published: () => number;
  stop(): Promise<void>;
}

/**
 * Puts a front door before `appUrl`, sends `ratePerSecond` users' requests for `path` through it, and publishes
 * every whole second of traffic with `publish`.
 *
 * @example
 * ```ts
 * const traffic = await startMeteredTraffic(demo.url, '/orders/o-1001', (second) => putToCloudWatch(second));
 * // … run an experiment judged by the published metrics …
 * await traffic.stop();
 * ```
 */
export async function startMeteredTraffic(
  appUrl: string,
  path: string,
  publish: (second: SecondOfTraffic) => Promise<void> | void,
  options: { readonly ratePerSecond?: number; readonly onError?: (error: unknown) => void } = {},
): Promise<MeteredTraffic> {
  // Not measured, like the run's own warm-up: first requests pay for connections and cold starts.
  for (let attempt = 0; attempt < 3; attempt++) {
    await fetch(`${appUrl}${path}`, { signal: AbortSignal.timeout(5000) })
      .then((response) => response.arrayBuffer())
      .catch(() => {});
  }
  let published = 0;
  const aggregator = createSecondAggregator(
    async (second) => {
      await publish(second);
      published += second.requests;
    },
    options.onError === undefined ? {} : { onError: options.onError },
  );
  const front = await startFrontDoor(appUrl, (sample) => aggregator.record(sample));
  const users = startUsers(`${front.url}${path}`, {
    ratePerSecond: options.ratePerSecond ?? 10,
    concurrency: 6,
  });
  return {
    published: () => published,
    async stop() {
      users.stop();
      await front.stop();
      await aggregator.stop();
    },
  };
}
