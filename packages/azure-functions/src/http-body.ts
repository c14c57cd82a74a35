import type { HttpResponseInit } from '@azure/functions';
import {
  headersToRecord,
  isHttpResponseInstance,
  isPlainResult,
  isSyncBody,
  type MaterializedResponse,
  maxMaterializedBodyBytes,
  nullBodyStatuses,
  toHeaders,
} from './http-response.js';

// Reading a handler's response body for `after` faults, loaded with import() the first time a sampled invocation
// has a fault that reads bodies: a function whose experiments never corrupt bodies never loads it.

/** Longest a body is read for `after` faults; a stream still open by then passes through unchanged. */
export const maxBodyReadMs = 1000;

/** Content types that are streams by nature (server-sent events, JSON lines): never buffered. */
const streamingContentTypes = ['text/event-stream', 'application/x-ndjson', 'application/stream+json'];

/**
 * Prepares a handler's HTTP result for `after` faults: a plain `HttpResponseInit` with the status, headers, cookies
 * and content negotiation of an `HttpResponse` instance, and its body read into bytes **only when `readBody`** (some
 * fault looks at the body) and only within bounds: at most {@link maxMaterializedBodyBytes}, for at most
 * {@link maxBodyReadMs}, never for streaming content types or a declared length over the cap. Anything else keeps
 * its body as it was (the stream, untouched or with the bytes already read put back in front), which the neutral
 * response shows as no body, so faults that change bodies leave it alone. Plain results with string, bytes or JSON
 * bodies are returned as they are.
 */
export async function prepareHttpResult(
  result: unknown,
  options: { readonly readBody: boolean },
): Promise<unknown> {
  if (isHttpResponseInstance(result)) {
    const base: HttpResponseInit = {
      status: result.status,
      headers: headersToRecord(result.headers),
      ...(result.cookies !== undefined && result.cookies.length > 0 ? { cookies: result.cookies } : {}),
      ...(result.enableContentNegotiation ? { enableContentNegotiation: true } : {}),
    };
    const stream = (result as { body?: ReadableStream<Uint8Array> | null }).body ?? null;
    if (stream === null || nullBodyStatuses.has(result.status)) return base;
    if (!options.readBody || !isBufferable(result.headers)) return { ...base, body: stream };
    const read = await readBounded(stream);
    if (read.kind !== 'whole') return { ...base, body: read.passThrough };
    const materialized: MaterializedResponse = {
      ...(base as MaterializedResponse),
      ...(read.bytes.byteLength === 0 ? {} : { body: read.bytes }),
    };
    return materialized;
  }
  if (!isPlainResult(result) || result.jsonBody !== undefined || isSyncBody(result.body)) return result;
  if (!options.readBody || !isBufferable(toHeaders(result.headers))) return result;
  if (isStreamBody(result.body)) {
    const stream = toReadableStream(result.body);
    if (stream === undefined) return result;
    const read = await readBounded(stream);
    return read.kind === 'whole'
      ? ({ ...result, body: read.bytes } satisfies MaterializedResponse)
      : { ...result, body: read.passThrough };
  }
  // Blobs, FormData, URLSearchParams: finite bodies already in memory; let the platform's Response read them once.
  const native = new Response(result.body as ConstructorParameters<typeof Response>[0], {
    headers: toHeaders(result.headers),
  });
  const headers = headersToRecord(native.headers);
  const body = new Uint8Array(await native.arrayBuffer());
  return { ...result, headers, body } satisfies MaterializedResponse;
}

type BoundedRead =
  | { readonly kind: 'whole'; readonly bytes: Uint8Array }
  | { readonly kind: 'too-long'; readonly passThrough: ReadableStream<Uint8Array> };

/**
 * Reads a stream to its end if it ends within {@link maxMaterializedBodyBytes} and {@link maxBodyReadMs}. Otherwise
 * stops (an endless stream never holds the invocation longer than that) and returns a stream that yields what was
 * read and then the rest of the original, so the client gets every byte.
 */
async function readBounded(stream: ReadableStream<Uint8Array>): Promise<BoundedRead> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const deadline = Date.now() + maxBodyReadMs;
  let pending: ReturnType<typeof reader.read> | undefined;
  while (size <= maxMaterializedBodyBytes) {
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) break;
    pending = reader.read();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const next = await Promise.race([
      pending,
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), remainingMs);
      }),
    ]).finally(() => clearTimeout(timer));
    if (next === 'timeout') break;
    pending = undefined;
    if (next.done) {
      const bytes = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.byteLength;
      }
      reader.releaseLock();
      return { kind: 'whole', bytes };
    }
    const chunk = toBytes(next.value);
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  // Too long or too slow: give the client everything, starting with what was read (and the read in flight).
  let inFlight = pending;
  const passThrough = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buffered = chunks.shift();
      if (buffered !== undefined) {
        controller.enqueue(buffered);
        return;
      }
      const next = await (inFlight ?? reader.read());
      inFlight = undefined;
      if (next.done) controller.close();
      else controller.enqueue(toBytes(next.value));
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { kind: 'too-long', passThrough };
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  return new TextEncoder().encode(String(chunk));
}

/** A web stream for a stream-like body (a web stream, or an async iterable such as a Node.js `Readable`). */
function toReadableStream(body: unknown): ReadableStream<Uint8Array> | undefined {
  if (body instanceof ReadableStream) return body as ReadableStream<Uint8Array>;
  const open = (body as { [Symbol.asyncIterator]?: () => AsyncIterator<unknown> })[Symbol.asyncIterator];
  if (typeof open !== 'function') return undefined;
  const iterator = open.call(body);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(toBytes(next.value));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

function isBufferable(headers: Headers): boolean {
  const contentType = headers.get('content-type')?.toLowerCase() ?? '';
  if (streamingContentTypes.some((type) => contentType.startsWith(type))) return false;
  const length = Number(headers.get('content-length') ?? '0');
  return !(length > maxMaterializedBodyBytes);
}

function isStreamBody(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  return (
    body instanceof ReadableStream ||
    typeof (body as { getReader?: unknown }).getReader === 'function' ||
    typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}
