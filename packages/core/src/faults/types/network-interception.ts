import { createPreparedModule } from '../prepared-module.js';

// The interceptors patch `node:net` and `node:dns`; loading `node:dns` alone costs a cold instance 1.5–2.5 ms (Node
// 20, measured), which an experiment without network faults must not pay. The module is the package's own
// `@faultline/core/interception` entry, so a bundle has one copy of it, and `@faultline/aws-lambda/aws-sdk`, which
// imports that entry at load, shares it.

/** The network interception module (`@faultline/core/interception`). */
export type NetworkInterception = typeof import('../../interception.js');

/** What `blackhole` and `dependency` load in their `prepare()`: the interceptors and host rules. */
export const networkInterception = createPreparedModule<NetworkInterception>(
  () => import('../../interception.js'),
  'the network interception module',
);
