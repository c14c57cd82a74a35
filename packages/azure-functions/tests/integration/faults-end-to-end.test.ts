import { randomUUID } from 'node:crypto';
import type { HttpRequest, InvocationContext } from '@azure/functions';
import { createFaultEngine, createInlineSource, type FaultEngine } from '@faultline/core';
import {
  createMemorySink,
  createSamplingPrefix,
  immediateSleep,
  type MemorySink,
  sampleFires,
  stickyUnit,
} from '@faultline/core/testing';
import {
  type AppConfigurationServer,
  type AzureFunctionsHttpServer,
  installAzureFunctionsHost,
  startAppConfigurationServer,
} from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppConfigurationSource } from '../../src/app-configuration/index.js';
import { installFaults, withFaults } from '../../src/index.js';

const host = installAzureFunctionsHost({ onLog: () => {} });
const { app } = await import('@azure/functions');

const unique = (name: string): string => `${name}${randomUUID().slice(0, 8)}`;

function experimentText(faults: object[], extra: object = {}): string {
  return JSON.stringify({ schemaVersion: 1, id: 'azure-e2e', faults, ...extra });
}

/** Retries `check` until it passes; real time is unavoidable when a background refresh must land. */
async function eventually(check: () => Promise<void>, attempts = 250): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    try {
      await check();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  throw lastError;
}

const echo = async (request: HttpRequest, context: InvocationContext) => ({
  status: 200,
  jsonBody: {
    function: context.functionName,
    tenant: request.headers.get('x-tenant'),
    path: new URL(request.url).pathname,
  },
});

