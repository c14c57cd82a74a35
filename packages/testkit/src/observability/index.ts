export * from './emf-schema.js';
export * from './test-tracing.js';
