import type { ServerResponse } from 'node:http';
import type { NeutralResponse } from '@faultline/core';

/**
 * Holds back what an HTTP handler sends so `after` faults (`corrupt`, `cors`) can rewrite it before anything reaches
 * the client. Interception is per response object: the four methods that put bytes on the wire (`writeHead`,
 * `write`, `end`, `flushHeaders`) are shadowed by own properties of this one `res` and restored before the real
 * send. Prototypes are never touched, so concurrent requests on the same instance are unaffected. Headers and the
 * status stay on the real response (they are only sent by those methods), so Express helpers (`res.set`,
 * `res.status`, `res.json`, `res.send`, `pipe`) work unchanged.
 */

/** How a captured handler ended. */
export type CaptureOutcome =
  /** The handler called `res.end()`: the response is complete and held back. */
  | 'ended'
  /** The client went away before the handler finished: nothing is sent. */
  | 'abandoned'
  /** The body outgrew the capture limit: what was held back has been sent and the rest streams through. */
  | 'passed-through';

type WriteCallback = (error?: Error | null) => void;

interface MutableServerResponse {
  writeHead: unknown;
  write: unknown;
  end: unknown;
  flushHeaders: unknown;
}

const interceptedMethods = ['writeHead', 'write', 'end', 'flushHeaders'] as const;

/** One in-flight captured response. */
export class ResponseCapture {
  readonly #response: ServerResponse;
  readonly #maxBodyBytes: number;
  readonly #chunks: Buffer[] = [];
  #bodyBytes = 0;
  #active = true;
  #outcome: CaptureOutcome | undefined;
  #resolveDone: ((outcome: CaptureOutcome) => void) | undefined;
  readonly #endCallbacks: WriteCallback[] = [];
  #originalText: string | undefined;
  /** Settles once: when the handler ends the response, the client goes away, or the body outgrows the limit. */
  readonly done: Promise<CaptureOutcome>;

