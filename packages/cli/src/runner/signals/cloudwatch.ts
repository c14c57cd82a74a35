import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { AlarmStopCondition, MetricProbe } from '@faultline/core';
import {
  createAlignedMetricReader,
  importMetricSdk,
  MetricProbeError,
  type MetricReader,
  type MetricRole,
  metricProbeLabel,
  roleSeries,
  rolesOf,
  serviceFailure,
} from './metric-reader.js';

type CloudWatchProbe = Extract<MetricProbe, { kind: 'cloudwatch' }>;
type CloudWatchSdk = typeof import('@aws-sdk/client-cloudwatch');

/** GetMetricData takes at most 500 queries and returns at most 100 800 data points per call; pages beyond. */
const maxPages = 50;

function loadSdk(label: string): Promise<CloudWatchSdk> {
  return importMetricSdk(label, '@aws-sdk/client-cloudwatch', () => import('@aws-sdk/client-cloudwatch'));
}

function createClient(
  sdk: CloudWatchSdk,
  options: { readonly region?: string; readonly endpoint?: string },
): CloudWatchClient {
  return new sdk.CloudWatchClient({
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.region === undefined ? {} : { region: options.region }),
    // The SDK's standard retries absorb throttling; what still fails is reported, and stops the run by default.
    maxAttempts: 3,
  });
}

/** The statistic a role reads when the query names none: `Sum` for counts, the percentile for latency. */
function statisticOf(role: MetricRole, statistic: string | undefined): string {
  if (statistic !== undefined) return statistic;
  return role === 'requests' || role === 'errors' ? 'Sum' : role;
}

/**
 * Reads a `cloudwatch` metric probe with GetMetricData: one query per role, all in one call, paged with
 * `NextToken`. Periods are aligned to multiples of `periodSeconds` since the epoch, so every read of the same
 * period returns the same bucket.
 *
 * @example
 * ```ts
 * const reader = createCloudWatchReader(probe);
 * const { points } = await reader.read(Date.now() - 600_000, Date.now());
 * ```
 */
export function createCloudWatchReader(probe: CloudWatchProbe, client?: CloudWatchClient): MetricReader {
  const label = metricProbeLabel(probe);
  const roles = rolesOf(probe);
  return createAlignedMetricReader({
    periodMs: probe.periodSeconds * 1000,
    connect: () => openClient(label, probe, client),
    async readSeries({ client: cloudWatch, sdk }, { startMs, endMs }) {
      const values = roles.map(() => new Map<number, number>());
      let nextToken: string | undefined;
      let pages = 0;
      try {
        do {
          const output = await cloudWatch.send(
            new sdk.GetMetricDataCommand({
              StartTime: new Date(startMs),
              EndTime: new Date(endMs),
              ScanBy: 'TimestampAscending',
              ...(nextToken === undefined ? {} : { NextToken: nextToken }),
              MetricDataQueries: roles.map(({ role, query }, index) => ({
                Id: `q${index}`,
                ReturnData: true,
                MetricStat: {
                  Metric: {
                    Namespace: query.namespace,
                    MetricName: query.metric,
                    Dimensions: Object.entries(query.dimensions ?? {}).map(([Name, Value]) => ({
                      Name,
                      Value,
                    })),
                  },
                  Period: probe.periodSeconds,
                  Stat: statisticOf(role, query.statistic),
                },
              })),
            }),
          );
          for (const result of output.MetricDataResults ?? []) {
            const index = Number(result.Id?.slice(1));
            const target = values[index];
            if (target === undefined) continue;
            if (result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError') {
              throw new MetricProbeError(
                `${label}: GetMetricData answered ${result.StatusCode} for ${describeQuery(roles[index]?.query)}${result.Messages?.length ? ` (${result.Messages.map((message) => message.Value).join('; ')})` : ''}`,
                label,
              );
            }
            (result.Timestamps ?? []).forEach((timestamp, position) => {
              const value = result.Values?.[position];
              if (value !== undefined && Number.isFinite(value)) target.set(timestamp.getTime(), value);
            });
          }
          nextToken = output.NextToken;
          pages++;
        } while (nextToken !== undefined && pages < maxPages);
      } catch (error) {
        throw serviceFailure(label, 'GetMetricData', error);
      }
      return roles.map(({ role, query }, index) =>
        roleSeries(role, query, values[index] as Map<number, number>, 'unit' in query && query.unit === 's'),
      );
    },
    close: closeOwnClient,
  });
}

