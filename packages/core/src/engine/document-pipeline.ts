import { FaultlineError } from '../errors/faultline-error.js';
import { defaultMaxConfigSizeBytes, parseExperimentJson } from '../experiment/parse-json.js';
import { redactValidationIssues } from '../experiment/redact.js';
import { formatValidationIssues, parseExperimentForRuntime } from '../experiment/validate.js';
import { builtinFaultRegistry } from '../faults/builtin.js';
import type { FaultRegistry } from '../faults/registry.js';
import { type ValidationIssue, withValuesHidden } from '../schema/schema.js';
import { type CompiledExperiment, compileExperiment } from './compile.js';
import type { EventFields } from './event-emitter.js';
import { prepareFaultTypes } from './prepare-fault-types.js';

// The engine loads this module with `import()` when the first config document arrives: the schema, the validator,
// every fault type and the text parser are only needed from then on, so a cold start that never sees an experiment
// (or is still waiting for one) does not parse or evaluate them. Keep static imports of this file out of the
// adapters' runtime path (`fault-engine.ts`, `create-fault-wrapper.ts`, config sources).

/**
 * Thrown inside the config pipeline when a document cannot be used at all; reported as a `config-error` event.
 *
 * @example
 * ```ts
 * // Reported inside a `config-error` event; the message lists every issue:
 * // the experiment is invalid, nothing will be injected:
 * // faults[0].probability: must be between 0 and 1, got 5 — did you mean 0.05?
 * ```
 */
export class ExperimentRejectedError extends FaultlineError {
  override readonly name = 'ExperimentRejectedError';
  declare readonly code: 'EXPERIMENT_INVALID';
  /** The problems, with document values masked (see `redactValidationIssues`). */
  readonly issues: readonly ValidationIssue[];
  constructor(issues: readonly ValidationIssue[], options?: { cause?: unknown }) {
    // This message ends up in function logs: a source pointed at the wrong secret must not print it. The values
    // are masked; `faultline validate` on the document shows them.
    const redacted = redactValidationIssues(issues).slice(0, maxIssuesPerEvent);
    super(
      'EXPERIMENT_INVALID',
      `the experiment is invalid, nothing will be injected (run faultline validate on it for the values):\n${formatIssues(issues.length, redacted)}`,
      options,
    );
    this.issues = redacted;
  }
}

/** A hostile document can hold thousands of problems; an event lists this many and counts the rest. */
const maxIssuesPerEvent = 20;

function formatIssues(total: number, shown: readonly ValidationIssue[]): string {
  const more = total - shown.length;
  return `${formatValidationIssues(shown)}${more > 0 ? `\n… and ${more} more` : ''}`;
}

/**
 * What {@link compileExperimentDocument} needs from the engine.
 *
 * @example
 * ```ts
 * const options: CompileDocumentOptions = {
 *   registry: undefined, // the built-in fault types
 *   maxSizeBytes: 256 * 1024,
 *   reportSkipped: (message, fields) => console.warn(message, fields),
 * };
 * ```
 */
export interface CompileDocumentOptions {
  /** The fault types the experiment may use; `undefined` means every built-in type. */
  readonly registry: FaultRegistry | undefined;
  /** Cap for text documents. Default: `defaultMaxConfigSizeBytes` (256 KiB). */
  readonly maxSizeBytes: number | undefined;
  /** Receives one `fault-skipped` report per fault that is invalid or cannot be compiled. */
  readonly reportSkipped: (message: string, fields: EventFields) => void;
}

/**
 * The result of {@link compileExperimentDocument}: the compiled experiment and the registry it was compiled with.
 *
 * @example
 * ```ts
 * const { compiled, registry } = await compileExperimentDocument(text, 'v1', options);
 * console.log(compiled.experimentId, registry.list().length);
 * ```
 */
export interface CompiledDocument {
  readonly compiled: CompiledExperiment;
  readonly registry: FaultRegistry;
}

/**
 * Turns one config document (JSON text or an already decoded object) into a compiled experiment: parse,
 * validate for the runtime (invalid faults are skipped and reported, the rest still runs), compile. Throws an
 * {@link ExperimentRejectedError} when nothing usable is left.
 *
 * @example
 * ```ts
 * const { compiled } = await compileExperimentDocument('{"schemaVersion":1,"id":"orders","faults":[]}', 'v1', {
 *   registry: undefined,
 *   maxSizeBytes: undefined,
 *   reportSkipped: (message) => console.warn(message),
 * });
 * compiled.armed; // false: no fault can fire
 * ```
 */
export async function compileExperimentDocument(
  document: string | object,
  version: string,
  options: CompileDocumentOptions,
): Promise<CompiledDocument> {
  const registry = options.registry ?? builtinFaultRegistry;
  let value: unknown = document;
  if (typeof document === 'string') {
    // Functions read JSON only: its scan bounds the work before anything is built (YAML is the CLI's format; it
    // pushes JSON). Synchronous, so nothing else runs in between either way.
    const parsed = parseExperimentJson(document, {
      maxSizeBytes: options.maxSizeBytes ?? defaultMaxConfigSizeBytes,
    });
    if (!parsed.ok) throw new ExperimentRejectedError(parsed.issues);
    value = parsed.value;
  }
  // Issues become log lines: validate and compile with document values kept out of every message.
  const runtime = parseExperimentForRuntime(value, { registry, hideValues: true });
  if (runtime.experiment === undefined) throw new ExperimentRejectedError(runtime.issues);
  const experimentId = runtime.experiment.id;
  for (const skipped of runtime.skippedFaults) {
    const issues = redactValidationIssues(skipped.issues.slice(0, maxIssuesPerEvent));
    const firstIssue = issues[0];
    const reason = firstIssue === undefined ? '' : `: ${formatValidationIssues([firstIssue])}`;
    options.reportSkipped(`fault ${skipped.id ?? `#${skipped.index}`} is invalid and was skipped${reason}`, {
      experimentId,
      faultId: skipped.id,
      configVersion: version,
      details: { index: skipped.index, issues: formatIssues(skipped.issues.length, issues) },
    });
  }
  const experiment = runtime.experiment;
  // Fault types load what their effects need (the network interceptors, …) only for experiments that use them.
  const unpreparedTypes = await prepareFaultTypes(experiment, registry);
  const { compiled, skipped } = withValuesHidden(() =>
    compileExperiment(experiment, { registry, configVersion: version, unpreparedTypes }),
  );
  for (const entry of skipped) {
    options.reportSkipped(`fault ${entry.id ?? `#${entry.index}`} ${entry.reason}; it was skipped`, {
      experimentId,
      faultId: entry.id,
      faultType: entry.type,
      configVersion: version,
      details:
        entry.issues.length > 0
          ? {
              index: entry.index,
              issues: formatIssues(
                entry.issues.length,
                redactValidationIssues(entry.issues.slice(0, maxIssuesPerEvent)),
              ),
            }
          : { index: entry.index },
    });
  }
  return { compiled, registry };
}
