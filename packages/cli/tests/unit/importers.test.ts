import { formatValidationIssues, validateExperiment } from '@faultline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ImportError,
  type ImportResult,
  importChaosLambda,
  importFailureLambda,
  regexToGlob,
} from '../../src/importers/index.js';

/** An imported document must validate against the built-in fault types, with no exception. */
function expectValidExperiment(result: ImportResult): void {
  const validation = validateExperiment(result.experiment);
  expect(validation.ok ? '' : formatValidationIssues(validation.issues)).toBe('');
}

describe('importFailureLambda (v1 feature flags)', () => {
  const allFlags = {
    latency: { enabled: true, percentage: 20, min_latency: 100, max_latency: 400 },
    timeout: { enabled: false, percentage: 5, timeout_buffer_ms: 200 },
    diskspace: { enabled: false, percentage: 1, disk_space: 100 },
    denylist: {
      enabled: true,
      percentage: 50,
      deny_list: ['s3.*.amazonaws.com', '^dynamodb\\.us-east-1\\.amazonaws\\.com$'],
    },
    statuscode: { enabled: true, percentage: 7, status_code: 503 },
    exception: { enabled: false, percentage: 10, exception_msg: 'boom' },
    corruption: { enabled: true, percentage: 3, body: '{"broken":' },
  };

  it('turns every flag into a fault, in failure-lambda’s order, with percentages as probabilities', () => {
    const result = importFailureLambda(allFlags);

    expect(result.experiment).toEqual({
      schemaVersion: 1,
      id: 'failure-lambda-import',
      description: 'Imported from a failure-lambda v1 feature-flag configuration.',
      enabled: true,
      faults: [
        { id: 'latency', type: 'latency', enabled: true, probability: 0.2, minDelayMs: 100, maxDelayMs: 400 },
        {
          id: 'timeout',
          type: 'timeout',
          enabled: false,
          probability: 0.05,
          bufferMs: 200,
          afterWait: 'continue',
        },
        {
          id: 'diskspace',
          type: 'diskfill',
          scope: 'process',
          enabled: false,
          probability: 0.01,
          sizeMb: 100,
        },
        {
          id: 'denylist',
          type: 'blackhole',
          enabled: true,
          probability: 0.5,
          hosts: ['s3.*.amazonaws.com', 'dynamodb.us-east-1.amazonaws.com'],
          behavior: 'dns',
        },
        { id: 'statuscode', type: 'status', enabled: true, probability: 0.07, status: 503 },
        { id: 'exception', type: 'exception', enabled: false, probability: 0.1, message: 'boom' },
        {
          id: 'corruption',
          type: 'corrupt',
          enabled: true,
          probability: 0.03,
          mode: 'replace',
          body: '{"broken":',
        },
      ],
    });
    expectValidExperiment(result);
  });

  it('warns where the conversion is lossy', () => {
    const { warnings } = importFailureLambda(allFlags);

    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^denylist\.deny_list\[0\]: the regex "s3\.\*\.amazonaws\.com" became the glob "s3\.\*\.amazonaws\.com", which is anchored/,
        ),
        expect.stringMatching(/^denylist\.deny_list: imported as a blackhole with behavior "dns"/),
        expect.stringMatching(
          /^percentages became probabilities \(latency 20 % → probability 0\.2; .*statuscode 7 % → probability 0\.07/,
        ),
        expect.stringMatching(/^order: failure-lambda applies flags in a fixed order/),
        expect.stringMatching(/^statuscode\.status_code: the synthetic response is cloud-neutral/),
        expect.stringMatching(/^diskspace\.disk_space: imported as a diskfill of 100 MB/),
      ]),
    );
    // The fully anchored regex converts exactly, so it needs no warning of its own.
    expect(warnings.some((warning) => warning.startsWith('denylist.deny_list[1]'))).toBe(false);
  });

  it('converts match conditions, normalizing well-known event paths', () => {
    const result = importFailureLambda({
      latency: {
        enabled: true,
        percentage: 50,
        min_latency: 200,
        max_latency: 200,
        match: [
          { path: 'requestContext.http.method', operator: 'eq', value: 'GET' },
          { path: 'headers.X-Tenant', operator: 'exists' },
          { path: 'rawPath', operator: 'startsWith', value: '/orders' },
          { path: 'detail.order.total', operator: 'eq', value: '100' },
          { path: 'queryStringParameters.debug', operator: 'regex', value: '^tr.*' },
          { path: 'detail.sku', operator: 'regex', value: 'sale' },
        ],
      },
    });

    const [fault] = result.experiment.faults as Record<string, unknown>[];
    expect(fault).toEqual({
      id: 'latency',
      type: 'latency',
      enabled: true,
      probability: 0.5,
      delayMs: 200,
      match: [
        { field: 'http.method', op: 'eq', value: 'GET' },
        { field: 'http.header.X-Tenant', op: 'exists' },
        { field: 'http.path', op: 'prefix', value: '/orders' },
        { field: 'raw.detail.order.total', op: 'eq', value: '100' },
        { field: 'http.query.debug', op: 'glob', value: 'tr*' },
        // An unanchored regex matched anywhere in the value, so the glob does too.
        { field: 'raw.detail.sku', op: 'glob', value: '*sale*' },
      ],
    });
    expect(result.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/became raw\.detail\.order\.total; raw paths are cloud-specific/),
        expect.stringMatching(/the regex "\^tr\.\*" became the glob "tr\*" \(op glob\)$/),
      ]),
    );
    expectValidExperiment(result);
  });

  it('drops a regex condition it cannot express and imports the fault switched off', () => {
    const result = importFailureLambda({
      exception: {
        enabled: true,
        percentage: 100,
        exception_msg: 'x',
        match: [
          { path: 'httpMethod', operator: 'eq', value: 'POST' },
          { path: 'path', operator: 'regex', value: '^/(orders|carts)/\\d+$' },
        ],
      },
    });

    const [fault] = result.experiment.faults as Record<string, unknown>[];
    expect(fault?.enabled).toBe(false);
    expect(fault?.match).toEqual([{ field: 'http.method', op: 'eq', value: 'POST' }]);
    expect(result.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^exception\.match\[1\]: the regex operator is not supported .*condition dropped$/,
        ),
        expect.stringMatching(
          /^exception: imported switched off \(enabled: false\) because a match condition was dropped/,
        ),
      ]),
    );
    expectValidExperiment(result);
  });

  it('reads the timeout and corruption defaults the way failure-lambda meant them', () => {
    const result = importFailureLambda({
      timeout: { enabled: true, percentage: 10 },
      corruption: { enabled: true, percentage: 10 },
    });

    expect(result.experiment.faults).toEqual([
      { id: 'timeout', type: 'timeout', enabled: true, probability: 0.1, afterWait: 'continue' },
      { id: 'corruption', type: 'corrupt', enabled: true, probability: 0.1, mode: 'mangle' },
    ]);
    expectValidExperiment(result);
  });

  it('accepts the JSON text of an SSM parameter', () => {
    const result = importFailureLambda(
      JSON.stringify({ exception: { enabled: true, percentage: 0, exception_msg: 'never' } }),
    );

    expect(result.experiment.faults).toEqual([
      { id: 'exception', type: 'exception', enabled: true, probability: 0, message: 'never' },
    ]);
  });

  it('warns about unknown flags and settings instead of dropping them silently', () => {
    const { warnings } = importFailureLambda({
      latency: { enabled: true, percentage: 10, min_latency: 1, max_latency: 2, jitter: 5 },
      bandwidth: { enabled: true },
    });

    expect(warnings).toEqual(
      expect.arrayContaining([
        'bandwidth: not a failure-lambda v1 feature flag; ignored',
        'latency.jitter: not a setting of the latency flag; ignored',
      ]),
    );
  });
});

