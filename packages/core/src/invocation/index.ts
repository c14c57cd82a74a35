export * from './invocation.js';
