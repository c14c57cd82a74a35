import type { FaultType } from './fault-type.js';

/** Event-delivery faults shared by the adapters (e.g. `duplicate`). */
export const eventFaultTypes: readonly FaultType[] = [];
