import { execFile } from 'node:child_process';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FaultlineError } from '@faultline/core';

const execFileAsync = promisify(execFile);

/** One request the server answered, for assertions (count round trips, 304s, 401s). */
export interface AppConfigurationRequestRecord {
  readonly method: string;
  /** Path without the query string, e.g. `/kv/faultline:demo`. */
  readonly path: string;
  /** The decoded key for `/kv/{key}` requests. */
  readonly key: string | undefined;
  /** The `label` query parameter as sent (`undefined` when absent). */
  readonly label: string | undefined;
  readonly ifNoneMatch: string | undefined;
  readonly ifMatch: string | undefined;
  /** The status the server answered with. */
  readonly status: number;
  /** Why a request was refused (401/400), e.g. `signature mismatch`. */
  readonly reason: string | undefined;
}

/** A key-value as the server stores it. */
export interface AppConfigurationKeyValue {
  readonly key: string;
  /** `null` is App Configuration's "no label". */
  readonly label: string | null;
  readonly value: string;
  readonly contentType: string | null;
  readonly tags: Readonly<Record<string, string>>;
  /** Changes on every write. */
  readonly etag: string;
  readonly lastModified: string;
}

/** Options for {@link startAppConfigurationServer}. */
export interface StartAppConfigurationServerOptions {
  /** Access key id (the connection string's `Id`). Default: random. */
  readonly credentialId?: string;
  /** Base64 access key secret (the connection string's `Secret`). Default: 32 random bytes. */
  readonly secret?: string;
  /** Largest accepted difference between `x-ms-date` and the server clock. Default 15 min, like the service. */
  readonly maxClockSkewMs?: number;
  /** The server clock, for date-freshness tests. Default `Date.now`. */
  readonly now?: () => number;
}

/** Options for {@link AppConfigurationServer.setKeyValue}. */
export interface SetKeyValueOptions {
  /** Default: no label. */
  readonly label?: string;
  /** Default `application/json`. */
  readonly contentType?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** A running local App Configuration data-plane server. */
export interface AppConfigurationServer {
  /** e.g. `https://127.0.0.1:51234`. */
  readonly endpoint: string;
  /** `Endpoint=…;Id=…;Secret=…`, accepted by `new AppConfigurationClient(connectionString, …)`. */
  readonly connectionString: string;
  /** PEM of the self-signed certificate; pass it as the client option `tlsOptions: { ca }`. */
  readonly ca: string;
  readonly credentialId: string;
  readonly secret: string;
  /** Every request answered so far, oldest first. */
  readonly requests: readonly AppConfigurationRequestRecord[];
  /** Stores a value (as a write through the API would: the ETag changes). Returns the stored entry. */
  setKeyValue(key: string, value: string, options?: SetKeyValueOptions): AppConfigurationKeyValue;
  /** The stored entry, if any. */
  getKeyValue(key: string, label?: string): AppConfigurationKeyValue | undefined;
  /** Removes an entry; true when it existed. */
  deleteKeyValue(key: string, label?: string): boolean;
  /**
   * Answers the next `count` requests with `status` (e.g. 500, 503) before any other processing, to drill client
   * error handling. Signed or not, they are recorded with reason `injected`.
   */
  failNextRequests(status: number, count?: number): void;
  /** Forgets the request log (not the data). */
  clearRequests(): void;
  stop(): Promise<void>;
}

/** The server could not start (e.g. `openssl` is missing). */
export class AppConfigurationServerError extends FaultlineError {
  override readonly name = 'AppConfigurationServerError';

