import { FaultlineError } from '../errors/faultline-error.js';
import type { ExperimentDefinition } from '../experiment/types.js';
import type { FaultRegistry } from '../faults/registry.js';

/**
 * Runs `prepare` of every fault type an experiment's enabled faults use (each once per call, concurrently), so
 * `compileExperiment` can call their `create` synchronously. Never rejects: a type whose `prepare` failed is
 * returned with its error, and `compileExperiment` skips its faults.
 *
 * @example
 * ```ts
 * const unpreparedTypes = await prepareFaultTypes(experiment, registry);
 * const { compiled, skipped } = compileExperiment(experiment, { registry, unpreparedTypes });
 * ```
 */
export async function prepareFaultTypes(
  experiment: ExperimentDefinition,
  registry: FaultRegistry,
): Promise<ReadonlyMap<string, unknown>> {
  const preparing = new Map<string, Promise<unknown>>();
  for (const fault of experiment.faults) {
    if (!fault.enabled || !(fault.probability > 0) || preparing.has(fault.type)) continue;
    const faultType = registry.get(fault.type);
    if (faultType?.prepare === undefined) continue;
    preparing.set(
      fault.type,
      // A `prepare` that throws synchronously is a rejection too.
      Promise.resolve()
        .then(() => faultType.prepare?.())
        .then(
          () => undefined,
          (error: unknown) =>
            error ??
            new FaultlineError(
              'FAULT_TYPE_NOT_PREPARED',
              `${fault.type}: prepare() rejected without a reason`,
            ),
        ),
    );
  }
  const failures = new Map<string, unknown>();
  if (preparing.size === 0) return failures;
  for (const [type, outcome] of preparing) {
    const error = await outcome;
    if (error !== undefined) failures.set(type, error);
  }
  return failures;
}