describe('importFailureLambda (v0.x flat format)', () => {
  it.each([
    [
      { isEnabled: true, failureMode: 'latency', rate: 0.5, minLatency: 100, maxLatency: 400 },
      { id: 'latency', type: 'latency', enabled: true, probability: 0.5, minDelayMs: 100, maxDelayMs: 400 },
    ],
    [
      { isEnabled: true, failureMode: 'exception', rate: 1, exceptionMsg: 'Exception message!' },
      { id: 'exception', type: 'exception', enabled: true, probability: 1, message: 'Exception message!' },
    ],
    [
      { isEnabled: true, failureMode: 'statuscode', rate: 0.25, statusCode: 404 },
      { id: 'statuscode', type: 'status', enabled: true, probability: 0.25, status: 404 },
    ],
    [
      { isEnabled: true, failureMode: 'diskspace', rate: 0.1, diskSpace: 100 },
      { id: 'diskspace', type: 'diskfill', scope: 'process', enabled: true, probability: 0.1, sizeMb: 100 },
    ],
    [
      {
        isEnabled: true,
        failureMode: 'denylist',
        rate: 1,
        denylist: ['s3.*.amazonaws.com', '*.documents.azure.com'],
      },
      {
        id: 'denylist',
        type: 'blackhole',
        enabled: true,
        probability: 1,
        hosts: ['s3.*.amazonaws.com', '*.documents.azure.com'],
        behavior: 'dns',
      },
    ],
  ])('imports %o', (input, fault) => {
    const result = importFailureLambda(input);

    expect(result.experiment.faults).toEqual([fault]);
    expect(result.experiment.enabled).toBe(true);
    expectValidExperiment(result);
  });

  it('reads the invalid regex of the Azure docs as the glob it was meant to be', () => {
    const { warnings } = importFailureLambda({
      isEnabled: true,
      failureMode: 'denylist',
      rate: 1,
      denylist: ['*.documents.azure.com'],
    });

    expect(warnings).toContain(
      'denylist[0]: "*.documents.azure.com" is not a valid regular expression; read as the glob "*.documents.azure.com"',
    );
  });

  it('imports a switched-off configuration switched off, keeping the fault', () => {
    const result = importFailureLambda({ isEnabled: false, failureMode: 'exception', rate: 0.5 });

    expect(result.experiment.enabled).toBe(false);
    expect(result.experiment.faults).toHaveLength(1);
    expectValidExperiment(result);
  });

  it('refuses an unknown failure mode: an import that yields no fault is never a success', () => {
    expect(() => importFailureLambda({ isEnabled: true, failureMode: 'blackhole', rate: 1 })).toThrow(
      /failureMode "blackhole" is not a failure-lambda mode .*: failure-lambda injected nothing with it, so there is nothing to import/,
    );
    expect(() => importFailureLambda({ isEnabled: true, failureMode: 'latency', rate: 1 })).toThrow(
      /yields no fault, so there is nothing to import \(.*minLatency\/maxLatency: missing; latency not imported/,
    );
  });

  it("imports failure-lambda 0.2's blacklist mode as the denylist it was renamed to", () => {
    const result = importFailureLambda({
      isEnabled: true,
      failureMode: 'blacklist',
      rate: 1,
      blacklist: ['s3.*.amazonaws.com', 'dynamodb.us-east-1.amazonaws.com'],
    });

    expect(result.experiment).toMatchObject({
      enabled: true,
      faults: [
        {
          type: 'blackhole',
          enabled: true,
          probability: 1,
          hosts: ['s3.*.amazonaws.com', 'dynamodb.us-east-1.amazonaws.com'],
        },
      ],
    });
    expect(result.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/"blacklist" is failure-lambda 0\.2's name for the denylist/),
      ]),
    );
    expectValidExperiment(result);
  });

  it('refuses input that is not a failure-lambda configuration', () => {
    expect(() => importFailureLambda({ fault_type: 'latency' })).toThrow(ImportError);
    expect(() => importFailureLambda('not json')).toThrow(/not valid JSON/);
    expect(() => importFailureLambda([1])).toThrow(/must be a JSON object/);
  });
});

