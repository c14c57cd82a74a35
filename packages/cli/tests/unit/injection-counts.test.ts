import { stickySampleFires, validateExperiment } from '@faultline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CountedFault,
  countedFaultsOf,
  countInjections,
  createRunToken,
} from '../../src/runner/injection-counts.js';
import type { Sample } from '../../src/runner/metrics.js';

const slow: CountedFault = { id: 'slow', type: 'latency', probability: 0.5, conditional: false };
const down: CountedFault = { id: 'down', type: 'status', probability: 0.2, conditional: false };

function sample(atMs: number, injected?: string[], overrides: Partial<Sample> = {}): Sample {
  return {
    atMs,
    latencyMs: 10,
    ok: true,
    status: 200,
    ...(injected === undefined ? {} : { injected }),
    ...overrides,
  };
}

/** `count` samples, the first `marked` of which name `ids`. */
function samples(count: number, marked: number, ids: string[]): Sample[] {
  return Array.from({ length: count }, (_, index) => sample(index * 10, index < marked ? ids : undefined));
}

describe('createRunToken', () => {
  it('is a fresh token the experiment schema accepts', () => {
    const token = createRunToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(createRunToken()).not.toBe(token);
    const document = { schemaVersion: 1, id: 'run', runToken: token, faults: [] };
    expect(validateExperiment(document).ok).toBe(true);
  });
});

describe('countedFaultsOf', () => {
  it('keeps the faults that can fire and marks the conditional ones', () => {
    expect(
      countedFaultsOf({
        faults: [
          { id: 'a', type: 'latency', probability: 0.5 },
          { id: 'off', type: 'latency', probability: 1, enabled: false },
          { id: 'zero', type: 'latency', probability: 0 },
          {
            id: 'route',
            type: 'status',
            probability: 1,
            match: [{ field: 'http.path', op: 'eq', value: '/x' }],
          },
          { id: 'tenant', type: 'status', probability: 0.3, sampleBy: 'http.header.x-tenant' },
          { id: 'all', type: 'status', probability: 1, sampleBy: 'http.header.x-tenant' },
        ],
      }),
    ).toEqual([
      { id: 'a', type: 'latency', probability: 0.5, conditional: false },
      { id: 'route', type: 'status', probability: 1, conditional: true },
      { id: 'tenant', type: 'status', probability: 0.3, conditional: true },
      { id: 'all', type: 'status', probability: 1, conditional: false },
    ]);
  });
});

