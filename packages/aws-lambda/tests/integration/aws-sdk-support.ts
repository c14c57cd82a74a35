import {
  builtinFaultRegistry,
  type FaultContext,
  type FaultEffect,
  invalid,
  type ValidationIssue,
} from '@faultline/core';
import { systemClock, systemSleep } from '@faultline/core/adapter-kit';

// The engine awaits each fault type's `prepare` before it calls `create` (blackhole and dependency load the network
// interceptors there); so do these helpers.
await Promise.all(builtinFaultRegistry.list().map((faultType) => faultType.prepare?.()));

/** Creates a built-in fault's effect from attributes, validated as the engine does. */
export function createFaultEffect(
  type: string,
  attributes: Record<string, unknown>,
  id = `${type}-fault`,
): FaultEffect {
  const faultType = builtinFaultRegistry.get(type);
  if (faultType === undefined) throw new Error(`unknown fault type ${type}`);
  const issues: ValidationIssue[] = [];
  const parsed = faultType.attributes.validate(attributes, '', issues);
  if (parsed === invalid) throw new Error(`invalid attributes: ${JSON.stringify(issues)}`);
  return faultType.create(parsed as never, { id, type, enabled: true, probability: 1 });
}

/** Runs `body` as one sampled invocation under the effect's `around`, with a hand-built fault context. */
export async function runInvocation<T>(
  effect: FaultEffect,
  body: () => Promise<T>,
  options: { readonly sleep?: (durationMs: number) => Promise<void>; readonly faultId?: string } = {},
): Promise<T> {
  const controller = new AbortController();
  const cleanups: (() => void | Promise<void>)[] = [];
  const context: FaultContext = {
    invocation: {
      cloud: 'aws',
      function: 'orders',
      stage: 'dev',
      region: 'us-east-1',
      trigger: 'http',
      requestId: 'request-1',
      deadlineMs: undefined,
      http: undefined,
      event: undefined,
      raw: {},
    },
    experimentId: 'aws-sdk-test',
    fault: { id: options.faultId ?? 'fault', type: 'dependency', enabled: true, probability: 1 },
    clock: systemClock,
    random: Math.random,
    sleep: options.sleep ?? systemSleep,
    signal: controller.signal,
    capabilities: {},
    defer: (cleanup) => {
      cleanups.push(cleanup);
    },
  };
  try {
    if (effect.around === undefined) throw new Error('effect has no around phase');
    return await effect.around(context, body);
  } finally {
    controller.abort();
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

/** Settles a promise into a result the test can assert on. */
export async function settle<T>(
  promise: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}
