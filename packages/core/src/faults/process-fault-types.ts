import type { FaultType } from './fault-type.js';
import { blackholeFault } from './types/blackhole.js';

/** blackhole, dependency, diskfill, concurrency, coldstart, cors, config (process- and dependency-level faults). */
export const processFaultTypes: readonly FaultType[] = [blackholeFault as unknown as FaultType];