  constructor(response: ServerResponse, maxBodyBytes: number) {
    this.#response = response;
    this.#maxBodyBytes = maxBodyBytes;
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    const target = response as unknown as MutableServerResponse;
    target.writeHead = this.#writeHead;
    target.write = this.#write;
    target.end = this.#end;
    target.flushHeaders = noop;
    response.once('close', this.#onClose);
  }

  /** How the capture ended, once it has. */
  get outcome(): CaptureOutcome | undefined {
    return this.#outcome;
  }

  /** The held-back response as the engine sees it. Header values of repeated headers are joined with `, `. */
  read(): NeutralResponse {
    return {
      status: this.#response.statusCode,
      headers: readHeaders(this.#response),
      body: this.#readText(),
    };
  }

  /**
   * Sends the held-back response unchanged, or `replacement` when `after` faults rewrote it. Unchanged headers keep
   * their original (possibly repeated) values; a changed body gets a fresh `Content-Length` and loses its `ETag`.
   */
  flush(replacement?: NeutralResponse): void {
    if (!this.#active) return;
    this.release();
    if (this.#outcome === 'abandoned') return;
    const response = this.#response;
    let body: Buffer = Buffer.concat(this.#chunks);
    if (replacement !== undefined) {
      response.statusCode = replacement.status;
      applyHeaders(response, replacement.headers);
      const text = replacement.body ?? '';
      if (text !== this.#readText()) {
        body = Buffer.from(text, 'utf8');
        response.removeHeader('etag');
        response.removeHeader('content-md5');
        if (!response.hasHeader('transfer-encoding')) response.setHeader('content-length', body.byteLength);
      }
    }
    const callbacks = this.#endCallbacks.splice(0);
    response.end(body, () => {
      for (const callback of callbacks) callback();
    });
  }

  /** Restores the response's own methods (idempotent). Held-back bytes are kept for {@link flush}. */
  release(): void {
    if (!this.#active) return;
    this.#active = false;
    const target = this.#response as unknown as Record<string, unknown>;
    for (const method of interceptedMethods) delete target[method];
    this.#response.off('close', this.#onClose);
  }

  /**
   * Gives the response back after the handler failed before ending it. Bytes it already wrote go out (as they
   * would have without faultline); with none, the response stays untouched so the framework can answer 500.
   */
  releaseWithPartialBody(): void {
    if (!this.#active) return;
    this.release();
    const held = Buffer.concat(this.#chunks.splice(0));
    if (held.byteLength > 0 && !this.#response.destroyed) this.#response.write(held);
  }

  #readText(): string | undefined {
    if (this.#chunks.length === 0) return this.#outcome === 'ended' ? '' : undefined;
    this.#originalText ??= Buffer.concat(this.#chunks).toString('utf8');
    return this.#originalText;
  }

  #settle(outcome: CaptureOutcome): void {
    if (this.#outcome !== undefined) return;
    this.#outcome = outcome;
    this.#resolveDone?.(outcome);
  }

  #append(chunk: unknown, encoding: BufferEncoding | undefined): void {
    if (chunk === undefined || chunk === null) return;
    const buffer =
      typeof chunk === 'string'
        ? Buffer.from(chunk, encoding ?? 'utf8')
        : Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk as Uint8Array);
    this.#chunks.push(buffer);
    this.#bodyBytes += buffer.byteLength;
    this.#originalText = undefined;
  }

  /** A body too large to hold: stop capturing, send what we have, and let the rest stream (after faults skip it). */
  #passThrough(): void {
    const held = Buffer.concat(this.#chunks.splice(0));
    this.release();
    this.#settle('passed-through');
    if (held.byteLength > 0) this.#response.write(held);
  }

  readonly #writeHead = (status: number, ...rest: unknown[]): ServerResponse => {
    const response = this.#response;
    response.statusCode = status;
    let headers = rest[0];
    if (typeof headers === 'string') {
      response.statusMessage = headers;
      headers = rest[1];
    }
    if (Array.isArray(headers)) {
      // Raw form: [name, value, name, value, …]
      for (let index = 0; index + 1 < headers.length; index += 2) {
        response.setHeader(String(headers[index]), headers[index + 1] as string);
      }
    } else if (headers !== undefined && headers !== null && typeof headers === 'object') {
      for (const [name, value] of Object.entries(headers)) {
        if (value !== undefined) response.setHeader(name, value as string | number | readonly string[]);
      }
    }
    return response;
  };

  readonly #write = (chunk: unknown, ...rest: unknown[]): boolean => {
    const encoding = typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : undefined;
    const callback = rest.find((argument): argument is WriteCallback => typeof argument === 'function');
    if (this.#outcome === 'ended') {
      // deliberately not a FaultlineError: Node's own error for this misuse, as the real response would report it.
      const error = Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' });
      if (callback) process.nextTick(callback, error);
      return false;
    }
    this.#append(chunk, encoding);
    if (callback) process.nextTick(callback);
    if (this.#bodyBytes > this.#maxBodyBytes) this.#passThrough();
    return true;
  };

  readonly #end = (...rest: unknown[]): ServerResponse => {
    if (this.#outcome === 'ended') return this.#response;
    let chunk: unknown;
    let encoding: BufferEncoding | undefined;
    for (const argument of rest) {
      if (typeof argument === 'function') this.#endCallbacks.push(argument as WriteCallback);
      else if (chunk === undefined) chunk = argument;
      else if (typeof argument === 'string') encoding = argument as BufferEncoding;
    }
    if (typeof chunk === 'function') chunk = undefined;
    this.#append(chunk, encoding);
    if (this.#bodyBytes > this.#maxBodyBytes) {
      this.#passThrough();
      const callbacks = this.#endCallbacks.splice(0);
      this.#response.end(() => {
        for (const callback of callbacks) callback();
      });
      return this.#response;
    }
    this.#settle('ended');
    return this.#response;
  };

  readonly #onClose = (): void => {
    // 'close' before our own flush means the client disconnected (we hold back 'finish').
    this.#settle('abandoned');
  };
}

function noop(): void {}

function readHeaders(response: ServerResponse): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of response.getHeaderNames()) {
    const value = response.getHeader(name);
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return headers;
}

function applyHeaders(response: ServerResponse, headers: Readonly<Record<string, string>>): void {
  const wanted = new Map<string, [string, string]>();
  for (const [name, value] of Object.entries(headers)) wanted.set(name.toLowerCase(), [name, value]);
  for (const name of response.getHeaderNames()) {
    const replacement = wanted.get(name);
    if (replacement === undefined) {
      response.removeHeader(name);
      continue;
    }
    const current = response.getHeader(name);
    const currentText = Array.isArray(current) ? current.join(', ') : String(current);
    // Unchanged values keep their original shape (e.g. several Set-Cookie lines).
    if (currentText !== replacement[1]) response.setHeader(replacement[0], replacement[1]);
    wanted.delete(name);
  }
  for (const [name, value] of wanted.values()) response.setHeader(name, value);
}
