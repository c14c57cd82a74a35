import { isFaultWrapped } from '@faultline/core/adapter-kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLayerHandler } from '../../src/auto/auto-handler.js';
import { LambdaHandlerResolutionError, parseHandlerSetting } from '../../src/auto/handler-resolution.js';
import { withFaults } from '../../src/index.js';
import { writeFunctionCode } from '../support/lambda-layer.js';

// The layer handler in-process, for what the runtime interface client cannot show on its own Node (>= 22): an older
// Node, and the identity of what is returned. The end-to-end behaviour is in tests/integration/lambda-layer-runtime.

afterEach(() => {
  vi.restoreAllMocks();
});

function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  for (const method of ['log', 'warn', 'error'] as const) {
    vi.spyOn(console, method).mockImplementation((line: unknown) => {
      lines.push(JSON.parse(String(line)) as Record<string, unknown>);
    });
  }
  return lines;
}

describe('parseHandlerSetting', () => {
  it.each([
    ['index.handler', { moduleRoot: '', moduleName: 'index', exportPath: 'handler' }],
    ['src/app.handler', { moduleRoot: 'src', moduleName: 'app', exportPath: 'handler' }],
    [
      'src/api/app.handlers.orders',
      { moduleRoot: 'src/api', moduleName: 'app', exportPath: 'handlers.orders' },
    ],
    ['/opt/lib/fn.main', { moduleRoot: '/opt/lib', moduleName: 'fn', exportPath: 'main' }],
  ])('splits %s as the runtime does', (setting, expected) => {
    expect(parseHandlerSetting(setting)).toEqual(expected);
  });

  it.each(['index', '../outside.handler'])('refuses %s with the runtime error name', (setting) => {
    expect(() => parseHandlerSetting(setting)).toThrow(LambdaHandlerResolutionError);
    try {
      parseHandlerSetting(setting);
    } catch (error) {
      expect((error as Error).name).toBe('Runtime.MalformedHandlerName');
    }
  });
});

describe('createLayerHandler', () => {
  const ok = 'export const handler = async () => ({ statusCode: 200 });';

  it('wraps the original with withFaults', async () => {
    const logs = captureLogs();
    const taskRoot = await writeFunctionCode({ 'index.mjs': ok });

    const handler = await createLayerHandler({
      FAULTLINE_HANDLER: 'index.handler',
      LAMBDA_TASK_ROOT: taskRoot,
    });

    expect(isFaultWrapped(handler)).toBe(true);
    expect(logs).toEqual([
      expect.objectContaining({ type: 'setup', message: 'faultline instruments index.handler' }),
    ]);
  });

  it('returns the original itself, silently, when FAULTLINE_DISABLED is set', async () => {
    const logs = captureLogs();
    const taskRoot = await writeFunctionCode({ 'index.mjs': ok });
    const original = (await import(`${taskRoot}/index.mjs`)).handler;

    const handler = await createLayerHandler({
      FAULTLINE_HANDLER: 'index.handler',
      LAMBDA_TASK_ROOT: taskRoot,
      FAULTLINE_DISABLED: 'true',
    });

    expect(handler).toBe(original);
    expect(logs).toEqual([]);
  });

  it('returns the original on a Node older than 20, with a warning that says so', async () => {
    const logs = captureLogs();
    const taskRoot = await writeFunctionCode({ 'index.mjs': ok });
    const original = (await import(`${taskRoot}/index.mjs`)).handler;

    const handler = await createLayerHandler(
      { FAULTLINE_HANDLER: 'index.handler', LAMBDA_TASK_ROOT: taskRoot },
      '18.20.4',
    );

    expect(handler).toBe(original);
    expect(logs).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: expect.stringContaining(
          'faultline supports Node 20 and later, this runtime is Node 18.20.4',
        ),
      }),
    ]);
  });

  it('returns a handler wrapped by the same copy of withFaults as it is', async () => {
    const wrapped = withFaults(async () => ({ statusCode: 200 }));
    const key = `faultline-layer-test-${Date.now()}`;
    (globalThis as Record<string, unknown>)[key] = wrapped;
    const taskRoot = await writeFunctionCode({
      'index.mjs': `export const handler = globalThis[${JSON.stringify(key)}];`,
    });
    captureLogs();

    const handler = await createLayerHandler({
      FAULTLINE_HANDLER: 'index.handler',
      LAMBDA_TASK_ROOT: taskRoot,
    });

    expect(handler).toBe(wrapped);
  });

  it('honours FAULTLINE_LOG_LEVEL for its own lines', async () => {
    const logs = captureLogs();
    const taskRoot = await writeFunctionCode({ 'index.mjs': ok });

    await createLayerHandler({
      FAULTLINE_HANDLER: 'index.handler',
      LAMBDA_TASK_ROOT: taskRoot,
      FAULTLINE_LOG_LEVEL: 'warn',
    });

    expect(logs).toEqual([]);
  });
});
