import { StorageError, type StorageErrorKind } from './errors';
import { chunkReader } from '../core/chunk-reader';

/**
 * The transport every network driver (s3, azure) shares: one HTTP exchange with a bound on the
 * wait, a client body streamed at its known length, redirects never followed, and retries with
 * jittered backoff. What a status or an error body means is each driver's own business.
 */

/** One request, already addressed and checked by the SSRF guard. */
export interface UpstreamExchange {
  method: string;
  url: URL;
  headers: Headers;
  /** A client's body of known length: streamed once (so such a call is never retried). */
  stream?: { body: ReadableStream<Uint8Array>; length: number };
  /** A small body the driver built (XML). */
  text?: string;
  /** Bound (ms) from the moment the request is fully sent until the response headers arrive. */
  timeoutMs: number;
  /** Signs the request as it will be sent (headers final, Content-Length known). */
  sign?: (url: URL, method: string, headers: Headers) => Promise<{ url: string; headers: Headers }>;
}

/** A failure before any response: the driver maps these, and any status, to StorageErrors. */
export type TransportFailure = { kind: 'timeout' } | { kind: 'unreachable' };

/**
 * What every network driver's failures without a usable answer mean in storage terms: no answer in
 * time, no connection, an answer the gateway will not follow or use (a redirect, a refused endpoint:
 * the operator's configuration), or one it cannot read.
 */
export function failureBeforeAnswer(kind: 'timeout' | 'unreachable' | 'redirect' | 'endpoint-refused' | 'malformed-response'): StorageErrorKind {
  switch (kind) {
    case 'timeout':
      return 'timeout';
    case 'unreachable':
      return 'unavailable';
    case 'redirect':
    case 'endpoint-refused':
      return 'misconfigured';
    case 'malformed-response':
      return 'internal';
  }
}

class UpstreamTimeout extends Error {}

/**
 * Copies the client's body into the upstream request's known-length stream and says which side
 * failed: `source` (the client's body — cut off, failed verification) or `destination` (the
 * upstream stopped reading). A plain `pipeTo` cannot tell these apart in workerd. `signal` stops
 * the copy (the upstream answered early or failed).
 */
async function pump(
  source: ReadableStream<Uint8Array>,
  destination: WritableStream<Uint8Array>,
  signal: AbortSignal,
): Promise<{ failed?: 'source' | 'destination'; error?: unknown }> {
  const reader = chunkReader(source);
  const writer = destination.getWriter();
  const stop = () => {
    reader.cancel().catch(() => {});
    writer.abort().catch(() => {});
  };
  signal.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        await writer.abort(error).catch(() => {});
        return { failed: 'source', error };
      }
      if (signal.aborted) return {};
      if (chunk.done) break;
      try {
        await writer.write(chunk.value);
      } catch (error) {
        await reader.cancel(error).catch(() => {});
        return { failed: 'destination', error };
      }
    }
    await writer.close().catch(() => {});
    return {};
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

/**
 * One attempt: resolves with the upstream's response whatever its status (a redirect is returned,
 * never followed), or with the transport failure. The client's own body failing is the client's
 * error and is thrown as it came. An answered upload has finished pumping (ADR 0004: a still-
 * pumping body stalls the next request); an error answer stops the pump.
 */
export async function exchange(request: UpstreamExchange): Promise<Response | TransportFailure> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    timer = setTimeout(() => controller.abort(new UpstreamTimeout()), request.timeoutMs);
  };
  let body: ReadableStream<Uint8Array> | string | undefined = request.text;
  let piped: Promise<void> = Promise.resolve();
  let bodyError: unknown;
  // Stops an upload pipe the upstream will not read to its end (it answered early, or failed).
  const pipeAbort = new AbortController();
  const stopPipe = () => {
    pipeAbort.abort();
    return piped;
  };
  if (request.stream) {
    // Known length keeps Content-Length on the upstream request, so it streams rather than chunks.
    const fixed = new FixedLengthStream(request.stream.length);
    body = fixed.readable;
    // The bound starts once the body is handed over: an upload takes as long as the client sends.
    piped = pump(request.stream.body, fixed.writable, pipeAbort.signal).then((outcome) => {
      if (outcome.failed === 'source') {
        // The client's body failed: that is the client's error, and the upstream request is void.
        bodyError = outcome.error;
        controller.abort(outcome.error);
      } else if (!outcome.failed && !pipeAbort.signal.aborted) {
        arm();
      }
    });
  } else {
    arm();
  }
  try {
    const signed = request.sign ? await request.sign(request.url, request.method, request.headers) : { url: request.url.href, headers: request.headers };
    const response = await fetch(signed.url, {
      method: request.method,
      headers: signed.headers,
      body,
      redirect: 'manual',
      signal: controller.signal,
      // An object stored with Content-Encoding: gzip is bytes to pass on, not a transfer to decode
      // (the runtime would otherwise gunzip it and drop Content-Length).
      encodeResponseBody: 'manual',
    });
    clearTimeout(timer);
    const ok = response.status >= 200 && response.status < 300;
    // A success means the upstream read the body to its end; an early error answer may not have.
    await (ok ? piped : stopPipe());
    return response;
  } catch (error) {
    clearTimeout(timer);
    await stopPipe();
    if (bodyError !== undefined) throw bodyError;
    if (error instanceof StorageError) throw error;
    return controller.signal.reason instanceof UpstreamTimeout ? { kind: 'timeout' } : { kind: 'unreachable' };
  }
}

/**
 * Runs `attempt` up to `retries` more times while `retryable` says its outcome is worth another
 * try, waiting a full-jitter exponential backoff (base · 2^attempt) in between. Callers pass
 * retries = 0 for anything that is not idempotent or that streams a client's body.
 */
export async function withRetries<T>(attempt: () => Promise<T>, retryable: (outcome: T) => boolean, retries: number, baseMs: number): Promise<T> {
  for (let n = 0; ; n++) {
    const outcome = await attempt();
    if (n >= retries || !retryable(outcome)) return outcome;
    await new Promise((resolve) => setTimeout(resolve, Math.random() * baseMs * 2 ** n));
  }
}
