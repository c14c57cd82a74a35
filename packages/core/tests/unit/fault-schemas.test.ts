import {
  builtinFaultTypes,
  createFaultRegistry,
  type FaultType,
  generateExperimentJsonSchema,
  validateExperiment,
} from '@faultline/core';
import { describe, expect, it } from 'vitest';

/** The built-in types, each counting how often its attributes (what its entry schema is built from) are read. */
function countingRegistry(): {
  registry: ReturnType<typeof createFaultRegistry>;
  reads: Map<string, number>;
} {
  const reads = new Map<string, number>();
  const types = builtinFaultTypes.map((faultType): FaultType => {
    const counted = Object.create(faultType) as FaultType;
    Object.defineProperty(counted, 'attributes', {
      get: () => {
        reads.set(faultType.type, (reads.get(faultType.type) ?? 0) + 1);
        return faultType.attributes;
      },
    });
    return counted;
  });
  return { registry: createFaultRegistry(types), reads };
}

const statusOnly = {
  schemaVersion: 1,
  id: 'lazy-schemas',
  faults: [{ id: 'unavailable', type: 'status', probability: 1, status: 503 }],
};

describe('fault entry schemas', () => {
  it('are built for the types an experiment uses, once each, not for every registered type', () => {
    const { registry, reads } = countingRegistry();

    expect(validateExperiment(statusOnly, { registry }).ok).toBe(true);
    expect(validateExperiment(statusOnly, { registry }).ok).toBe(true);

    expect([...reads.keys()]).toEqual(['status']);
    expect(reads.get('status')).toBe(1);
  });

  it('still name every registered type when an entry has an unknown type, and the JSON Schema still lists them all', () => {
    const { registry, reads } = countingRegistry();

    const result = validateExperiment(
      { ...statusOnly, faults: [{ id: 'typo', type: 'latncy', probability: 1, delayMs: 10 }] },
      { registry },
    );
    expect(result.ok).toBe(false);
    const typeIssue = result.ok ? undefined : result.issues.find((issue) => issue.path === 'faults[0].type');
    expect(typeIssue?.hint).toContain('latency');
    expect(reads.size).toBe(0);

    const schema = generateExperimentJsonSchema(registry) as {
      properties: { faults: { items: { oneOf: { description: string }[] } } };
    };
    expect(schema.properties.faults.items.oneOf.map((variant) => variant.description.split(':')[0])).toEqual(
      builtinFaultTypes.map((faultType) => faultType.type),
    );
  });
});
