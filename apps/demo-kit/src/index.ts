/**
 * What the three demo apps share, so they differ only where their clouds do: the order catalogue, the downstream
 * pricing service, and the pricing client with its timeout and fallback.
 * @packageDocumentation
 */
export * from './orders.js';
export * from './pricing-server.js';
