/**
 * Security limits: a config cannot be made large enough, or its patterns hostile enough, to stall a function.
 * Oversized documents are refused before any parsing; over-long globs, field paths and `in` lists are refused by
 * validation; and the glob matcher stays linear-ish on worst-case input (checked by completion, not by timing).
 */

import {
  type ConfigSource,
  createFaultEngine,
  maxGlobLength,
  parseExperimentText,
  parseFieldPath,
  validateExperiment,
} from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import {
  createFakeClock,
  createInMemoryAdapter,
  createMemorySink,
  immediateSleep,
} from '@faultline/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { maxMatchInValues } from '../../src/experiment/experiment-schema.js';
import { maxFieldPathLength, maxRawPathSegments } from '../../src/invocation/fields.js';
import { globMatches } from '../../src/matching/glob.js';

const experimentWith = (fault: object) => ({
  schemaVersion: 1,
  id: 'security',
  faults: [{ id: 'boom', type: 'exception', probability: 1, ...fault }],
});

/** Padding that keeps the document valid JSON (and a valid experiment) at any size. */
const paddedExperimentText = (sizeBytes: number): string => {
  const base = JSON.stringify({ ...experimentWith({}), description: '' });
  return base.replace(
    '"description":""',
    `"description":"${'x'.repeat(Math.max(0, sizeBytes - base.length))}"`,
  );
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the config size cap', () => {
  it('refuses text over the limit with an issue naming the size and the limit, without parsing it', async () => {
    // Prepare
    const parse = vi.spyOn(JSON, 'parse');
    const text = paddedExperimentText(300 * 1024);

    // Act
    const result = await parseExperimentText(text);

    // Assess
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues).toEqual([
      expect.objectContaining({
        path: '',
        message: expect.stringMatching(/more than the 256 KiB limit|256 ?KiB/),
      }),
    ]);
    expect(parse).not.toHaveBeenCalled();
  });

  it('counts UTF-8 bytes, so multi-byte text cannot slip under a character-count limit', async () => {
    // Prepare: 100 000 characters of 3 bytes each is 300 000 bytes.
    const text = JSON.stringify({ ...experimentWith({}), description: '€'.repeat(100_000) });

    // Act
    const result = await parseExperimentText(text, { maxSizeBytes: 256 * 1024 });

    // Assess
    expect(result.ok).toBe(false);
  });

  it('keeps a running function on no faults when the store returns an oversized document, and says why once', async () => {
    // Prepare
    const sink = createMemorySink();
    const oversized = paddedExperimentText(2 * 1024 * 1024);
    const source: ConfigSource = {
      name: 'test:oversized',
      load: async () => ({ kind: 'document', document: oversized, version: '1' }),
    };
    const engine = createFaultEngine({
      source,
      onEvent: sink,
      clock: createFakeClock(),
      sleep: immediateSleep,
      environment: {},
    });
    const parse = vi.spyOn(JSON, 'parse');
    let handlerCalls = 0;
    const wrapped = createFaultWrapper(
      createInMemoryAdapter(),
      async () => {
        handlerCalls++;
        return { status: 200 };
      },
      { engine, environment: {} },
    );

    // Act
    const responses = [];
    for (let index = 0; index < 5; index++) responses.push(await wrapped({ requestId: `r-${index}` }, {}));
    engine.close();

    // Assess
    expect(responses.map((response) => response?.status)).toEqual([200, 200, 200, 200, 200]);
    expect(handlerCalls).toBe(5);
    expect(sink.ofType('inject')).toEqual([]);
    const errors = sink.ofType('config-error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/too large/i);
    expect(parse).not.toHaveBeenCalledWith(oversized);
  });
});

