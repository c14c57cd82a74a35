import type { BatchCapability } from '@faultline/core';
import { isObject, type LambdaTrigger } from '../invocation/detect-trigger.js';

/**
 * Builds core's `batch` capability for an SQS, Kinesis or DynamoDB stream event (Lambda's `batchItemFailures`
 * partial batch response), or `undefined` when the trigger has no partial batch response.
 */
export function createBatchItemFailures(trigger: LambdaTrigger, event: unknown): BatchCapability | undefined {
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
