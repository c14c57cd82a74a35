import type { FaultType } from './fault-type.js';
import { blackholeFault } from './types/blackhole.js';
import { coldstartFault } from './types/coldstart.js';
import { concurrencyFault } from './types/concurrency.js';
import { configFault } from './types/config.js';
import { corsFault } from './types/cors.js';
import { dependencyFault } from './types/dependency.js';
import { diskfillFault } from './types/diskfill.js';

/** blackhole, dependency, diskfill, concurrency, coldstart, cors, config (process- and dependency-level faults). */
export const processFaultTypes: readonly FaultType[] = [
  blackholeFault,
  dependencyFault,
  diskfillFault,
  concurrencyFault,
  coldstartFault,
  corsFault,
  configFault,
];