describe('importChaosLambda', () => {
  it.each([
    [
      { fault_type: 'latency', delay: 400, is_enabled: true, rate: 0.5 },
      { id: 'latency', type: 'latency', enabled: true, probability: 0.5, delayMs: 400 },
    ],
    [
      { fault_type: 'exception', exception_msg: 'I really failed seriously', is_enabled: true, rate: 1 },
      {
        id: 'exception',
        type: 'exception',
        enabled: true,
        probability: 1,
        message: 'I really failed seriously',
      },
    ],
    [
      { fault_type: 'status_code', error_code: 404, is_enabled: true, rate: 0.3 },
      { id: 'status-code', type: 'status', enabled: true, probability: 0.3, status: 404 },
    ],
  ])('imports %o', (input, fault) => {
    const result = importChaosLambda(input, { id: 'from-chaos' });

    expect(result.experiment.id).toBe('from-chaos');
    expect(result.experiment.faults).toEqual([fault]);
    expectValidExperiment(result);
  });

  it('imports a missing rate as probability 0 instead of crashing like chaos_lambda', () => {
    const result = importChaosLambda({ fault_type: 'latency', delay: 100, is_enabled: true });

    expect((result.experiment.faults as { probability: number }[])[0]?.probability).toBe(0);
    expect(result.warnings).toContain(
      'rate: missing, which made chaos_lambda crash instead of injecting; imported as probability 0 — set the rate you want',
    );
    expectValidExperiment(result);
  });

  it('explains that rate 0 means never here', () => {
    const { warnings } = importChaosLambda({ fault_type: 'exception', is_enabled: true, rate: 0 });

    expect(warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/^rate: 0 never injects in faultline/)]),
    );
  });

  it('imports is_enabled false as a switched-off experiment', () => {
    const result = importChaosLambda({ fault_type: 'latency', delay: 1, is_enabled: false, rate: 1 });

    expect(result.experiment.enabled).toBe(false);
    expectValidExperiment(result);
  });

  it('refuses input that is not a chaos_lambda configuration', () => {
    expect(() => importChaosLambda({ latency: { enabled: true } })).toThrow(ImportError);
  });
});

