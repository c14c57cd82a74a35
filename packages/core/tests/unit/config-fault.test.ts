import { afterEach, describe, expect, it } from 'vitest';
import { configFault } from '../../src/faults/types/config.js';
import {
  attributeIssues,
  createEffect,
  createTestFaultContext,
  runAround,
  settle,
} from '../integration/interceptors-support.js';

const names = ['FL_TEST_TABLE', 'FL_TEST_URL', 'FL_TEST_NEW'];
const [table, url, fresh] = names as [string, string, string];

afterEach(() => {
  for (const name of names) delete process.env[name];
});

describe('config', () => {
  it('overrides and unsets variables during the invocation only, restoring them exactly', async () => {
    process.env[table] = 'orders';
    process.env[url] = 'http://localhost:1';
    const effect = createEffect(configFault, {
      env: { [table]: 'orders-missing', [fresh]: 'x' },
      unset: [url],
    });

    const seen = await runAround(effect, createTestFaultContext({ type: 'config' }), async () => ({
      table: process.env[table],
      url: process.env[url],
      urlPresent: url in process.env,
      fresh: process.env[fresh],
    }));

    expect(seen).toEqual({ table: 'orders-missing', url: undefined, urlPresent: false, fresh: 'x' });
    expect(process.env[table]).toBe('orders');
    expect(process.env[url]).toBe('http://localhost:1');
    expect(fresh in process.env).toBe(false);
  });

  it('restores the environment when the handler throws', async () => {
    process.env[table] = 'orders';
    const effect = createEffect(configFault, { env: { [table]: 'broken' } });

    const result = await runAround(effect, createTestFaultContext({ type: 'config' }), () =>
      settle(Promise.reject(new Error('handler failed'))),
    );

    expect(result.ok).toBe(false);
    expect(process.env[table]).toBe('orders');
  });

  it('restores through the deferred cleanup when the engine ends an invocation that never settles', async () => {
    const effect = createEffect(configFault, { env: { [fresh]: 'during' } });
    const context = createTestFaultContext({ type: 'config' });

    void effect.around?.(context, () => new Promise<never>(() => {}));
    expect(process.env[fresh]).toBe('during');
    await context.finish();

    expect(fresh in process.env).toBe(false);
  });

  it('refuses to touch faultline settings and explains malformed names', () => {
    expect(attributeIssues(configFault, { env: { FAULTLINE_DISABLED: '0' } })[0]?.message).toContain(
      "faultline's own",
    );
    expect(attributeIssues(configFault, { unset: ['BAD-NAME'] })[0]?.path).toBe('unset[0]');
    expect(attributeIssues(configFault, {})[0]).toMatchObject({
      path: 'env',
      message: 'is required (or unset)',
    });
    expect(attributeIssues(configFault, { env: { A: '1' }, unset: ['A'] })[0]?.message).toContain('both set');
  });
});

describe('config with overlapping invocations', () => {
  it('restores the original value whatever order overlapping invocations end in', async () => {
    process.env.FL_TEST_TABLE = 'orders';
    const first = createEffect(configFault, { env: { FL_TEST_TABLE: 'first' } });
    const second = createEffect(configFault, { unset: ['FL_TEST_TABLE'] });
    const firstContext = createTestFaultContext({ type: 'config' });
    const secondContext = createTestFaultContext({ type: 'config' });
    let endFirst!: () => void;
    let endSecond!: () => void;

    const firstRun = first.around?.(firstContext, () => new Promise<void>((resolve) => (endFirst = resolve)));
    const secondRun = second.around?.(
      secondContext,
      () => new Promise<void>((resolve) => (endSecond = resolve)),
    );
    expect(process.env.FL_TEST_TABLE).toBeUndefined();
    endFirst();
    await firstRun;
    expect('FL_TEST_TABLE' in process.env).toBe(false);
    endSecond();
    await secondRun;

    expect(process.env.FL_TEST_TABLE).toBe('orders');
  });
});
