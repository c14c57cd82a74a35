export * from './compile.js';
export * from './decide.js';
export * from './document-pipeline.js';
export * from './fault-engine.js';
export type {
  FaultRun,
  HandlerOutcome,
  NativeAnswers,
  NativeResponses,
  ShortCircuit,
} from './fault-run.js';
export * from './ports.js';
export * from './sampling.js';
export * from './shared-engines.js';
