import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { FaultlineError } from '@faultline/core';
import { createSelfSignedCertificate } from './app-configuration-server.js';

/** One request the server answered, for contract assertions. */
export interface AzureMonitorRequestRecord {
  readonly method: string;
  /** Path without the query, e.g. `/subscriptions/sub-1/metrics:getBatch`. */
  readonly path: string;
  /** Every query parameter as sent. */
  readonly query: Readonly<Record<string, string>>;
  /** The `Authorization` header as sent. */
  readonly authorization: string | undefined;
  /** `resourceids` of the body. */
  readonly resourceIds: readonly string[];
  readonly status: number;
}

/** Options for {@link startAzureMonitorServer}. */
export interface StartAzureMonitorServerOptions {
  /** The bearer token every request must carry. Default: a fixed test token. */
  readonly token?: string;
  /** Region reported for every resource. Default `westeurope`. */
  readonly region?: string;
}

/** Options of {@link AzureMonitorServer.publish}. */
export interface AzurePublishOptions {
  /** Default: now. */
  readonly timestamp?: number;
  /** Default: the resource type of the resource id (`Microsoft.Web/sites`). */
  readonly namespace?: string;
  /** Dimension values of this sample, e.g. `{ Instance: 'a' }`: one time series per combination. */
  readonly dimensions?: Readonly<Record<string, string>>;
  /** Default `Count`. */
  readonly unit?: string;
}

/** A running local Azure Monitor metrics (data plane) server. */
export interface AzureMonitorServer {
  /** e.g. `https://127.0.0.1:51234`: the metrics client's endpoint. */
  readonly endpoint: string;
  /** PEM of the self-signed certificate (client option `tlsOptions: { ca }`, or a probe's `caFile`). */
  readonly ca: string;
  readonly token: string;
  readonly requests: readonly AzureMonitorRequestRecord[];
  /** Records one sample of a metric of a resource (aggregated per interval when queried). */
  publish(resourceId: string, metric: string, value: number, options?: AzurePublishOptions): void;
  /** Answers every metrics request with this HTTP status and error code from now on (`undefined`: normal again). */
  failWith(failure: { readonly status: number; readonly code: string } | undefined): void;
  clearRequests(): void;
  stop(): Promise<void>;
}

