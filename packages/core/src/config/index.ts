export * from './cached-config.js';
export * from './config-errors.js';
export * from './config-source.js';
