import type { Invocation } from '../invocation/invocation.js';
import type { EventFields } from './event-emitter.js';

/**
 * The faults whose effect reaches the whole process (`reach: 'process'`: `config`, `diskfill`) and are acting now,
 * so that every invocation starting next to one of them can be told it runs in a changed process. One set per
 * process, shared by every copy of core (`Symbol.for`), because `process.env` and the disk are shared by them too.
 */

/** One sampled invocation in which a process-wide fault is acting. */
export interface ActiveProcessWideFault {
  readonly experimentId: string;
  readonly configVersion: string | undefined;
  readonly faultId: string;
  readonly faultType: string;
  /** The sampled invocation the fault was injected into. */
  readonly requestId: string;
}

const registryKey = Symbol.for('faultline.process-wide-faults.v1');

function activeFaults(): Set<ActiveProcessWideFault> {
  const holder = globalThis as { [registryKey]?: Set<ActiveProcessWideFault> };
  let active = holder[registryKey];
  if (active === undefined) {
    active = new Set();
    holder[registryKey] = active;
  }
  return active;
}

const active = activeFaults();

/** Marks a process-wide fault as acting; the returned release (idempotent) unmarks it. */
export function holdProcessWideFault(fault: ActiveProcessWideFault): () => void {
  // A fresh entry per invocation: two sampled invocations of the same fault are two holders.
  const entry = { ...fault };
  active.add(entry);
  return () => {
    active.delete(entry);
  };
}

/** How many process-wide faults are acting in this process now (0 almost always: one read on the armed path). */
export function activeProcessWideFaultCount(): number {
  return active.size;
}

/**
 * Emits one `neighbour-affected` event per process-wide fault acting in another invocation, for an invocation that
 * starts now. Called by the engine for every invocation it decides on while some such fault is active.
 */
export function reportProcessWideNeighbours(
  invocation: Invocation,
  emit: (message: string, fields: EventFields) => void,
): void {
  for (const fault of active) {
    if (fault.requestId === invocation.requestId) continue;
    emit(
      `invocation ${invocation.requestId} runs while ${fault.faultType} fault ${fault.faultId} acts on the whole instance (injected into ${fault.requestId})`,
      {
        experimentId: fault.experimentId,
        configVersion: fault.configVersion,
        faultId: fault.faultId,
        faultType: fault.faultType,
        invocation,
        details: { scope: 'process', injectedRequestId: fault.requestId },
      },
    );
  }
}
