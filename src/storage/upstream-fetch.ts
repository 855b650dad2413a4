/**
 * The HTTP transport every HTTP storage driver shares (s3, webdav): one request with a bound on the
 * wait for response headers, a client body streamed at its known length, redirects never followed,
 * and a retry loop with jittered exponential backoff for calls the driver says are idempotent.
 * What a status means is the driver's business; this file only moves bytes and says how it failed.
 */

/** The request failed before any response: no headers within the bound, or no connection at all. */
export type TransportFailure = { kind: 'timeout' } | { kind: 'unreachable' };

export interface OutgoingRequest {
  url: string;
  method: string;
  headers: Headers;
  /** A client's body of known length: streamed once (so such a request is never retried). */
  stream?: { body: ReadableStream<Uint8Array>; length: number };
  /** A small body the driver built (XML): safe to send again. */
  text?: string;
  /** Bound (ms) from the moment the request is fully sent until the response headers arrive. */
  timeoutMs: number;
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
  const reader = source.getReader();
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
 * Sends one request, no retry. Resolves with the upstream's response whatever its status (a 2xx
 * only once the upstream has read the whole body), or with a transport failure. Throws only the
 * client's own body error (a cut-off upload is the client's failure, not the upstream's).
 */
export async function fetchOnce(request: OutgoingRequest): Promise<Response | TransportFailure> {
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
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body,
      redirect: 'manual',
      signal: controller.signal,
      // An object stored with Content-Encoding: gzip is bytes to pass on, not a transfer to decode
      // (the runtime would otherwise gunzip it and drop Content-Length).
      encodeResponseBody: 'manual',
    });
    clearTimeout(timer);
    const ok = response.status >= 200 && response.status < 300;
    // Answer only once the body pipe has ended (ADR 0004: a still-pumping body stalls the next
    // request). A success means the upstream read it all; an early error answer may not have.
    await (ok ? piped : stopPipe());
    return response;
  } catch {
    clearTimeout(timer);
    await stopPipe();
    if (bodyError !== undefined) throw bodyError;
    return controller.signal.reason instanceof UpstreamTimeout ? { kind: 'timeout' } : { kind: 'unreachable' };
  }
}

export interface RetryPolicy {
  /** Extra attempts after the first. */
  retries: number;
  /** First backoff delay (ms); doubled per attempt, with full jitter. */
  baseMs: number;
}

/**
 * Runs `attempt` until it succeeds, fails in a way `retryable` rejects, or the attempts run out;
 * resolves with the last outcome either way. Idempotent calls only: the caller passes 0 retries
 * for anything that streams a client's body or changes state non-idempotently.
 */
export async function withRetries<T, F>(policy: RetryPolicy, attempt: () => Promise<T | F>, isFailure: (outcome: T | F) => outcome is F, retryable: (failure: F) => boolean): Promise<T | F> {
  for (let n = 0; ; n++) {
    const outcome = await attempt();
    if (!isFailure(outcome) || !retryable(outcome) || n >= policy.retries) return outcome;
    await new Promise((resolve) => setTimeout(resolve, Math.random() * policy.baseMs * 2 ** n));
  }
}
