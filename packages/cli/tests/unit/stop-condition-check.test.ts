import { type RunSection, validateRunSection } from '@faultline/core';
import { describe, expect, it } from 'vitest';
import { findUnreachableStopConditions } from '../../src/runner/stop-condition-check.js';

function run(overrides: Record<string, unknown>): RunSection {
  const result = validateRunSection({
    hypothesis: 'h',
    targets: [
      {
        name: 'a',
        cloud: 'local',
        store: { kind: 'file', path: 'x.json' },
        probe: { url: 'http://127.0.0.1:1/' },
      },
    ],
    steadyState: { successRatio: { min: 0.99 } },
    load: { ratePerSecond: 5, durationSeconds: 4 },
    propagationWaitMs: 0,
    ...overrides,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.run;
}

describe('stop conditions that can never fire', () => {
  it('finds minSamples above what the load sends in the window (the reported case: 100000 at 5 req/s for 4 s)', () => {
    const issues = findUnreachableStopConditions(
      run({
        stopConditions: [
          { metric: 'errorRate', op: 'gt', value: 0.5, windowSeconds: 5, minSamples: 100_000 },
        ],
      }),
    );
    expect(issues).toEqual([
      {
        path: 'run.stopConditions[0].minSamples',
        message: expect.stringContaining(
          'needs 100000 requests in its window, but 5 req/s over 4 s (the whole fault window) sends at most 21 per target',
        ),
        hint: expect.stringContaining('lower minSamples to at most 21'),
      },
    ]);
  });

  it('accepts a condition the planned load can fill, and counts the propagation wait and every ramp step', () => {
    expect(
      findUnreachableStopConditions(
        run({
          stopConditions: [{ metric: 'errorRate', op: 'gt', value: 0.5, windowSeconds: 3, minSamples: 15 }],
        }),
      ),
    ).toEqual([]);
    // 2 req/s: 20 samples need 10 s of window; the ramp (3 × 4 s) plus propagation (3 × 1 s) is long enough.
    const ramped = run({
      load: { ratePerSecond: 2, durationSeconds: 4 },
      propagationWaitMs: 1000,
      ramp: [
        { probability: 0.1, durationSeconds: 4 },
        { probability: 0.2, durationSeconds: 4 },
        { probability: 0.3, durationSeconds: 4 },
      ],
      stopConditions: [{ metric: 'errorRate', op: 'gt', value: 0.5, windowSeconds: 10, minSamples: 20 }],
    });
    expect(findUnreachableStopConditions(ramped)).toEqual([]);
    const { ramp: _ramp, ...withoutRamp } = ramped;
    expect(findUnreachableStopConditions(withoutRamp)).toHaveLength(1);
  });

  it('finds thresholds outside what can be measured: a ratio above 1, a value below 0, a latency above the probe timeout', () => {
    const issues = findUnreachableStopConditions(
      run({
        targets: [
          {
            name: 'a',
            cloud: 'local',
            store: { kind: 'file', path: 'x.json' },
            probe: { url: 'http://127.0.0.1:1/', timeoutMs: 2000 },
          },
        ],
        stopConditions: [
          { metric: 'errorRate', op: 'gt', value: 1, minSamples: 1 },
          { metric: 'successRatio', op: 'lt', value: 0, minSamples: 1 },
          { metric: 'latencyP95Ms', op: 'gt', value: 3000, minSamples: 1 },
          { metric: 'latencyP99Ms', op: 'gt', value: 1500, minSamples: 1 },
        ],
      }),
    );
    expect(issues.map((issue) => issue.path)).toEqual([
      'run.stopConditions[0].value',
      'run.stopConditions[1].value',
      'run.stopConditions[2].value',
    ]);
    expect(issues[2]?.message).toContain('every probe gives up after 2000 ms');
  });
});
