// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders are literal text here.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { MetricProbe } from '@faultline/core';
import {
  type CloudMonitoringServer,
  resolveNodeBinary,
  startCloudMonitoringServer,
} from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudMonitoringReader } from '../../src/runner/signals/cloud-monitoring.js';

// @google-cloud/monitoring 6 needs Node >= 22: its client runs in a child process on Node 22 when this is Node 20.
const node = resolveNodeBinary(22);
const packageDirectory = resolve(import.meta.dirname, '../..');
const token = 'gcp-monitoring-secret-token-0815';
const projectId = 'orders-project';
let server: CloudMonitoringServer;
let directory: string;

beforeAll(async () => {
  server = await startCloudMonitoringServer({ token, pageSize: 2 });
  directory = await mkdtemp(join(tmpdir(), 'faultline-cloud-monitoring-'));
}, 30_000);

afterAll(async () => {
  await server?.stop();
  await rm(directory, { recursive: true, force: true });
});

/** Runs `args` with the Node >= 22 binary in this package, collecting its output. */
function runNode(args: readonly string[], environment: Record<string, string> = {}) {
  const child = spawn(node.path, ['--conditions=source', '--import', 'tsx', ...args], {
    cwd: packageDirectory,
    env: { ...process.env, NO_COLOR: '1', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveExit) =>
    child.on('exit', (code) => resolveExit({ code, stdout, stderr })),
  );
}

/** What the official client returned for `request` (every page), run on Node >= 22. */
async function listWithClient(request: Record<string, unknown>, bearer = token) {
  const result = await runNode([
    'tests/integration/fixtures/cloud-monitoring-client.ts',
    JSON.stringify({ endpoint: server.endpoint, token: bearer, projectId, request }),
  ]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as {
    series?: {
      metric: { type: string; labels: Record<string, string> };
      points: { endSeconds: number; int64?: string; double?: number }[];
    }[];
    error?: { code: unknown; message: string };
  };
}

const requestCount = 'run.googleapis.com/request_count';
const latencies = 'run.googleapis.com/request_latencies';

describe('the local Cloud Monitoring server, through @google-cloud/monitoring (REST transport)', () => {
  it('answers projects.timeSeries.list as the client sends it: bearer token, filter, interval, aggregation, every page', async () => {
    // Prepare: five response classes of one service, another service that the filter keeps out.
    const start = Date.UTC(2026, 0, 1, 10, 0, 0);
    for (const [index, responseClass] of ['2xx', '3xx', '4xx', '5xx', '2xx'].entries()) {
      server.publish(projectId, requestCount, index + 1, {
        timestamp: start + 10_000 + index * 1000,
        metricLabels: { response_code_class: responseClass },
        resourceLabels: { service_name: 'orders' },
      });
    }
    server.publish(projectId, requestCount, 100, {
      timestamp: start + 10_000,
      metricLabels: { response_code_class: '1xx' },
      resourceLabels: { service_name: 'billing' },
    });
    server.clearRequests();

    // Act
    const result = await listWithClient({
      filter: `metric.type="${requestCount}" AND resource.labels.service_name="orders"`,
      interval: { startTime: { seconds: start / 1000 }, endTime: { seconds: start / 1000 + 60 } },
      aggregation: {
        alignmentPeriod: { seconds: 60 },
        perSeriesAligner: 'ALIGN_DELTA',
        crossSeriesReducer: 'REDUCE_SUM',
        groupByFields: ['metric.labels.response_code_class'],
      },
      view: 'FULL',
    });

    // Assess: four groups over two pages of two, in the client's hands as one list.
    expect(result.error).toBeUndefined();
    const counts = Object.fromEntries(
      (result.series ?? []).map((series) => [
        series.metric.labels.response_code_class,
        series.points[0]?.int64,
      ]),
    );
    expect(counts).toEqual({ '2xx': '6', '3xx': '2', '4xx': '3', '5xx': '4' });
    expect(result.series?.[0]?.points[0]?.endSeconds).toBe(start / 1000 + 60);
    expect(server.requests.map((request) => request.query.pageToken)).toEqual([undefined, '2']);
    const [first] = server.requests;
    expect(first).toMatchObject({
      method: 'GET',
      path: `/v3/projects/${projectId}/timeSeries`,
      authorization: `Bearer ${token}`,
      status: 200,
    });
    expect(first?.query).toMatchObject({
      filter: `metric.type="${requestCount}" AND resource.labels.service_name="orders"`,
      'interval.startTime': new Date(start).toISOString(),
      'interval.endTime': new Date(start + 60_000).toISOString(),
      'aggregation.alignmentPeriod': '60s',
      'aggregation.groupByFields': 'metric.labels.response_code_class',
    });
    // The client sends enums by number ($alt=json;enum-encoding=int): ALIGN_DELTA is 1, REDUCE_SUM 4.
    expect([
      first?.query['aggregation.perSeriesAligner'],
      first?.query['aggregation.crossSeriesReducer'],
    ]).toEqual(['1', '4']);
  }, 60_000);

  it('reduces a latency distribution to a percentile over every sample of the period', async () => {
    // Prepare
    const start = Date.UTC(2026, 0, 1, 11, 0, 0);
    for (let index = 1; index <= 20; index++) {
      server.publish(projectId, latencies, index * 10, {
        timestamp: start + index * 1000,
        resourceLabels: { service_name: 'orders', revision_name: index % 2 === 0 ? 'orders-a' : 'orders-b' },
      });
    }

    // Act
    const result = await listWithClient({
      filter: `metric.type="${latencies}" AND resource.labels.service_name="orders"`,
      interval: { startTime: { seconds: start / 1000 }, endTime: { seconds: start / 1000 + 60 } },
      aggregation: {
        alignmentPeriod: { seconds: 60 },
        perSeriesAligner: 'ALIGN_DELTA',
        crossSeriesReducer: 'REDUCE_PERCENTILE_95',
      },
    });

    // Assess
    expect(result.series?.map((series) => series.points.map((point) => point.double))).toEqual([[190]]);
  }, 60_000);

  it('refuses a wrong bearer token with UNAUTHENTICATED, which the client raises', async () => {
    // Act
    const result = await listWithClient(
      {
        filter: `metric.type="${requestCount}"`,
        interval: { startTime: { seconds: 0 }, endTime: { seconds: 60 } },
      },
      'not-the-token',
    );

    // Assess
    expect(result.error?.message).toMatch(/invalid authentication credentials/);
    expect(server.requests.at(-1)).toMatchObject({ status: 401, authorization: 'Bearer not-the-token' });
  }, 60_000);
});

describe('cloud-monitoring metric probes', () => {
  it('tell a user on Node 20 which Node the client needs, before loading it', async () => {
    // Prepare
    const probe = {
      kind: 'cloud-monitoring',
      projectId,
      requests: { filter: `metric.type="${requestCount}"`, missingData: 'unreadable' },
      periodSeconds: 60,
      delaySeconds: 180,
      pollIntervalSeconds: 30,
      onUnreadable: 'stop',
    } as MetricProbe & { kind: 'cloud-monitoring' };
    const reader = createCloudMonitoringReader(probe, { nodeVersion: '20.19.0' });

    // Act
    const failure = await reader.read(Date.now() - 120_000, Date.now()).catch((error: unknown) => error);

    // Assess
    expect(String((failure as Error).message)).toBe(
      'cloud-monitoring: cloud-monitoring probes need Node >= 22 (@google-cloud/monitoring 6 requires it); this is Node 20.19.0. Run faultline with Node 22 or 24.',
    );
  });

  /** Publishes a Cloud Run service's request metrics every 250 ms; 5xx while the store holds an enabled experiment. */
  function startPublisher(service: string, configFile: string) {
    const put = async (timestamp: number) => {
      const active = await readFile(configFile, 'utf8').then(
        (text) => (JSON.parse(text) as { enabled?: boolean }).enabled === true,
        () => false,
      );
      const resourceLabels = { service_name: service };
      server.publish(projectId, requestCount, active ? 4 : 10, {
        timestamp,
        metricLabels: { response_code_class: '2xx' },
        resourceLabels,
      });
      if (active)
        server.publish(projectId, requestCount, 6, {
          timestamp,
          metricLabels: { response_code_class: '5xx' },
          resourceLabels,
        });
      server.publish(projectId, latencies, 90, { timestamp, resourceLabels });
    };
    const now = Date.now();
    for (let at = now - 8_000; at < now; at += 250) void put(at);
    let running = true;
    const loop = (async () => {
      while (running) {
        await put(Date.now());
        await new Promise((resolveWait) => setTimeout(resolveWait, 250));
      }
    })();
    return {
      async stop() {
        running = false;
        await loop;
      },
    };
  }

  async function writeExperiment(service: string, durationSeconds: number): Promise<string> {
    const file = join(directory, `${service}.yaml`);
    const filter = (extra: string) =>
      `'metric.type="${requestCount}" AND resource.labels.service_name="${service}"${extra}'`;
    await writeFile(
      file,
      [
        'schemaVersion: 1',
        `id: ${service}`,
        'faults:',
        '  - { id: unavailable, type: status, status: 503, probability: 0.5 }',
        'run:',
        '  hypothesis: orders keep succeeding',
        '  targets:',
        '    - name: gcp',
        '      cloud: gcp',
        '      store: { kind: file, path: "${STORE_FILE}" }',
        '      metrics:',
        '        - kind: cloud-monitoring',
        `          projectId: ${projectId}`,
        '          endpoint: "${MONITORING_ENDPOINT}"',
        '          tokenEnv: GCP_MONITORING_TOKEN',
        '          periodSeconds: 1',
        // The client loads and answers slowly in a child on a loaded machine: room before data counts as late.
        '          delaySeconds: 3',
        '          pollIntervalSeconds: 0.3',
        `          requests: { filter: ${filter('')}, groupBy: [metric.labels.response_code_class] }`,
        `          errors: { filter: ${filter(' AND metric.labels.response_code_class="5xx"')}, missingData: zero }`,
        '          latencyMs:',
        `            p95: { filter: 'metric.type="${latencies}" AND resource.labels.service_name="${service}"' }`,
        '  steadyState: { successRatio: { min: 0.95 }, latencyMs: { p95: { max: 500 } }, sampleSeconds: 3 }',
        `  durationSeconds: ${durationSeconds}`,
        '  propagationWaitMs: 0',
        '  recoverySeconds: 0',
        '  stopConditions:',
        '    - { metric: errorRate, op: gt, value: 0.5, windowSeconds: 2 }',
      ].join('\n'),
    );
    return file;
  }

  it('stop an observe-only `faultline run` on Node 22 when the 5xx class rises, roll back, and keep the token out', async () => {
    // Prepare
    const service = 'orders-breach';
    const configFile = join(directory, `${service}.json`);
    const out = join(directory, service);
    const file = await writeExperiment(service, 20);
    const publisher = startPublisher(service, configFile);
    server.clearRequests();

    // Act
    const result = await runNode(
      [
        'src/bin.ts',
        'run',
        file,
        '--set',
        `STORE_FILE=${configFile}`,
        '--set',
        `MONITORING_ENDPOINT=${server.endpoint}`,
        '--out',
        out,
      ],
      { GCP_MONITORING_TOKEN: token },
    ).finally(() => publisher.stop());

    // Assess
    const journalText = await readFile(join(out, 'journal.json'), 'utf8');
    const journal = JSON.parse(journalText) as {
      status: string;
      verdict: string;
      breach?: { condition: string };
      targets: {
        rollback?: { ok: boolean };
        metrics?: { kind: string; steadyState?: { held: boolean } }[];
      }[];
    };
    expect(journal.status, result.stderr).toBe('stopped');
    expect(journal.verdict).toBe('deviated');
    expect(journal.breach?.condition, journalText).toBe('errorRate > 0.5 over 2 s (cloud-monitoring)');
    expect(journal.targets[0]?.metrics?.[0]).toMatchObject({
      kind: 'cloud-monitoring',
      steadyState: { held: true },
    });
    expect(journal.targets[0]?.rollback?.ok).toBe(true);
    await expect(readFile(configFile, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(result.code).toBe(1);
    const reads = server.requests.filter((request) => request.query.filter?.includes(service));
    expect(reads.length).toBeGreaterThan(3);
    expect(reads.every((request) => request.authorization === `Bearer ${token}`)).toBe(true);
    expect(journalText).not.toContain(token);
    expect(await readFile(join(out, 'report.html'), 'utf8')).toContain('data-metric="cloud-monitoring"');
  }, 120_000);
});
