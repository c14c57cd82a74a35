import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsClient } from '@azure/monitor-query-metrics';
import { type RunSection, validateRunSection } from '@faultline/core';
import { type AzureMonitorServer, startAzureMonitorServer } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/runner/html-report.js';
import { runExperiment } from '../../src/runner/run-experiment.js';

const subscription = '00000000-0000-0000-0000-000000000001';
const token = 'azure-monitor-secret-token-4711';
let server: AzureMonitorServer;
let directory: string;
let caFile: string;

beforeAll(async () => {
  server = await startAzureMonitorServer({ token });
  directory = await mkdtemp(join(tmpdir(), 'faultline-azure-monitor-'));
  caFile = join(directory, 'ca.pem');
  await writeFile(caFile, server.ca);
}, 30_000);

afterAll(async () => {
  await server?.stop();
  await rm(directory, { recursive: true, force: true });
});

function siteOf(name: string): string {
  return `/subscriptions/${subscription}/resourceGroups/orders-rg/providers/Microsoft.Web/sites/${name}`;
}

/** The official client against the local server, with a credential that hands out `bearer`. */
function clientWith(bearer: string): MetricsClient {
  return new MetricsClient(
    server.endpoint,
    { getToken: async () => ({ token: bearer, expiresOnTimestamp: Date.now() + 60_000 }) },
    { tlsOptions: { ca: server.ca }, retryOptions: { maxRetries: 0 } },
  );
}

describe('the local Azure Monitor metrics server, through @azure/monitor-query-metrics', () => {
  it('answers the batch query the client sends: bearer token, query parameters, resource ids in the body', async () => {
    // Prepare
    const site = siteOf('contract-query');
    const start = Date.UTC(2026, 0, 1, 10, 0, 0);
    server.publish(site, 'Requests', 10, { timestamp: start + 5_000 });
    server.publish(site, 'Requests', 7, { timestamp: start + 50_000 });
    server.publish(site, 'Requests', 4, { timestamp: start + 65_000 });
    server.clearRequests();

    // Act
    const results = await clientWith(token).queryResources([site], ['Requests'], 'Microsoft.Web/sites', {
      startTime: new Date(start),
      endTime: new Date(start + 120_000),
      interval: 'PT1M',
      aggregation: 'Total,Count',
    });

    // Assess
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request).toMatchObject({
      method: 'POST',
      path: `/subscriptions/${subscription}/metrics:getBatch`,
      authorization: `Bearer ${token}`,
      resourceIds: [site],
      status: 200,
    });
    expect(request?.query).toMatchObject({
      starttime: new Date(start).toISOString(),
      endtime: new Date(start + 120_000).toISOString(),
      interval: 'PT1M',
      metricnamespace: 'Microsoft.Web/sites',
      metricnames: 'Requests',
      aggregation: 'Total,Count',
    });
    expect(request?.query['api-version']).toMatch(/^\d{4}-\d{2}-\d{2}/);
    const data = results[0]?.metrics[0]?.timeseries[0]?.data ?? [];
    expect(data.map((point) => [point.timeStamp.getTime(), point.total, point.count])).toEqual([
      [start, 17, 2],
      [start + 60_000, 4, 1],
    ]);
  });

  it('splits by a dimension the filter asks for, and keeps others out', async () => {
    // Prepare
    const site = siteOf('contract-split');
    const start = Date.UTC(2026, 0, 1, 11, 0, 0);
    server.publish(site, 'Http5xx', 2, { timestamp: start + 1_000, dimensions: { Instance: 'a' } });
    server.publish(site, 'Http5xx', 3, { timestamp: start + 2_000, dimensions: { Instance: 'b' } });

    // Act
    const split = await clientWith(token).queryResources([site], ['Http5xx'], 'Microsoft.Web/sites', {
      startTime: new Date(start),
      endTime: new Date(start + 60_000),
      interval: 'PT1M',
      aggregation: 'Total',
      filter: "Instance eq '*'",
    });
    const one = await clientWith(token).queryResources([site], ['Http5xx'], 'Microsoft.Web/sites', {
      startTime: new Date(start),
      endTime: new Date(start + 60_000),
      interval: 'PT1M',
      aggregation: 'Total',
      filter: "Instance eq 'b'",
    });

    // Assess
    const series = split[0]?.metrics[0]?.timeseries ?? [];
    expect(series.map((entry) => [entry.metadatavalues?.[0]?.value, entry.data?.[0]?.total]).sort()).toEqual([
      ['a', 2],
      ['b', 3],
    ]);
    expect(one[0]?.metrics[0]?.timeseries.map((entry) => entry.data?.[0]?.total)).toEqual([3]);
    expect(server.requests.at(-1)?.query.filter).toBe("Instance eq 'b'");
  });

  it('refuses a wrong bearer token with 401, which the client raises as an error with the status', async () => {
    // Act
    const failure = await clientWith('not-the-token')
      .queryResources([siteOf('contract-auth')], ['Requests'], 'Microsoft.Web/sites', {
        startTime: new Date(Date.now() - 60_000),
        endTime: new Date(),
        interval: 'PT1M',
      })
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({ statusCode: 401 });
    expect(server.requests.at(-1)).toMatchObject({ status: 401, authorization: 'Bearer not-the-token' });
  });
});

