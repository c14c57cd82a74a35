import { randomUUID } from 'node:crypto';
import type { ConfigLoadResult, ConfigSource } from '@faultline/core';
import { decodeConfigDocument, FaultlineError, isFaultlineError } from '@faultline/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** One isolated store location (a file, a parameter, a document, a key) and the source that reads it. */
export interface ConfigSourceContractFixture {
  readonly source: ConfigSource;
  /** Writes the experiment to the store location, as the CLI would (objects may be stored as JSON text). */
  write(document: object | string): Promise<void>;
  /** Deletes the store location. */
  remove(): Promise<void>;
  /** Releases clients and temporary resources. */
  close?(): Promise<void>;
}

/** What a config source provides to run {@link describeConfigSourceContract}. */
export interface ConfigSourceContractHarness {
  /** A fresh fixture on a unique location, empty (nothing written yet). */
  create(): Promise<ConfigSourceContractFixture>;
  /** Credentials the source was configured with (connection strings, secrets): none may appear in its name. */
  readonly secrets?: readonly string[];
  /**
   * Creates the source with settings it cannot use (no key, no parameter name, …). Every source agrees on when it
   * fails: never when it is created (a function must never crash on a chaos setting), always on `load()`, with an
   * `INVALID_OPTION` error whose message matches `names` (the option and its variable), which the engine reports as
   * one `config-error` event.
   */
  readonly misconfigured?: { readonly create: () => ConfigSource; readonly names: RegExp };
}

const neverAborted = () => new AbortController().signal;

/** How long a source may take to notice an already-aborted signal. Generous: real stores run on loopback. */
const promptRejectionMs = 2_000;

/** Patterns that look like credentials in a connection string or URL. */
const credentialPatterns = [/secret=/i, /accountkey=/i, /password=/i, /sig=/i, /:\/\/[^/@\s]+:[^/@\s]+@/];

/**
 * The behaviour every {@link ConfigSource} must have, as a vitest suite. Run it from a source's test file with a
 * harness that creates an isolated, empty store location per test.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm, writeFile } from 'node:fs/promises';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { createFileSource } from '@faultline/core';
 * import { describeConfigSourceContract } from '@faultline/testkit';
 *
 * describeConfigSourceContract('file source', {
 *   async create() {
 *     const directory = await mkdtemp(join(tmpdir(), 'faultline-'));
 *     const path = join(directory, 'experiment.json');
 *     return {
 *       source: createFileSource(path),
 *       write: (document) => writeFile(path, typeof document === 'string' ? document : JSON.stringify(document)),
 *       remove: () => rm(path, { force: true }),
 *       close: () => rm(directory, { recursive: true, force: true }),
 *     };
 *   },
 * });
 * ```
 */
