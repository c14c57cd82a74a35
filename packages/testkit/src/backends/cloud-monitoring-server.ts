import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultlineError } from '@faultline/core';

/** One request the server answered, for contract assertions. */
export interface CloudMonitoringRequestRecord {
  readonly method: string;
  /** e.g. `/v3/projects/my-project/timeSeries`. */
  readonly path: string;
  /** Every query parameter as sent (a repeated one joined with `,`). */
  readonly query: Readonly<Record<string, string>>;
  readonly authorization: string | undefined;
  readonly status: number;
}

/** Options for {@link startCloudMonitoringServer}. */
export interface StartCloudMonitoringServerOptions {
  /** The bearer token every request must carry. Default: a fixed test token. */
  readonly token?: string;
  /** Time series per page; more make `nextPageToken`. Default 100. */
  readonly pageSize?: number;
}

/** Options of {@link CloudMonitoringServer.publish}. */
export interface CloudMonitoringPublishOptions {
  /** Default: now. */
  readonly timestamp?: number;
  readonly metricLabels?: Readonly<Record<string, string>>;
  /** Default `cloud_run_revision`. */
  readonly resourceType?: string;
  readonly resourceLabels?: Readonly<Record<string, string>>;
}

/** A running local Cloud Monitoring API (projects.timeSeries.list over REST). */
export interface CloudMonitoringServer {
  /** e.g. `http://127.0.0.1:51234`: a cloud-monitoring probe's `endpoint`. */
  readonly endpoint: string;
  readonly token: string;
  readonly requests: readonly CloudMonitoringRequestRecord[];
  /**
   * Records one sample of a metric: a count (`request_count`) or one observed value of a distribution
   * (`request_latencies`); the aligner and reducer of a query decide how samples combine.
   */
  publish(project: string, metricType: string, value: number, options?: CloudMonitoringPublishOptions): void;
  clearRequests(): void;
  stop(): Promise<void>;
}

interface Sample {
  readonly timestamp: number;
  readonly value: number;
  readonly metricType: string;
  readonly metricLabels: Readonly<Record<string, string>>;
  readonly resourceType: string;
  readonly resourceLabels: Readonly<Record<string, string>>;
}

/** The API's enum numbers (clients send them with `$alt=json;enum-encoding=int`), by name. */
const aligners: Readonly<Record<string, string>> = {
  '0': 'ALIGN_NONE',
  '1': 'ALIGN_DELTA',
  '2': 'ALIGN_RATE',
  '10': 'ALIGN_MIN',
  '11': 'ALIGN_MAX',
  '12': 'ALIGN_MEAN',
  '13': 'ALIGN_COUNT',
  '14': 'ALIGN_SUM',
  '18': 'ALIGN_PERCENTILE_99',
  '19': 'ALIGN_PERCENTILE_95',
  '20': 'ALIGN_PERCENTILE_50',
};
const reducers: Readonly<Record<string, string>> = {
  '0': 'REDUCE_NONE',
  '1': 'REDUCE_MEAN',
  '2': 'REDUCE_MIN',
  '3': 'REDUCE_MAX',
  '4': 'REDUCE_SUM',
  '6': 'REDUCE_COUNT',
  '9': 'REDUCE_PERCENTILE_99',
  '10': 'REDUCE_PERCENTILE_95',
  '11': 'REDUCE_PERCENTILE_50',
};

/** A request the API would refuse with 400 `INVALID_ARGUMENT`. */
class BadRequest extends FaultlineError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/**
 * Starts a local HTTP server that speaks the documented REST form of Cloud Monitoring's `projects.timeSeries.list`
 * as `@google-cloud/monitoring` sends it with its REST transport (`GET /v3/projects/{p}/timeSeries?filter=…
 * &interval.startTime&interval.endTime&aggregation.alignmentPeriod&aggregation.perSeriesAligner
 * &aggregation.crossSeriesReducer[&aggregation.groupByFields][&pageToken]`), authenticated by `Authorization:
 * Bearer <token>` (401 `UNAUTHENTICATED` otherwise), with paging by `nextPageToken`.
 *
 * Filters: `metric.type`, `resource.type`, `metric.labels.X` and `resource.labels.X` compared with `=` or `!=`,
 * joined by `AND`. Aligners: DELTA, SUM (samples added up per period), MEAN, MIN, MAX, COUNT, RATE,
 * PERCENTILE_50/95/99; reducers: NONE, SUM, MEAN, MIN, MAX, COUNT, PERCENTILE_50/95/99 (a percentile reducer over
 * DELTA-aligned distributions takes the percentile of every sample in the period). Anything else is a 400.
 *
 * @example
 * ```ts
 * const server = await startCloudMonitoringServer();
 * server.publish('my-project', 'run.googleapis.com/request_count', 1, { metricLabels: { response_code_class: '2xx' } });
 * ```
 */
