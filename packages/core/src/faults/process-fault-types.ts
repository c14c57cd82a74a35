import type { FaultType } from './fault-type.js';

/** blackhole, dependency, diskfill, concurrency, coldstart, cors, config (process- and dependency-level faults). */
export const processFaultTypes: readonly FaultType[] = [];
