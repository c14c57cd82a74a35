/**
 * `@faultline/core/testing`: helpers to test code that uses faultline (and faultline's own adapters) without real
 * time, real chance or real logs, and the engine's own field reading and sticky sampling, so a test can check what
 * an invocation's fields read and which `sampleBy` values a fault picks.
 * @packageDocumentation
 */

export { createSamplingPrefix, type SamplingPrefix, sampleFires, stickyUnit } from '../engine/sampling.js';
export { compileFieldReader, type FieldReader, type FieldValue } from '../invocation/fields.js';
export {
  createConstantRandom,
  createFakeClock,
  createRecordingSleep,
  createSeededRandom,
  type FakeClock,
  immediateSleep,
  type RecordingSleep,
  type SeededRandom,
} from './fake-clock.js';
export {
  createInMemoryAdapter,
  type InMemoryAdapterOptions,
  type InMemoryContext,
  type InMemoryRequest,
  type InMemoryResponse,
} from './in-memory-adapter.js';
export { createMemorySink, type MemorySink } from './memory-sink.js';
export { createTestInvocation, type TestInvocationOverrides } from './test-invocation.js';
