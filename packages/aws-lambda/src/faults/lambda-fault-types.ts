import { builtinFaultTypes, createFaultRegistry, type FaultRegistry, type FaultType } from '@faultline/core';
import { partialBatchFault } from './partial-batch.js';

/**
 * Fault types only the Lambda adapter can apply (`partialBatch`).
 *
 * @example
 * ```ts
 * import { builtinFaultTypes, createFaultRegistry } from '@faultline/core';
 * import { lambdaFaultTypes } from '@faultline/aws-lambda';
 * const registry = createFaultRegistry([...builtinFaultTypes, ...lambdaFaultTypes, myFault]);
 * ```
 */
export const lambdaFaultTypes: readonly FaultType[] = [partialBatchFault];

/**
 * The built-in fault types plus {@link lambdaFaultTypes}: the default registry of `withFaults` and the Middy
 * middleware. Pass it to `faultline validate` tooling (or `validateExperiment`) to accept `partialBatch` entries.
 *
 * @example
 * ```ts
 * import { validateExperiment } from '@faultline/core';
 * import { lambdaFaultRegistry } from '@faultline/aws-lambda';
 * const result = validateExperiment(document, { registry: lambdaFaultRegistry });
 * ```
 */
export const lambdaFaultRegistry: FaultRegistry = createFaultRegistry([
  ...builtinFaultTypes,
  ...lambdaFaultTypes,
]);
