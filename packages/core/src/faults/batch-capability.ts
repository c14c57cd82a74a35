import type { AdapterCapabilities } from './fault-type.js';

/**
 * The capability key under which an adapter offers a {@link BatchCapability} to fault effects, for triggers that
 * deliver records in batches and accept a partial batch response (Lambda SQS, Kinesis and DynamoDB streams).
 */
export const batchCapability = 'batch';

/**
 * A batch trigger's partial failure response, offered by adapters to fault effects such as `partialBatch`.
 *
 * @example
 * ```ts
 * const batch = getBatchCapability(context.capabilities);
 * const result = await next();
 * return batch ? batch.reportFailures(result, batch.itemIdentifiers.slice(0, 1)) : result;
 * ```
 */
export interface BatchCapability {
  /** Identifiers of the batch's records (e.g. SQS `messageId`s, stream sequence numbers), in delivery order. */
  readonly itemIdentifiers: readonly string[];
  /** Returns `result` with `identifiers` reported as failed, keeping the failures the handler reported itself. */
  reportFailures<Result>(result: Result, identifiers: readonly string[]): Result;
}

/**
 * Reads the {@link BatchCapability} from a fault context's capabilities; `undefined` when the trigger is no batch.
 *
 * @example
 * ```ts
 * import { getBatchCapability } from '@faultline/core';
 * // in a custom fault type's around(context, next):
 * const batch = getBatchCapability(context.capabilities);
 * if (batch === undefined) return next();
 * ```
 */
export function getBatchCapability(capabilities: AdapterCapabilities): BatchCapability | undefined {
  const capability = capabilities[batchCapability];
  if (typeof capability !== 'object' || capability === null) return undefined;
  const candidate = capability as Partial<BatchCapability>;
  return Array.isArray(candidate.itemIdentifiers) && typeof candidate.reportFailures === 'function'
    ? (capability as BatchCapability)
    : undefined;
}
