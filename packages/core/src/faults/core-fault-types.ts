import type { FaultType } from './fault-type.js';

/** latency, exception, status, timeout, corrupt (owned by the engine work). */
export const coreFaultTypes: readonly FaultType[] = [];