interface Sample {
  readonly timestamp: number;
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

const aggregations = ['total', 'average', 'maximum', 'minimum', 'count'] as const;

/**
 * Starts a local HTTPS server that speaks the Azure Monitor metrics batch API as `@azure/monitor-query-metrics`
 * calls it: `POST /subscriptions/{id}/metrics:getBatch?api-version=…&starttime&endtime&interval&metricnamespace
 * &metricnames&aggregation[&filter]` with `{"resourceids": […]}`, authenticated by `Authorization: Bearer <token>`
 * (401 otherwise). Samples published with {@link AzureMonitorServer.publish} are aggregated per interval
 * (`PT1S`…`P1D`), one time series per dimension combination when the filter asks for a dimension (`Instance eq
 * '*'`), otherwise all added together; intervals without samples are left out.
 *
 * @example
 * ```ts
 * const server = await startAzureMonitorServer();
 * server.publish('/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/orders', 'Requests', 10);
 * ```
 */
export async function startAzureMonitorServer(
  options: StartAzureMonitorServerOptions = {},
): Promise<AzureMonitorServer> {
  const token = options.token ?? 'faultline-test-token';
  const region = options.region ?? 'westeurope';
  const { certificate, privateKey } = await createSelfSignedCertificate();
  const samples = new Map<string, Sample[]>();
  const units = new Map<string, string>();
  const requests: AzureMonitorRequestRecord[] = [];
  let failure: { status: number; code: string } | undefined;
  const keyOf = (resourceId: string, namespace: string, metric: string) =>
    `${resourceId.toLowerCase()}|${namespace.toLowerCase()}|${metric.toLowerCase()}`;

  const server = createServer({ key: privateKey, cert: certificate }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      send(response, 500, { error: { code: 'InternalServerError', message: String(error) } });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'https://127.0.0.1');
    const query = Object.fromEntries(url.searchParams.entries());
    const body = await readBody(request);
    let resourceIds: string[] = [];
    try {
      const parsed = JSON.parse(body === '' ? '{}' : body) as { resourceids?: unknown };
      if (Array.isArray(parsed.resourceids)) resourceIds = parsed.resourceids.map(String);
    } catch {
      // Reported below as a bad request.
    }
    const answer = (status: number, payload: unknown) => {
      requests.push({
        method: request.method ?? 'GET',
        path: url.pathname,
        query,
        authorization: request.headers.authorization,
        resourceIds,
        status,
      });
      send(response, status, payload);
    };
    if (request.headers.authorization !== `Bearer ${token}`) {
      answer(401, {
        error: { code: 'InvalidAuthenticationToken', message: 'missing or wrong bearer token' },
      });
      return;
    }
    const match = /^\/subscriptions\/([^/]+)\/metrics:getBatch$/.exec(url.pathname);
    if (request.method !== 'POST' || match === null) {
      answer(404, { error: { code: 'NotFound', message: `no route for ${request.method} ${url.pathname}` } });
      return;
    }
    if (failure !== undefined) {
      answer(failure.status, { error: { code: failure.code, message: `test failure ${failure.code}` } });
      return;
    }
    const required = ['api-version', 'starttime', 'endtime', 'interval', 'metricnamespace', 'metricnames'];
    const missing = required.filter((name) => query[name] === undefined);
    const intervalMs = parseDuration(query.interval ?? '');
    const startMs = Date.parse(query.starttime ?? '');
    const endMs = Date.parse(query.endtime ?? '');
    if (missing.length > 0 || resourceIds.length === 0 || intervalMs === undefined || !(startMs < endMs)) {
      answer(400, {
        error: {
          code: 'BadRequest',
          message: `missing or invalid: ${[...missing, ...(resourceIds.length === 0 ? ['resourceids'] : [])].join(', ') || 'interval or time range'}`,
        },
      });
      return;
    }
    const namespace = query.metricnamespace as string;
    const names = (query.metricnames as string).split(',');
    const requested = (query.aggregation ?? 'average')
      .split(',')
      .map((entry) => entry.trim().toLowerCase())
      .filter((entry): entry is (typeof aggregations)[number] =>
        (aggregations as readonly string[]).includes(entry),
      );
    const splitBy = dimensionsAskedFor(query.filter);
    const values = resourceIds.map((resourceId) => ({
      starttime: new Date(startMs).toISOString(),
      endtime: new Date(endMs).toISOString(),
      interval: query.interval,
      namespace,
      resourceregion: region,
      resourceid: resourceId,
      value: names.map((name) => {
        const key = keyOf(resourceId, namespace, name);
        const known = samples.get(key);
        if (known === undefined) {
          return {
            id: `${resourceId}/providers/Microsoft.Insights/metrics/${name}`,
            type: 'Microsoft.Insights/metrics',
            name: { value: name, localizedValue: name },
            unit: 'Unspecified',
            timeseries: [],
            errorCode: 'Success',
          };
        }
        const inRange = known.filter((sample) => sample.timestamp >= startMs && sample.timestamp < endMs);
        const series = new Map<string, Sample[]>();
        for (const sample of inRange) {
          if (!matchesFilter(sample, query.filter)) continue;
          const seriesKey = splitBy.map((dimension) => sample.dimensions[dimension] ?? '').join('|');
          series.set(seriesKey, [...(series.get(seriesKey) ?? []), sample]);
        }
        return {
          id: `${resourceId}/providers/Microsoft.Insights/metrics/${name}`,
          type: 'Microsoft.Insights/metrics',
          name: { value: name, localizedValue: name },
          displayDescription: '',
          unit: units.get(key) ?? 'Count',
          errorCode: 'Success',
          timeseries: [...series.values()].map((list) => ({
            metadatavalues: splitBy.map((dimension) => ({
              name: { value: dimension, localizedValue: dimension },
              value: list[0]?.dimensions[dimension] ?? '',
            })),
            data: aggregate(list, startMs, intervalMs, requested),
          })),
        };
      }),
    }));
    answer(200, { values });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `https://127.0.0.1:${port}`,
    ca: certificate,
    token,
    requests,
    publish(resourceId, metric, value, publishOptions = {}) {
      const namespace = publishOptions.namespace ?? resourceTypeOf(resourceId);
      const key = keyOf(resourceId, namespace, metric);
      const list = samples.get(key) ?? [];
      list.push({
        timestamp: publishOptions.timestamp ?? Date.now(),
        value,
        dimensions: publishOptions.dimensions ?? {},
      });
      samples.set(key, list);
      if (publishOptions.unit !== undefined) units.set(key, publishOptions.unit);
    },
    failWith(next) {
      failure = next === undefined ? undefined : { ...next };
    },
    clearRequests() {
      requests.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The resource type of `/subscriptions/…/providers/Microsoft.Web/sites/NAME`: `Microsoft.Web/sites`. */
function resourceTypeOf(resourceId: string): string {
  const match = /\/providers\/([^/]+)\/([^/]+)\/[^/]+/i.exec(resourceId);
  return match === null ? 'Unknown' : `${match[1]}/${match[2]}`;
}

/** `PT1M` → 60 000; `PT1H`, `PT5S`, `P1D`; `undefined` for anything else. */
function parseDuration(text: string): number | undefined {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text);
  if (match === null || text === 'P' || text === 'PT') return undefined;
  const [, days, hours, minutes, seconds] = match;
  const ms =
    (Number(days ?? 0) * 86_400 +
      Number(hours ?? 0) * 3600 +
      Number(minutes ?? 0) * 60 +
      Number(seconds ?? 0)) *
    1000;
  return ms > 0 ? ms : undefined;
}

/** Dimensions a filter splits by (`Instance eq '*'`). */
function dimensionsAskedFor(filter: string | undefined): string[] {
  if (filter === undefined) return [];
  return [...filter.matchAll(/(\w+)\s+eq\s+'\*'/gi)].map((match) => match[1] as string);
}

/** `Name eq 'value'` clauses joined by `and` (the subset the tests use); `*` matches any value. */
function matchesFilter(sample: Sample, filter: string | undefined): boolean {
  if (filter === undefined) return true;
  for (const clause of filter.split(/\s+and\s+/i)) {
    const match = /^\s*(\w+)\s+eq\s+'([^']*)'\s*$/i.exec(clause);
    if (match === null) continue;
    const [, name, value] = match;
    if (value !== '*' && sample.dimensions[name as string] !== value) return false;
  }
  return true;
}

function aggregate(
  list: readonly Sample[],
  startMs: number,
  intervalMs: number,
  requested: readonly (typeof aggregations)[number][],
): Record<string, unknown>[] {
  const buckets = new Map<number, number[]>();
  for (const sample of list) {
    const bucket = startMs + Math.floor((sample.timestamp - startMs) / intervalMs) * intervalMs;
    buckets.set(bucket, [...(buckets.get(bucket) ?? []), sample.value]);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([bucket, values]) => {
      const entry: Record<string, unknown> = { timeStamp: new Date(bucket).toISOString() };
      const total = values.reduce((sum, value) => sum + value, 0);
      for (const name of requested) {
        entry[name] =
          name === 'total'
            ? total
            : name === 'average'
              ? total / values.length
              : name === 'maximum'
                ? Math.max(...values)
                : name === 'minimum'
                  ? Math.min(...values)
                  : values.length;
      }
      return entry;
    });
}

function send(response: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1024 * 1024) {
        request.destroy();
        reject(new FaultlineError('INVALID_ARGUMENT', 'request body too large'));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
