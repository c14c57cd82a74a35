// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders are literal text in these tests.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateRunSection } from '@faultline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRunSection } from '../../src/experiment-file.js';
import { runCommandProbes } from '../../src/runner/command-probes.js';
import { runExperiment } from '../../src/runner/run-experiment.js';
import { type LoopbackService, startLoopbackService } from './loopback-service.js';

/*
 * Issue 13, item 5: values from `--set` or the environment were pasted into a shell command, so
 * `QUEUE='q; touch x; true'` ran `touch`. Commands now run as argv lists without a shell; a placeholder's value
 * is one argument whatever it holds, and `shell: true` passes values as positional parameters.
 */

let directory: string;
let argvScript: string;
const services: LoopbackService[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'faultline-commands-'));
  // Records the arguments it was started with, so a test can see exactly what arrived.
  argvScript = join(directory, 'record-argv.mjs');
  await writeFile(
    argvScript,
    "import { writeFileSync } from 'node:fs';\nwriteFileSync(process.argv[2], JSON.stringify(process.argv.slice(3)));\n",
  );
});

afterAll(async () => {
  await Promise.allSettled(services.map((service) => service.close()));
  await rm(directory, { recursive: true, force: true });
});

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Values an attacker (or an unlucky environment) could put into a placeholder. */
function hostileValues(marker: string): string[] {
  return [
    `q; touch ${marker}; true`,
    `q && touch ${marker}`,
    `$(touch ${marker})`,
    `\`touch ${marker}\``,
    `q' ; touch ${marker} ; echo '`,
    `q" ; touch ${marker} ; echo "`,
    `q\ntouch ${marker}`,
    `q | touch ${marker}`,
    `> ${marker}`,
  ];
}

function runSectionWith(commands: unknown[]): Record<string, unknown> {
  return {
    run: {
      hypothesis: 'the queue keeps draining',
      targets: [
        {
          name: 'local',
          cloud: 'local',
          store: { kind: 'file', path: join(directory, 'store.json') },
          probe: { url: 'http://127.0.0.1:9/orders' },
        },
      ],
      steadyState: { commands, sampleSeconds: 1 },
      load: { ratePerSecond: 5, durationSeconds: 1 },
    },
  };
}

describe('steady-state commands with hostile placeholder values', () => {
  it.each([
    [
      'a string, split without a shell',
      (out: string) => ({ run: `node ${argvScript} ${out} --queue \${QUEUE}` }),
    ],
    ['an argv list', (out: string) => ({ run: ['node', argvScript, out, '--queue', '${QUEUE}'] })],
    [
      'shell: true (values become positional parameters)',
      (out: string) => ({ run: `node ${argvScript} ${out} --queue \${QUEUE} | cat`, shell: true }),
    ],
    [
      'shell: true, the placeholder inside double quotes',
      (out: string) => ({ run: `node ${argvScript} ${out} --queue "\${QUEUE}" && true`, shell: true }),
    ],
    [
      'shell: true, the placeholder inside single quotes',
      (out: string) => ({ run: `node ${argvScript} ${out} --queue '\${QUEUE}'; true`, shell: true }),
    ],
  ])('%s: the value arrives as one argument and nothing else runs', async (_form, command) => {
    for (const [index, value] of hostileValues(join(directory, 'pwned')).entries()) {
      const out = join(directory, `argv-${index}.json`);
      const run = resolveRunSection(runSectionWith([command(out)]), { QUEUE: value }, {});

      const [check] = await runCommandProbes(run, new AbortController().signal);

      expect(check?.ok, value).toBe(true);
      expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(['--queue', value]);
      expect(await exists(join(directory, 'pwned')), value).toBe(false);
      // The report names the command as written, not with the value in it.
      expect(check?.name).not.toContain(value);
      expect(check?.name).toContain('${QUEUE}');
    }
  });

  it('faultline run checks the command without running what the value says (end to end)', async () => {
    // Prepare
    const configFile = join(directory, 'orders.json');
    const service = await startLoopbackService({ configFile });
    services.push(service);
    const marker = join(directory, 'x');
    const raw = {
      run: {
        hypothesis: 'orders keep succeeding',
        targets: [
          {
            name: 'local',
            cloud: 'local',
            store: { kind: 'file', path: configFile },
            probe: { url: `${service.url}/orders/o-1001` },
          },
        ],
        steadyState: { commands: [{ run: 'true ${QUEUE}' }], sampleSeconds: 1 },
        load: { ratePerSecond: 20, durationSeconds: 1, concurrency: 4 },
        propagationWaitMs: 200,
        recoverySeconds: 0.2,
      },
    };

    // Act
    const journal = await runExperiment({
      document: { schemaVersion: 1, id: 'queue', enabled: true, faults: [] },
      run: resolveRunSection(raw, { QUEUE: `q; touch ${marker}; true` }, {}),
    });

    // Assess
    expect(await exists(marker), 'the value ran as a command').toBe(false);
    expect(journal.targets[0]?.steadyState.checks).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'command: true ${QUEUE}', ok: true })]),
    );
  });

  it('refuses shell syntax in a command without shell: true, naming the field and the fix', () => {
    const result = validateRunSection(runSectionWith([{ run: 'cat queue.txt | grep -c ready' }]).run);

    expect(result.ok).toBe(false);
    expect(result.issues).toEqual([
      expect.objectContaining({
        path: 'run.steadyState.commands[0].run',
        message: 'uses shell syntax ("|" at character 15)',
        hint: expect.stringContaining('set shell: true'),
      }),
    ]);
  });

  it('runs a command that cannot start as a failed check, never a thrown error', async () => {
    const run = resolveRunSection(
      runSectionWith([{ run: ['/nonexistent/program', '${QUEUE}'] }]),
      { QUEUE: 'q' },
      {},
    );

    const [check] = await runCommandProbes(run, new AbortController().signal);

    expect(check).toMatchObject({ ok: false, observed: -1 });
  });
});
