import { builtinFaultRegistry } from '../faults/builtin.js';
import { invalid, type ValidationIssue, withValuesHidden } from '../schema/schema.js';
import { checkDocumentShape } from './document-limits.js';
import { getExperimentSchema } from './document-schema.js';
import type { ExperimentDefinition } from './types.js';
import { internalIssue, type ValidateExperimentOptions, withFallbackIssue } from './validate.js';

// The CLI's validation of a whole document, `faultline run` section included. Functions validate with
// `parseExperimentForRuntime` (`validate.ts`) and never load this module or the run section's schema.

/**
 * The result of {@link validateExperiment}: the experiment with defaults applied, or every problem found.
 *
 * @example
 * ```ts
 * import { type ExperimentValidationResult, validateExperiment } from '@faultline/core';
 * const result: ExperimentValidationResult = validateExperiment(document);
 * if (result.ok) console.log(result.experiment.faults.length);
 * ```
 */
export type ExperimentValidationResult =
  | { readonly ok: true; readonly experiment: ExperimentDefinition; readonly issues: [] }
  | { readonly ok: false; readonly issues: ValidationIssue[] };

/**
 * Validates an experiment document (already parsed from JSON or YAML) against schema v1. Reports every problem at
 * once, each with its JSON path and, where we can tell, a hint. Never throws, whatever the input.
 *
 * @example
 * ```ts
 * import { formatValidationIssues, validateExperiment } from '@faultline/core';
 *
 * const result = validateExperiment({
 *   schemaVersion: 1,
 *   id: 'checkout-latency',
 *   faults: [{ id: 'slow', type: 'latency', probability: 5, delayMs: 300 }],
 * });
 * if (!result.ok) console.error(formatValidationIssues(result.issues));
 * // faults[0].probability: must be between 0 and 1, got 5 — did you mean 0.05?
 * ```
 */
export function validateExperiment(
  input: unknown,
  options: ValidateExperimentOptions = {},
): ExperimentValidationResult {
  const shape = checkDocumentShape(input);
  if (shape !== undefined) return { ok: false, issues: [shape] };
  if (options.hideValues === true) {
    return withValuesHidden(() => validateExperiment(input, { ...options, hideValues: false }));
  }
  const issues: ValidationIssue[] = [];
  try {
    const validated = getExperimentSchema(options.registry ?? builtinFaultRegistry).validate(
      input,
      '',
      issues,
    );
    if (validated === invalid || issues.length > 0) return { ok: false, issues: withFallbackIssue(issues) };
    const experiment: ExperimentDefinition = validated;
    return { ok: true, experiment, issues: [] };
  } catch (error) {
    // A schema bug (e.g. a custom fault type's refine that throws) must not escape into the caller.
    return { ok: false, issues: [...issues, internalIssue(error)] };
  }
}
