import {
  createJsonLineSink,
  type FaultlineEvent,
  InjectedFaultError,
  isInjectedFault,
} from '@faultline/core';
import { describe, expect, it, vi } from 'vitest';
import { readLogLevel } from '../../src/events/json-line-sink.js';

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

  it('routes levels to console.log, console.warn and console.error by default', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const sink = createJsonLineSink({ level: 'debug' });
      sink(event('debug'));
      sink(event('warn'));
      sink(event('error'));
      expect([log.mock.calls.length, warn.mock.calls.length, error.mock.calls.length]).toEqual([1, 1, 1]);
    } finally {
      log.mockRestore();
      warn.mockRestore();
      error.mockRestore();
    }
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