  constructor(message: string, options?: { readonly cause?: unknown }) {
    super('BACKEND_FAILED', message, options);
  }
}

const keyValueContentType = 'application/vnd.microsoft.appconfig.kv+json; charset=utf-8';
const keyValueSetContentType = 'application/vnd.microsoft.appconfig.kvset+json; charset=utf-8';
const problemContentType = 'application/problem+json; charset=utf-8';
const maxBodyBytes = 1024 * 1024;

/**
 * Starts a local HTTPS server that speaks the subset of the Azure App Configuration data-plane API the
 * `@azure/app-configuration` client uses (get / conditional get / list / put / delete of key-values) and, like the
 * service, authenticates EVERY request: HMAC-SHA256 signature over method, path and query, `x-ms-date`, host and
 * `x-ms-content-sha256`, a content hash that must match the body, and a fresh date. Anything else gets 401.
 *
 * The certificate is self-signed for `IP:127.0.0.1`, generated at start into a temporary directory that is removed
 * right away; no key is ever committed.
 *
 * @example
 * ```ts
 * import { AppConfigurationClient } from '@azure/app-configuration';
 * import { startAppConfigurationServer } from '@faultline/testkit';
 *
 * const server = await startAppConfigurationServer();
 * server.setKeyValue('faultline:orders', '{"id":"x","faults":[]}', { label: 'prod' });
 * const client = new AppConfigurationClient(server.connectionString, { tlsOptions: { ca: server.ca } });
 * const setting = await client.getConfigurationSetting({ key: 'faultline:orders', label: 'prod' });
 * await server.stop();
 * ```
 */
export async function startAppConfigurationServer(
  options: StartAppConfigurationServerOptions = {},
): Promise<AppConfigurationServer> {
  const credentialId = options.credentialId ?? `local-${randomBytes(6).toString('hex')}`;
  const secret = options.secret ?? randomBytes(32).toString('base64');
  const secretBytes = Buffer.from(secret, 'base64');
  const maxClockSkewMs = options.maxClockSkewMs ?? 15 * 60_000;
  const now = options.now ?? Date.now;
  const { certificate, privateKey } = await createSelfSignedCertificate();

  const store = new Map<string, AppConfigurationKeyValue>();
  const requests: AppConfigurationRequestRecord[] = [];
  let etagCounter = 0;
  let pendingFailures: { status: number; remaining: number } | undefined;

  const storeKey = (key: string, label: string | null): string => `${key}\u0000${label ?? ''}`;
  const write = (
    key: string,
    label: string | null,
    value: string,
    contentType: string | null,
    tags: Readonly<Record<string, string>>,
  ): AppConfigurationKeyValue => {
    etagCounter += 1;
    const entry: AppConfigurationKeyValue = {
      key,
      label,
      value,
      contentType,
      tags: { ...tags },
      etag: `${etagCounter.toString(36)}-${randomBytes(9).toString('base64url')}`,
      lastModified: new Date(now()).toISOString(),
    };
    store.set(storeKey(key, label), entry);
    return entry;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readBody(request);
    const rawUrl = request.url ?? '/';
    const url = new URL(rawUrl, 'https://127.0.0.1');
    const path = url.pathname;
    const labelParameter = url.searchParams.get('label') ?? undefined;
    const keyMatch = /^\/kv\/(.+)$/.exec(path);
    const key = keyMatch?.[1] === undefined ? undefined : safeDecode(keyMatch[1]);
    const ifNoneMatch = headerValue(request, 'if-none-match');
    const ifMatch = headerValue(request, 'if-match');
    const method = request.method ?? 'GET';
    const record = (status: number, reason?: string): void => {
      requests.push({
        method,
        path,
        key,
        label: labelParameter,
        ifNoneMatch,
        ifMatch,
        status,
        reason,
      });
    };
    const problem = (
      status: number,
      title: string,
      reason?: string,
      headers: Record<string, string> = {},
    ) => {
      record(status, reason ?? title);
      send(
        response,
        status,
        { 'content-type': problemContentType, ...headers },
        { type: 'about:blank', title, status },
      );
    };

    if (pendingFailures !== undefined && pendingFailures.remaining > 0) {
      pendingFailures.remaining -= 1;
      const { status } = pendingFailures;
      if (pendingFailures.remaining === 0) pendingFailures = undefined;
      problem(status, 'Injected failure', 'injected');
      return;
    }

    const authentication = authenticate(request, rawUrl, body, {
      credentialId,
      secretBytes,
      maxClockSkewMs,
      now,
    });
    if (!authentication.ok) {
      problem(401, 'Unauthorized', authentication.reason, {
        'www-authenticate': `HMAC-SHA256 error="invalid_token", error_description="${authentication.reason}", Bearer`,
      });
      return;
    }
    if (url.searchParams.get('api-version') === null) {
      problem(400, 'The api-version query parameter is required', 'missing api-version');
      return;
    }

    if (path === '/kv' && (method === 'GET' || method === 'HEAD')) {
      const items = listEntries(store, url.searchParams.get('key'), labelParameter);
      record(200);
      send(
        response,
        200,
        { 'content-type': keyValueSetContentType },
        method === 'HEAD'
          ? undefined
          : {
              items: items.map(toWire),
            },
      );
      return;
    }
    if (key === undefined) {
      problem(404, 'Not Found', `no route for ${method} ${path}`);
      return;
    }
    const label = normalizeLabel(labelParameter);
    const existing = store.get(storeKey(key, label));

    if (method === 'GET' || method === 'HEAD') {
      if (existing === undefined) {
        problem(404, 'Not Found');
        return;
      }
      if (ifMatch !== undefined && !etagMatches(ifMatch, existing.etag)) {
        problem(412, 'Precondition Failed');
        return;
      }
      if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, existing.etag)) {
        record(304);
        send(response, 304, { etag: `"${existing.etag}"` }, undefined);
        return;
      }
      record(200);
      sendEntry(response, existing, method === 'HEAD');
      return;
    }

