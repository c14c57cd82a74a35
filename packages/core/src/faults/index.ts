export * from './builtin.js';
export * from './fault-type.js';
export * from './registry.js';
