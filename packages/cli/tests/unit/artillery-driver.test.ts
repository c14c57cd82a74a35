import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isFaultlineError } from '@faultline/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  artilleryPeriodMs,
  parsePeriodLine,
  toMetricPoint,
} from '../../src/runner/artillery/artillery-periods.js';
import {
  resolveArtilleryNode,
  resolveArtilleryPackage,
} from '../../src/runner/artillery/artillery-runtime.js';
import { createArtilleryScript } from '../../src/runner/artillery/artillery-script.js';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'faultline-artillery-unit-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('createArtilleryScript', () => {
  it('writes one scenario with the probe request, the rate, the timeout in seconds and the live-stats plugin', () => {
    const script = createArtilleryScript({
      probe: {
        url: 'http://127.0.0.1:3000/orders/o-1?currency=EUR',
        method: 'POST',
        headers: { 'x-api-key': 'k' },
        body: '{"id":1}',
        timeoutMs: 2500,
      },
      ratePerSecond: 250,
      durationSeconds: 95.5,
    });

    expect(script).toEqual({
      config: {
        target: 'http://127.0.0.1:3000',
        phases: [{ name: 'faultline', duration: 96, arrivalRate: 250 }],
        http: { timeout: 2.5 },
        plugins: { 'faultline-live': {} },
      },
      scenarios: [
        {
          name: 'probe',
          flow: [
            { post: { url: '/orders/o-1?currency=EUR', headers: { 'x-api-key': 'k' }, body: '{"id":1}' } },
          ],
        },
      ],
    });
  });
});

describe('Artillery period reports', () => {
  const line = (report: unknown) => `faultline-period ${JSON.stringify(report)}`;

  it('reads only faultline-period lines, and ignores broken ones', () => {
    expect(parsePeriodLine('Test run id: abc')).toBeUndefined();
    expect(parsePeriodLine('faultline-period {broken')).toBeUndefined();
    expect(parsePeriodLine(line({ counters: {} }))).toBeUndefined();
    expect(
      parsePeriodLine(
        line({ period: 1000, counters: { 'http.codes.200': 3, junk: 'x' }, latency: { p95: 12 } }),
      ),
    ).toEqual({ period: 1000, counters: { 'http.codes.200': 3 }, latency: { p95: 12 } });
  });

  it('counts unexpected statuses and transport errors as failed requests, like the built-in driver', () => {
    const report = {
      period: 1_796_316_130_000,
      counters: {
        'http.requests': 60,
        'http.responses': 55,
        'http.codes.200': 40,
        'http.codes.302': 5,
        'http.codes.404': 4,
        'http.codes.503': 6,
        'errors.ETIMEDOUT': 3,
        'errors.ECONNREFUSED': 2,
      },
      latency: { p50: 12, p95: 80.5, p99: 120, max: 300, count: 55 },
    };

    // Default: 2xx and 3xx are successes.
    expect(toMetricPoint(report, undefined)).toEqual({
      timestampMs: 1_796_316_130_000,
      periodMs: artilleryPeriodMs,
      requests: 60,
      errors: 15,
      p50: 12,
      p95: 80.5,
      p99: 120,
    });
    // expectStatus replaces the default: 404 is expected, 302 is not.
    expect(toMetricPoint(report, [200, 404])).toMatchObject({ requests: 60, errors: 16 });
  });

  it('has no latency for a period without answers', () => {
    const point = toMetricPoint(
      { period: 0, counters: { 'errors.ECONNREFUSED': 7 }, latency: { p95: 0 } },
      undefined,
    );
    expect(point).toEqual({ timestampMs: 0, periodMs: artilleryPeriodMs, requests: 7, errors: 7 });
  });

  it('never counts more errors than requests', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.oneof(
            fc.integer({ min: 100, max: 599 }).map((status) => `http.codes.${status}`),
            fc.constantFrom('errors.ETIMEDOUT', 'errors.ECONNRESET'),
          ),
          fc.nat(1000),
        ),
        (counters) => {
          const point = toMetricPoint({ period: 0, counters, latency: {} }, undefined);
          expect(point.errors).toBeLessThanOrEqual(point.requests ?? 0);
        },
      ),
    );
  });
});

describe('resolveArtilleryNode', () => {
  it("uses this process's Node when it is 22.18 or newer", () => {
    const current = { path: '/usr/bin/node', version: '22.18.0' };
    expect(resolveArtilleryNode({}, current)).toBe(current);
  });

  it('falls back to FAULTLINE_NODE22_BIN / FAULTLINE_NODE24_BIN, checking their version', async () => {
    const old = join(directory, 'node-22-17');
    await writeFile(old, '#!/bin/sh\necho 22.17.1\n');
    const recent = join(directory, 'node-24');
    await writeFile(recent, '#!/bin/sh\necho 24.22.3\n');
    await Promise.all([chmod(old, 0o755), chmod(recent, 0o755)]);

    const found = resolveArtilleryNode(
      { FAULTLINE_NODE22_BIN: old, FAULTLINE_NODE24_BIN: recent },
      { path: '/usr/bin/node', version: '20.20.2' },
    );

    expect(found).toEqual({ path: recent, version: '24.22.3' });
  });

  it('refuses with a message naming what was tried and what to set, never falling back to the built-in driver', () => {
    let caught: unknown;
    try {
      resolveArtilleryNode(
        { FAULTLINE_NODE24_BIN: join(directory, 'missing-node') },
        { path: '/usr/bin/node', version: '20.20.2' },
      );
    } catch (error) {
      caught = error;
    }

    expect(isFaultlineError(caught) && caught.code).toBe('INVALID_OPTION');
    const message = (caught as Error).message;
    expect(message).toContain('Node >= 22.18');
    expect(message).toContain('this process runs Node 20.20.2');
    expect(message).toContain('FAULTLINE_NODE22_BIN is not set');
    expect(message).toContain('missing-node does not exist');
    expect(message).toContain('set FAULTLINE_NODE22_BIN');
    expect(message).toContain('nothing was injected');
  });
});

describe('resolveArtilleryPackage', () => {
  it('finds the installed artillery (the optional peer, a dev dependency here)', () => {
    const found = resolveArtilleryPackage();
    expect(found.version).toBe('2.0.34');
    expect(found.binPath).toMatch(/artillery[/\\]bin[/\\]run$/);
  });

  it('names the install command when artillery is not installed', () => {
    let caught: unknown;
    try {
      // Where artillery is not installed, resolving it fails as Node's require does.
      const notInstalled = (() => {
        const require = (() => {
          throw Object.assign(new Error("Cannot find module 'artillery/package.json'"), {
            code: 'MODULE_NOT_FOUND',
          });
        }) as unknown as NodeJS.Require;
        return Object.assign(require, { resolve: require });
      }) as unknown as (from: string) => NodeJS.Require;
      resolveArtilleryPackage([join(directory, 'package.json')], notInstalled);
    } catch (error) {
      caught = error;
    }

    expect(isFaultlineError(caught) && caught.code).toBe('SDK_MISSING');
    expect((caught as Error).message).toContain('npm i -D artillery@2.0.34');
    expect((caught as Error).message).toContain('driver: builtin');
  });
});
