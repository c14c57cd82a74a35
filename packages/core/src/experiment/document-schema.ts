import type { FaultRegistry } from '../faults/registry.js';
import type { Infer, Schema } from '../schema/schema.js';
import { createExperimentSchema, faultsSchema } from './experiment-schema.js';
import { type RunSection, runSectionSchema } from './run-section.js';
import type { ExperimentDefinition } from './types.js';

// The whole v1 document as the CLI, `validateExperiment` and the JSON Schema check it: every fault entry and the
// `faultline run` section. Functions use the envelope schema (`experiment-schema.ts`) and never load this module.

type ExperimentSchema = ReturnType<typeof createExperimentSchema<RunSection>>;

/**
 * What the v1 schema validates into; checked at compile time to be an {@link ExperimentDefinition}.
 *
 * @example
 * ```ts
 * import type { ExperimentDefinition, ValidatedExperiment } from '@faultline/core';
 * const use = (experiment: ValidatedExperiment): ExperimentDefinition => experiment;
 * ```
 */
export type ValidatedExperiment = Infer<ExperimentSchema>;

// Compile-time proof that a validated document is what the engine consumes. Breaks the build if they drift apart.
type AssertAssignable<Actual extends Expected, Expected> = Actual;
export type ExperimentSchemaMatchesDefinition = AssertAssignable<ValidatedExperiment, ExperimentDefinition>;

const experimentSchemaCache = new WeakMap<FaultRegistry, ExperimentSchema>();

/**
 * The v1 experiment schema for a registry's fault types (cached per registry).
 *
 * @example
 * ```ts
 * import { builtinFaultRegistry } from '@faultline/core';
 *
 * const issues = [];
 * getExperimentSchema(builtinFaultRegistry).validate(document, '', issues);
 * ```
 */
export function getExperimentSchema(registry: FaultRegistry): Schema<ValidatedExperiment> {
  let schema = experimentSchemaCache.get(registry);
  if (schema === undefined) {
    schema = createExperimentSchema(registry, faultsSchema(registry), runSectionSchema);
    experimentSchemaCache.set(registry, schema);
  }
  return schema;
}
