import { fileURLToPath } from 'node:url';
import { createInMemoryAdapter } from '@faultline/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFaultWrapper } from '../../src/adapter-kit.js';
import { deferBackgroundEvents } from '../../src/events/background-events.js';
import type { EventSink, FaultlineEvent } from '../../src/events/events.js';
import { createFaultEngine, createInlineSource } from '../../src/index.js';
import { runModuleScript } from './module-script.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function event(type: FaultlineEvent['type'], extra: Partial<FaultlineEvent> = {}): FaultlineEvent {
  return {
    source: 'faultline',
    type,
    level: 'info',
    time: '2026-12-06T00:00:00.000Z',
    message: type,
    ...extra,
  };
}

function recordingSink(): { sink: EventSink; written: string[] } {
  const written: string[] = [];
  const sink: EventSink = (written_event, context) => {
    written.push(`${written_event.message}${context?.invocation === undefined ? '' : ' (invocation)'}`);
  };
  return { sink, written };
}

describe('deferBackgroundEvents', () => {
  it('writes an event about no invocation on the next turn, not at once', async () => {
    const { sink, written } = recordingSink();
    const deferred = deferBackgroundEvents(sink);

    deferred(event('config-load'));
    deferred(event('config-error'));

    expect(written).toEqual([]);
    await nextTurn();
    expect(written).toEqual(['config-load', 'config-error']);
  });

  it('writes the queued events first when a per-invocation event comes, so the lines keep their order', async () => {
    const { sink, written } = recordingSink();
    const deferred = deferBackgroundEvents(sink);
    const invocation = { requestId: 'r-1', cloud: 'local', trigger: 'http' } as never;

    deferred(event('config-load'));
    deferred(event('inject'), { invocation });
    deferred(event('skipped', { requestId: 'r-2' }));
    await nextTurn();

    expect(written).toEqual(['config-load', 'inject (invocation)', 'skipped']);
  });

  it('writes the queued events on flush and on writeQueued, once', async () => {
    const flushed: string[] = [];
    const { sink, written } = recordingSink();
    sink.flush = () => flushed.push(`flush after ${written.length}`);
    const deferred = deferBackgroundEvents(sink);

    deferred(event('config-load'));
    deferred.flush?.({});
    deferred(event('config-missing'));
    deferred.writeQueued();
    await nextTurn();

    expect(written).toEqual(['config-load', 'config-missing']);
    expect(flushed).toEqual(['flush after 1']);
  });

  it('swallows a throwing sink', async () => {
    const deferred = deferBackgroundEvents(() => {
      throw new Error('broken sink');
    });

    deferred(event('config-load'));
    expect(() => deferred(event('inject', { requestId: 'r-1' }))).not.toThrow();
    await nextTurn();
  });

  it('writes the queued lines when the process exits before their turn', async () => {
    const module = fileURLToPath(new URL('../../src/events/background-events.ts', import.meta.url));
    const script = `
      const { deferBackgroundEvents } = await import(${JSON.stringify(module)});
      const deferred = deferBackgroundEvents((event) => console.log(event.message));
      deferred({ source: 'faultline', type: 'config-load', level: 'info', time: '', message: 'loaded before exit' });
      process.exit(0);
    `;
    const output = await runModuleScript(script);

    expect(output.trim()).toBe('loaded before exit');
  });
});

describe('the default console sink of an engine', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("answers a cold instance's first invocation before it writes the config-load line, then writes it", async () => {
    const lines: string[] = [];
    for (const method of ['debug', 'info', 'warn', 'error', 'log'] as const) {
      vi.spyOn(console, method).mockImplementation((line: unknown) => {
        lines.push(String(line));
      });
    }
    const engine = createFaultEngine({
      source: createInlineSource({ schemaVersion: 1, id: 'background', faults: [] }),
      environment: {},
    });
    const wrapped = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200 }), {
      engine,
      environment: {},
    });

    const response = await wrapped({ requestId: 'r-1', trigger: 'http', method: 'GET', path: '/' }, {});

    expect(response).toMatchObject({ status: 200 });
    expect(lines).toEqual([]);
    await nextTurn();
    expect(lines.map((line) => JSON.parse(line).type)).toEqual(['config-load']);
    engine.close();
  });

  it('writes the queued lines when the engine is closed', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'info').mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    const engine = createFaultEngine({
      source: createInlineSource({ schemaVersion: 1, id: 'closing', faults: [] }),
      environment: {},
    });
    await engine.ready();

    engine.close();

    expect(lines.map((line) => JSON.parse(line).type)).toEqual(['config-load']);
  });
});