export function describeConfigSourceContract(name: string, harness: ConfigSourceContractHarness): void {
  describe(`${name} — config source contract`, () => {
    let fixture: ConfigSourceContractFixture;

    beforeEach(async () => {
      fixture = await harness.create();
    });

    afterEach(async () => {
      await fixture.close?.();
    });

    const load = (previousVersion?: string) =>
      fixture.source.load({ signal: neverAborted(), previousVersion });

    it('answers missing when nothing has been written', async () => {
      const result = await load();

      expect(result).toEqual({ kind: 'missing' });
    });

    it('answers the written document with a non-empty version', async () => {
      const experiment = sampleExperiment();
      await fixture.write(experiment);

      const result = await load();

      expect(result.kind).toBe('document');
      const { document, version } = asDocument(result);
      expect(typeof version).toBe('string');
      expect(version.length).toBeGreaterThan(0);
      expect(await decode(document)).toEqual(experiment);
    });

    it('reads a document written as JSON text back as the same experiment', async () => {
      const experiment = sampleExperiment();
      await fixture.write(JSON.stringify(experiment, null, 2));

      const result = await load();

      expect(await decode(asDocument(result).document)).toEqual(experiment);
    });

    it('reports a different version after the document is rewritten', async () => {
      await fixture.write(sampleExperiment());
      const first = asDocument(await load());
      const changed = { ...sampleExperiment(), description: 'rewritten with different content' };

      await fixture.write(changed);
      const second = await load(first.version);

      expect(second.kind).toBe('document');
      expect(asDocument(second).version).not.toBe(first.version);
      expect(await decode(asDocument(second).document)).toEqual(changed);
    });

    it('answers unchanged (or the same version) when the content was not rewritten', async () => {
      await fixture.write(sampleExperiment());
      const first = asDocument(await load());

      const again = await load(first.version);

      if (again.kind === 'unchanged') return;
      expect(again.kind).toBe('document');
      expect(asDocument(again).version).toBe(first.version);
    });

    it('answers the full document when the caller has no version yet', async () => {
      await fixture.write(sampleExperiment());
      await load();

      const result = await load(undefined);

      expect(result.kind).toBe('document');
    });

    it('answers missing after the document is removed', async () => {
      await fixture.write(sampleExperiment());
      const first = asDocument(await load());

      await fixture.remove();
      const result = await load(first.version);

      expect(result).toEqual({ kind: 'missing' });
    });

    it('rejects promptly when the signal is already aborted', async () => {
      await fixture.write(sampleExperiment());
      const controller = new AbortController();
      controller.abort(new FaultlineError('CONFIG_FETCH_TIMEOUT', 'fetch budget spent'));

      const outcome = await Promise.race([
        fixture.source.load({ signal: controller.signal, previousVersion: undefined }).then(
          () => 'resolved',
          () => 'rejected',
        ),
        new Promise((resolve) => setTimeout(resolve, promptRejectionMs, 'still pending')),
      ]);

      expect(outcome).toBe('rejected');
    });

    it('has a stable, non-empty name that carries no secret and no document content', async () => {
      const secretMarker = `secret-${randomUUID()}`;
      await fixture.write({ ...sampleExperiment(), description: secretMarker });
      await load();

      const { name: sourceName } = fixture.source;

      expect(typeof sourceName).toBe('string');
      expect(sourceName.trim().length).toBeGreaterThan(0);
      expect(sourceName).not.toContain(secretMarker);
      for (const secret of harness.secrets ?? []) {
        if (secret !== '') expect(sourceName).not.toContain(secret);
      }
      for (const pattern of credentialPatterns) expect(sourceName).not.toMatch(pattern);
      expect(fixture.source.name).toBe(sourceName);
    });

    const misconfigured = harness.misconfigured;
    // Only sources that have settings to get wrong take part (the environment source reads one named variable).
    if (misconfigured !== undefined) {
      it('never throws when created with settings it cannot use; each load rejects with INVALID_OPTION naming them', async () => {
        let source: ConfigSource | undefined;
        expect(() => {
          source = misconfigured.create();
        }).not.toThrow();
        for (let attempt = 0; attempt < 2; attempt++) {
          const failure = await (source as ConfigSource)
            .load({ signal: neverAborted(), previousVersion: undefined })
            .then(
              () => undefined,
              (error: unknown) => error,
            );
          expect(isFaultlineError(failure) ? failure.code : failure).toBe('INVALID_OPTION');
          expect((failure as Error | undefined)?.message).toMatch(misconfigured.names);
        }
      });
    }
  });
}

function sampleExperiment() {
  return {
    schemaVersion: 1,
    id: `contract-${randomUUID().slice(0, 8)}`,
    enabled: true,
    faults: [{ id: 'slow', type: 'latency', probability: 0.5, delayMs: 100 }],
  };
}

function asDocument(result: ConfigLoadResult): { document: string | object; version: string } {
  if (result.kind !== 'document') {
    throw new FaultlineError('INVALID_ARGUMENT', `expected a document, got ${JSON.stringify(result)}`);
  }
  return result;
}

async function decode(document: string | object): Promise<unknown> {
  return typeof document === 'string' ? decodeConfigDocument(document) : document;
}
