/**
 * `@faultline/core/testing`: helpers to test code that uses faultline (and faultline's own adapters) without real
 * time, real chance or real logs.
 * @packageDocumentation
 */
export * from './fake-clock.js';
export * from './in-memory-adapter.js';
export * from './memory-sink.js';
export * from './test-invocation.js';
