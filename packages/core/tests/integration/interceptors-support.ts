import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, systemSleep } from '../../src/engine/ports.js';
import type { FaultCommon } from '../../src/experiment/types.js';
import { builtinFaultTypes } from '../../src/faults/builtin.js';
import type { FaultContext, FaultEffect, FaultType } from '../../src/faults/fault-type.js';
import type { Invocation } from '../../src/invocation/invocation.js';
import { invalid, type ValidationIssue } from '../../src/schema/schema.js';

// The engine awaits each fault type's `prepare` before it calls `create` (blackhole and dependency load the network
// interceptors there); so do these helpers.
await Promise.all(builtinFaultTypes.map((faultType) => faultType.prepare?.()));

/** A loopback HTTP server answering `ok <path>` and counting requests. */
export interface LoopbackServer {
  readonly port: number;
  readonly url: string;
  requestCount(): number;
  close(): Promise<void>;
}

export async function startLoopbackServer(): Promise<LoopbackServer> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests++;
    response.setHeader('content-type', 'text/plain');
    response.end(`ok ${request.url ?? ''}`);
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requestCount: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function testInvocation(requestId = 'request-1'): Invocation {
  return {
    cloud: 'local',
    function: 'orders',
    stage: 'dev',
    region: undefined,
    trigger: 'http',
    requestId,
    deadlineMs: undefined,
    http: { method: 'GET', path: '/orders/1', headers: {}, query: {} },
    event: undefined,
    raw: {},
  };
}

/** A hand-built fault context whose deferred cleanups and abort run on `finish()`, as the engine does. */
export interface TestFaultContext extends FaultContext {
  finish(): Promise<void>;
}

export function createTestFaultContext(
  fault: Partial<FaultCommon> & { readonly type: string },
  overrides: Partial<Pick<FaultContext, 'sleep' | 'random' | 'clock'>> & { readonly requestId?: string } = {},
): TestFaultContext {
  const controller = new AbortController();
  const cleanups: (() => void | Promise<void>)[] = [];
  return {
    invocation: testInvocation(overrides.requestId),
    experimentId: 'experiment-under-test',
    fault: { id: fault.id ?? `${fault.type}-fault`, enabled: true, probability: 1, ...fault },
    clock: overrides.clock ?? systemClock,
    random: overrides.random ?? Math.random,
    sleep: overrides.sleep ?? systemSleep,
    signal: controller.signal,
    capabilities: {},
    defer(cleanup) {
      cleanups.push(cleanup);
    },
    async finish() {
      controller.abort();
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
  };
}

/** Validates attributes with the type's schema (as the validator does) and creates the effect. */
export function createEffect(
  type: FaultType,
  attributes: Record<string, unknown>,
  id = `${type.type}-fault`,
): FaultEffect {
  const issues: ValidationIssue[] = [];
  const parsed = type.attributes.validate(attributes, '', issues);
  if (parsed === invalid) throw new Error(`invalid attributes: ${JSON.stringify(issues)}`);
  return type.create(parsed as never, { id, type: type.type, enabled: true, probability: 1 });
}

/** Validation issues for `attributes` under the type's schema. */
export function attributeIssues(type: FaultType, attributes: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  type.attributes.validate(attributes, '', issues);
  return issues;
}

/** Runs `body` as the handler of one invocation through the effect's `around`, then finishes the context. */
export async function runAround<T>(
  effect: FaultEffect,
  context: TestFaultContext,
  body: () => Promise<T>,
): Promise<T> {
  try {
    if (effect.around === undefined) throw new Error('effect has no around phase');
    return await effect.around(context, body);
  } finally {
    await context.finish();
  }
}

/** Settles a promise into `{ ok, value | error }` so tests can assert on failures. */
export async function settle<T>(
  promise: Promise<T>,
): Promise<{ readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The root cause code of an error (`fetch failed` wraps the socket error in `cause`). */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('E')) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
