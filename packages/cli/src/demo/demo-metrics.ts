/**
 * The monitoring side of the demo's metrics variant: moto's CloudWatch, the local Cloud Monitoring and Azure
 * Monitor servers, and a metered front door with steady users before each demo app, publishing what the clouds
 * would publish for it. Dev-only (imports the testkit and the CloudWatch client).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { startAzureMonitorServer, startCloudMonitoringServer } from '@faultline/testkit';
import { type MeteredTraffic, type SecondOfTraffic, startMeteredTraffic } from './platform-metrics.js';

/** Names the demo's metrics use; the experiment's placeholders default to the same. */
export const demoMetricNames = {
  awsFunctionName: 'orders-demo',
  gcpProjectId: 'faultline-demo',
  gcpService: 'orders',
  azureResourceId:
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo/providers/Microsoft.Web/sites/orders-demo',
} as const;

/** What {@link startDemoMetrics} started. */
export interface DemoMetrics {
  /** Values for the metrics experiment's placeholders. */
  readonly variables: Readonly<Record<string, string>>;
  /** Environment variables the probes read their tokens from (`tokenEnv`). */
  readonly environment: Readonly<Record<string, string>>;
  /** Clouds whose traffic is metered, e.g. `['aws', 'azure']`. */
  readonly clouds: readonly string[];
  /** Requests published so far, per cloud. */
  published(cloud: string): number;
  stop(): Promise<void>;
}

/**
 * Starts the monitoring backends and metered traffic for the demo apps in `appUrls` (by cloud name). AWS needs
 * `cloudWatchEndpoint` (moto); without it, AWS traffic is not metered.
 *
 * @example
 * ```ts
 * const metrics = await startDemoMetrics({ aws: awsDemo.url }, { cloudWatchEndpoint: moto.endpoint });
 * // run experiments/pricing-latency-metrics.yaml with metrics.variables …
 * await metrics.stop();
 * ```
 */
export async function startDemoMetrics(
  appUrls: Readonly<Record<string, string | undefined>>,
  options: { readonly cloudWatchEndpoint?: string; readonly region?: string; readonly path?: string } = {},
): Promise<DemoMetrics> {
  const path = options.path ?? '/orders/o-1001';
  const stops: (() => Promise<void>)[] = [];
  const traffic = new Map<string, MeteredTraffic>();
  const variables: Record<string, string> = {};
  const environment: Record<string, string> = {};
  try {
    if (appUrls.aws !== undefined && options.cloudWatchEndpoint !== undefined) {
      const cloudWatch = new CloudWatchClient({
        endpoint: options.cloudWatchEndpoint,
        region: options.region ?? 'us-east-1',
      });
      stops.push(async () => cloudWatch.destroy());
      const dimensions = [{ Name: 'FunctionName', Value: demoMetricNames.awsFunctionName }];
      const put = async (second: SecondOfTraffic) => {
        const Timestamp = new Date(second.startEpochMs);
        await cloudWatch.send(
          new PutMetricDataCommand({
            Namespace: 'AWS/Lambda',
            MetricData: [
              {
                MetricName: 'Invocations',
                Dimensions: dimensions,
                Timestamp,
                Value: second.requests,
                Unit: 'Count',
              },
              {
                MetricName: 'Errors',
                Dimensions: dimensions,
                Timestamp,
                Value: second.errors,
                Unit: 'Count',
              },
              {
                MetricName: 'Duration',
                Dimensions: dimensions,
                Timestamp,
                Value: second.maxDurationMs,
                Unit: 'Milliseconds',
              },
            ],
          }),
        );
      };
      traffic.set('aws', await startMeteredTraffic(appUrls.aws, path, put));
      variables.CLOUDWATCH_ENDPOINT = options.cloudWatchEndpoint;
      variables.AWS_FUNCTION_NAME = demoMetricNames.awsFunctionName;
    }
    if (appUrls.gcp !== undefined) {
      const monitoring = await startCloudMonitoringServer();
      stops.push(() => monitoring.stop());
      const resourceLabels = { service_name: demoMetricNames.gcpService };
      const put = (second: SecondOfTraffic) => {
        const timestamp = second.startEpochMs;
        const ok = second.requests - second.errors;
        if (ok > 0)
          monitoring.publish(demoMetricNames.gcpProjectId, 'run.googleapis.com/request_count', ok, {
            timestamp,
            metricLabels: { response_code_class: '2xx' },
            resourceLabels,
          });
        if (second.errors > 0)
          monitoring.publish(
            demoMetricNames.gcpProjectId,
            'run.googleapis.com/request_count',
            second.errors,
            {
              timestamp,
              metricLabels: { response_code_class: '5xx' },
              resourceLabels,
            },
          );
        monitoring.publish(
          demoMetricNames.gcpProjectId,
          'run.googleapis.com/request_latencies',
          second.maxDurationMs,
          {
            timestamp,
            resourceLabels,
          },
        );
      };
      traffic.set('gcp', await startMeteredTraffic(appUrls.gcp, path, put));
      variables.CLOUD_MONITORING_ENDPOINT = monitoring.endpoint;
      variables.GCP_MONITORING_PROJECT = demoMetricNames.gcpProjectId;
      environment.GCP_MONITORING_TOKEN = monitoring.token;
    }
    if (appUrls.azure !== undefined) {
      const monitor = await startAzureMonitorServer();
      stops.push(() => monitor.stop());
      const directory = await mkdtemp(join(tmpdir(), 'faultline-demo-monitor-'));
      stops.push(() => rm(directory, { recursive: true, force: true }));
      const caFile = join(directory, 'azure-monitor-ca.pem');
      await writeFile(caFile, monitor.ca);
      const site = demoMetricNames.azureResourceId;
      const put = (second: SecondOfTraffic) => {
        const timestamp = second.startEpochMs;
        monitor.publish(site, 'Requests', second.requests, { timestamp });
        monitor.publish(site, 'Http5xx', second.errors, { timestamp });
        monitor.publish(site, 'HttpResponseTime', second.maxDurationMs / 1000, {
          timestamp,
          unit: 'Seconds',
        });
      };
      traffic.set('azure', await startMeteredTraffic(appUrls.azure, path, put));
      variables.AZURE_MONITOR_ENDPOINT = monitor.endpoint;
      variables.AZURE_MONITOR_CA_FILE = caFile;
      variables.AZURE_RESOURCE_ID = site;
      environment.AZURE_MONITOR_TOKEN = monitor.token;
    }
  } catch (error) {
    await stopAll();
    throw error;
  }

  async function stopAll(): Promise<void> {
    await Promise.allSettled([...traffic.values()].map((running) => running.stop()));
    for (const stop of stops.reverse()) await stop().catch(() => {});
  }

  return {
    variables,
    environment,
    clouds: [...traffic.keys()],
    published: (cloud) => traffic.get(cloud)?.published() ?? 0,
    stop: stopAll,
  };
}
