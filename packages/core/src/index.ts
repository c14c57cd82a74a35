export * from './schema/schema.js';
