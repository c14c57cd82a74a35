import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  builtinFaultRegistry,
  createFaultRegistry,
  defineFaultType,
  experimentJsonSchemaId,
  generateExperimentJsonSchema,
  type JsonSchema,
  renderExperimentJsonSchema,
  s,
} from '@faultline/core';
import { describe, expect, it } from 'vitest';

const committedPath = fileURLToPath(new URL('../../schema/experiment.v1.schema.json', import.meta.url));

interface FaultVariant {
  readonly properties: Record<string, JsonSchema>;
  readonly required: readonly string[];
  readonly additionalProperties: boolean;
}

function faultVariants(schema: JsonSchema): FaultVariant[] {
  const faults = (schema.properties as Record<string, { items: { oneOf: FaultVariant[] } }>).faults;
  return faults?.items.oneOf ?? [];
}

describe('the committed JSON Schema', () => {
  it('is in sync with the schema and the built-in fault types', () => {
    const committed = readFileSync(committedPath, 'utf8');

    // A plain boolean keeps the failure message short and actionable instead of a huge diff.
    const inSync = committed === renderExperimentJsonSchema();
    expect(inSync, 'run: pnpm --filter @faultline/core generate:schema').toBe(true);
  });
});

describe('generateExperimentJsonSchema', () => {
  const schema = generateExperimentJsonSchema();

  it('declares draft 2020-12, its $id and a title', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe(experimentJsonSchemaId);
    expect(schema.$id).toBe('https://faultline.dev/schema/experiment.v1.json');
    expect(schema.title).toBe('faultline experiment (schema v1)');
  });

  it('closes the document to unknown keys but accepts $schema', () => {
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['schemaVersion', 'id', 'faults']);
    expect(Object.keys(schema.properties as object)).toEqual([
      'schemaVersion',
      'id',
      'description',
      'enabled',
      'mode',
      'seed',
      'window',
      'target',
      'guard',
      'faults',
      'run',
      'runToken',
      '$schema',
    ]);
  });

  it('documents defaults', () => {
    const properties = schema.properties as Record<string, JsonSchema>;

    expect(properties.enabled?.default).toBe(true);
    expect(properties.mode?.default).toBe('enforce');
    expect(properties.guard?.default).toEqual({
      allowProduction: false,
      productionStages: ['prod', 'prod-*', 'prod*', 'production', 'live'],
    });
  });

  it('has one closed fault variant per registered type, told apart by a type constant', () => {
    const variants = faultVariants(schema);

    expect(variants.map((variant) => variant.properties.type?.const)).toEqual(
      builtinFaultRegistry.list().map((faultType) => faultType.type),
    );
    for (const variant of variants) {
      expect(variant.additionalProperties).toBe(false);
      expect(variant.required).toEqual(expect.arrayContaining(['id', 'type', 'probability']));
      expect(Object.keys(variant.properties).slice(0, 6)).toEqual([
        'id',
        'type',
        'enabled',
        'probability',
        'sampleBy',
        'match',
      ]);
      expect((variant.properties.match as { items: unknown }).items).toEqual({
        $ref: '#/$defs/matchCondition',
      });
    }
  });

  it('defines match conditions once, with their operators', () => {
    const definitions = schema.$defs as Record<string, JsonSchema>;
    const condition = definitions.matchCondition as {
      properties: Record<string, JsonSchema>;
      required: string[];
    };

    expect(condition.required).toEqual(['field', 'op']);
    expect(condition.properties.op?.enum).toEqual([
      'eq',
      'neq',
      'in',
      'exists',
      'prefix',
      'suffix',
      'glob',
      'gte',
      'lte',
    ]);
  });

  it('lets editors flag unknown fields with a pattern', () => {
    const definitions = schema.$defs as Record<string, { properties: Record<string, { pattern: string }> }>;
    const pattern = new RegExp(definitions.matchCondition?.properties.field?.pattern ?? '');

    for (const field of [
      'stage',
      'http.header.x-tenant',
      'http.query.a.b',
      'raw.detail.orderId',
      'event.type',
    ]) {
      expect(pattern.test(field), field).toBe(true);
    }
    for (const field of ['htp.path', 'http.header', 'headers.x', 'raw', 'stage.name']) {
      expect(pattern.test(field), field).toBe(false);
    }
  });

  it('follows the registry it is given', () => {
    const pauseFault = defineFaultType({
      type: 'pause',
      summary: 'Pauses.',
      phase: 'before',
      attributes: s.object({ pauseMs: s.required(s.number({ minimum: 0 })) }),
      create: () => ({}),
    });

    const custom = generateExperimentJsonSchema(createFaultRegistry([pauseFault]));

    const [variant] = faultVariants(custom);
    expect(faultVariants(custom)).toHaveLength(1);
    expect(variant?.properties.type).toEqual({ const: 'pause', description: 'Pauses.' });
    expect(variant?.properties.pauseMs).toEqual({ type: 'number', minimum: 0 });
    expect(variant?.required).toEqual(['id', 'type', 'probability', 'pauseMs']);
  });
});
