import type { FaultType } from './fault-type.js';
import { duplicateFault } from './types/duplicate.js';
import { partialBatchFault } from './types/partial-batch.js';

/** Event-delivery faults shared by the adapters: `duplicate` and `partialBatch`. */
export const eventFaultTypes: readonly FaultType[] = [duplicateFault, partialBatchFault];
