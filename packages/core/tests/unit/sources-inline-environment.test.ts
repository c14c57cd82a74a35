import { describe, expect, it } from 'vitest';
import { resolveDefaultConfigSource } from '../../src/config/default-source.js';
import { contentVersion, createEnvironmentSource, createInlineSource } from '../../src/index.js';

const freshSignal = () => new AbortController().signal;

describe('createInlineSource', () => {
  it('serves the given experiment with a content-hash version', async () => {
    const experiment = { id: 'inline', faults: [] };
    const source = createInlineSource(experiment);

    const result = await source.load({ signal: freshSignal(), previousVersion: undefined });

    expect(result).toEqual({ kind: 'document', document: experiment, version: contentVersion(experiment) });
    expect(source.name).toBe('inline');
  });

  it('answers unchanged to a conditional read of the same content', async () => {
    const source = createInlineSource('id: inline\n');
    const first = await source.load({ signal: freshSignal(), previousVersion: undefined });
    if (first.kind !== 'document') throw new Error('expected a document');

    const second = await source.load({ signal: freshSignal(), previousVersion: first.version });

    expect(second).toEqual({ kind: 'unchanged' });
  });

  it('rejects when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();

    await expect(
      createInlineSource({}).load({ signal: controller.signal, previousVersion: undefined }),
    ).rejects.toThrow();
  });
});

describe('contentVersion', () => {
  it('ignores key order and changes with the content', () => {
    expect(contentVersion({ a: 1, b: { c: 2, d: 3 } })).toBe(contentVersion({ b: { d: 3, c: 2 }, a: 1 }));
    expect(contentVersion({ a: 1 })).not.toBe(contentVersion({ a: 2 }));
    expect(contentVersion('text')).toMatch(/^sha256:[0-9a-f]{16}$/);
  });
});

describe('createEnvironmentSource', () => {
  it('reads the variable when loaded, not when created', async () => {
    const environment: Record<string, string | undefined> = {};
    const source = createEnvironmentSource({ environment });

    const before = await source.load({ signal: freshSignal(), previousVersion: undefined });
    environment.FAULTLINE_CONFIG = '{"id":"env"}';
    const after = await source.load({ signal: freshSignal(), previousVersion: undefined });

    expect(before).toEqual({ kind: 'missing' });
    expect(after).toMatchObject({ kind: 'document', document: '{"id":"env"}' });
  });

  it('treats a blank variable as missing and names only the variable', async () => {
    const source = createEnvironmentSource({
      variable: 'MY_EXPERIMENT',
      environment: { MY_EXPERIMENT: '  ' },
    });

    expect(await source.load({ signal: freshSignal(), previousVersion: undefined })).toEqual({
      kind: 'missing',
    });
    expect(source.name).toBe('env:MY_EXPERIMENT');
  });
});

describe('resolveDefaultConfigSource', () => {
  it('prefers FAULTLINE_CONFIG_FILE over FAULTLINE_CONFIG', () => {
    const source = resolveDefaultConfigSource({
      FAULTLINE_CONFIG_FILE: '/tmp/faultline.yaml',
      FAULTLINE_CONFIG: '{"id":"inline"}',
    });

    expect(source?.name).toBe('file:/tmp/faultline.yaml');
  });

  it('uses FAULTLINE_CONFIG when no file is named', async () => {
    const environment = { FAULTLINE_CONFIG: '{"id":"inline"}' };
    const source = resolveDefaultConfigSource(environment);

    expect(source?.name).toBe('env:FAULTLINE_CONFIG');
    expect(await source?.load({ signal: freshSignal(), previousVersion: undefined })).toMatchObject({
      kind: 'document',
    });
  });

  it('returns undefined when neither is set (or both are blank)', () => {
    expect(resolveDefaultConfigSource({})).toBeUndefined();
    expect(resolveDefaultConfigSource({ FAULTLINE_CONFIG_FILE: ' ', FAULTLINE_CONFIG: '' })).toBeUndefined();
  });
});
