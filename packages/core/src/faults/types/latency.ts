import { areValuesHidden, type ValidationIssue } from '../../schema/schema.js';
import * as s from '../../schema/schema-builders.js';
import { defineFaultType } from '../fault-type.js';

/** The longest delay any latency attribute accepts: 15 minutes, the longest serverless invocation. */
export const maxLatencyMs = 900_000;

const delay = (description: string) =>
  s.number({ minimum: 0, maximum: maxLatencyMs, unit: 'ms', description });

interface LatencyAttributes {
  readonly delayMs?: number;
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly jitterMs?: number;
}

function checkLatencyForm(value: LatencyAttributes, path: string, issues: ValidationIssue[]): void {
  const at = (key: string) => (path === '' ? key : `${path}.${key}`);
  const hasFixed = value.delayMs !== undefined;
  const hasMin = value.minDelayMs !== undefined;
  const hasMax = value.maxDelayMs !== undefined;
  if (hasFixed && (hasMin || hasMax)) {
    issues.push({
      path: at('delayMs'),
      message: 'cannot be combined with minDelayMs/maxDelayMs',
      hint: 'use delayMs (optionally with jitterMs) for a fixed delay, or minDelayMs and maxDelayMs for a range',
    });
    return;
  }
  if (!hasFixed && !hasMin && !hasMax) {
    issues.push({
      path: at('delayMs'),
      message: 'is required (or minDelayMs and maxDelayMs)',
      hint: 'e.g. delayMs: 500, or minDelayMs: 200 with maxDelayMs: 800',
    });
    return;
  }
  if (hasMin !== hasMax) {
    issues.push({
      path: at(hasMin ? 'maxDelayMs' : 'minDelayMs'),
      message: `is required when ${hasMin ? 'minDelayMs' : 'maxDelayMs'} is set`,
      hint: 'a range needs both ends',
    });
    return;
  }
  if (hasMin && hasMax && (value.minDelayMs as number) > (value.maxDelayMs as number)) {
    issues.push({
      path: at('minDelayMs'),
      message: areValuesHidden()
        ? 'must not exceed maxDelayMs'
        : `must not exceed maxDelayMs (${value.maxDelayMs}), got ${value.minDelayMs}`,
      hint: 'swap the two values',
    });
  }
  if (value.jitterMs !== undefined && !hasFixed) {
    issues.push({
      path: at('jitterMs'),
      message: 'needs delayMs',
      hint: 'jitter varies a fixed delayMs by ± jitterMs; a min/max range already varies',
    });
  }
}

/**
 * `latency` (before the handler): waits, then lets the invocation continue. Three forms: a fixed `delayMs`, a
 * uniform range `minDelayMs`..`maxDelayMs`, or `delayMs` ± `jitterMs` (never below 0). The wait ends early when
 * the invocation is aborted.
 *
 * @example
 * ```yaml
 * faults:
 *   - id: slow-orders
 *     type: latency
 *     probability: 0.1
 *     minDelayMs: 200
 *     maxDelayMs: 1200
 * ```
 */
export const latencyFault = defineFaultType({
  type: 'latency',
  summary: 'Delays the invocation before the handler runs (fixed, uniform range, or jittered).',
  phase: 'before',
  attributes: s.object(
    {
      delayMs: s.optional(delay('Fixed delay before the handler, in milliseconds.')),
      minDelayMs: s.optional(
        delay('Lower end of a uniformly random delay, in milliseconds (with maxDelayMs).'),
      ),
      maxDelayMs: s.optional(
        delay('Upper end of a uniformly random delay, in milliseconds (with minDelayMs).'),
      ),
      jitterMs: s.optional(
        delay('Varies delayMs by up to ± this many milliseconds (uniformly; never below 0).'),
      ),
    },
    { refine: checkLatencyForm },
  ),
  create(attributes) {
    const { delayMs, minDelayMs, maxDelayMs, jitterMs } = attributes;
    if (delayMs !== undefined && (jitterMs === undefined || jitterMs === 0)) {
      return { before: (context) => context.sleep(delayMs, context.signal) };
    }
    if (delayMs !== undefined) {
      const jitter = jitterMs as number;
      return {
        before: (context) =>
          context.sleep(Math.max(0, delayMs + (context.random() * 2 - 1) * jitter), context.signal),
      };
    }
    const low = minDelayMs ?? 0;
    const span = (maxDelayMs ?? low) - low;
    return { before: (context) => context.sleep(low + context.random() * span, context.signal) };
  },
});
