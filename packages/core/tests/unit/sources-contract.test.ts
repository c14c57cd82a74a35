import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeConfigSourceContract } from '../../../testkit/src/contracts/config-source-contract.js';
import { createEnvironmentSource, createFileSource } from '../../src/index.js';

async function createFileFixture(extension: '.json' | '') {
  const directory = await mkdtemp(join(tmpdir(), 'faultline-contract-'));
  const path = join(directory, `experiment${extension}`);
  return {
    source: createFileSource(path),
    write: (document: object | string) =>
      writeFile(path, typeof document === 'string' ? document : JSON.stringify(document)),
    remove: () => rm(path, { force: true }),
    close: () => rm(directory, { recursive: true, force: true }),
  };
}

describeConfigSourceContract('file source (.json)', {
  create: () => createFileFixture('.json'),
  misconfigured: {
    create: () => createFileSource('experiment.json', { maxSizeBytes: -1 }),
    names: /maxSizeBytes/,
  },
});

describeConfigSourceContract('file source (no extension)', { create: () => createFileFixture('') });

describeConfigSourceContract('environment source', {
  async create() {
    const environment: Record<string, string | undefined> = {};
    return {
      source: createEnvironmentSource({ variable: 'FAULTLINE_CONFIG', environment }),
      async write(document: object | string) {
        environment.FAULTLINE_CONFIG = typeof document === 'string' ? document : JSON.stringify(document);
      },
      async remove() {
        delete environment.FAULTLINE_CONFIG;
      },
    };
  },
});
