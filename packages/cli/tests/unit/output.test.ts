import { describe, expect, it } from 'vitest';
import { createOutput, useColor } from '../../src/output.js';

describe('useColor', () => {
  it('follows the terminal when nothing is set', () => {
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(useColor({}, {})).toBe(false);
  });

  it('honours FORCE_COLOR, also on a pipe; 0 and false turn colour off', () => {
    expect(useColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(useColor({ isTTY: false }, { FORCE_COLOR: '' })).toBe(true);
    expect(useColor({ isTTY: false }, { FORCE_COLOR: '3' })).toBe(true);
    expect(useColor({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
    expect(useColor({ isTTY: true }, { FORCE_COLOR: 'false' })).toBe(false);
  });

  it('turns colour off for a non-empty NO_COLOR only', () => {
    expect(useColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColor({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
  });

  it('lets FORCE_COLOR win over NO_COLOR, and turns colour off for TERM=dumb', () => {
    expect(useColor({ isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
    expect(useColor({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });
});

describe('createOutput', () => {
  it('writes results to stdout and errors and progress to stderr, colouring each stream on its own', () => {
    // Prepare
    let stdout = '';
    let stderr = '';
    const output = createOutput({
      stdout: { write: (text: string) => (stdout += text), isTTY: false },
      stderr: { write: (text: string) => (stderr += text), isTTY: true },
      environment: {},
    });

    // Act
    output.line(output.style.green('result'));
    output.error(output.errorStyle.red('failure'));
    output.progress('working');

    // Assess
    expect(stdout).toBe('result\n');
    expect(stderr).toBe('\u001b[31mfailure\u001b[39m\nworking\n');
  });
});