describe('importer properties', () => {
  it('always produces a valid experiment or throws an ImportError, for any failure-lambda-like input', () => {
    const flag = fc.record(
      {
        enabled: fc.oneof(fc.boolean(), fc.jsonValue()),
        percentage: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.jsonValue()),
        min_latency: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.jsonValue()),
        max_latency: fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.jsonValue()),
        exception_msg: fc.oneof(fc.string(), fc.jsonValue()),
        status_code: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.jsonValue()),
        disk_space: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.jsonValue()),
        deny_list: fc.array(
          fc.oneof(fc.constantFrom('s3.*.amazonaws.com', '^a\\.b$', '(x|y)', '*.z.com', '['), fc.string()),
        ),
        timeout_buffer_ms: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.jsonValue()),
        body: fc.jsonValue(),
        match: fc.array(
          fc.record({
            path: fc.oneof(fc.constantFrom('path', 'headers.x', 'a.b', '__proto__.x'), fc.string()),
            operator: fc.constantFrom('eq', 'exists', 'startsWith', 'regex', 'other'),
            value: fc.oneof(fc.constantFrom('^/a.*', '(x)'), fc.jsonValue()),
          }),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: [] },
    );
    const config = fc.oneof(
      fc.record(
        {
          latency: flag,
          timeout: flag,
          diskspace: flag,
          denylist: flag,
          statuscode: flag,
          exception: flag,
          corruption: flag,
        },
        { requiredKeys: [] },
      ),
      fc.record({
        isEnabled: fc.oneof(fc.boolean(), fc.jsonValue()),
        failureMode: fc.constantFrom('latency', 'exception', 'statuscode', 'diskspace', 'denylist', 'x'),
        rate: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.jsonValue()),
        minLatency: fc.jsonValue(),
        maxLatency: fc.jsonValue(),
        exceptionMsg: fc.jsonValue(),
        statusCode: fc.jsonValue(),
        diskSpace: fc.jsonValue(),
        denylist: fc.jsonValue(),
      }),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(config, (input) => {
        let result: ImportResult;
        try {
          result = importFailureLambda(input);
        } catch (error) {
          expect(error).toBeInstanceOf(ImportError);
          return;
        }
        expectValidExperiment(result);
      }),
      { numRuns: 400 },
    );
  });
});

