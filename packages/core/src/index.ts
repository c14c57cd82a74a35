/**
 * @faultline/core — the provider-agnostic chaos engine. No cloud SDK is imported here, ever.
 * @packageDocumentation
 */
export * from './adapter/index.js';
export * from './config/index.js';
export * from './engine/index.js';
export * from './errors/index.js';
export * from './events/index.js';
export * from './experiment/index.js';
export * from './faults/index.js';
export * from './invocation/index.js';
export * from './matching/index.js';
export * from './schema/index.js';
export * from './scope/index.js';
