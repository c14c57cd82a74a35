import type { AdapterCapabilities } from '@faultline/core';
import { isObject, type LambdaTrigger } from '../invocation/detect-trigger.js';

/**
 * The capability key under which the Lambda driver offers {@link BatchItemFailures} to fault effects.
 *
 * @example
 * ```ts
 * import { batchItemFailuresCapability } from '@faultline/aws-lambda';
 * const batch = context.capabilities[batchItemFailuresCapability]; // inside a custom fault effect
 * ```
 */
export const batchItemFailuresCapability = 'lambda.batchItemFailures';

/**
 * Lambda's partial batch response (`ReportBatchItemFailures`) for SQS, Kinesis and DynamoDB stream batches,
 * offered to fault effects as an adapter capability.
 *
 * @example
 * ```ts
 * const batch = getBatchItemFailures(context.capabilities);
 * const result = await next();
 * return batch ? batch.reportFailures(result, batch.itemIdentifiers.slice(0, 1)) : result;
 * ```
 */
export interface BatchItemFailures {
  /** Identifiers of the batch's records: SQS `messageId`s, Kinesis / DynamoDB stream sequence numbers. */
  readonly itemIdentifiers: readonly string[];
  /** Returns `result` with `identifiers` added to its `batchItemFailures` (keeping the handler's own failures). */
  reportFailures<Result>(result: Result, identifiers: readonly string[]): Result;
}

/**
 * Reads the capability from a fault context's capabilities, if the trigger is a batch.
 *
 * @example
 * ```ts
 * import { getBatchItemFailures } from '@faultline/aws-lambda';
 * // in a custom fault type's `around(context, next)`:
 * const batch = getBatchItemFailures(context.capabilities);
 * if (batch === undefined) return next(); // not an SQS/Kinesis/DynamoDB stream batch
 * ```
 */
export function getBatchItemFailures(capabilities: AdapterCapabilities): BatchItemFailures | undefined {
  const capability = capabilities[batchItemFailuresCapability];
  return isObject(capability) && Array.isArray(capability.itemIdentifiers)
    ? (capability as unknown as BatchItemFailures)
    : undefined;
}

/** Builds the capability for a batch event, or `undefined` when the trigger has no partial batch response. */
export function createBatchItemFailures(
  trigger: LambdaTrigger,
  event: unknown,
): BatchItemFailures | undefined {
  if (trigger !== 'sqs' && trigger !== 'kinesis' && trigger !== 'dynamodb-stream') return undefined;
  const records = isObject(event) && Array.isArray(event.Records) ? event.Records : [];
  const itemIdentifiers: string[] = [];
  for (const record of records) {
    const identifier = recordIdentifier(trigger, record);
    if (identifier !== undefined) itemIdentifiers.push(identifier);
  }
  return { itemIdentifiers, reportFailures };
}

function recordIdentifier(trigger: LambdaTrigger, record: unknown): string | undefined {
  if (!isObject(record)) return undefined;
  if (trigger === 'sqs') return typeof record.messageId === 'string' ? record.messageId : undefined;
  const body = trigger === 'kinesis' ? record.kinesis : record.dynamodb;
  if (!isObject(body)) return undefined;
  const sequence = trigger === 'kinesis' ? body.sequenceNumber : body.SequenceNumber;
  return typeof sequence === 'string' ? sequence : undefined;
}

function reportFailures<Result>(result: Result, identifiers: readonly string[]): Result {
  const existing: { itemIdentifier: string }[] = [];
  if (isObject(result) && Array.isArray(result.batchItemFailures)) {
    for (const failure of result.batchItemFailures) {
      if (isObject(failure) && typeof failure.itemIdentifier === 'string') {
        existing.push({ itemIdentifier: failure.itemIdentifier });
      }
    }
  }
  const reported = new Set(existing.map((failure) => failure.itemIdentifier));
  for (const identifier of identifiers) {
    if (!reported.has(identifier)) {
      reported.add(identifier);
      existing.push({ itemIdentifier: identifier });
    }
  }
  // A handler returning nothing becomes `{ batchItemFailures }`, the shape Lambda expects.
  const base = isObject(result) ? result : {};
  return { ...base, batchItemFailures: existing } as Result;
}