export async function startCloudMonitoringServer(
  options: StartCloudMonitoringServerOptions = {},
): Promise<CloudMonitoringServer> {
  const token = options.token ?? 'faultline-test-token';
  const pageSize = options.pageSize ?? 100;
  const samples = new Map<string, Sample[]>();
  const requests: CloudMonitoringRequestRecord[] = [];

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams)
      query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
    const answer = (status: number, payload: unknown) => {
      requests.push({
        method: request.method ?? 'GET',
        path: url.pathname,
        query,
        authorization: request.headers.authorization,
        status,
      });
      send(response, status, payload);
    };
    if (request.headers.authorization !== `Bearer ${token}`) {
      answer(401, {
        error: {
          code: 401,
          message: 'Request had invalid authentication credentials.',
          status: 'UNAUTHENTICATED',
        },
      });
      return;
    }
    const match = /^\/v3\/projects\/([^/]+)\/timeSeries$/.exec(url.pathname);
    if (request.method !== 'GET' || match === null) {
      answer(404, {
        error: { code: 404, message: `no route for ${request.method} ${url.pathname}`, status: 'NOT_FOUND' },
      });
      return;
    }
    try {
      answer(200, list(decodeURIComponent(match[1] as string), url.searchParams));
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      answer(400, { error: { code: 400, message: error.message, status: 'INVALID_ARGUMENT' } });
    }
  });

  function list(project: string, params: URLSearchParams) {
    const filter = params.get('filter');
    const startMs = Date.parse(params.get('interval.startTime') ?? '');
    const endMs = Date.parse(params.get('interval.endTime') ?? '');
    if (filter === null || !Number.isFinite(endMs))
      throw new BadRequest('filter and interval.endTime are required');
    const periodMs = parseDuration(params.get('aggregation.alignmentPeriod') ?? '60s');
    const aligner = enumName(params.get('aggregation.perSeriesAligner') ?? 'ALIGN_NONE', aligners, 'aligner');
    const reducer = enumName(
      params.get('aggregation.crossSeriesReducer') ?? 'REDUCE_NONE',
      reducers,
      'reducer',
    );
    const groupBy = params.getAll('aggregation.groupByFields').flatMap((field) => field.split(','));
    const conditions = parseFilter(filter);
    const from = Number.isFinite(startMs) ? startMs : endMs - periodMs;
    const matching = (samples.get(project) ?? []).filter(
      (sample) =>
        sample.timestamp >= from &&
        sample.timestamp < endMs &&
        conditions.every((condition) => condition(sample)),
    );
    // Periods end at endTime, endTime − period, …: a sample belongs to the period whose end is after it.
    const periodEndOf = (timestamp: number) =>
      endMs - Math.floor((endMs - timestamp - 1) / periodMs) * periodMs;
    const seriesKey = (sample: Sample) =>
      JSON.stringify([sample.metricType, sample.metricLabels, sample.resourceType, sample.resourceLabels]);
    const bySeries = new Map<string, Sample[]>();
    for (const sample of matching)
      bySeries.set(seriesKey(sample), [...(bySeries.get(seriesKey(sample)) ?? []), sample]);
    // Align every series: per period, either one value or (DELTA of a distribution) the bag of samples.
    const aligned = [...bySeries.values()].map((list) => {
      const periods = new Map<number, number[]>();
      for (const sample of list) {
        const end = periodEndOf(sample.timestamp);
        periods.set(end, [...(periods.get(end) ?? []), sample.value]);
      }
      return { first: list[0] as Sample, periods };
    });
    const groups = new Map<string, typeof aligned>();
    for (const series of aligned) {
      const key =
        reducer === 'REDUCE_NONE'
          ? seriesKey(series.first)
          : JSON.stringify(groupBy.map((field) => fieldOf(series.first, field)));
      groups.set(key, [...(groups.get(key) ?? []), series]);
    }
    const timeSeries = [...groups.values()].map((members) => {
      const first = (members[0] as (typeof aligned)[number]).first;
      const ends = new Set(members.flatMap((member) => [...member.periods.keys()]));
      const points = [...ends]
        .sort((a, b) => b - a)
        .map((end) => {
          const perSeries = members.flatMap((member) => {
            const values = member.periods.get(end);
            return values === undefined ? [] : [values];
          });
          return { end, value: combine(perSeries, aligner, reducer, periodMs) };
        });
      const labels = (prefix: string, source: Readonly<Record<string, string>>) =>
        reducer === 'REDUCE_NONE'
          ? source
          : Object.fromEntries(
              groupBy
                .filter((field) => field.startsWith(prefix))
                .map((field) => [field.slice(prefix.length), source[field.slice(prefix.length)] ?? '']),
            );
      const distribution =
        aligner === 'ALIGN_DELTA' &&
        reducer.startsWith('REDUCE_PERCENTILE') === false &&
        isDistribution(first.metricType);
      return {
        metric: { type: first.metricType, labels: labels('metric.labels.', first.metricLabels) },
        resource: { type: first.resourceType, labels: labels('resource.labels.', first.resourceLabels) },
        metricKind: 'DELTA',
        valueType: distribution
          ? 'DISTRIBUTION'
          : Number.isInteger(points[0]?.value) &&
              !reducer.includes('PERCENTILE') &&
              !aligner.includes('PERCENTILE')
            ? 'INT64'
            : 'DOUBLE',
        points: points.map(({ end, value }) => ({
          interval: {
            startTime: new Date(end - periodMs).toISOString(),
            endTime: new Date(end).toISOString(),
          },
          value:
            Number.isInteger(value) &&
            !reducer.includes('PERCENTILE') &&
            !aligner.includes('PERCENTILE') &&
            !aligner.includes('MEAN')
              ? { int64Value: String(value) }
              : { doubleValue: value },
        })),
      };
    });
    const offset = Number(params.get('pageToken') ?? '0');
    const page = timeSeries.slice(offset, offset + pageSize);
    return {
      timeSeries: page,
      ...(offset + pageSize < timeSeries.length ? { nextPageToken: String(offset + pageSize) } : {}),
      unit: '',
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    token,
    requests,
    publish(project, metricType, value, publishOptions = {}) {
      const list = samples.get(project) ?? [];
      list.push({
        timestamp: publishOptions.timestamp ?? Date.now(),
        value,
        metricType,
        metricLabels: publishOptions.metricLabels ?? {},
        resourceType: publishOptions.resourceType ?? 'cloud_run_revision',
        resourceLabels: publishOptions.resourceLabels ?? {},
      });
      samples.set(project, list);
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

function isDistribution(metricType: string): boolean {
  return /latenc|duration|_times?$/i.test(metricType);
}

/** Aligns each series' samples of one period, then reduces across series. */
function combine(perSeries: readonly number[][], aligner: string, reducer: string, periodMs: number): number {
  const percentileOf = (name: string) => Number(name.slice(name.lastIndexOf('_') + 1));
  if (reducer.startsWith('REDUCE_PERCENTILE') && (aligner === 'ALIGN_DELTA' || aligner === 'ALIGN_NONE')) {
    // Distributions aligned by DELTA stay distributions: the percentile is over every sample of the period.
    return percentile(perSeries.flat(), percentileOf(reducer));
  }
  const alignedValues = perSeries.map((values) => {
    switch (aligner) {
      case 'ALIGN_DELTA':
      case 'ALIGN_SUM':
      case 'ALIGN_NONE':
        return sum(values);
      case 'ALIGN_RATE':
        return sum(values) / (periodMs / 1000);
      case 'ALIGN_MEAN':
        return sum(values) / values.length;
      case 'ALIGN_MIN':
        return Math.min(...values);
      case 'ALIGN_MAX':
        return Math.max(...values);
      case 'ALIGN_COUNT':
        return values.length;
      default:
        return percentile(values, percentileOf(aligner));
    }
  });
  switch (reducer) {
    case 'REDUCE_NONE':
    case 'REDUCE_SUM':
      return sum(alignedValues);
    case 'REDUCE_MEAN':
      return sum(alignedValues) / alignedValues.length;
    case 'REDUCE_MIN':
      return Math.min(...alignedValues);
    case 'REDUCE_MAX':
      return Math.max(...alignedValues);
    case 'REDUCE_COUNT':
      return alignedValues.length;
    default:
      return percentile(alignedValues, percentileOf(reducer));
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

function enumName(value: string, names: Readonly<Record<string, string>>, what: string): string {
  const name = names[value] ?? (Object.values(names).includes(value) ? value : undefined);
  if (name === undefined) throw new BadRequest(`unsupported ${what} ${value}`);
  return name;
}

/** `60s`, `1.5s` → milliseconds. */
function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(text);
  if (match === null) throw new BadRequest(`invalid duration ${text}`);
  return Math.round(Number(match[1]) * 1000);
}

function fieldOf(sample: Sample, field: string): string {
  if (field === 'metric.type') return sample.metricType;
  if (field === 'resource.type') return sample.resourceType;
  if (field.startsWith('metric.labels.'))
    return sample.metricLabels[field.slice('metric.labels.'.length)] ?? '';
  if (field.startsWith('resource.labels.'))
    return sample.resourceLabels[field.slice('resource.labels.'.length)] ?? '';
  throw new BadRequest(`unsupported field ${field}`);
}

function parseFilter(filter: string): ((sample: Sample) => boolean)[] {
  return filter.split(/\s+AND\s+/).map((clause) => {
    const match = /^\s*([a-z_.]+[A-Za-z0-9_.]*)\s*(!=|=)\s*"([^"]*)"\s*$/.exec(clause);
    if (match === null) throw new BadRequest(`unsupported filter clause: ${clause}`);
    const [, field, operator, value] = match as unknown as [string, string, string, string];
    fieldOf(
      { timestamp: 0, value: 0, metricType: '', metricLabels: {}, resourceType: '', resourceLabels: {} },
      field,
    );
    return (sample: Sample) =>
      operator === '=' ? fieldOf(sample, field) === value : fieldOf(sample, field) !== value;
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
