import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentile, summarize, toTimeline } from '../../src/runner/metrics.js';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 95)).toBe(40);
    expect(percentile([], 95)).toBe(0);
  });

  it('always returns a member of the list, monotonic in p', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1 }), (values) => {
        const sorted = [...values].sort((a, b) => a - b);
        const p50 = percentile(sorted, 50);
        const p95 = percentile(sorted, 95);
        expect(sorted).toContain(p50);
        expect(p95).toBeGreaterThanOrEqual(p50);
      }),
    );
  });
});

describe('summarize', () => {
  it('counts failures into the success ratio and the latency percentiles', () => {
    const summary = summarize([
      { atMs: 0, latencyMs: 10, ok: true },
      { atMs: 1, latencyMs: 20, ok: true },
      { atMs: 2, latencyMs: 5000, ok: false, error: 'timeout' },
      { atMs: 3, latencyMs: 30, ok: true },
    ]);
    expect(summary).toMatchObject({ count: 4, errors: 1, successRatio: 0.75, errorRate: 0.25 });
    expect(summary.latencyMs.max).toBe(5000);
  });
});

describe('toTimeline', () => {
  it('groups samples into buckets by send time', () => {
    const timeline = toTimeline(
      [
        { atMs: 100, latencyMs: 10, ok: true },
        { atMs: 600, latencyMs: 20, ok: false },
        { atMs: 900, latencyMs: 30, ok: true },
      ],
      500,
    );
    expect(timeline).toEqual([
      { atMs: 250, count: 1, errors: 0, p50: 10, p95: 10 },
      { atMs: 750, count: 2, errors: 1, p50: 20, p95: 30 },
    ]);
  });
});
