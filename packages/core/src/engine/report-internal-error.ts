import { describeError } from '../errors/describe-error.js';
import type { Invocation } from '../invocation/invocation.js';
import type { CompiledExperiment, CompiledFault } from './compile.js';
import type { FaultEngine } from './fault-engine.js';

/**
 * Reports a failure of faultline's own as an `internal-error` event; never throws (fail open).
 *
 * @example
 * ```ts
 * try {
 *   invocation = adapter.toInvocation(event, context);
 * } catch (error) {
 *   reportInternalError(engine, error, 'deciding');
 *   return handler(event, context);
 * }
 * ```
 */
export function reportInternalError(
  engine: Pick<FaultEngine, 'emit'>,
  error: unknown,
  where: string,
  invocation?: Invocation,
  fault?: CompiledFault,
  compiled?: CompiledExperiment,
): void {
  try {
    engine.emit('internal-error', `faultline failed while ${where}; the invocation continues without it`, {
      experimentId: compiled?.experimentId,
      configVersion: compiled?.configVersion,
      faultId: fault?.id,
      faultType: fault?.type,
      invocation,
      details: describeError(error),
    });
  } catch {
    // fail open
  }
}