describe('Azure Functions with faults from App Configuration, through the local host', () => {
  let appConfiguration: AppConfigurationServer;
  let server: AzureFunctionsHttpServer;

  beforeAll(async () => {
    appConfiguration = await startAppConfigurationServer();
    server = await host.listen({ routePrefix: 'api' });
  });
  afterAll(async () => {
    await server.stop();
    await appConfiguration.stop();
  });

  function appConfigurationEngine(
    key: string,
    sink: MemorySink,
    connectionString = appConfiguration.connectionString,
  ) {
    return createFaultEngine({
      source: createAppConfigurationSource({
        key,
        label: 'e2e',
        connectionString,
        clientOptions: { tlsOptions: { ca: appConfiguration.ca }, retryOptions: { maxRetries: 0 } },
        environment: {},
      }),
      cache: { ttlMs: 0, jitterRatio: 0, errorBackoffMs: 60_000 },
      onEvent: sink,
      logLevel: 'debug',
      sleep: immediateSleep,
      environment: {},
    });
  }

  it('injects what the key value says, follows changes, and revalidates with 304s in between', async () => {
    // Prepare
    const key = unique('faultline:e2e:');
    const route = unique('follow');
    appConfiguration.setKeyValue(
      key,
      experimentText([{ id: 'down', type: 'status', probability: 1, status: 503 }]),
      {
        label: 'e2e',
      },
    );
    const sink = createMemorySink();
    const engine = appConfigurationEngine(key, sink);
    app.http(route, { route, handler: withFaults(echo, { engine, stage: 'test' }) });
    const call = () => fetch(`${server.url}/api/${route}`);

    // Act
    const whileDown = [await call(), await call(), await call()].map((response) => response.status);
    appConfiguration.setKeyValue(key, experimentText([]), { label: 'e2e' });
    await eventually(async () => {
      expect((await call()).status).toBe(200);
    });
    const requests = appConfiguration.requests.filter((request) => request.key === key);

    // Assess
    expect(whileDown).toEqual([503, 503, 503]);
    expect(requests.filter((request) => request.status === 200)).toHaveLength(2);
    expect(requests.filter((request) => request.status === 304).length).toBeGreaterThanOrEqual(1);
    expect(requests.every((request) => request.status === 200 || request.status === 304)).toBe(true);
    expect(sink.ofType('config-load')).toHaveLength(2);
  });

  it('keeps serving when the secret is wrong, reporting one config-error event and injecting nothing', async () => {
    // Prepare
    const key = unique('faultline:e2e:');
    const route = unique('wrongSecret');
    appConfiguration.setKeyValue(
      key,
      experimentText([{ id: 'down', type: 'status', probability: 1, status: 503 }]),
      {
        label: 'e2e',
      },
    );
    const wrongSecret = Buffer.from('wrong-secret-for-e2e').toString('base64');
    const sink = createMemorySink();
    const engine = appConfigurationEngine(
      key,
      sink,
      `Endpoint=${appConfiguration.endpoint};Id=${appConfiguration.credentialId};Secret=${wrongSecret}`,
    );
    app.http(route, { route, handler: withFaults(echo, { engine, stage: 'test' }) });

    // Act
    const statuses: number[] = [];
    for (let index = 0; index < 5; index += 1)
      statuses.push((await fetch(`${server.url}/api/${route}`)).status);

    // Assess
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const errors = sink.ofType('config-error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('401');
    expect(sink.ofType('inject')).toHaveLength(0);
    expect(JSON.stringify(sink.events)).not.toContain(wrongSecret);
    expect(
      appConfiguration.requests.filter((request) => request.key === key).map((request) => request.status),
    ).toEqual([401]);
  });
});

describe('installFaults: zero-touch instrumentation through the v4 invocation hooks', () => {
  let server: AzureFunctionsHttpServer;
  let engine: FaultEngine;
  let sink: MemorySink;
  const plain = unique('plainOrders');
  const explicit = unique('explicitOrders');
  const excluded = unique('health');

  beforeAll(async () => {
    sink = createMemorySink();
    engine = createFaultEngine({
      source: createInlineSource(
        experimentText([
          {
            id: 'teapot',
            type: 'status',
            probability: 1,
            status: 418,
            match: [{ field: 'trigger', op: 'eq', value: 'http' }],
          },
        ]),
      ),
      onEvent: sink,
      sleep: immediateSleep,
      environment: {},
    });
    app.http(plain, { route: plain, handler: echo });
    app.http(explicit, { route: explicit, handler: withFaults(echo, { engine, stage: 'test' }) });
    app.http(excluded, { route: excluded, handler: echo });
    server = await host.listen();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('injects into unwrapped functions, never twice into explicitly wrapped ones, and stops on dispose', async () => {
    // Prepare
    const installed = installFaults(app, {
      engine,
      functions: [`${plain}`, `${explicit}`],
      stage: 'test',
      environment: {},
    });

    // Act
    const plainStatus = (await fetch(`${server.url}/api/${plain}`)).status;
    const explicitStatus = (await fetch(`${server.url}/api/${explicit}`)).status;
    const excludedStatus = (await fetch(`${server.url}/api/${excluded}`)).status;
    const injectionsBeforeDispose = sink.ofType('inject').length;
    installed.dispose();
    const afterDispose = (await fetch(`${server.url}/api/${plain}`)).status;

    // Assess
    expect(plainStatus).toBe(418);
    expect(explicitStatus).toBe(418);
    expect(excludedStatus).toBe(200);
    expect(injectionsBeforeDispose).toBe(2);
    expect(afterDispose).toBe(200);
    expect(host.hookCount('preInvocation')).toBe(0);
  });

  it('does nothing under the kill switch', async () => {
    // Act
    const installed = installFaults(app, { engine, environment: { FAULTLINE_DISABLED: '1' } });
    const status = (await fetch(`${server.url}/api/${plain}`)).status;
    installed.dispose();

    // Assess
    expect(status).toBe(200);
    expect(host.hookCount('preInvocation')).toBe(0);
  });
});

describe('concurrency isolation in one worker process', () => {
  let server: AzureFunctionsHttpServer;
  const route = unique('concurrent');
  const experiment = {
    schemaVersion: 1,
    id: 'azure-concurrency',
    seed: 'isolation',
    faults: [
      // Real, random delays make the invocations interleave inside the one process.
      { id: 'jitter', type: 'latency', probability: 1, minDelayMs: 0, maxDelayMs: 15 },
      {
        id: 'broken',
        type: 'corrupt',
        probability: 0.3,
        sampleBy: 'http.header.x-tenant',
        mode: 'replace',
        body: 'corrupted',
      },
      { id: 'down', type: 'status', probability: 0.2, sampleBy: 'http.header.x-tenant', status: 503 },
    ],
  };
  const fires = (faultId: string, probability: number, tenant: string) =>
    sampleFires(
      probability,
      stickyUnit(createSamplingPrefix('isolation', 'azure-concurrency', faultId), tenant),
    );

  beforeAll(async () => {
    const engine = createFaultEngine({
      source: createInlineSource(experiment),
      onEvent: () => {},
      environment: {},
    });
    app.http(route, { route: `${route}/{tenant}`, handler: withFaults(echo, { engine, stage: 'test' }) });
    server = await host.listen();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('affects exactly the sampled invocations among 200 concurrent ones, each answering with its own data', async () => {
    // Prepare
    const tenants = Array.from({ length: 200 }, (_, index) => `tenant-${index}`);

    // Act
    const outcomes = await Promise.all(
      tenants.map(async (tenant) => {
        const response = await fetch(`${server.url}/api/${route}/${tenant}`, {
          headers: { 'x-tenant': tenant },
        });
        return { tenant, status: response.status, body: await response.text() };
      }),
    );

    // Assess
    let down = 0;
    let corrupted = 0;
    for (const { tenant, status, body } of outcomes) {
      if (fires('down', 0.2, tenant)) {
        down += 1;
        expect(status, tenant).toBe(503);
      } else if (fires('broken', 0.3, tenant)) {
        corrupted += 1;
        expect({ status, body }, tenant).toEqual({ status: 200, body: 'corrupted' });
      } else {
        expect(status, tenant).toBe(200);
        expect(JSON.parse(body), tenant).toEqual({
          function: route,
          tenant,
          path: `/api/${route}/${tenant}`,
        });
      }
    }
    // The split is not degenerate: some invocations of each kind ran side by side.
    expect(down).toBeGreaterThan(10);
    expect(corrupted).toBeGreaterThan(10);
    expect(200 - down - corrupted).toBeGreaterThan(50);
  });
});
