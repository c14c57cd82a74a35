import { AppConfigurationClient } from '@azure/app-configuration';
import { type AppConfigurationServer, startAppConfigurationServer } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The local server must behave like the service for the real client, or the config-source tests prove nothing.
describe('the local App Configuration server, driven by the real @azure/app-configuration client', () => {
  let server: AppConfigurationServer;
  let client: AppConfigurationClient;

  beforeAll(async () => {
    server = await startAppConfigurationServer();
    client = new AppConfigurationClient(server.connectionString, {
      tlsOptions: { ca: server.ca },
      retryOptions: { maxRetries: 0 },
    });
  });
  afterAll(async () => {
    await server.stop();
  });

  const uniqueKey = (name: string): string => `test:${name}:${Math.random().toString(36).slice(2)}`;

  it('serves a stored key-value to a correctly signed request', async () => {
    // Prepare
    const key = uniqueKey('get');
    server.setKeyValue(key, '{"hello":"world"}', { label: 'prod' });

    // Act
    const setting = await client.getConfigurationSetting({ key, label: 'prod' });

    // Assess
    expect(setting.value).toBe('{"hello":"world"}');
    expect(setting.etag).toBe(server.getKeyValue(key, 'prod')?.etag);
    expect(server.requests.at(-1)).toMatchObject({ method: 'GET', key, label: 'prod', status: 200 });
  });

  it('answers 304 to a conditional get with the current ETag and 200 once the value changed', async () => {
    // Prepare
    const key = uniqueKey('conditional');
    const first = server.setKeyValue(key, 'v1');

    // Act
    const unchanged = await client.getConfigurationSetting(
      { key, etag: first.etag },
      { onlyIfChanged: true },
    );
    const second = server.setKeyValue(key, 'v2');
    const changed = await client.getConfigurationSetting({ key, etag: first.etag }, { onlyIfChanged: true });

    // Assess
    expect(unchanged.statusCode).toBe(304);
    expect(unchanged.value).toBeUndefined();
    expect(second.etag).not.toBe(first.etag);
    expect(changed.statusCode).toBe(200);
    expect(changed.value).toBe('v2');
    expect(server.requests.filter((request) => request.key === key).map((request) => request.status)).toEqual(
      [304, 200],
    );
  });

  it('rejects a request signed with the wrong secret with 401', async () => {
    // Prepare
    const key = uniqueKey('wrong-secret');
    server.setKeyValue(key, 'secret value');
    const wrongSecret = Buffer.from('not the secret at all').toString('base64');
    const impostor = new AppConfigurationClient(
      `Endpoint=${server.endpoint};Id=${server.credentialId};Secret=${wrongSecret}`,
      { tlsOptions: { ca: server.ca }, retryOptions: { maxRetries: 0 } },
    );

    // Act
    const failure = await impostor.getConfigurationSetting({ key }).catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({ statusCode: 401 });
    expect(server.requests.at(-1)).toMatchObject({ key, status: 401, reason: 'signature mismatch' });
  });

  it('rejects an unknown credential id with 401', async () => {
    // Prepare
    const impostor = new AppConfigurationClient(
      `Endpoint=${server.endpoint};Id=someone-else;Secret=${server.secret}`,
      { tlsOptions: { ca: server.ca }, retryOptions: { maxRetries: 0 } },
    );

    // Act
    const failure = await impostor
      .getConfigurationSetting({ key: uniqueKey('who') })
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({ statusCode: 401 });
    expect(server.requests.at(-1)?.reason).toBe('unknown credential');
  });

  it('verifies the content hash of write bodies and stores what the client sent', async () => {
    // Prepare
    const key = uniqueKey('put');

    // Act
    const added = await client.addConfigurationSetting({
      key,
      label: 'demo',
      value: '{"a":1}',
      contentType: 'application/json',
    });

    // Assess
    expect(added.value).toBe('{"a":1}');
    expect(server.getKeyValue(key, 'demo')).toMatchObject({
      value: '{"a":1}',
      contentType: 'application/json',
    });
  });

  it('answers 412 to an optimistic write with a stale ETag and to adding an existing key', async () => {
    // Prepare
    const key = uniqueKey('412');
    const stale = server.setKeyValue(key, 'v1');
    server.setKeyValue(key, 'v2');

    // Act
    const staleWrite = await client
      .setConfigurationSetting({ key, value: 'v3', etag: stale.etag }, { onlyIfUnchanged: true })
      .catch((error: unknown) => error);
    const duplicateAdd = await client
      .addConfigurationSetting({ key, value: 'v4' })
      .catch((error: unknown) => error);

    // Assess
    expect(staleWrite).toMatchObject({ statusCode: 412 });
    expect(duplicateAdd).toMatchObject({ statusCode: 412 });
    expect(server.getKeyValue(key)?.value).toBe('v2');
  });

  it('changes the ETag on every write through the API', async () => {
    // Prepare
    const key = uniqueKey('etag');
    const first = await client.setConfigurationSetting({ key, value: 'same' });

    // Act
    const second = await client.setConfigurationSetting({ key, value: 'same' });

    // Assess
    expect(second.etag).not.toBe(first.etag);
  });

  it('reports 404 for a missing key and deletes existing keys', async () => {
    // Prepare
    const key = uniqueKey('delete');
    server.setKeyValue(key, 'gone soon', { label: 'x' });

    // Act
    const deleted = await client.deleteConfigurationSetting({ key, label: 'x' });
    const missing = await client
      .getConfigurationSetting({ key, label: 'x' })
      .catch((error: unknown) => error);

    // Assess
    expect(deleted.statusCode).toBe(200);
    expect(missing).toMatchObject({ statusCode: 404 });
  });

  it('lists key-values by key prefix and label', async () => {
    // Prepare
    const prefix = uniqueKey('list');
    server.setKeyValue(`${prefix}:a`, '1', { label: 'one' });
    server.setKeyValue(`${prefix}:b`, '2', { label: 'one' });
    server.setKeyValue(`${prefix}:c`, '3', { label: 'two' });

    // Act
    const keys: string[] = [];
    for await (const setting of client.listConfigurationSettings({
      keyFilter: `${prefix}*`,
      labelFilter: 'one',
    })) {
      keys.push(setting.key);
    }

    // Assess
    expect(keys).toEqual([`${prefix}:a`, `${prefix}:b`]);
  });

  it('rejects requests whose x-ms-date is stale', async () => {
    // Prepare
    const skewed = await startAppConfigurationServer({ now: () => Date.now() + 60 * 60_000 });
    const skewedClient = new AppConfigurationClient(skewed.connectionString, {
      tlsOptions: { ca: skewed.ca },
      retryOptions: { maxRetries: 0 },
    });

    // Act
    const failure = await skewedClient
      .getConfigurationSetting({ key: 'any' })
      .catch((error: unknown) => error);
    await skewed.stop();

    // Assess
    expect(failure).toMatchObject({ statusCode: 401 });
    expect(skewed.requests.at(-1)?.reason).toBe('x-ms-date is stale');
  });
});
