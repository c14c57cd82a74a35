import type { MetricProbe } from '@faultline/core';
import type { MetricReaderOptions } from './metric-probes.js';
import {
  addReading,
  createAlignedMetricReader,
  importMetricSdk,
  MetricProbeError,
  type MetricReader,
  type MetricRole,
  metricProbeLabel,
  type RoleSeries,
  readEnvironmentToken,
  roleSeries,
  rolesOf,
  serviceFailure,
} from './metric-reader.js';

type CloudMonitoringProbe = Extract<MetricProbe, { kind: 'cloud-monitoring' }>;
type CloudMonitoringQuery = CloudMonitoringProbe['requests'];

/** The oldest Node major @google-cloud/monitoring 6 runs on (its `engines`). */
export const cloudMonitoringMinimumNodeMajor = 22;

/** Pages of one listTimeSeries call at most (a runaway filter must not loop for ever). */
const maxSeries = 10_000;

/** The aligner and reducer a role uses when the query names none. */
export function aggregationOf(
  role: MetricRole,
  query: CloudMonitoringQuery,
): { perSeriesAligner: string; crossSeriesReducer: string } {
  const counts = role === 'requests' || role === 'errors';
  return {
    perSeriesAligner: query.aligner ?? 'ALIGN_DELTA',
    crossSeriesReducer: query.reducer ?? (counts ? 'REDUCE_SUM' : `REDUCE_PERCENTILE_${role.slice(1)}`),
  };
}

/**
 * Splits an `endpoint` override into the client's options: `http://127.0.0.1:8085` becomes
 * `{ apiEndpoint: '127.0.0.1', port: 8085, protocol: 'http' }`.
 */
export function endpointOptions(endpoint: string): { apiEndpoint: string; port: number; protocol: string } {
  const url = new URL(endpoint);
  const protocol = url.protocol.replace(':', '');
  return {
    apiEndpoint: url.hostname,
    port: url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port),
    protocol,
  };
}

/**
 * An auth client for the REST transport that sends a bearer token read from an environment variable on every
 * request (so a pipeline that refreshes the variable is followed). It only adds the Authorization header.
 */
function environmentAuthClient(
  label: string,
  variable: string,
  environment: Readonly<Record<string, string | undefined>>,
) {
  const token = () =>
    readEnvironmentToken(
      label,
      variable,
      environment,
      'export an access token, e.g. from gcloud auth print-access-token',
    );
  return {
    universeDomain: 'googleapis.com',
    async getRequestHeaders() {
      return new Headers({ authorization: `Bearer ${token()}` });
    },
    async fetch(
      url: string | URL,
      init: RequestInit & { headers?: ConstructorParameters<typeof Headers>[0] },
    ) {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${token()}`);
      return fetch(url, {
        method: init.method ?? 'GET',
        headers,
        ...(init.body === undefined || init.body === null ? {} : { body: init.body }),
        ...(init.signal === undefined || init.signal === null ? {} : { signal: init.signal }),
      });
    },
  };
}

/**
 * Reads a `cloud-monitoring` metric probe with `@google-cloud/monitoring` (projects.timeSeries.list over the
 * client's REST transport, every page): one query per role, aligned to `periodSeconds` with the query's aligner and
 * reduced across series (added up for counts, a percentile for latency). The client needs Node >= 22.
 *
 * @example
 * ```ts
 * const reader = createCloudMonitoringReader(probe, { environment: process.env });
 * const { points } = await reader.read(Date.now() - 600_000, Date.now());
 * ```
 */
export function createCloudMonitoringReader(
  probe: CloudMonitoringProbe,
  options: MetricReaderOptions & { readonly nodeVersion?: string } = {},
): MetricReader {
  const label = metricProbeLabel(probe);
  const periodMs = probe.periodSeconds * 1000;
  const roles = rolesOf(probe);
  const environment = options.environment ?? process.env;
  return createAlignedMetricReader({
    periodMs,
    async connect() {
      const nodeVersion = options.nodeVersion ?? process.versions.node;
      if (Number(nodeVersion.split('.')[0]) < cloudMonitoringMinimumNodeMajor) {
        throw new MetricProbeError(
          `${label}: cloud-monitoring probes need Node >= ${cloudMonitoringMinimumNodeMajor} (@google-cloud/monitoring 6 requires it); this is Node ${nodeVersion}. Run faultline with Node 22 or 24.`,
          label,
        );
      }
      const sdk = await importMetricSdk(
        label,
        '@google-cloud/monitoring',
        () => import('@google-cloud/monitoring'),
      );
      return new sdk.MetricServiceClient({
        projectId: probe.projectId,
        // REST, not gRPC: one transport for the service and for local test servers.
        fallback: true,
        ...(probe.endpoint === undefined ? {} : endpointOptions(probe.endpoint)),
        ...(probe.tokenEnv === undefined
          ? {}
          : { authClient: environmentAuthClient(label, probe.tokenEnv, environment) as never }),
      });
    },
    async readSeries(client, { startMs, endMs }) {
      const series: RoleSeries[] = [];
      for (const { role, query } of roles) {
        const values = new Map<number, number>();
        let seen = 0;
        try {
          const iterable = client.listTimeSeriesAsync({
            name: `projects/${probe.projectId}`,
            filter: query.filter,
            interval: {
              startTime: { seconds: Math.floor(startMs / 1000) },
              endTime: { seconds: Math.floor(endMs / 1000) },
            },
            aggregation: {
              alignmentPeriod: { seconds: probe.periodSeconds },
              // Validated names (ALIGN_*, REDUCE_*); the service rejects one it does not know.
              ...(aggregationOf(role, query) as { perSeriesAligner: never; crossSeriesReducer: never }),
              ...(query.groupBy === undefined ? {} : { groupByFields: [...query.groupBy] }),
            },
            view: 'FULL',
          });
          for await (const timeSeries of iterable) {
            if (++seen > maxSeries) break;
            for (const point of timeSeries.points ?? []) {
              const endSeconds = Number(point.interval?.endTime?.seconds ?? Number.NaN);
              const reading = numberOf(point.value);
              if (!Number.isFinite(endSeconds) || reading === undefined) continue;
              // Aligned points end at the period's end; the period starts one period earlier.
              addReading(values, role, endSeconds * 1000 - periodMs, reading);
            }
          }
        } catch (error) {
          throw serviceFailure(label, `timeSeries.list for the ${role} query`, error);
        }
        series.push(roleSeries(role, query, values, 'unit' in query && query.unit === 's'));
      }
      return series;
    },
    close: (client) => client.close(),
  });
}

function numberOf(
  value:
    | {
        int64Value?: number | string | { toString(): string } | null;
        doubleValue?: number | null;
        distributionValue?: { mean?: number | null } | null;
      }
    | null
    | undefined,
): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (value.doubleValue !== undefined && value.doubleValue !== null) return value.doubleValue;
  if (value.int64Value !== undefined && value.int64Value !== null) return Number(String(value.int64Value));
  // A distribution left unreduced: its mean is the only single number it has.
  if (value.distributionValue?.mean !== undefined && value.distributionValue.mean !== null)
    return value.distributionValue.mean;
  return undefined;
}
