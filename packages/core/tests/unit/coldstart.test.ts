import { describe, expect, it } from 'vitest';
import { coldstartFault } from '../../src/faults/types/coldstart.js';
import {
  attributeIssues,
  createEffect,
  createTestFaultContext,
} from '../integration/interceptors-support.js';

function recordingSleep() {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (durationMs: number) => {
      delays.push(durationMs);
    },
  };
}

describe('coldstart', () => {
  it('delays only the first invocation of an instance by default', async () => {
    const effect = createEffect(coldstartFault, { delayMs: 1500 }, 'cold-default');
    const { delays, sleep } = recordingSleep();

    for (let index = 0; index < 3; index++) {
      await effect.before?.(createTestFaultContext({ type: 'coldstart', id: 'cold-default' }, { sleep }));
    }

    expect(delays).toEqual([1500]);
  });

  it('delays the first `invocations` invocations, then none', async () => {
    const effect = createEffect(coldstartFault, { delayMs: 200, invocations: 3 }, 'cold-three');
    const { delays, sleep } = recordingSleep();

    for (let index = 0; index < 5; index++) {
      await effect.before?.(createTestFaultContext({ type: 'coldstart', id: 'cold-three' }, { sleep }));
    }

    expect(delays).toEqual([200, 200, 200]);
  });

  it('stays warm across a config reload', async () => {
    const { delays, sleep } = recordingSleep();
    const first = createEffect(coldstartFault, { delayMs: 100 }, 'cold-reload');
    await first.before?.(createTestFaultContext({ type: 'coldstart', id: 'cold-reload' }, { sleep }));

    const reloaded = createEffect(coldstartFault, { delayMs: 100 }, 'cold-reload');
    await reloaded.before?.(createTestFaultContext({ type: 'coldstart', id: 'cold-reload' }, { sleep }));

    expect(delays).toEqual([100]);
  });

  it('requires delayMs and bounds invocations', () => {
    expect(attributeIssues(coldstartFault, {})[0]).toMatchObject({ path: 'delayMs', message: 'is required' });
    expect(attributeIssues(coldstartFault, { delayMs: 1, invocations: 0 })[0]?.path).toBe('invocations');
  });
});
