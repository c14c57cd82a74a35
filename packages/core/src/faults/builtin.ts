import { coreFaultTypes } from './core-fault-types.js';
import { eventFaultTypes } from './event-fault-types.js';
import type { FaultType } from './fault-type.js';
import { processFaultTypes } from './process-fault-types.js';
import { createFaultRegistry, type FaultRegistry } from './registry.js';

/** Every fault type faultline ships. */
export const builtinFaultTypes: readonly FaultType[] = [
  ...coreFaultTypes,
  ...processFaultTypes,
  ...eventFaultTypes,
];

/** A registry of {@link builtinFaultTypes}; the default for engines, the validator and the CLI. */
export const builtinFaultRegistry: FaultRegistry = createFaultRegistry(builtinFaultTypes);
