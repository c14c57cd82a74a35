export * from './events.js';
export * from './json-line-sink.js';
