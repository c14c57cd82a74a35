import * as s from '../../schema/schema-builders.js';
import { getBatchCapability } from '../batch-capability.js';
import { defineFaultType, type FaultType } from '../fault-type.js';

/**
 * `partialBatch` (around the handler; SQS, Kinesis and DynamoDB stream batches): after the handler processed the
 * batch, reports a random share `ratio` of its records as failed in `batchItemFailures`, so Lambda redelivers them
 * (SQS) or retries from the first of them (streams). It proves the consumer survives redelivery of records it already
 * processed, and that retries and the dead-letter queue behave. Needs `ReportBatchItemFailures` on the event source
 * mapping, as any partial batch response does. At least one record is reported whenever the batch is not empty;
 * other triggers are left alone.
 *
 * Adapters offer the batch through the `batch` capability ({@link getBatchCapability}); today the Lambda adapter does
 * for SQS, Kinesis and DynamoDB stream events. On triggers without a partial batch response the fault does nothing,
 * so one experiment file stays valid on every cloud.
 *
 * @example
 * ```yaml
 * faults:
 *   - id: flaky-batch
 *     type: partialBatch
 *     probability: 0.2
 *     ratio: 0.25
 * ```
 */
export const partialBatchFault: FaultType = defineFaultType({
  type: 'partialBatch',
  summary:
    'Reports a share of a batch (SQS, Kinesis, DynamoDB stream) as failed so the platform redelivers it.',
  phase: 'around',
  attributes: s.object({
    ratio: s.defaulted(
      s.number({
        minimum: 0,
        maximum: 1,
        description: 'Share of the batch records reported as failed (0–1; at least one record when above 0).',
      }),
      0.5,
    ),
  }),
  create(attributes) {
    const { ratio } = attributes;
    return {
      cannotAct: (context) =>
        getBatchCapability(context.capabilities) === undefined
          ? 'the trigger has no partial batch response (SQS, Kinesis and DynamoDB streams on Lambda do)'
          : undefined,
      async around(context, next) {
        const batch = getBatchCapability(context.capabilities);
        const result = await next();
        if (batch === undefined || ratio === 0) return result;
        const identifiers = [...batch.itemIdentifiers];
        if (identifiers.length === 0) return result;
        const count = Math.min(identifiers.length, Math.max(1, Math.round(ratio * identifiers.length)));
        // Partial Fisher–Yates with the engine's random source, so seeded runs pick the same records.
        for (let index = 0; index < count; index += 1) {
          const swap = index + Math.floor(context.random() * (identifiers.length - index));
          [identifiers[index], identifiers[swap]] = [
            identifiers[swap] as string,
            identifiers[index] as string,
          ];
        }
        return batch.reportFailures(result, identifiers.slice(0, count));
      },
    };
  },
});
