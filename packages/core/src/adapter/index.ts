export * from './adapter.js';
export * from './create-fault-wrapper.js';
