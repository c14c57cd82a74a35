export * from './config-source.js';
