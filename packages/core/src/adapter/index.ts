export { preloadFaultRuntime } from '../engine/fault-runtime-loader.js';
export * from './adapter.js';
export * from './create-fault-wrapper.js';
export * from './phase-wrapper.js';
export * from './resolve-engine.js';
export * from './zero-code.js';
