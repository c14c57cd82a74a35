import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';

/** One failed constraint, in the shape of AppConfig's `InvalidConfigurationDetail`. */
export interface JsonSchemaProblem {
  readonly Constraint: string;
  readonly Location: string;
  readonly Reason: string;
  readonly Value: string;
}

/**
 * Validates `content` against a JSON_SCHEMA validator's schema text, the way AppConfig does before it stores or
 * deploys a configuration. Loaded only when a profile has such a validator.
 */
export function validateWithJsonSchema(schemaText: string, content: Buffer): JsonSchemaProblem[] {
  let document: unknown;
  try {
    document = JSON.parse(content.toString('utf8'));
  } catch (error) {
    return [
      { Constraint: 'type', Location: '$', Reason: `not JSON: ${(error as Error).message}`, Value: '' },
    ];
  }
  const schema = JSON.parse(schemaText) as { $schema?: string };
  const options = { strict: false, allErrors: true, validateFormats: false } as const;
  const ajv = schema.$schema?.includes('2020-12') ? new Ajv2020(options) : new Ajv(options);
  const check = ajv.compile(schema);
  if (check(document)) return [];
  return (check.errors ?? []).slice(0, 10).map((error) => ({
    Constraint: error.keyword,
    Location: `$${error.instancePath.replaceAll('/', '.')}`,
    Reason: error.message ?? 'invalid',
    Value: JSON.stringify(error.params),
  }));
}
