import {
  createFaultEngine,
  createJsonLineSink,
  type FaultlineEvent,
  InjectedFaultError,
  isInjectedFault,
} from '@faultline/core';
import { describe, expect, it, vi } from 'vitest';
import { readEnvironmentSettings } from '../../src/config/environment-settings.js';
import { readLogLevel } from '../../src/events/json-line-sink.js';
import { readSinkLogLevel } from '../../src/observability/log-level.js';

function event(level: FaultlineEvent['level'], extra: Partial<FaultlineEvent> = {}): FaultlineEvent {
  return {
    source: 'faultline',
    type: 'inject',
    level,
    time: '2026-11-29T12:00:00.000Z',
    message: 'm',
    ...extra,
  };
}

describe('createJsonLineSink', () => {
  it('writes one JSON line per event at or above its level', () => {
    const lines: string[] = [];
    const sink = createJsonLineSink({ level: 'warn', write: (line) => lines.push(line) });
    sink(event('info'));
    sink(event('warn', { faultId: 'slow' }));
    sink(event('error'));
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ source: 'faultline', level: 'warn', faultId: 'slow' });
    expect(lines.every((line) => !line.includes('\n'))).toBe(true);
  });

  it('reads FAULTLINE_LOG_LEVEL when no level is given, and writes nothing when silent', () => {
    const lines: string[] = [];
    const sink = createJsonLineSink({
      environment: { FAULTLINE_LOG_LEVEL: 'silent' },
      write: (line) => lines.push(line),
    });
    sink(event('error'));
    expect(lines).toEqual([]);
  });

  it('routes each level to its console method by default (so Lambda tags and filters them by level)', () => {
    const spies = (['debug', 'info', 'warn', 'error', 'log'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(() => {}),
    );
    try {
      const sink = createJsonLineSink({ level: 'debug' });
      sink(event('debug'));
      sink(event('info'));
      sink(event('warn'));
      sink(event('error'));
      expect(spies.map((spy) => spy.mock.calls.length)).toEqual([1, 1, 1, 1, 0]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('takes the platform level when FAULTLINE_LOG_LEVEL is not set: AWS_LAMBDA_LOG_LEVEL, then POWERTOOLS_LOG_LEVEL', () => {
    expect(readSinkLogLevel({ AWS_LAMBDA_LOG_LEVEL: 'WARN', POWERTOOLS_LOG_LEVEL: 'DEBUG' })).toBe('warn');
    expect(readSinkLogLevel({ POWERTOOLS_LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(readSinkLogLevel({ AWS_LAMBDA_LOG_LEVEL: 'TRACE' })).toBe('debug');
    expect(readSinkLogLevel({ AWS_LAMBDA_LOG_LEVEL: 'FATAL' })).toBe('error');
    expect(readSinkLogLevel({ POWERTOOLS_LOG_LEVEL: 'CRITICAL' })).toBe('error');
    expect(readSinkLogLevel({ POWERTOOLS_LOG_LEVEL: 'SILENT' })).toBe('silent');
    expect(readSinkLogLevel({ FAULTLINE_LOG_LEVEL: 'error', AWS_LAMBDA_LOG_LEVEL: 'DEBUG' })).toBe('error');
    expect(readSinkLogLevel({ AWS_LAMBDA_LOG_LEVEL: 'chatty' })).toBe('info');
    // The settings keep faultline's own variable; the engine falls back to the platform's level.
    expect(readEnvironmentSettings({ AWS_LAMBDA_LOG_LEVEL: 'ERROR' }).logLevel).toBeUndefined();
    expect(readEnvironmentSettings({ AWS_LAMBDA_LOG_LEVEL: 'ERROR' }).warnings).toEqual([]);
    const quiet = createFaultEngine({ environment: { AWS_LAMBDA_LOG_LEVEL: 'ERROR' }, onEvent: () => {} });
    expect(quiet.isLevelEnabled('warn')).toBe(false);
    expect(quiet.isLevelEnabled('error')).toBe(true);
    const chatty = createFaultEngine({ environment: { POWERTOOLS_LOG_LEVEL: 'DEBUG' }, onEvent: () => {} });
    expect(chatty.isLevelEnabled('debug')).toBe(true);
    const own = createFaultEngine({
      environment: { FAULTLINE_LOG_LEVEL: 'warn', POWERTOOLS_LOG_LEVEL: 'DEBUG' },
      onEvent: () => {},
    });
    expect(own.isLevelEnabled('info')).toBe(false);
  });

  it('swallows write errors and unserializable details', () => {
    const lines: string[] = [];
    const throwing = createJsonLineSink({
      level: 'debug',
      write: () => {
        throw new Error('stdout closed');
      },
    });
    expect(() => throwing(event('info'))).not.toThrow();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    createJsonLineSink({ level: 'debug', write: (line) => lines.push(line) })(
      event('info', { details: cyclic }),
    );
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ details: { unserializable: true } });
  });
});

describe('readLogLevel', () => {
  it('accepts known levels in any case and falls back on anything else', () => {
    expect(readLogLevel({ FAULTLINE_LOG_LEVEL: ' DEBUG ' })).toBe('debug');
    expect(readLogLevel({ FAULTLINE_LOG_LEVEL: 'loud' })).toBe('info');
    expect(readLogLevel({})).toBe('info');
  });
});

describe('InjectedFaultError', () => {
  it('is recognisable by class, by marker and after JSON serialization', () => {
    const error = new InjectedFaultError('boom', {
      experimentId: 'e',
      faultId: 'f',
      faultType: 'exception',
      status: 503,
    });
    expect(isInjectedFault(error)).toBe(true);
    expect(error.name).toBe('InjectedFaultError');
    const copy = JSON.parse(JSON.stringify(error));
    expect(copy).toEqual({
      name: 'InjectedFaultError',
      message: 'boom',
      faultline: true,
      experimentId: 'e',
      faultId: 'f',
      faultType: 'exception',
      status: 503,
    });
    expect(isInjectedFault(copy)).toBe(true);
    expect(isInjectedFault(new Error('real'))).toBe(false);
    expect(isInjectedFault(undefined)).toBe(false);
  });
});