describe('chaos_lambda importer properties', () => {
  it('always produces a valid experiment or throws an ImportError', () => {
    const config = fc.oneof(
      fc.record(
        {
          fault_type: fc.oneof(fc.constantFrom('latency', 'exception', 'status_code'), fc.jsonValue()),
          delay: fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.jsonValue()),
          is_enabled: fc.oneof(fc.boolean(), fc.jsonValue()),
          error_code: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.jsonValue()),
          exception_msg: fc.oneof(fc.string({ maxLength: 2000 }), fc.jsonValue()),
          rate: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.jsonValue()),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(config, (input) => {
        let result: ImportResult;
        try {
          result = importChaosLambda(input);
        } catch (error) {
          expect(error).toBeInstanceOf(ImportError);
          return;
        }
        expectValidExperiment(result);
      }),
      { numRuns: 400 },
    );
  });
});

describe('regexToGlob', () => {
  it.each([
    ['s3.*.amazonaws.com', { ok: true, glob: 's3.*.amazonaws.com', exact: false }],
    ['^api\\.example\\.com$', { ok: true, glob: 'api.example.com', exact: true }],
    ['^/orders/.+$', { ok: true, glob: '/orders/?*', exact: true }],
    ['.*internal', { ok: true, glob: '*internal', exact: false }],
    ['^/orders/.*$', { ok: true, glob: '/orders/*', exact: true }],
  ])('converts %s', (pattern, expected) => {
    expect(regexToGlob(pattern)).toEqual(expected);
  });

  it.each(['(a|b)', '[a-z]+', 'a\\d', 'ab?', 'a{2}', ''])('refuses %s', (pattern) => {
    expect(regexToGlob(pattern).ok).toBe(false);
  });
});

/** Whether an imported experiment can inject at all: switched on, with a switched-on fault that has a chance. */
function canFire(result: ImportResult): boolean {
  if (result.experiment.enabled === false) return false;
  return (result.experiment.faults as { enabled?: unknown; probability?: unknown }[]).some(
    (fault) => fault.enabled !== false && fault.probability !== 0,
  );
}

/** JavaScript's Number() the way failure-lambda's `Math.random() < rate` applies it (a throwing conversion is NaN). */
function jsNumber(value: unknown): number {
  try {
    return Number(value);
  } catch {
    return Number.NaN;
  }
}

const anyJson = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom('true', 'false', 'yes', 1, 0, '1', '0.5', null, [], [1], ['0.3'], '', ' ', true, false),
);

/** Runs an importer; `undefined` when it refused (an ImportError), which is a fine answer for any input. */
function tryImport(run: () => ImportResult): ImportResult | undefined {
  try {
    return run();
  } catch (error) {
    expect(error).toBeInstanceOf(ImportError);
    return undefined;
  }
}

