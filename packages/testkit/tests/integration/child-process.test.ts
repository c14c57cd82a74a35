import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchChildProcess } from '../../src/hosts/child-process.js';

describe('watchChildProcess', () => {
  it('collects stdout and stderr and resolves exited with the exit code', async () => {
    // Act
    const script = watchChildProcess(
      spawn(process.execPath, ['-e', "console.log('out'); console.error('err'); process.exit(3)"], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );

    // Assess
    expect(await script.exited).toBe(3);
    expect(script.output().split('\n').sort()).toEqual(['', 'err', 'out']);
  });

  it('stop() kills a process that is still running', async () => {
    // Prepare
    const script = watchChildProcess(
      spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );

    // Act
    await script.stop();

    // Assess
    expect(await script.exited).toBeNull();
  });

  it('reports a process that could not be spawned in its output, with exited null', async () => {
    // Act
    const script = watchChildProcess(
      spawn(join(tmpdir(), `faultline-no-such-binary-${process.pid}`), [], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );

    // Assess
    expect(await script.exited).toBeNull();
    expect(script.output()).toContain('[spawn error]');
    expect(script.output()).toContain('ENOENT');
  });
});
