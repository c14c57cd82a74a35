export * from './fields.js';
export * from './invocation.js';
