export {
  defaultProductionStages,
  experimentSchemaVersion,
  fieldPathSchema,
  getExperimentSchema,
  maxFaultsPerExperiment,
  maxIdLength,
  maxMatchConditions,
  maxMatchInValues,
  probabilityHint,
  type ValidatedExperiment,
  validateFaultEntry,
} from './experiment-schema.js';
export * from './json-schema.js';
export * from './metric-probes.js';
export * from './parse-text.js';
export * from './redact.js';
export * from './run-section.js';
export * from './types.js';
export * from './validate.js';
