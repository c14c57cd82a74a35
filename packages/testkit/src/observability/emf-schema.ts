import { Ajv } from 'ajv';

/**
 * The CloudWatch Embedded Metric Format, as its specification states it ("Specification: Embedded metric format" in
 * the CloudWatch user guide), written as a JSON Schema for the parts a schema can say: the root must hold an `_aws`
 * metadata object with a millisecond `Timestamp` and a `CloudWatchMetrics` array of metric directives; a directive
 * has a `Namespace` (1–255 characters), `Dimensions` (an array of dimension sets, each at most 30 dimension keys)
 * and `Metrics` (at most 100 metric definitions, each a `Name`, an optional `Unit` from CloudWatch's list and an
 * optional `StorageResolution` of 1 or 60). Objects the specification defines must not hold other members.
 * {@link validateEmfDocument} adds what needs the whole document: every referenced member must exist on the root,
 * dimension values as strings (1–1024 characters), metric values as numbers or arrays of at most 100 numbers.
 */
export const emfMetadataSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['_aws'],
  properties: {
    _aws: {
      type: 'object',
      required: ['Timestamp', 'CloudWatchMetrics'],
      properties: {
        Timestamp: { type: 'integer', minimum: 0 },
        LogGroupName: { type: 'string' },
        CloudWatchMetrics: {
          type: 'array',
          items: {
            type: 'object',
            required: ['Namespace', 'Dimensions', 'Metrics'],
            additionalProperties: false,
            properties: {
              Namespace: { type: 'string', minLength: 1, maxLength: 255 },
              Dimensions: {
                type: 'array',
                items: {
                  type: 'array',
                  maxItems: 30,
                  items: { type: 'string', minLength: 1, maxLength: 250 },
                },
              },
              Metrics: {
                type: 'array',
                maxItems: 100,
                items: {
                  type: 'object',
                  required: ['Name'],
                  additionalProperties: false,
                  properties: {
                    Name: { type: 'string', minLength: 1, maxLength: 1024 },
                    Unit: {
                      enum: [
                        'Seconds',
                        'Microseconds',
                        'Milliseconds',
                        'Bytes',
                        'Kilobytes',
                        'Megabytes',
                        'Gigabytes',
                        'Terabytes',
                        'Bits',
                        'Kilobits',
                        'Megabits',
                        'Gigabits',
                        'Terabits',
                        'Percent',
                        'Count',
                        'Bytes/Second',
                        'Kilobytes/Second',
                        'Megabytes/Second',
                        'Gigabytes/Second',
                        'Terabytes/Second',
                        'Bits/Second',
                        'Kilobits/Second',
                        'Megabits/Second',
                        'Gigabits/Second',
                        'Terabits/Second',
                        'Count/Second',
                        'None',
                      ],
                    },
                    StorageResolution: { enum: [1, 60] },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

const validateMetadata = new Ajv({ allErrors: true }).compile(emfMetadataSchema);

/**
 * Checks one log line against the Embedded Metric Format specification: a JSON object with nothing before or after
 * it, {@link emfMetadataSchema}, and the target members the directives reference. Returns the problems found
 * (empty when the line is a valid EMF document).
 *
 * @example
 * ```ts
 * expect(validateEmfDocument(line)).toEqual([]);
 * ```
 */
export function validateEmfDocument(line: string): string[] {
  let document: unknown;
  try {
    document = JSON.parse(line);
  } catch (error) {
    return [`not one JSON value: ${(error as Error).message}`];
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return ['the root must be a JSON object'];
  }
  if (line.trim() !== line) return ['nothing may come before or after the JSON object'];
  if (!validateMetadata(document)) {
    return (validateMetadata.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`);
  }
  const root = document as Record<string, unknown> & {
    _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  };
  const problems: string[] = [];
  for (const directive of root._aws.CloudWatchMetrics) {
    for (const set of directive.Dimensions) {
      for (const key of set) {
        const value = root[key];
        if (typeof value !== 'string' || value.length < 1 || value.length > 1024) {
          problems.push(`dimension ${key} must be a root member holding a string of 1 to 1024 characters`);
        }
      }
    }
    for (const metric of directive.Metrics) {
      const value = root[metric.Name];
      const valid =
        typeof value === 'number' ||
        (Array.isArray(value) &&
          value.length > 0 &&
          value.length <= 100 &&
          value.every((entry) => typeof entry === 'number'));
      if (!valid)
        problems.push(`metric ${metric.Name} must be a root member holding a number (or up to 100)`);
    }
  }
  return problems;
}
