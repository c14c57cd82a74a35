import { builtinFaultRegistry } from '../faults/builtin.js';
import type { FaultRegistry } from '../faults/registry.js';
import type { JsonSchema } from '../schema/schema.js';
import { getExperimentSchema } from './document-schema.js';
import { matchConditionSchema } from './experiment-schema.js';

/** Where the published JSON Schema of experiment files lives; also its `$id`. */
export const experimentJsonSchemaId = 'https://faultline.dev/schema/experiment.v1.json';

/**
 * Generates the JSON Schema (draft 2020-12) of experiment files for a registry's fault types, for editors
 * (`$schema: ./experiment.v1.schema.json` or the yaml-language-server comment) and other tools. Fault entries are a
 * `oneOf` with one variant per fault type, told apart by `type`, each closed to unknown keys like the validator.
 * The validator stays the authority: a few checks (field paths, window order, unique ids, per-type cross-field
 * rules) only it performs.
 *
 * @example
 * ```ts
 * import { builtinFaultTypes, createFaultRegistry, generateExperimentJsonSchema } from '@faultline/core';
 * import { writeFile } from 'node:fs/promises';
 *
 * const schema = generateExperimentJsonSchema(createFaultRegistry([...builtinFaultTypes, myFaultType]));
 * await writeFile('experiment.schema.json', `${JSON.stringify(schema, null, 2)}\n`);
 * ```
 */
export function generateExperimentJsonSchema(registry: FaultRegistry = builtinFaultRegistry): JsonSchema {
  const body = getExperimentSchema(registry).toJsonSchema();
  const matchCondition = matchConditionSchema.toJsonSchema();
  const conditionText = JSON.stringify(matchCondition);
  const replaced = replaceEqual(body, conditionText, { $ref: '#/$defs/matchCondition' });
  const { properties, ...rest } = replaced as { properties?: Record<string, JsonSchema> } & JsonSchema;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: experimentJsonSchemaId,
    title: 'faultline experiment (schema v1)',
    ...rest,
    properties: {
      ...properties,
      $schema: {
        type: 'string',
        description: 'Path or URL of this JSON Schema, for editors. Ignored by faultline.',
      },
    },
    $defs: { matchCondition },
  };
}

/** Replaces every sub-schema structurally equal to `target` (compared as JSON text) with `replacement`. */
function replaceEqual(node: unknown, target: string, replacement: JsonSchema): unknown {
  if (Array.isArray(node)) return node.map((item) => replaceEqual(item, target, replacement));
  if (typeof node !== 'object' || node === null) return node;
  if (JSON.stringify(node) === target) return replacement;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    Object.defineProperty(result, key, {
      value: replaceEqual(value, target, replacement),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}

/**
 * The committed JSON Schema file's exact text: {@link generateExperimentJsonSchema} as 2-space JSON with a final
 * newline. The generator script writes it and the sync test compares against it.
 *
 * @example
 * ```ts
 * import { renderExperimentJsonSchema } from '@faultline/core';
 * import { writeFile } from 'node:fs/promises';
 *
 * await writeFile('schema/experiment.v1.schema.json', renderExperimentJsonSchema());
 * ```
 */
export function renderExperimentJsonSchema(registry: FaultRegistry = builtinFaultRegistry): string {
  return `${JSON.stringify(generateExperimentJsonSchema(registry), null, 2)}\n`;
}
