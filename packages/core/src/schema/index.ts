export type {
  Infer,
  InferProperties,
  JsonSchema,
  ObjectSchema,
  Properties,
  Schema,
  ValidationIssue,
} from './schema.js';
export { closestName, describeValue, invalid, isPlainObject, joinPath } from './schema.js';
export * as s from './schema-builders.js';
