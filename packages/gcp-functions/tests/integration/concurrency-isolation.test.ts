import { setTimeout as delay } from 'node:timers/promises';
import { createFaultEngine, createInlineSource } from '@faultline/core';
import { createMemorySink, createSamplingPrefix, sampleFires, stickyUnit } from '@faultline/core/testing';
import type { Request, Response } from '@google-cloud/functions-framework';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFaults } from '../../src/index.js';
import { type ServedFunction, serveFunction } from '../support/framework-server.js';

const requestCount = 500;
const probability = 0.1;
const experiment = {
  schemaVersion: 1,
  id: 'gen2-concurrency',
  seed: 'isolation',
  faults: [
    {
      id: 'garble',
      type: 'corrupt',
      mode: 'replace',
      body: 'CORRUPTED',
      status: 502,
      probability,
      sampleBy: 'http.header.x-request-key',
    },
  ],
};

/** Which keys the experiment samples, computed independently of any request (sticky sampling is deterministic). */
function expectedSampled(keys: readonly string[]): Set<string> {
  const prefix = createSamplingPrefix(experiment.seed, experiment.id, 'garble');
  return new Set(keys.filter((key) => sampleFires(probability, stickyUnit(prefix, key))));
}

describe('500 concurrent requests on one instance (Cloud Functions gen2 concurrency)', () => {
  const sink = createMemorySink();
  const engine = createFaultEngine({
    source: createInlineSource(experiment),
    onEvent: sink,
    logLevel: 'info',
  });
  let served: ServedFunction;
  let inFlight = 0;
  let maxInFlight = 0;

  beforeAll(async () => {
    await engine.ready();
    served = await serveFunction(
      'http',
      withFaults(
        async (request: Request, response: Response) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          const key = request.header('x-request-key');
          // Interleave: responses finish in a different order than requests started.
          await delay(Number(key?.slice(4)) % 23);
          response.set('x-echo-key', key ?? '').json({ key });
          inFlight--;
        },
        { engine, stage: 'test' },
      ),
    );
  });

  afterAll(async () => {
    await served.close();
    engine.close();
  });

  it('corrupts exactly the sampled requests and leaves every other response byte-for-byte intact', async () => {
    // Prepare
    const keys = Array.from({ length: requestCount }, (_, index) => `key-${index}`);
    const sampled = expectedSampled(keys);

    // Act
    const responses = await Promise.all(
      keys.map(async (key) => {
        const response = await fetch(served.url, { headers: { 'x-request-key': key } });
        return {
          key,
          status: response.status,
          echo: response.headers.get('x-echo-key'),
          body: await response.text(),
        };
      }),
    );

    // Assess
    const affected = new Set(
      responses.filter((response) => response.body === 'CORRUPTED').map(({ key }) => key),
    );
    expect(affected).toEqual(sampled);
    for (const response of responses) {
      // Headers set by the handler belong to the same request, whether or not its body was replaced.
      expect(response.echo).toBe(response.key);
      if (sampled.has(response.key)) {
        expect(response.status).toBe(502);
      } else {
        expect(response.status).toBe(200);
        expect(response.body).toBe(JSON.stringify({ key: response.key }));
      }
    }
    expect(sink.ofType('inject')).toHaveLength(sampled.size);
    // About 10 %, so the check above compares two non-trivial sets.
    expect(sampled.size).toBeGreaterThan(25);
    expect(sampled.size).toBeLessThan(80);
    expect(maxInFlight).toBeGreaterThan(10);
  });
});
