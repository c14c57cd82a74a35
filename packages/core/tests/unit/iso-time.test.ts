import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FaultlineEvent } from '../../src/events/events.js';
import { isoTime } from '../../src/events/iso-time.js';
import { createFaultEngine, createInlineSource } from '../../src/index.js';

/** The whole range a `Date` holds: ±100 000 000 days around the epoch. */
const maxTimeMs = 8.64e15;

function toIsoStringOrError(epochMs: number): string {
  try {
    return new Date(epochMs).toISOString();
  } catch (error) {
    return `throws ${(error as Error).name}`;
  }
}

function isoTimeOrError(epochMs: number): string {
  try {
    return isoTime(epochMs);
  } catch (error) {
    return `throws ${(error as Error).name}`;
  }
}

describe('isoTime', () => {
  it('writes what toISOString writes, for every time a Date can hold', () => {
    fc.assert(
      fc.property(fc.integer({ min: -maxTimeMs, max: maxTimeMs }), (epochMs) => {
        expect(isoTime(epochMs)).toBe(new Date(epochMs).toISOString());
      }),
      { numRuns: 5000 },
    );
  });

  it('writes what toISOString writes around now and at the edges of four-digit years', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('1990-01-01T00:00:00Z'), max: Date.parse('2100-01-01T00:00:00Z') }),
        (epochMs) => {
          expect(isoTime(epochMs)).toBe(new Date(epochMs).toISOString());
        },
      ),
      { numRuns: 5000 },
    );
    for (const epochMs of [
      0,
      -1,
      Date.parse('1000-01-01T00:00:00.000Z'),
      Date.parse('1000-01-01T00:00:00.000Z') - 1,
      Date.parse('9999-12-31T23:59:59.999Z'),
      Date.parse('9999-12-31T23:59:59.999Z') + 1,
      Date.parse('0500-06-15T12:00:00.007Z'),
      -maxTimeMs,
      maxTimeMs,
      1.5,
      -0.5,
    ]) {
      expect(isoTime(epochMs), String(epochMs)).toBe(new Date(epochMs).toISOString());
    }
  });

  it('throws the RangeError toISOString throws for a time a Date cannot hold', () => {
    for (const epochMs of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, maxTimeMs + 1]) {
      expect(isoTimeOrError(epochMs)).toBe(toIsoStringOrError(epochMs));
      expect(isoTimeOrError(epochMs)).toBe('throws RangeError');
    }
  });
});

describe('event times on a cold instance', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('the first read writes its config-load event without Date.prototype.toISOString (which would set up the date cache)', async () => {
    const toIsoString = vi.spyOn(Date.prototype, 'toISOString');
    const events: FaultlineEvent[] = [];
    const engine = createFaultEngine({
      source: createInlineSource({
        schemaVersion: 1,
        id: 'iso-time',
        faults: [
          {
            id: 'deletes',
            type: 'status',
            probability: 1,
            status: 503,
            match: [{ field: 'http.method', op: 'eq', value: 'DELETE' }],
          },
        ],
      }),
      environment: { FAULTLINE_STAGE: 'test' },
      onEvent: (event) => events.push(event),
    });
    await engine.ready();
    engine.close();

    const configLoad = events.find((event) => event.type === 'config-load');
    expect(configLoad?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(configLoad?.time ?? '') - Date.now())).toBeLessThan(60_000);
    expect(toIsoString).not.toHaveBeenCalled();
  });
});