describe('hostile patterns', () => {
  it('rejects a glob longer than the bound in a match condition, naming the field and the limit', () => {
    // Prepare
    const pattern = `${'*a'.repeat(maxGlobLength)}b`;

    // Act
    const result = validateExperiment(
      experimentWith({ match: [{ field: 'http.path', op: 'glob', value: pattern }] }),
    );

    // Assess
    expect(result.ok).toBe(false);
    expect(result.issues).toEqual([
      expect.objectContaining({
        path: 'faults[0].match[0].value',
        message: expect.stringContaining(`1 to ${maxGlobLength} characters`),
      }),
    ]);
  });

  it('rejects an over-long host glob in a blackhole fault', () => {
    // Act
    const result = validateExperiment(
      experimentWith({ type: 'blackhole', hosts: [`${'*a'.repeat(200)}.localhost`] }),
    );

    // Assess
    expect(result.ok).toBe(false);
    expect(result.issues[0]?.path).toMatch(/^faults\[0\]\.hosts\[0\]/);
  });

  it('matches the worst-case allowed glob against long candidates and completes with the right answer', () => {
    // Prepare: the classic backtracking killer, `*a*a*a…*b`, at the longest length validation allows, against
    // a long run of `a`s that almost matches everywhere. A backtracking regex needs exponential time for this.
    const pattern = `${'*a'.repeat(Math.floor((maxGlobLength - 1) / 2))}b`;
    const host = `${'a'.repeat(253)}`;
    const path = `/${'a'.repeat(8191)}`;

    // Act
    const startedAt = performance.now();
    const results = [
      globMatches(pattern, host),
      globMatches(pattern, path),
      globMatches(pattern, `${path}b`),
    ];
    const elapsedMs = performance.now() - startedAt;

    // Assess
    expect(pattern.length).toBeLessThanOrEqual(maxGlobLength);
    expect(results).toEqual([false, false, true]);
    // Generous: the bound is O(pattern × candidate) ≈ 2 million steps; a regex engine would not finish at all.
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it('drives a worst-case glob through the engine on a long path without stalling the invocation', async () => {
    // Prepare
    const pattern = `${'*a'.repeat(100)}b`;
    const sink = createMemorySink();
    const engine = createFaultEngine({
      source: {
        name: 'test:hostile',
        load: async () => ({
          kind: 'document',
          document: experimentWith({ match: [{ field: 'http.path', op: 'glob', value: pattern }] }),
          version: '1',
        }),
      },
      onEvent: sink,
      sleep: immediateSleep,
      environment: {},
    });
    const wrapped = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200 }), {
      engine,
      environment: {},
    });

    // Act
    const response = await wrapped({ requestId: 'r-1', path: `/${'a'.repeat(16_000)}` }, {});
    engine.close();

    // Assess
    expect(response?.status).toBe(200);
    expect(sink.ofType('internal-error')).toEqual([]);
  });

  it('rejects over-long field paths and raw paths deeper than the bound', () => {
    // Act
    const long = parseFieldPath(`http.header.${'x'.repeat(maxFieldPathLength)}`);
    const deep = parseFieldPath(`raw.${Array.from({ length: maxRawPathSegments + 1 }, () => 'a').join('.')}`);
    const deepest = parseFieldPath(`raw.${Array.from({ length: maxRawPathSegments }, () => 'a').join('.')}`);

    // Assess
    expect(long.ok).toBe(false);
    expect(deep.ok).toBe(false);
    expect(deep.ok ? '' : deep.message).toContain(String(maxRawPathSegments));
    expect(deepest.ok).toBe(true);
  });

  it('rejects a deep raw path in sampleBy and match through validation', () => {
    // Prepare
    const deepPath = `raw.${Array.from({ length: 64 }, (_, index) => `k${index}`).join('.')}`;

    // Act
    const result = validateExperiment(
      experimentWith({ sampleBy: deepPath, match: [{ field: deepPath, op: 'exists' }] }),
    );

    // Assess
    expect(result.ok).toBe(false);
    expect(result.issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['faults[0].sampleBy', 'faults[0].match[0].field']),
    );
  });

  it(`rejects an 'in' list longer than ${maxMatchInValues} values`, () => {
    // Prepare
    // Within the document limits (at most 1000 entries per list), so the schema's own cap is what refuses it.
    const values = Array.from({ length: 1_000 }, (_, index) => `tenant-${index}`);

    // Act
    const result = validateExperiment(
      experimentWith({ match: [{ field: 'http.header.x-tenant', op: 'in', value: values }] }),
    );
    const atLimit = validateExperiment(
      experimentWith({
        match: [{ field: 'http.header.x-tenant', op: 'in', value: values.slice(0, maxMatchInValues) }],
      }),
    );

    // Assess
    expect(result.ok).toBe(false);
    expect(result.issues[0]?.path).toMatch(/^faults\[0\]\.match\[0\]\.value/);
    expect(atLimit.ok).toBe(true);
  });
});
