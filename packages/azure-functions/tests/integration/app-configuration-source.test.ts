import { AppConfigurationClient } from '@azure/app-configuration';
import type { FaultlineEvent } from '@faultline/core';
import { createCachedConfig } from '@faultline/core';
import { type AppConfigurationServer, startAppConfigurationServer } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AppConfigurationSourceError,
  createAppConfigurationSource,
} from '../../src/app-configuration/index.js';

const experimentText = (id: string): string =>
  JSON.stringify({ id, faults: [{ id: 'slow', type: 'latency', delayMs: 5 }] });

describe('the App Configuration source with the real client against the local signed HTTPS server', () => {
  let server: AppConfigurationServer;
  const noEnvironment = {};

  beforeAll(async () => {
    server = await startAppConfigurationServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  const uniqueKey = (name: string): string => `faultline:${name}:${Math.random().toString(36).slice(2)}`;
  const sourceFor = (key: string, label?: string, connectionString = server.connectionString) =>
    createAppConfigurationSource({
      key,
      ...(label === undefined ? {} : { label }),
      connectionString,
      clientOptions: { tlsOptions: { ca: server.ca }, retryOptions: { maxRetries: 0 } },
      environment: noEnvironment,
    });
  const load = (source: ReturnType<typeof sourceFor>, previousVersion?: string) =>
    source.load({ signal: new AbortController().signal, previousVersion });

  it('reads the experiment text with the ETag as its version', async () => {
    // Prepare
    const key = uniqueKey('read');
    const stored = server.setKeyValue(key, experimentText('read'), { label: 'prod' });

    // Act
    const result = await load(sourceFor(key, 'prod'));

    // Assess
    expect(result).toEqual({ kind: 'document', document: experimentText('read'), version: stored.etag });
  });

  it('sends a conditional GET with the cached ETag and reports unchanged on 304', async () => {
    // Prepare
    const key = uniqueKey('conditional');
    const stored = server.setKeyValue(key, experimentText('conditional'));
    const source = sourceFor(key);

    // Act
    const result = await load(source, stored.etag);

    // Assess
    expect(result).toEqual({ kind: 'unchanged' });
    expect(server.requests.filter((request) => request.key === key)).toMatchObject([
      { status: 304, ifNoneMatch: `"${stored.etag}"` },
    ]);
  });

  it('reports missing for a key that does not exist, also after it was deleted', async () => {
    // Prepare
    const key = uniqueKey('missing');
    const stored = server.setKeyValue(key, experimentText('gone'));
    server.deleteKeyValue(key);

    // Act
    const neverRead = await load(sourceFor(key));
    const afterDelete = await load(sourceFor(key), stored.etag);

    // Assess
    expect(neverRead).toEqual({ kind: 'missing' });
    expect(afterDelete).toEqual({ kind: 'missing' });
  });

  it('turns a wrong secret into an error that names the fix and never the secret', async () => {
    // Prepare
    const key = uniqueKey('wrong-secret');
    server.setKeyValue(key, experimentText('x'));
    const wrongSecret = Buffer.from('definitely-wrong-secret').toString('base64');
    const source = sourceFor(
      key,
      undefined,
      `Endpoint=${server.endpoint};Id=${server.credentialId};Secret=${wrongSecret}`,
    );

    // Act
    const failure = await load(source).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(AppConfigurationSourceError);
    expect(failure).toMatchObject({
      statusCode: 401,
      code: 'STORE_READ_FAILED',
      serviceCode: 'AppConfiguration401',
    });
    const text = `${(failure as Error).message} ${JSON.stringify(failure)} ${source.name}`;
    expect(text).not.toContain(wrongSecret);
    expect(text).not.toContain(server.secret);
    expect(text).not.toContain(server.credentialId);
    expect(source.name).toBe(`appconfig:${new URL(server.endpoint).host}/${key}`);
  });

  it('honours the abort signal of the cached config', async () => {
    // Prepare
    const key = uniqueKey('abort');
    server.setKeyValue(key, experimentText('abort'));
    const controller = new AbortController();
    controller.abort(new Error('fetch budget spent'));

    // Act
    const failure = await sourceFor(key)
      .load({ signal: controller.signal, previousVersion: undefined })
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(Error);
    expect(server.requests.some((request) => request.key === key)).toBe(false);
  });

  it('accepts a caller-owned AppConfigurationClient', async () => {
    // Prepare
    const key = uniqueKey('client');
    server.setKeyValue(key, experimentText('client'));
    const client = new AppConfigurationClient(server.connectionString, { tlsOptions: { ca: server.ca } });

    // Act
    const result = await createAppConfigurationSource({ key, client, environment: noEnvironment }).load({
      signal: new AbortController().signal,
      previousVersion: undefined,
    });

    // Assess
    expect(result).toMatchObject({ kind: 'document', document: experimentText('client') });
  });

  it('reads key, label and connection string from FAULTLINE_AZURE_APPCONFIG_* once, at creation', async () => {
    // Prepare
    const key = uniqueKey('environment');
    server.setKeyValue(key, experimentText('environment'), { label: 'staging' });
    const environment: Record<string, string | undefined> = {
      FAULTLINE_AZURE_APPCONFIG_KEY: key,
      FAULTLINE_AZURE_APPCONFIG_LABEL: 'staging',
      FAULTLINE_AZURE_APPCONFIG_CONNECTION_STRING: server.connectionString,
    };
    const source = createAppConfigurationSource({
      environment,
      clientOptions: { tlsOptions: { ca: server.ca } },
    });
    environment.FAULTLINE_AZURE_APPCONFIG_KEY = 'changed-later';

    // Act
    const result = await source.load({ signal: new AbortController().signal, previousVersion: undefined });

    // Assess
    expect(result).toMatchObject({ kind: 'document', document: experimentText('environment') });
    expect(source.name).toBe(`appconfig:${new URL(server.endpoint).host}/${key}?label=staging`);
  });

  it('still reads the deprecated FAULTLINE_APPCONFIG_* names when the new ones are unset', async () => {
    // Prepare
    const key = uniqueKey('deprecated');
    server.setKeyValue(key, experimentText('deprecated'), { label: 'legacy' });
    const environment = {
      FAULTLINE_APPCONFIG_KEY: key,
      FAULTLINE_APPCONFIG_LABEL: 'legacy',
      FAULTLINE_APPCONFIG_CONNECTION_STRING: server.connectionString,
    };

    // Act
    const result = await createAppConfigurationSource({
      environment,
      clientOptions: { tlsOptions: { ca: server.ca } },
    }).load({ signal: new AbortController().signal, previousVersion: undefined });

    // Assess
    expect(result).toMatchObject({ kind: 'document', document: experimentText('deprecated') });
  });

  it('prefers the new name when both the old and the new one are set', async () => {
    // Prepare
    const key = uniqueKey('new-name');
    server.setKeyValue(key, experimentText('new-name'));
    const environment = {
      FAULTLINE_APPCONFIG_KEY: 'faultline:old-key-that-does-not-exist',
      FAULTLINE_AZURE_APPCONFIG_KEY: key,
      FAULTLINE_AZURE_APPCONFIG_CONNECTION_STRING: server.connectionString,
    };

    // Act
    const source = createAppConfigurationSource({
      environment,
      clientOptions: { tlsOptions: { ca: server.ca } },
    });
    const result = await source.load({ signal: new AbortController().signal, previousVersion: undefined });

    // Assess
    expect(source.name).toContain(key);
    expect(result).toMatchObject({ kind: 'document', document: experimentText('new-name') });
  });

  it('explains what to set when neither a key nor a store is configured', async () => {
    // Act
    const noKey = await createAppConfigurationSource({ environment: {} })
      .load({ signal: new AbortController().signal, previousVersion: undefined })
      .catch((error: unknown) => error);
    const noStore = await createAppConfigurationSource({ key: 'k', environment: {} })
      .load({ signal: new AbortController().signal, previousVersion: undefined })
      .catch((error: unknown) => error);

    // Assess
    expect((noKey as Error).message).toContain('FAULTLINE_AZURE_APPCONFIG_KEY');
    expect((noStore as Error).message).toContain('FAULTLINE_AZURE_APPCONFIG_ENDPOINT');
  });

  it('rejects a malformed connection string without echoing it', async () => {
    // Prepare
    const connectionString = 'Endpoint=https://127.0.0.1:1;Secret=c2VjcmV0LXZhbHVl';

    // Act
    const failure = await createAppConfigurationSource({ key: 'k', connectionString, environment: {} })
      .load({ signal: new AbortController().signal, previousVersion: undefined })
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(AppConfigurationSourceError);
    expect((failure as Error).message).not.toContain('c2VjcmV0LXZhbHVl');
  });

  it('imports the SDK again on the next load after its import failed, instead of failing for good', async () => {
    // Prepare: the first import of the SDK fails (a file system hiccup, a deployment still being unpacked).
    const key = uniqueKey('sdk-retry');
    server.setKeyValue(key, experimentText('sdk-retry'));
    const source = sourceFor(key);
    vi.doMock('@azure/app-configuration', () => {
      throw new Error('EMFILE: too many open files');
    });

    // Act
    const first = await load(source).catch((error: unknown) => error);
    vi.doUnmock('@azure/app-configuration');
    const second = await load(source);

    // Assess
    expect(first).toMatchObject({ name: 'AppConfigurationSourceError', code: 'SDK_MISSING' });
    expect(second).toMatchObject({ kind: 'document', document: experimentText('sdk-retry') });
  });

  describe('behind the core cached config', () => {
    it('keeps the cached experiment on 304s and picks up a new ETag, counting server round trips', async () => {
      // Prepare
      const key = uniqueKey('cached');
      server.setKeyValue(key, experimentText('v1'));
      const config = createCachedConfig(sourceFor(key), {
        ttlMs: 0,
        jitterRatio: 0,
        parse: (document) => document,
      });

      // Act
      const first = await config.get();
      await config.refresh();
      await config.refresh();
      const afterUnchanged = config.peek();
      const updated = server.setKeyValue(key, experimentText('v2'));
      await config.refresh();
      const afterChange = config.peek();
      config.close();

      // Assess
      expect(first?.value).toBe(experimentText('v1'));
      expect(afterUnchanged).toBe(first);
      expect(afterChange?.value).toBe(experimentText('v2'));
      expect(afterChange?.version).toBe(updated.etag);
      expect(
        server.requests.filter((request) => request.key === key).map((request) => request.status),
      ).toEqual([200, 304, 304, 200]);
    });

    it('keeps the last good experiment through a store outage and recovers when the store answers again', async () => {
      // Prepare
      const key = uniqueKey('outage');
      const stored = server.setKeyValue(key, experimentText('steady'));
      const events: FaultlineEvent[] = [];
      const config = createCachedConfig(sourceFor(key), {
        ttlMs: 0,
        jitterRatio: 0,
        errorBackoffMs: 0,
        parse: (document) => document,
        onEvent: (event) => events.push(event),
      });
      const first = await config.get();

      // Act
      server.failNextRequests(503, 2);
      await config.refresh();
      const duringOutage = config.peek();
      await config.refresh();
      await config.refresh();
      const afterOutage = config.peek();
      config.close();

      // Assess
      expect(first?.value).toBe(experimentText('steady'));
      expect(duringOutage?.value).toBe(experimentText('steady'));
      expect(duringOutage?.version).toBe(stored.etag);
      expect(afterOutage?.value).toBe(experimentText('steady'));
      expect(events.filter((event) => event.type === 'config-error')).toHaveLength(1);
      expect(events.filter((event) => event.type === 'config-error')[0]?.message).toContain('503');
      expect(
        server.requests.filter((request) => request.key === key).map((request) => request.status),
      ).toEqual([200, 503, 503, 304]);
    });

    it('surfaces a wrong secret as one config-error event and serves no config, without throwing', async () => {
      // Prepare
      const key = uniqueKey('cached-401');
      server.setKeyValue(key, experimentText('x'));
      const wrongSecret = Buffer.from('another-wrong-secret').toString('base64');
      const events: FaultlineEvent[] = [];
      const config = createCachedConfig(
        sourceFor(
          key,
          undefined,
          `Endpoint=${server.endpoint};Id=${server.credentialId};Secret=${wrongSecret}`,
        ),
        { parse: (document) => document, onEvent: (event) => events.push(event) },
      );

      // Act
      const value = await config.get();
      config.close();

      // Assess
      expect(value?.value).toBeUndefined();
      const errors = events.filter((event) => event.type === 'config-error');
      expect(errors).toHaveLength(1);
      expect(errors[0]?.message).toContain('401');
      expect(JSON.stringify(events)).not.toContain(wrongSecret);
      expect(JSON.stringify(events)).not.toContain(server.credentialId);
    });
  });
});
