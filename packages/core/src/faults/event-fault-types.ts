import type { FaultType } from './fault-type.js';
import { duplicateFault } from './types/duplicate.js';

/** Event-delivery faults shared by the adapters (`duplicate`). Adapter-specific ones (`partialBatch`) live there. */
export const eventFaultTypes: readonly FaultType[] = [duplicateFault];