interface OpenedClient {
  readonly client: CloudWatchClient;
  readonly sdk: CloudWatchSdk;
  /** Whether this reader created the client (and so destroys it on close). */
  readonly own: boolean;
}

async function openClient(
  label: string,
  options: { readonly region?: string; readonly endpoint?: string },
  client: CloudWatchClient | undefined,
): Promise<OpenedClient> {
  const sdk = await loadSdk(label);
  return { sdk, client: client ?? createClient(sdk, options), own: client === undefined };
}

function closeOwnClient(opened: OpenedClient): void {
  if (opened.own) opened.client.destroy();
}

function describeQuery(query: { namespace: string; metric: string } | undefined): string {
  return query === undefined ? 'a query' : `${query.namespace} ${query.metric}`;
}

/** The state of one watched alarm. */
export interface AlarmState {
  readonly name: string;
  /** `OK`, `ALARM`, `INSUFFICIENT_DATA`, or `MISSING` when no such alarm exists. */
  readonly state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | 'MISSING';
  readonly reason?: string;
}

/** Reads the alarms of a `cloudwatch-alarm` stop condition. */
export interface AlarmReader {
  /** Every watched alarm's state, in the condition's order. Rejects with {@link MetricProbeError}. */
  read(): Promise<AlarmState[]>;
  close(): Promise<void>;
}

/**
 * Reads CloudWatch alarms (metric and composite) with DescribeAlarms; an alarm that does not exist reads as
 * `MISSING`, which the run treats as unreadable.
 *
 * @example
 * ```ts
 * const states = await createAlarmReader(condition).read();
 * ```
 */
export function createAlarmReader(condition: AlarmStopCondition, client?: CloudWatchClient): AlarmReader {
  const label = `cloudwatch-alarm ${condition.alarmNames.join(', ')}`;
  let clientPromise: Promise<OpenedClient> | undefined;
  const connect = () => {
    clientPromise ??= openClient(label, condition, client);
    return clientPromise;
  };
  return {
    async read() {
      const { client: cloudWatch, sdk } = await connect();
      const found = new Map<string, AlarmState>();
      try {
        // DescribeAlarms takes at most 100 names, which the schema enforces.
        let nextToken: string | undefined;
        let pages = 0;
        do {
          const output = await cloudWatch.send(
            new sdk.DescribeAlarmsCommand({
              AlarmNames: [...condition.alarmNames],
              AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
              ...(nextToken === undefined ? {} : { NextToken: nextToken }),
            }),
          );
          for (const alarm of [...(output.MetricAlarms ?? []), ...(output.CompositeAlarms ?? [])]) {
            if (alarm.AlarmName === undefined) continue;
            const state = alarm.StateValue;
            found.set(alarm.AlarmName, {
              name: alarm.AlarmName,
              state: state === 'ALARM' || state === 'OK' ? state : 'INSUFFICIENT_DATA',
              ...(alarm.StateReason === undefined ? {} : { reason: alarm.StateReason.slice(0, 300) }),
            });
          }
          nextToken = output.NextToken;
          pages++;
        } while (nextToken !== undefined && pages < maxPages);
      } catch (error) {
        throw serviceFailure(label, 'DescribeAlarms', error);
      }
      return condition.alarmNames.map(
        (name) => found.get(name) ?? { name, state: 'MISSING', reason: 'no such alarm' },
      );
    },
    async close() {
      if (clientPromise === undefined) return;
      const opened = await clientPromise.catch(() => undefined);
      if (opened !== undefined) closeOwnClient(opened);
    },
  };
}
