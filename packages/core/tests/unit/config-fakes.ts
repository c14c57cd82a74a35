import type { FaultlineEvent } from '../../src/events/events.js';
import type { ConfigLoadRequest, ConfigLoadResult, ConfigSource } from '../../src/index.js';

/**
 * Test doubles for the cached-config tests: a fake clock whose sleeps fire only when the test advances time, a
 * scriptable source that counts its loads, and an event recorder.
 */
export interface FakeTime {
  readonly clock: { now(): number };
  sleep(durationMs: number, signal?: AbortSignal): Promise<void>;
  /** Moves time forward, firing due sleeps in order, and lets their continuations run. */
  advance(durationMs: number): Promise<void>;
  readonly pendingSleeps: number;
}

export function createFakeTime(startMs = 1_700_000_000_000): FakeTime {
  let nowMs = startMs;
  const sleepers: { wakeAtMs: number; resolve: () => void }[] = [];
  return {
    clock: { now: () => nowMs },
    sleep(durationMs, signal) {
      return new Promise<void>((resolve) => {
        if (signal?.aborted) {
          resolve();
          return;
        }
        const sleeper = { wakeAtMs: nowMs + Math.max(0, durationMs), resolve };
        sleepers.push(sleeper);
        signal?.addEventListener(
          'abort',
          () => {
            const index = sleepers.indexOf(sleeper);
            if (index >= 0) sleepers.splice(index, 1);
            resolve();
          },
          { once: true },
        );
      });
    },
    async advance(durationMs) {
      const targetMs = nowMs + durationMs;
      for (;;) {
        await flushMicrotasks();
        sleepers.sort((a, b) => a.wakeAtMs - b.wakeAtMs);
        const next = sleepers[0];
        if (next === undefined || next.wakeAtMs > targetMs) break;
        sleepers.shift();
        nowMs = Math.max(nowMs, next.wakeAtMs);
        next.resolve();
      }
      nowMs = targetMs;
      await flushMicrotasks();
    },
    get pendingSleeps() {
      return sleepers.length;
    },
  };
}

export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let index = 0; index < rounds; index += 1) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

export type LoadBehaviour =
  | ConfigLoadResult
  | Error
  | 'hang'
  | ((request: ConfigLoadRequest) => Promise<ConfigLoadResult>);

/** A source that answers with the next scripted behaviour (the last one repeats) and counts its loads. */
export function createScriptedSource(behaviours: LoadBehaviour[], name = 'test:scripted') {
  const requests: ConfigLoadRequest[] = [];
  let script = behaviours;
  const source: ConfigSource & { readonly loads: number; readonly requests: ConfigLoadRequest[] } = {
    name,
    get loads() {
      return requests.length;
    },
    requests,
    load(request) {
      requests.push(request);
      const behaviour = script.length > 1 ? script.shift() : script[0];
      if (behaviour === undefined) return Promise.resolve({ kind: 'missing' });
      if (behaviour === 'hang') return new Promise<ConfigLoadResult>(() => {});
      if (behaviour instanceof Error) return Promise.reject(behaviour);
      if (typeof behaviour === 'function') return behaviour(request);
      return Promise.resolve(behaviour);
    },
  };
  return {
    source,
    /** Replaces the script from the next load on. */
    script(next: LoadBehaviour[]) {
      script = next;
    },
  };
}

export function document(version: string, body: object | string = { id: version }): ConfigLoadResult {
  return { kind: 'document', document: body, version };
}

export function createEventRecorder() {
  const events: FaultlineEvent[] = [];
  return {
    events,
    sink: (event: FaultlineEvent) => {
      events.push(event);
    },
    ofType(type: FaultlineEvent['type']) {
      return events.filter((event) => event.type === type);
    },
  };
}