    if (method === 'PUT') {
      if (ifMatch !== undefined && (existing === undefined || !etagMatches(ifMatch, existing.etag))) {
        problem(412, 'Precondition Failed');
        return;
      }
      if (ifNoneMatch !== undefined && existing !== undefined && etagMatches(ifNoneMatch, existing.etag)) {
        problem(412, 'Precondition Failed');
        return;
      }
      const parsed = parseJsonObject(body);
      if (parsed === undefined) {
        problem(400, 'The request body must be a JSON object', 'invalid body');
        return;
      }
      const value = typeof parsed.value === 'string' ? parsed.value : '';
      const contentType = typeof parsed.content_type === 'string' ? parsed.content_type : null;
      const tags = isStringRecord(parsed.tags) ? parsed.tags : {};
      const entry = write(key, label, value, contentType, tags);
      record(200);
      sendEntry(response, entry, false);
      return;
    }

    if (method === 'DELETE') {
      if (existing === undefined) {
        record(204);
        send(response, 204, {}, undefined);
        return;
      }
      if (ifMatch !== undefined && !etagMatches(ifMatch, existing.etag)) {
        problem(412, 'Precondition Failed');
        return;
      }
      store.delete(storeKey(key, label));
      record(200);
      sendEntry(response, existing, false);
      return;
    }

    problem(405, 'Method Not Allowed');
  };

  const server = createServer({ cert: certificate, key: privateKey }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        send(response, 500, { 'content-type': problemContentType }, { title: String(error), status: 500 });
      } else {
        response.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `https://127.0.0.1:${port}`;

  return {
    endpoint,
    connectionString: `Endpoint=${endpoint};Id=${credentialId};Secret=${secret}`,
    ca: certificate,
    credentialId,
    secret,
    requests,
    setKeyValue: (key, value, setOptions = {}) =>
      write(
        key,
        normalizeLabel(setOptions.label),
        value,
        setOptions.contentType ?? 'application/json',
        setOptions.tags ?? {},
      ),
    getKeyValue: (key, label) => store.get(storeKey(key, normalizeLabel(label))),
    deleteKeyValue: (key, label) => store.delete(storeKey(key, normalizeLabel(label))),
    failNextRequests: (status, count = 1) => {
      pendingFailures = count > 0 ? { status, remaining: count } : undefined;
    },
    clearRequests: () => {
      requests.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface AuthenticationSettings {
  readonly credentialId: string;
  readonly secretBytes: Buffer;
  readonly maxClockSkewMs: number;
  readonly now: () => number;
}

/** The service's HMAC scheme: https://learn.microsoft.com/azure/azure-app-configuration/rest-api-authentication-hmac */
function authenticate(
  request: IncomingMessage,
  rawUrl: string,
  body: Buffer,
  settings: AuthenticationSettings,
): { ok: true } | { ok: false; reason: string } {
  const authorization = headerValue(request, 'authorization');
  if (authorization === undefined) return { ok: false, reason: 'missing Authorization header' };
  const schemeMatch = /^HMAC-SHA256\s+(.+)$/i.exec(authorization);
  if (schemeMatch?.[1] === undefined) return { ok: false, reason: 'unsupported authorization scheme' };
  const parameters = new Map<string, string>();
  for (const part of schemeMatch[1].split('&')) {
    const separator = part.indexOf('=');
    if (separator > 0) parameters.set(part.slice(0, separator).trim(), part.slice(separator + 1).trim());
  }
  const credential = parameters.get('Credential');
  const signedHeaders = parameters.get('SignedHeaders');
  const signature = parameters.get('Signature');
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    return { ok: false, reason: 'Credential, SignedHeaders and Signature are required' };
  }
  if (credential !== settings.credentialId) return { ok: false, reason: 'unknown credential' };
  const signedHeaderNames = signedHeaders.toLowerCase().split(';');
  for (const required of ['host', 'x-ms-content-sha256']) {
    if (!signedHeaderNames.includes(required)) return { ok: false, reason: `${required} must be signed` };
  }
  if (!signedHeaderNames.includes('x-ms-date') && !signedHeaderNames.includes('date')) {
    return { ok: false, reason: 'x-ms-date must be signed' };
  }
  const contentHash = headerValue(request, 'x-ms-content-sha256');
  const actualHash = createHash('sha256').update(body).digest('base64');
  if (contentHash !== actualHash) return { ok: false, reason: 'content hash mismatch' };
  const date = headerValue(request, 'x-ms-date') ?? headerValue(request, 'date');
  const dateMs = date === undefined ? Number.NaN : Date.parse(date);
  if (Number.isNaN(dateMs)) return { ok: false, reason: 'missing or invalid x-ms-date' };
  if (Math.abs(settings.now() - dateMs) > settings.maxClockSkewMs)
    return { ok: false, reason: 'x-ms-date is stale' };
  const signedValues: string[] = [];
  for (const name of signedHeaderNames) {
    const value = headerValue(request, name);
    if (value === undefined) return { ok: false, reason: `signed header ${name} is missing` };
    signedValues.push(value);
  }
  const stringToSign = `${request.method ?? 'GET'}\n${rawUrl}\n${signedValues.join(';')}`;
  const expected = createHmac('sha256', settings.secretBytes).update(stringToSign).digest();
  const received = Buffer.from(signature, 'base64');
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
    return { ok: false, reason: 'signature mismatch' };
  }
  return { ok: true };
}

/** A self-signed certificate for `IP:127.0.0.1` (openssl, in a temporary directory removed right away). */
export async function createSelfSignedCertificate(): Promise<{ certificate: string; privateKey: string }> {
  const directory = await mkdtemp(join(tmpdir(), 'faultline-appconfig-'));
  try {
    const keyPath = join(directory, 'key.pem');
    const certificatePath = join(directory, 'cert.pem');
    await execFileAsync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certificatePath,
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { timeout: 20_000 },
    );
    const [certificate, privateKey] = await Promise.all([
      readFile(certificatePath, 'utf8'),
      readFile(keyPath, 'utf8'),
    ]);
    return { certificate, privateKey };
  } catch (error) {
    throw new AppConfigurationServerError(
      'Could not create a self-signed certificate with openssl; install openssl (apt-get install openssl).',
      { cause: error },
    );
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        request.destroy();
        reject(new FaultlineError('INVALID_ARGUMENT', 'request body too large'));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  if (Array.isArray(value)) return value.join(', ');
  return value;
}

function send(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: unknown,
): void {
  const text = body === undefined ? undefined : JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    ...(text === undefined ? {} : { 'content-length': String(Buffer.byteLength(text)) }),
  });
  response.end(text);
}

