import type { FaultType } from './fault-type.js';
import { corruptFault } from './types/corrupt.js';
import { exceptionFault } from './types/exception.js';
import { latencyFault } from './types/latency.js';
import { statusFault } from './types/status.js';
import { timeoutFault } from './types/timeout.js';

/**
 * The base fault types: `latency`, `exception`, `status`, `timeout`, `corrupt`. Part of
 * `builtinFaultTypes`; listed separately so a custom registry can start from them.
 */
export const coreFaultTypes: readonly FaultType[] = [
  latencyFault,
  exceptionFault,
  statusFault,
  timeoutFault,
  corruptFault,
];