describe('countInjections', () => {
  it('counts per fault and proves injection when the counts match the probability', () => {
    const observed = [
      ...samples(100, 50, ['slow']),
      ...Array.from({ length: 20 }, (_, index) => sample(2000 + index, ['slow', 'down'])),
    ];
    const proof = countInjections({ faults: [slow, down], mode: 'enforce', samples: observed });
    expect(proof.status).toBe('proven');
    expect(proof.requests).toBe(120);
    expect(proof.markedRequests).toBe(70);
    expect(proof.faults).toEqual([
      expect.objectContaining({ id: 'slow', injected: 70, expected: 60, status: 'proven' }),
      expect.objectContaining({ id: 'down', injected: 20, expected: 24, status: 'proven' }),
    ]);
  });

  it('is never proven when an armed fault fired zero times in enough requests', () => {
    const proof = countInjections({ faults: [slow], mode: 'enforce', samples: samples(100, 0, []) });
    expect(proof.status).toBe('not-proven');
    expect(proof.faults[0]).toMatchObject({ injected: 0, status: 'not-injected' });
    expect(proof.reason).toContain('slow: no injection observed');
  });

  it('is not proven when a fault fired far less often than its probability makes likely', () => {
    const proof = countInjections({ faults: [slow], mode: 'enforce', samples: samples(400, 20, ['slow']) });
    expect(proof.faults[0]).toMatchObject({ injected: 20, expected: 200, status: 'below-expected' });
    expect(proof.status).toBe('not-proven');
  });

  it('is not proven when nothing was observed, even with too few requests to expect a count', () => {
    const rare: CountedFault = { id: 'rare', type: 'latency', probability: 0.01, conditional: false };
    const proof = countInjections({ faults: [rare], mode: 'enforce', samples: samples(20, 0, []) });
    expect(proof.faults[0]?.status).toBe('too-few-requests');
    expect(proof.status).toBe('not-proven');
    expect(countInjections({ faults: [rare], mode: 'enforce', samples: [] }).status).toBe('not-proven');
  });

  it('accepts failures the platform answered itself (no marker possible) as the gap, where it does', () => {
    const crash: CountedFault = { id: 'crash', type: 'exception', probability: 0.5, conditional: false };
    const failures = Array.from({ length: 50 }, (_, index) =>
      sample(index, undefined, { ok: false, status: 502, error: 'HTTP 502' }),
    );
    const observed = [...failures, ...samples(50, 0, [])];
    const lambda = countInjections({ faults: [crash], mode: 'enforce', samples: observed });
    expect(lambda.failuresWithoutMarker).toBe(50);
    expect(lambda.faults[0]?.status).toBe('unmarked');
    expect(lambda.status).toBe('proven');
    // On Cloud Functions the framework's 500 carries the marker: an unmarked 5xx is not an injection.
    const gcp = countInjections({
      faults: [crash],
      mode: 'enforce',
      samples: observed,
      platformAnswersFailures: false,
    });
    expect(gcp.failuresWithoutMarker).toBe(0);
    expect(gcp.status).toBe('not-proven');
  });

  it('expects nothing of a conditional fault, and counts it when it fired', () => {
    const route: CountedFault = { id: 'route', type: 'status', probability: 1, conditional: true };
    const none = countInjections({
      faults: [slow, route],
      mode: 'enforce',
      samples: samples(100, 50, ['slow']),
    });
    expect(none.faults[1]).toEqual({
      id: 'route',
      type: 'status',
      probability: 1,
      injected: 0,
      status: 'not-observed',
    });
    expect(none.status).toBe('proven');
    const some = countInjections({ faults: [route], mode: 'enforce', samples: samples(10, 3, ['route']) });
    expect(some.faults[0]).toMatchObject({ injected: 3, status: 'proven' });
  });

  it('follows the ramp, at the lower probability while a step propagates', () => {
    const full: CountedFault = { id: 'full', type: 'latency', probability: 1, conditional: false };
    const observed = Array.from({ length: 100 }, (_, index) => sample(index * 100));
    const proof = countInjections({
      faults: [full],
      mode: 'enforce',
      samples: observed,
      steps: [
        { startMs: 0, probability: 0.1 },
        { startMs: 5000, probability: 0.5 },
      ],
      propagationWaitMs: 1000,
    });
    // 60 requests at 0.1 (50 before the step, 10 while it propagates), 40 at 0.5.
    expect(proof.faults[0]?.expected).toBe(26);
  });

  it('reports dry-run and probe-less targets without counting', () => {
    expect(countInjections({ faults: [slow], mode: 'dry-run', samples: samples(10, 0, []) }).status).toBe(
      'dry-run',
    );
    const observeOnly = countInjections({ faults: [slow], mode: 'enforce', samples: undefined });
    expect(observeOnly.status).toBe('not-observable');
    expect(observeOnly.reason).toContain('inject events');
  });

  it('ignores fault ids the experiment does not have', () => {
    const proof = countInjections({ faults: [slow], mode: 'enforce', samples: samples(10, 10, ['other']) });
    expect(proof.faults[0]?.injected).toBe(0);
    expect(proof.markedRequests).toBe(10);
  });

  it('rarely calls an honest binomial count short (property: counts at the expected mean are proven)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99 }), fc.integer({ min: 20, max: 500 }), (percent, count) => {
        const probability = percent / 100;
        const fault: CountedFault = { id: 'f', type: 'latency', probability, conditional: false };
        const injected = Math.round(probability * count);
        const proof = countInjections({
          faults: [fault],
          mode: 'enforce',
          samples: samples(count, injected, ['f']),
        });
        const status = proof.faults[0]?.status;
        return injected === 0 ? status !== 'proven' : status === 'proven';
      }),
    );
  });
});

