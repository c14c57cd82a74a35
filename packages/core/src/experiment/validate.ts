import { builtinFaultRegistry } from '../faults/builtin.js';
import type { FaultRegistry } from '../faults/registry.js';
import type { ValidationIssue } from '../schema/schema.js';
import { areValuesHidden, invalid, isPlainObject, joinPath, withValuesHidden } from '../schema/schema.js';
import { checkDocumentShape } from './document-limits.js';
import {
  findDuplicateFaultIds,
  getExperimentEnvelopeSchema,
  isValidId,
  validateFaultEntry,
} from './experiment-schema.js';
import type { ExperimentDefinition, FaultDefinition } from './types.js';

/**
 * Options of `validateExperiment` (and of the engine's own parsing of a fetched document).
 *
 * @example
 * ```ts
 * import { builtinFaultTypes, createFaultRegistry, validateExperiment } from '@faultline/core';
 * validateExperiment(document, { registry: createFaultRegistry([...builtinFaultTypes, myFaultType]) });
 * ```
 */
export interface ValidateExperimentOptions {
  /** The fault types entries are checked against. Default: {@link builtinFaultRegistry}. */
  readonly registry?: FaultRegistry;
  /**
   * Keep document content out of the issues: values are described by kind (`got a string`), value-based hints are
   * left out and free-form keys are masked (see `withValuesHidden`). Set inside functions, where issues become log
   * lines; the CLI shows the values. Default `false`.
   */
  readonly hideValues?: boolean;
}

/**
 * One fault entry the runtime dropped, with the reasons.
 *
 * @example
 * ```ts
 * const skipped: SkippedFault[] = parseExperimentForRuntime(document).skippedFaults;
 * ```
 */
export interface SkippedFault {
  /** Position in the document's `faults` list. */
  readonly index: number;
  /** The entry's `id` when it has a string one. */
  readonly id: string | undefined;
  readonly issues: ValidationIssue[];
}

/**
 * The result of {@link parseExperimentForRuntime}.
 *
 * @example
 * ```ts
 * const runtime: RuntimeExperiment = parseExperimentForRuntime(document);
 * const active = runtime.experiment?.enabled === true;
 * ```
 */
export interface RuntimeExperiment {
  /** The experiment with its valid faults, or `undefined` when the document itself is unusable. */
  readonly experiment: ExperimentDefinition | undefined;
  /** Every problem found: document-level ones and those of the skipped faults. */
  readonly issues: ValidationIssue[];
  /** Invalid fault entries, left out of `experiment.faults` while the valid ones still apply. */
  readonly skippedFaults: SkippedFault[];
}

/**
 * Validates a document the way a running function needs it: a problem with the document itself (wrong
 * `schemaVersion`, a bad `window`, `faults` not a list, …) makes the whole experiment unusable (`experiment:
 * undefined`, nothing is injected), while an invalid fault entry is only dropped and listed in `skippedFaults`, so
 * one typo does not switch off the other faults. Never throws.
 *
 * @example
 * ```ts
 * const { experiment, skippedFaults } = parseExperimentForRuntime(document);
 * for (const skipped of skippedFaults) {
 *   console.warn(`fault ${skipped.id ?? skipped.index} skipped`, skipped.issues);
 * }
 * if (experiment !== undefined) engineUses(experiment);
 * ```
 */
export function parseExperimentForRuntime(
  input: unknown,
  options: ValidateExperimentOptions = {},
): RuntimeExperiment {
  const shape = checkDocumentShape(input);
  if (shape !== undefined) return { experiment: undefined, issues: [shape], skippedFaults: [] };
  if (options.hideValues === true) {
    return withValuesHidden(() => parseExperimentForRuntime(input, { ...options, hideValues: false }));
  }
  const issues: ValidationIssue[] = [];
  try {
    const registry = options.registry ?? builtinFaultRegistry;
    const envelope = getExperimentEnvelopeSchema(registry).validate(input, '', issues);
    if (envelope === invalid || issues.length > 0) {
      return { experiment: undefined, issues: withFallbackIssue(issues), skippedFaults: [] };
    }
    const entries = envelope.faults;
    const duplicateAt = new Map<number, number>();
    for (const duplicate of findDuplicateFaultIds(entries))
      duplicateAt.set(duplicate.index, duplicate.firstIndex);
    const faults: FaultDefinition[] = [];
    const skippedFaults: SkippedFault[] = [];
    for (let index = 0; index < entries.length; index++) {
      const entry = entries[index];
      const path = joinPath('faults', index);
      const entryIssues: ValidationIssue[] = [];
      const fault = validateFaultEntry(entry, path, entryIssues, registry);
      const firstIndex = duplicateAt.get(index);
      if (firstIndex !== undefined) {
        entryIssues.push({
          path: joinPath(path, 'id'),
          message: `duplicates the id of ${joinPath('faults', firstIndex)}`,
          hint: 'give every fault its own id; the later entry is skipped',
        });
      }
      if (fault === invalid || entryIssues.length > 0) {
        // Only a well-formed id names the entry: whatever else sits there is document content.
        const id = isPlainObject(entry) && isValidId(entry.id) ? entry.id : undefined;
        skippedFaults.push({ index, id, issues: withFallbackIssue(entryIssues, path) });
        issues.push(...entryIssues);
      } else {
        faults.push(fault);
      }
    }
    const experiment: ExperimentDefinition = { ...envelope, faults };
    return { experiment, issues, skippedFaults };
  } catch (error) {
    return { experiment: undefined, issues: [...issues, internalIssue(error)], skippedFaults: [] };
  }
}

/**
 * Formats issues one per line as `path: message — hint`, for terminals and logs. The document itself is shown as
 * `(document)`.
 *
 * @example
 * ```ts
 * import { formatValidationIssues } from '@faultline/core';
 *
 * formatValidationIssues([{ path: 'faults[2].probability', message: 'must be between 0 and 1, got 5', hint: 'did you mean 0.05?' }]);
 * // 'faults[2].probability: must be between 0 and 1, got 5 — did you mean 0.05?'
 * ```
 */
export function formatValidationIssues(issues: readonly ValidationIssue[]): string {
  return issues.map(formatValidationIssue).join('\n');
}

/**
 * Formats one issue as `path: message — hint`.
 *
 * @example
 * ```ts
 * import { formatValidationIssue } from '@faultline/core';
 *
 * formatValidationIssue({ path: 'id', message: 'is required' }); // 'id: is required'
 * ```
 */
export function formatValidationIssue(issue: ValidationIssue): string {
  const path = issue.path === '' ? '(document)' : issue.path;
  return issue.hint === undefined ? `${path}: ${issue.message}` : `${path}: ${issue.message} — ${issue.hint}`;
}

/** A schema node that returned `invalid` without saying why would leave users guessing; never report nothing. */
export function withFallbackIssue(issues: ValidationIssue[], path = ''): ValidationIssue[] {
  if (issues.length === 0) issues.push({ path, message: 'is invalid' });
  return issues;
}

/** The issue reported when validation itself threw (a schema bug), with the error's name or message. */
export function internalIssue(error: unknown): ValidationIssue {
  // The message of a custom schema's error may quote the document.
  const detail = areValuesHidden()
    ? error instanceof Error
      ? error.name
      : typeof error
    : error instanceof Error
      ? `${error.name}: ${error.message}`
      : String(error);
  return {
    path: '',
    message: `could not be validated (${detail.slice(0, 200)})`,
    hint: 'this is a bug in faultline or in a custom fault type; please report it',
  };
}