describe("a config that never fired does not fire after import (each tool's own truthiness and types)", () => {
  it('failure-lambda 0.x: injects only when isEnabled === true and Math.random() < rate; the import agrees exactly', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(true), anyJson),
        fc.oneof(fc.double({ min: -1, max: 3, noNaN: true }), anyJson),
        (isEnabled, rate) => {
          const result = tryImport(() =>
            importFailureLambda({ isEnabled, failureMode: 'exception', rate, exceptionMsg: 'boom' }),
          );
          if (result === undefined) throw new Error('a complete exception config must import');
          const chance = jsNumber(rate);
          const fired = isEnabled === true && chance > 0;

          expect(canFire(result)).toBe(fired);
          if (fired) {
            const [fault] = result.experiment.faults as { probability: number }[];
            expect(fault?.probability).toBeCloseTo(Math.min(1, chance), 9);
          }
          if (typeof isEnabled !== 'boolean') expect(result.warnings.join('\n')).toContain('isEnabled:');
          if (typeof rate !== 'number') expect(result.warnings.join('\n')).toContain('rate:');
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("failure-lambda 1.x: a flag fires only when it passes failure-lambda's validation with enabled: true", () => {
    const flag = fc.record(
      {
        enabled: fc.oneof(fc.boolean(), anyJson),
        percentage: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100 }), anyJson),
        exception_msg: fc.oneof(fc.string({ maxLength: 20 }), anyJson),
        match: fc.oneof(
          fc.constant(undefined),
          fc.array(
            fc.record(
              {
                path: fc.oneof(fc.constantFrom('path', 'headers.x'), anyJson),
                operator: fc.oneof(fc.constantFrom('eq', 'exists', 'startsWith'), anyJson),
                value: fc.oneof(fc.constantFrom('/a', 'x'), anyJson),
              },
              { requiredKeys: ['path'] },
            ),
            { maxLength: 2 },
          ),
        ),
      },
      { requiredKeys: ['enabled'] },
    );
    fc.assert(
      fc.property(flag, (exception) => {
        const result = tryImport(() => importFailureLambda({ exception }));
        const percentage = exception.percentage;
        const validPercentage =
          percentage === undefined ||
          (typeof percentage === 'number' &&
            Number.isInteger(percentage) &&
            percentage >= 0 &&
            percentage <= 100);
        const validMatch =
          exception.match === undefined ||
          exception.match.every((condition) => {
            const operator = condition.operator ?? 'eq';
            return (
              typeof condition.path === 'string' &&
              ['eq', 'exists', 'startsWith', 'regex'].includes(operator as string) &&
              (operator === 'exists' || typeof condition.value === 'string')
            );
          });
        const valid =
          typeof exception.enabled === 'boolean' &&
          validPercentage &&
          (exception.exception_msg === undefined || typeof exception.exception_msg === 'string') &&
          validMatch;
        const fired = valid && exception.enabled === true && (percentage ?? 100) > 0;

        // An import may be more careful than the tool (it switches a flag off when it had to drop a condition),
        // never less: what never fired never fires.
        if (!fired) expect(result === undefined || !canFire(result)).toBe(true);
        if (typeof exception.enabled !== 'boolean' && result !== undefined) {
          expect(result.warnings.join('\n')).toMatch(/exception: failure-lambda skips this flag/);
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('chaos_lambda: is_enabled by Python truthiness, a rate that is not a number crashed it; the import agrees', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(undefined), fc.boolean(), anyJson),
        fc.oneof(fc.constant(undefined), fc.double({ min: -1, max: 3, noNaN: true }), anyJson),
        (isEnabled, rate) => {
          const config: Record<string, unknown> = { fault_type: 'exception', exception_msg: 'boom' };
          if (isEnabled !== undefined) config.is_enabled = isEnabled;
          if (rate !== undefined) config.rate = rate;
          const result = tryImport(() => importChaosLambda(config));
          if (result === undefined) throw new Error('a complete exception config must import');
          const truthy =
            isEnabled !== undefined &&
            !(
              isEnabled === null ||
              isEnabled === false ||
              isEnabled === 0 ||
              isEnabled === '' ||
              (Array.isArray(isEnabled) && isEnabled.length === 0) ||
              (typeof isEnabled === 'object' &&
                !Array.isArray(isEnabled) &&
                Object.keys(isEnabled).length === 0)
            );
          const numeric =
            typeof rate === 'number' ? rate : typeof rate === 'boolean' ? Number(rate) : undefined;
          const fired = truthy && numeric !== undefined && numeric > 0;

          expect(canFire(result)).toBe(fired);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