/** Whether the function would inject right now: the file store holds an enabled experiment. */
async function faultsActive(configFile: string): Promise<boolean> {
  try {
    const document = JSON.parse(await readFile(configFile, 'utf8')) as { enabled?: boolean };
    return document.enabled === true;
  } catch {
    return false;
  }
}

/**
 * Stands in for the platform's metrics of a Function App: 10 requests every 250 ms, 6 of them 5xx while the store
 * holds an enabled experiment (when `errorsUnderFaults`), response times in seconds. Seeds the past 8 s.
 */
function startPublisher(site: string, configFile: string, errorsUnderFaults: boolean) {
  const put = (timestamp: number, errors: number) => {
    server.publish(site, 'Requests', 10, { timestamp });
    server.publish(site, 'Http5xx', errors, { timestamp });
    server.publish(site, 'HttpResponseTime', 0.08, { timestamp, unit: 'Seconds' });
  };
  const now = Date.now();
  for (let at = now - 8_000; at < now; at += 250) put(at, 0);
  let running = true;
  const loop = (async () => {
    while (running) {
      put(Date.now(), errorsUnderFaults && (await faultsActive(configFile)) ? 6 : 0);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

function runSection(site: string, configFile: string, overrides: Record<string, unknown> = {}): RunSection {
  const result = validateRunSection({
    hypothesis: 'orders keep succeeding while the pricing service is down',
    targets: [
      {
        name: 'azure',
        cloud: 'azure',
        store: { kind: 'file', path: configFile },
        metrics: [
          {
            kind: 'azure-monitor',
            resourceId: site,
            endpoint: server.endpoint,
            caFile,
            tokenEnv: 'AZURE_MONITOR_TOKEN',
            periodSeconds: 1,
            delaySeconds: 1,
            pollIntervalSeconds: 0.3,
            requests: { metric: 'Requests' },
            errors: { metric: 'Http5xx', missingData: 'zero' },
            latencyMs: { p95: { metric: 'HttpResponseTime', aggregation: 'Maximum' } },
          },
        ],
      },
    ],
    steadyState: { successRatio: { min: 0.95 }, latencyMs: { p95: { max: 500 } }, sampleSeconds: 3 },
    durationSeconds: 4,
    propagationWaitMs: 0,
    recoverySeconds: 0,
    ...overrides,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.run;
}

const experiment = {
  schemaVersion: 1,
  id: 'orders-errors',
  enabled: true,
  faults: [{ id: 'unavailable', type: 'status', status: 503, probability: 0.5 }],
};

describe('azure-monitor metric probes on the local server', () => {
  const environment = { ...process.env, AZURE_MONITOR_TOKEN: token };

  it('judges an observe-only run from the metrics: held, latency in seconds read as milliseconds, charted', async () => {
    // Prepare
    const site = siteOf('orders-held');
    const configFile = join(directory, 'held.json');
    const publisher = startPublisher(site, configFile, false);

    // Act
    const journal = await runExperiment({
      document: experiment,
      run: runSection(site, configFile),
      environment,
    }).finally(() => publisher.stop());

    // Assess
    expect(journal.status).toBe('completed');
    expect(journal.verdict).toBe('held');
    const metric = journal.targets[0]?.metrics?.[0];
    expect(metric?.kind).toBe('azure-monitor');
    expect(metric?.steadyState?.held).toBe(true);
    expect(metric?.fault?.summary.count).toBeGreaterThan(0);
    expect(metric?.fault?.summary.latencyMs.p95).toBe(80);
    expect(journal.targets[0]?.rollback?.ok).toBe(true);
    const batches = server.requests.filter((request) => request.resourceIds.includes(site));
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.every((request) => request.authorization === `Bearer ${token}`)).toBe(true);
    expect(batches.map((request) => request.query.interval)).toContain('PT1S');
    expect(renderHtmlReport(journal)).toContain('data-metric="azure-monitor"');
    expect(JSON.stringify(journal)).not.toContain(token);
  });

  it('stops and rolls back when the 5xx the metrics count under faults breach a stop condition', async () => {
    // Prepare
    const site = siteOf('orders-breach');
    const configFile = join(directory, 'breach.json');
    const publisher = startPublisher(site, configFile, true);

    // Act
    const journal = await runExperiment({
      document: experiment,
      run: runSection(site, configFile, {
        stopConditions: [{ metric: 'errorRate', op: 'gt', value: 0.5, windowSeconds: 2 }],
        durationSeconds: 20,
      }),
      environment,
    }).finally(() => publisher.stop());

    // Assess
    expect(journal.status).toBe('stopped');
    expect(journal.verdict).toBe('deviated');
    expect(journal.breach?.condition).toBe('errorRate > 0.5 over 2 s (azure-monitor)');
    expect(journal.targets[0]?.rollback?.ok).toBe(true);
    expect(journal.targets[0]?.rollback?.verified?.state).toBe('empty');
    await expect(readFile(configFile, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('stops and rolls back when the service starts refusing reads mid-run, without the token in the journal', async () => {
    // Prepare
    const site = siteOf('orders-refused');
    const configFile = join(directory, 'refused.json');
    const publisher = startPublisher(site, configFile, false);
    const flip = setInterval(() => {
      void faultsActive(configFile).then((active) => {
        if (active) server.failWith({ status: 403, code: 'AuthorizationFailed' });
      });
    }, 100);

    // Act
    const journal = await runExperiment({
      document: experiment,
      run: runSection(site, configFile, { durationSeconds: 20 }),
      environment,
    }).finally(async () => {
      clearInterval(flip);
      server.failWith(undefined);
      await publisher.stop();
    });

    // Assess
    expect(journal.status).toBe('stopped');
    expect(journal.breach?.condition).toBe('metric probe azure-monitor readable');
    expect(String(journal.breach?.observed)).toMatch(/403|AuthorizationFailed/);
    expect(journal.targets[0]?.rollback?.ok).toBe(true);
    await expect(readFile(configFile, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(JSON.stringify(journal)).not.toContain(token);
  });

  it('does not inject when the token variable is missing, and names the variable', async () => {
    // Prepare
    const site = siteOf('orders-no-token');
    const configFile = join(directory, 'no-token.json');

    // Act
    const journal = await runExperiment({
      document: experiment,
      run: runSection(site, configFile),
      environment: { ...process.env, AZURE_MONITOR_TOKEN: '' },
    });

    // Assess
    expect(journal.status).toBe('steady-state-failed');
    expect(JSON.stringify(journal.steps)).toContain('AZURE_MONITOR_TOKEN (tokenEnv) is not set');
    expect(journal.steps.some((step) => step.step === 'push')).toBe(false);
  });
});
