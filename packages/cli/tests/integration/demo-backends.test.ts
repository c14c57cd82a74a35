import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoBackends, describeCloudBackend, startDemoBackends } from '../../src/demo/demo-backends.js';

// A real Python that cannot import moto: the system one with its site-packages switched off (-S), the situation a
// package manager creates when it puts the Node binary's folder, and the system python3 in it, first on PATH.
let directory: string;
let motoLessPython: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'faultline-moto-less-'));
  motoLessPython = join(directory, 'python3');
  const system = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  await writeFile(motoLessPython, `#!/bin/sh\nexec ${system} -S "$@"\n`);
  await chmod(motoLessPython, 0o755);
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** The environment of a fresh shell: no backend handed over, the moto-less python3 first on PATH. */
function freshEnvironment(overrides: Record<string, string | undefined> = {}) {
  return {
    ...process.env,
    MOTO_ENDPOINT: undefined,
    MOTO_PYTHON: undefined,
    PATH: `${directory}${delimiter}${process.env.PATH ?? ''}`,
    ...overrides,
  };
}

describe("the demo's backend start-up", () => {
  it('finds a Python with moto further down PATH when the first python3 has none, and says which', async () => {
    // Prepare: the precondition is real, the first python3 cannot run moto
    expect(() => execFileSync(motoLessPython, ['-c', 'import moto.server'], { stdio: 'ignore' })).toThrow();

    // Act
    const backends: DemoBackends = await startDemoBackends(freshEnvironment());
    try {
      // Assess
      expect(backends.motoProblem).toBeUndefined();
      expect(backends.moto?.owned).toBe(true);
      expect(backends.moto?.origin).toMatchObject({ kind: 'python', via: 'PATH' });
      // The moto-less python3 we put first is skipped first; the machine's PATH may hold more moto-less ones
      // (a CI image's /usr/bin/python3 before pyenv's), each skipped in PATH order, none of them able to run moto.
      const origin = backends.moto?.origin;
      const skipped = origin?.kind === 'python' ? origin.skipped : [];
      expect(skipped[0]).toBe(motoLessPython);
      for (const python of skipped) {
        expect(
          () => execFileSync(python, ['-c', 'import moto.server'], { stdio: 'ignore' }),
          python,
        ).toThrow();
      }
      const response = await fetch(`${backends.moto?.endpoint}/moto-api/`);
      expect(response.ok).toBe(true);
      await response.arrayBuffer();
      const line = describeCloudBackend('aws', { configSource: 'ssm:/faultline/demo' }, backends);
      expect(line).toMatch(/^AWS +real backend +ssm:\/faultline\/demo on moto at http:\/\/127\.0\.0\.1:\d+/);
      expect(line).toContain(`skipped ${motoLessPython}`);
    } finally {
      await backends.stop();
    }
  });

  it('uses MOTO_PYTHON when set, and names it when it has no moto (the demo then says FALLBACK and why)', async () => {
    // (A Firestore host that is never contacted: this test is about moto.)
    const backends = await startDemoBackends(
      freshEnvironment({ MOTO_PYTHON: motoLessPython, FIRESTORE_EMULATOR_HOST: '127.0.0.1:9' }),
    );
    try {
      expect(backends.moto).toBeUndefined();
      expect(backends.motoProblem).toContain(
        `moto server is not installed for ${motoLessPython} (MOTO_PYTHON)`,
      );
      const line = describeCloudBackend('aws', { configSource: 'file:/tmp/demo/experiment.json' }, backends);
      expect(line).toMatch(
        /^AWS +FALLBACK +file:\/tmp\/demo\/experiment\.json \(moto server is not installed/,
      );
    } finally {
      await backends.stop();
    }
  });

  it('reuses a running MOTO_ENDPOINT and says so', async () => {
    const first = await startDemoBackends(freshEnvironment({ FIRESTORE_EMULATOR_HOST: '127.0.0.1:9' }));
    try {
      const endpoint = first.moto?.endpoint as string;
      const reused = await startDemoBackends(
        freshEnvironment({
          MOTO_ENDPOINT: endpoint,
          MOTO_PYTHON: motoLessPython,
          FIRESTORE_EMULATOR_HOST: '127.0.0.1:9',
        }),
      );
      expect(reused.moto).toMatchObject({ endpoint, owned: false, origin: { kind: 'endpoint' } });
      expect(describeCloudBackend('aws', { configSource: 'ssm:/x' }, reused)).toContain(
        `moto already running at ${endpoint} (MOTO_ENDPOINT)`,
      );
      await reused.stop();
    } finally {
      await first.stop();
    }
  });
});