describe('the request-by-request check of sticky faults', () => {
  const experiment = { id: 'orders', seed: 's-1' };
  const sticky: CountedFault = {
    id: 'slow',
    type: 'latency',
    probability: 0.3,
    conditional: false,
    stickyKey: { header: 'x-faultline-probe-id' },
  };
  // Computed here with the engine's own decision; the module under test must agree request by request.
  const selects = (probeId: string, probability = 0.3) =>
    stickySampleFires({ seed: 's-1', experimentId: 'orders', faultId: 'slow', probability, key: probeId });
  const ids = Array.from({ length: 200 }, (_, index) => `ab12cd34-${index + 1}`);
  const faithful = ids.map((probeId, index) =>
    sample(index * 10, selects(probeId) ? ['slow'] : undefined, { probeId }),
  );

  it('finds the sticky key among the probe headers: its own id, or a fixed header it sends', () => {
    const document = {
      faults: [
        {
          id: 'per-request',
          type: 'latency',
          probability: 0.3,
          sampleBy: 'http.header.x-faultline-probe-id',
        },
        { id: 'tenant', type: 'latency', probability: 0.3, sampleBy: 'http.header.X-Tenant' },
        { id: 'user', type: 'latency', probability: 0.3, sampleBy: 'http.header.x-user' },
        {
          id: 'matched',
          type: 'latency',
          probability: 0.3,
          sampleBy: 'http.header.x-faultline-probe-id',
          match: [{ field: 'http.path', op: 'eq', value: '/x' }],
        },
      ],
    };
    expect(countedFaultsOf(document, { 'X-Tenant': 't-42' })).toEqual([
      {
        id: 'per-request',
        type: 'latency',
        probability: 0.3,
        conditional: false,
        stickyKey: { header: 'x-faultline-probe-id' },
      },
      {
        id: 'tenant',
        type: 'latency',
        probability: 0.3,
        conditional: false,
        stickyKey: { header: 'x-tenant', value: 't-42' },
      },
      // Not sent by the probe, or behind conditions the run cannot evaluate: counted as before.
      { id: 'user', type: 'latency', probability: 0.3, conditional: true },
      { id: 'matched', type: 'latency', probability: 0.3, conditional: true },
    ]);
  });

  it('is exact when every request got the injection its key selects', () => {
    const proof = countInjections({ faults: [sticky], mode: 'enforce', samples: faithful, experiment });
    const selected = ids.filter((id) => selects(id)).length;
    expect(selected).toBeGreaterThan(30);
    expect(proof.status).toBe('proven');
    expect(proof.probeIds).toEqual({ first: 'ab12cd34-1', last: 'ab12cd34-200' });
    const [slow] = proof.faults;
    expect(slow).toMatchObject({ status: 'exact', injected: selected, expected: selected });
    expect(slow?.exact).toMatchObject({
      sampled: selected,
      sampledAndMarked: selected,
      sampledButUnmarked: 0,
      markedButNotSampled: 0,
      mismatches: [],
    });
  });

  it('is a mismatch (never proven) when as many requests were injected, but not the selected ones', () => {
    // The right number of injections on the wrong requests: the count alone would call it proven.
    const selected = ids.filter((id) => selects(id)).length;
    let left = selected;
    const shifted = ids.map((probeId, index) => {
      const mark = !selects(probeId) && left-- > 0;
      return sample(index * 10, mark ? ['slow'] : undefined, { probeId });
    });
    const { stickyKey: _unused, ...counting } = sticky;
    const counted = countInjections({
      faults: [counting],
      mode: 'enforce',
      samples: shifted,
    });
    expect(counted.status).toBe('proven');
    const proof = countInjections({ faults: [sticky], mode: 'enforce', samples: shifted, experiment });
    expect(proof.status).toBe('not-proven');
    const [slow] = proof.faults;
    expect(slow?.status).toBe('mismatch');
    expect(slow?.injected).toBe(selected);
    expect(slow?.exact?.markedButNotSampled).toBe(selected);
    expect(slow?.exact?.mismatches).toHaveLength(10);
    expect(proof.reason).toContain('differ from the ones its sticky sampling selects');
  });

  it('is a mismatch when one selected request was not injected once the config is in force', () => {
    const missing = faithful.findLastIndex((entry) => entry.injected !== undefined);
    const withGap = faithful.map((entry, index) =>
      index === missing ? sample(entry.atMs, undefined, { probeId: entry.probeId as string }) : entry,
    );
    const proof = countInjections({ faults: [sticky], mode: 'enforce', samples: withGap, experiment });
    expect(proof.faults[0]?.status).toBe('mismatch');
    expect(proof.faults[0]?.exact?.mismatches).toEqual([
      { probeId: withGap[missing]?.probeId, atMs: missing * 10, sampled: true, marked: false },
    ]);
  });

  it('does not compare the requests sent before the first marked response arrived (settling)', () => {
    const firstMarked = faithful.findIndex((entry) => entry.injected !== undefined);
    // Requests up to and including the first selected one met the previous config: none marked.
    const late = faithful.map((entry, index) =>
      index <= firstMarked + 3 ? sample(entry.atMs, undefined, { probeId: entry.probeId as string }) : entry,
    );
    const proof = countInjections({ faults: [sticky], mode: 'enforce', samples: late, experiment });
    const [slow] = proof.faults;
    expect(slow?.status).toBe('exact');
    expect(slow?.exact?.settling).toBeGreaterThan(firstMarked);
    expect(proof.inForceFromMs).toBeGreaterThan(firstMarked * 10);
    // But a marker on a request its key does not select is a mismatch even then.
    const unselected = late.findIndex((entry, index) => index < firstMarked && entry.injected === undefined);
    const wrong = late.map((entry, index) =>
      index === unselected ? { ...entry, injected: ['slow'] } : entry,
    );
    expect(
      countInjections({ faults: [sticky], mode: 'enforce', samples: wrong, experiment }).faults[0]?.status,
    ).toBe('mismatch');
  });

  it('accepts a selected request the platform failed without a marker, and budget hold-backs when capped', () => {
    const index = faithful.findLastIndex((entry) => entry.injected !== undefined);
    const probeId = faithful[index]?.probeId as string;
    const failed = faithful.map((entry, at) =>
      at === index ? sample(entry.atMs, undefined, { probeId, ok: false, status: 502 }) : entry,
    );
    const answered = countInjections({ faults: [sticky], mode: 'enforce', samples: failed, experiment });
    expect(answered.faults[0]).toMatchObject({ status: 'exact', exact: { answeredByPlatform: 1 } });
    const unmarked = failed.map((entry, at) => (at === index ? { ...entry, ok: true, status: 200 } : entry));
    expect(
      countInjections({ faults: [sticky], mode: 'enforce', samples: unmarked, experiment }).faults[0]?.status,
    ).toBe('mismatch');
    const capped = countInjections({
      faults: [sticky],
      mode: 'enforce',
      samples: unmarked,
      experiment,
      injectionBudget: true,
    });
    expect(capped.faults[0]).toMatchObject({ status: 'exact', exact: { heldBack: 1 } });
  });

  it('with a fixed key, expects all requests or none, exactly', () => {
    const tenant: CountedFault = { ...sticky, stickyKey: { header: 'x-tenant', value: 't-1' } };
    const keyFires = (key: string) =>
      stickySampleFires({ seed: 's-1', experimentId: 'orders', faultId: 'slow', probability: 0.3, key });
    const chosen = ['t-1', 't-2', 't-3', 't-4', 't-5', 't-6', 't-7', 't-8'].find(keyFires) as string;
    const spared = ['t-1', 't-2', 't-3', 't-4', 't-5', 't-6', 't-7', 't-8'].find(
      (key) => !keyFires(key),
    ) as string;
    const all = ids.slice(0, 50).map((probeId, index) => sample(index * 10, ['slow'], { probeId }));
    const none = ids.slice(0, 50).map((probeId, index) => sample(index * 10, undefined, { probeId }));
    const count = (key: string, observed: Sample[]) =>
      countInjections({
        faults: [{ ...tenant, stickyKey: { header: 'x-tenant', value: key } }],
        mode: 'enforce',
        samples: observed,
        experiment,
      }).faults[0];
    expect(count(chosen, all)).toMatchObject({ status: 'exact', expected: 50, injected: 50 });
    expect(count(spared, none)).toMatchObject({ status: 'not-observed', expected: 0, injected: 0 });
    expect(count(spared, all)?.status).toBe('mismatch');
    expect(count(chosen, none)?.status).toBe('mismatch');
  });

  it('leaves out the requests right after a ramp step, when either probability may be in force', () => {
    const steps = [
      { startMs: 0, probability: 0.3 },
      { startMs: 1000, probability: 0.6 },
    ];
    const ramped = ids.map((probeId, index) => {
      const atMs = index * 10;
      const probability = atMs >= 1000 + 200 ? 0.6 : 0.3;
      return sample(atMs, selects(probeId, probability) ? ['slow'] : undefined, { probeId });
    });
    const proof = countInjections({
      faults: [sticky],
      mode: 'enforce',
      samples: ramped,
      experiment,
      steps,
      propagationWaitMs: 200,
    });
    expect(proof.faults[0]?.status).toBe('exact');
    expect(proof.faults[0]?.exact?.undecided).toBeGreaterThan(0);
  });
});
