import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOutput } from '../../src/output.js';
import { createProgressDisplay } from '../../src/progress-display.js';

const plain = createOutput({ color: false }).style;

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { write: (text: string) => writes.push(text), isTTY, columns: 100 } };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-12-03T10:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createProgressDisplay on a terminal', () => {
  it('redraws one live line with the phase and the time left, and clears it at the end', () => {
    // Prepare
    const { writes, stream: tty } = stream(true);
    const progress = createProgressDisplay({ stream: tty, style: plain });

    // Act
    progress.phase('observe', 'observing for 30 s', 30_000);
    vi.advanceTimersByTime(10_000);
    progress.end();

    // Assess
    expect(writes[0]?.startsWith('\r\u001b[2K')).toBe(true);
    expect(writes[0]?.slice(5)).toMatch(/^. observe {2}30 s left {2}observing for 30 s$/);
    expect(writes.some((text) => text.includes('observe  20 s left'))).toBe(true);
    expect(writes.every((text) => !text.includes('\n'))).toBe(true);
    expect(writes.at(-1)).toBe('\r\u001b[2K');
    const count = writes.length;
    vi.advanceTimersByTime(5_000);
    expect(writes).toHaveLength(count);
  });

  it('prints a note above the live line and redraws it', () => {
    const { writes, stream: tty } = stream(true);
    const progress = createProgressDisplay({ stream: tty, style: plain });
    progress.phase('propagation', 'waiting 5000 ms', 5_000);
    progress.note('STOP: aws: errorRate > 0.2');
    expect(writes.slice(1)).toEqual([
      '\r\u001b[2K',
      '10:00:00 STOP: aws: errorRate > 0.2\n',
      expect.stringContaining('propagation  5 s left'),
    ]);
    progress.end();
  });

  it('never writes a line wider than the terminal', () => {
    const { writes, stream: tty } = stream(true);
    const progress = createProgressDisplay({ stream: { ...tty, columns: 40 }, style: plain });
    progress.phase('observe', 'x'.repeat(200), 1000);
    expect(writes[0]?.replace('\r\u001b[2K', '').length).toBeLessThanOrEqual(39);
    progress.end();
  });
});

describe('createProgressDisplay in a log', () => {
  it('prints timestamped lines, and the time left every 10 s during long waits', () => {
    const { writes, stream: log } = stream(false);
    const progress = createProgressDisplay({ stream: log, style: plain });
    progress.phase('steady-state', 'steady state: sampling 5 s', 5_000);
    vi.advanceTimersByTime(5_000);
    progress.phase('observe', 'observing for 30 s', 30_000);
    vi.advanceTimersByTime(30_000);
    progress.end();
    expect(writes).toEqual([
      '10:00:00 steady state: sampling 5 s\n',
      '10:00:05 observing for 30 s\n',
      '10:00:15 observe: 20 s left\n',
      '10:00:25 observe: 10 s left\n',
    ]);
  });
});
