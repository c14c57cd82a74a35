import {
  builtinFaultRegistry,
  type ExperimentDefinition,
  stickySampleFires,
  validateExperiment,
} from '@faultline/core';
import {
  createSamplingPrefix,
  createSeededRandom,
  createTestInvocation,
  sampleFires,
  stickyUnit,
} from '@faultline/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileExperiment } from '../../src/engine/compile.js';
import { decide } from '../../src/engine/decide.js';

function compiled(probability: number, extra: object = {}) {
  const result = validateExperiment({
    schemaVersion: 1,
    id: 'sampling',
    faults: [{ id: 'slow', type: 'latency', probability, delayMs: 1, ...extra }],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return compileExperiment(result.experiment as ExperimentDefinition, { registry: builtinFaultRegistry })
    .compiled;
}

/** |observed − expected| must stay within 5 standard deviations of a binomial(n, p). */
function expectWithinBinomialBounds(hits: number, trials: number, probability: number): void {
  const expected = trials * probability;
  const sigma = Math.sqrt(trials * probability * (1 - probability));
  expect(Math.abs(hits - expected)).toBeLessThanOrEqual(5 * sigma);
}

const trials = 100_000;
const invocation = createTestInvocation();

describe('sampling', () => {
  it('maps every key into [0, 1)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (seed, experimentId, faultId, key) => {
        const unit = stickyUnit(createSamplingPrefix(seed, experimentId, faultId), key);
        return unit >= 0 && unit < 1;
      }),
    );
  });

  it('gives the same key the same decision, every time', () => {
    fc.assert(
      fc.property(fc.string(), fc.double({ min: 0, max: 1, noNaN: true }), (key, probability) => {
        const prefix = createSamplingPrefix('seed', 'experiment', 'fault');
        const first = sampleFires(probability, stickyUnit(prefix, key));
        const again = sampleFires(
          probability,
          stickyUnit(createSamplingPrefix('seed', 'experiment', 'fault'), key),
        );
        return first === again;
      }),
    );
  });

  it('keeps the sticky decision through decide for invocations sharing a sampleBy key', () => {
    const experiment = compiled(0.5, { sampleBy: 'http.header.x-tenant' });
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), fc.string(), (tenant, requestA, requestB) => {
        const a = createTestInvocation({ requestId: requestA, http: { headers: { 'x-tenant': tenant } } });
        const b = createTestInvocation({ requestId: requestB, http: { headers: { 'x-tenant': tenant } } });
        const random = createSeededRandom(requestA);
        return (
          decide(experiment, a, 0, random).inject.length === decide(experiment, b, 0, random).inject.length
        );
      }),
    );
  });

  it('predicts with stickySampleFires exactly the sticky decision the engine makes (the runner relies on it)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1, maxLength: 40 }).filter((seed) => seed.trim() !== ''),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (key, seed, probability) => {
          const result = validateExperiment({
            schemaVersion: 1,
            id: 'sampling',
            seed,
            faults: [{ id: 'slow', type: 'latency', probability, delayMs: 1, sampleBy: 'http.header.x-key' }],
          });
          if (!result.ok) throw new Error(JSON.stringify(result.issues));
          const seeded = compileExperiment(result.experiment as ExperimentDefinition, {
            registry: builtinFaultRegistry,
          }).compiled;
          const invocation = createTestInvocation({ http: { headers: { 'x-key': key } } });
          // A random source that must not be drawn: the decision depends on the key alone.
          const never = () => {
            throw new Error('drew a random number');
          };
          const fired = decide(seeded, invocation, 0, never).inject.length > 0;
          return (
            fired === stickySampleFires({ seed, experimentId: 'sampling', faultId: 'slow', probability, key })
          );
        },
      ),
    );
  });

  it('never fires at probability 0 and always fires at probability 1, whatever the draw', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (unit) => {
        return sampleFires(0, unit) === false && sampleFires(1, unit) === true;
      }),
    );
    expect(sampleFires(0, 0)).toBe(false);
    expect(sampleFires(1, 0.9999999999999999)).toBe(true);
  });

  it('spreads different seeds into independent decisions', () => {
    const a = createSamplingPrefix('seed-a', 'experiment', 'fault');
    const b = createSamplingPrefix('seed-b', 'experiment', 'fault');
    let agree = 0;
    for (let index = 0; index < 10_000; index++) {
      const key = `user-${index}`;
      if (stickyUnit(a, key) < 0.5 === stickyUnit(b, key) < 0.5) agree++;
    }
    expectWithinBinomialBounds(agree, 10_000, 0.5);
  });

  for (const probability of [0.001, 0.05, 0.5]) {
    it(`fires at the configured rate p = ${probability} with random draws (${trials} decisions)`, () => {
      const experiment = compiled(probability);
      const random = createSeededRandom(`random-${probability}`);
      let hits = 0;
      for (let index = 0; index < trials; index++) {
        if (decide(experiment, invocation, 0, random).inject.length > 0) hits++;
      }
      expectWithinBinomialBounds(hits, trials, probability);
    });

    it(`fires at the configured rate p = ${probability} with sampleBy keys (${trials} decisions)`, () => {
      const experiment = compiled(probability, { sampleBy: 'http.header.x-user' });
      const neverCalled = () => {
        throw new Error('sticky sampling must not draw random numbers when the key is present');
      };
      let hits = 0;
      for (let index = 0; index < trials; index++) {
        const keyed = createTestInvocation({ http: { headers: { 'x-user': `user-${index}` } } });
        if (decide(experiment, keyed, 0, neverCalled).inject.length > 0) hits++;
      }
      expectWithinBinomialBounds(hits, trials, probability);
    });
  }

  it('falls back to random draws when the sampleBy field is absent', () => {
    const experiment = compiled(0.5, { sampleBy: 'http.header.x-user' });
    const random = createSeededRandom(3);
    let hits = 0;
    for (let index = 0; index < 10_000; index++)
      if (decide(experiment, invocation, 0, random).inject.length > 0) hits++;
    expect(random.draws).toBe(10_000);
    expectWithinBinomialBounds(hits, 10_000, 0.5);
  });
});