function sendEntry(response: ServerResponse, entry: AppConfigurationKeyValue, headOnly: boolean): void {
  const headers = {
    'content-type': keyValueContentType,
    etag: `"${entry.etag}"`,
    'last-modified': new Date(entry.lastModified).toUTCString(),
  };
  send(response, 200, headers, headOnly ? undefined : toWire(entry));
}

function toWire(entry: AppConfigurationKeyValue): Record<string, unknown> {
  return {
    etag: entry.etag,
    key: entry.key,
    label: entry.label,
    content_type: entry.contentType,
    value: entry.value,
    tags: entry.tags,
    locked: false,
    last_modified: entry.lastModified,
  };
}

/** Absent, empty and `\0` all mean "no label" (the service spells it `\0` in filters). */
function normalizeLabel(label: string | undefined): string | null {
  if (label === undefined || label === '' || label === '\u0000') return null;
  return label;
}

function etagMatches(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((candidate) => candidate.trim())
    .some(
      (candidate) => candidate === '*' || candidate.replace(/^W\//, '').replace(/^"(.*)"$/, '$1') === etag,
    );
}

/** Key/label filters: comma-separated alternatives, each exact or a `prefix*`; an absent label filter means any. */
function listEntries(
  store: ReadonlyMap<string, AppConfigurationKeyValue>,
  keyFilter: string | null,
  labelFilter: string | undefined,
): AppConfigurationKeyValue[] {
  const keyMatches = compileFilter(keyFilter ?? '*');
  const labelMatches = labelFilter === undefined ? () => true : compileFilter(labelFilter);
  return [...store.values()]
    .filter((entry) => keyMatches(entry.key) && labelMatches(entry.label ?? '\u0000'))
    .sort(
      (left, right) =>
        left.key.localeCompare(right.key) || (left.label ?? '').localeCompare(right.label ?? ''),
    );
}

function compileFilter(filter: string): (value: string) => boolean {
  const alternatives = filter.split(',').map((alternative) => (alternative === '' ? '\u0000' : alternative));
  return (value) =>
    alternatives.some((alternative) =>
      alternative.endsWith('*') ? value.startsWith(alternative.slice(0, -1)) : alternative === value,
    );
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((entry) => typeof entry === 'string')
  );
}
