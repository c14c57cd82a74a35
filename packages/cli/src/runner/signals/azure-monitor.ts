import { readFile } from 'node:fs/promises';
import type { MetricsClient } from '@azure/monitor-query-metrics';
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

type AzureMonitorProbe = Extract<MetricProbe, { kind: 'azure-monitor' }>;
type AzureQuery = AzureMonitorProbe['requests'];
/** The credential the metrics client takes (`@azure/core-auth`'s TokenCredential). */
type TokenCredential = ConstructorParameters<typeof MetricsClient>[1];

/** How long a token read from `tokenEnv` is declared valid to the SDK (it is read again after that). */
const environmentTokenLifetimeMs = 5 * 60_000;

/**
 * The metrics endpoint of a probe: `endpoint`, or the regional data-plane endpoint of `region`
 * (`https://REGION.metrics.monitor.azure.com`).
 */
export function azureMetricsEndpoint(probe: AzureMonitorProbe): string {
  if (probe.endpoint !== undefined) return probe.endpoint;
  return `https://${probe.region}.metrics.monitor.azure.com`;
}

/** The resource type of a resource id, the default metric namespace (`Microsoft.Web/sites`). */
export function namespaceOfResource(resourceId: string): string | undefined {
  const match = /\/providers\/([^/]+)\/([^/]+)\/[^/]+/i.exec(resourceId);
  return match === null ? undefined : `${match[1]}/${match[2]}`;
}

/** The ISO 8601 duration of a period (`PT1M`, `PT5M`, `PT1H`; seconds only for test servers). */
export function isoDuration(periodSeconds: number): string {
  if (periodSeconds % 86_400 === 0) return `P${periodSeconds / 86_400}D`;
  if (periodSeconds % 3600 === 0) return `PT${periodSeconds / 3600}H`;
  if (periodSeconds % 60 === 0) return `PT${periodSeconds / 60}M`;
  return `PT${periodSeconds}S`;
}

function aggregationOf(
  role: MetricRole,
  query: AzureQuery,
): 'Total' | 'Average' | 'Maximum' | 'Minimum' | 'Count' {
  if (query.aggregation !== undefined) return query.aggregation;
  return role === 'requests' || role === 'errors' ? 'Total' : 'Average';
}

/**
 * A token credential reading a bearer token from an environment variable on every request for a token (so a
 * pipeline that refreshes the variable is followed); the token never leaves the SDK's Authorization header.
 */
function environmentCredential(
  label: string,
  variable: string,
  environment: Readonly<Record<string, string | undefined>>,
): TokenCredential {
  return {
    async getToken() {
      const token = readEnvironmentToken(
        label,
        variable,
        environment,
        'export a token for https://metrics.monitor.azure.com, e.g. from az account get-access-token --resource https://metrics.monitor.azure.com',
      );
      return { token, expiresOnTimestamp: Date.now() + environmentTokenLifetimeMs };
    },
  };
}

async function defaultCredential(label: string): Promise<TokenCredential> {
  const identity = await importMetricSdk(
    label,
    '@azure/identity',
    () => import('@azure/identity'),
    'or set tokenEnv to read a bearer token from an environment variable',
  );
  return new identity.DefaultAzureCredential();
}

/**
 * Reads an `azure-monitor` metric probe with Microsoft's metrics query client (the metrics batch API,
 * `POST /subscriptions/{id}/metrics:getBatch`): one query per role; several time series of one metric (a filter
 * split by a dimension) are added up for counts, and their highest value is taken for latency.
 *
 * @example
 * ```ts
 * const reader = createAzureMonitorReader(probe, { environment: process.env });
 * const { points } = await reader.read(Date.now() - 600_000, Date.now());
 * ```
 */
export function createAzureMonitorReader(
  probe: AzureMonitorProbe,
  options: MetricReaderOptions & { readonly credential?: TokenCredential } = {},
): MetricReader {
  const label = metricProbeLabel(probe);
  const roles = rolesOf(probe);
  const environment = options.environment ?? process.env;
  return createAlignedMetricReader({
    periodMs: probe.periodSeconds * 1000,
    async connect() {
      const sdk = await importMetricSdk(
        label,
        '@azure/monitor-query-metrics',
        () => import('@azure/monitor-query-metrics'),
      );
      let ca: string | undefined;
      if (probe.caFile !== undefined) {
        try {
          ca = await readFile(probe.caFile, 'utf8');
        } catch (error) {
          throw new MetricProbeError(`${label}: cannot read caFile ${probe.caFile}`, label, { cause: error });
        }
      }
      const credential =
        options.credential ??
        (probe.tokenEnv === undefined
          ? await defaultCredential(label)
          : environmentCredential(label, probe.tokenEnv, environment));
      // The client holds no sockets of its own beyond the shared HTTP agent: nothing to close.
      return new sdk.MetricsClient(azureMetricsEndpoint(probe), credential, {
        ...(ca === undefined ? {} : { tlsOptions: { ca } }),
        retryOptions: { maxRetries: 2 },
      });
    },
    async readSeries(client, { startMs, endMs }) {
      const series: RoleSeries[] = [];
      for (const { role, query } of roles) {
        const namespace = query.namespace ?? namespaceOfResource(probe.resourceId);
        if (namespace === undefined) {
          throw new MetricProbeError(
            `${label}: cannot tell the metric namespace from resourceId; set namespace on the ${role} query, e.g. Microsoft.Web/sites`,
            label,
          );
        }
        const aggregation = aggregationOf(role, query);
        let results: Awaited<ReturnType<MetricsClient['queryResources']>>;
        try {
          results = await client.queryResources([probe.resourceId], [query.metric], namespace, {
            startTime: new Date(startMs),
            endTime: new Date(endMs),
            interval: isoDuration(probe.periodSeconds),
            aggregation,
            ...(query.filter === undefined ? {} : { filter: query.filter }),
          });
        } catch (error) {
          throw serviceFailure(label, `metrics query for ${query.metric}`, error);
        }
        const values = new Map<number, number>();
        let unit: string | undefined;
        for (const result of results) {
          for (const metric of result.metrics ?? []) {
            if (metric.errorCode !== undefined && metric.errorCode !== 'Success') {
              throw new MetricProbeError(
                `${label}: metric ${query.metric} answered ${metric.errorCode}${metric.errorMessage === undefined ? '' : `: ${metric.errorMessage.slice(0, 300)}`}`,
                label,
              );
            }
            unit = metric.unit;
            for (const timeSeries of metric.timeseries ?? []) {
              for (const value of timeSeries.data ?? []) {
                const reading = readingOf(value, aggregation);
                if (reading !== undefined) addReading(values, role, value.timeStamp.getTime(), reading);
              }
            }
          }
        }
        const latencyUnit = 'unit' in query ? query.unit : undefined;
        series.push(
          roleSeries(
            role,
            query,
            values,
            latencyUnit === 's' || (latencyUnit === undefined && unit === 'Seconds'),
          ),
        );
      }
      return series;
    },
  });
}

function readingOf(
  value: { total?: number; average?: number; maximum?: number; minimum?: number; count?: number },
  aggregation: 'Total' | 'Average' | 'Maximum' | 'Minimum' | 'Count',
): number | undefined {
  const reading =
    aggregation === 'Total'
      ? value.total
      : aggregation === 'Average'
        ? value.average
        : aggregation === 'Maximum'
          ? value.maximum
          : aggregation === 'Minimum'
            ? value.minimum
            : value.count;
  return reading === undefined || reading === null || !Number.isFinite(reading) ? undefined : reading;
}
