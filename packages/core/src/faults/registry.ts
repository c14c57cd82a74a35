import { FaultlineError } from '../errors/faultline-error.js';
import type { FaultType } from './fault-type.js';

/** The fault types an engine (and the validator) knows. Built explicitly; nothing registers itself on import. */
export interface FaultRegistry {
  get(type: string): FaultType | undefined;
  /** Every registered type, in registration order. */
  list(): readonly FaultType[];
}

/**
 * Creates a registry from fault types. Duplicate type names are a programming error and throw at creation (never
 * at invocation time).
 *
 * @example
 * ```ts
 * import { builtinFaultTypes, createFaultRegistry } from '@faultline/core';
 * const registry = createFaultRegistry([...builtinFaultTypes, myCustomFault]);
 * ```
 */
export function createFaultRegistry(types: readonly FaultType[]): FaultRegistry {
  const byType = new Map<string, FaultType>();
  for (const faultType of types) {
    if (byType.has(faultType.type))
      throw new FaultlineError(
        'FAULT_TYPE_DUPLICATE',
        `faultline: fault type "${faultType.type}" is registered twice`,
      );
    byType.set(faultType.type, faultType);
  }
  const list = [...byType.values()];
  return {
    get: (type) => byType.get(type),
    list: () => list,
  };
}
