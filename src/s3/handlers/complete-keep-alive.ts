import type { Env } from '../../env';
import type { S3Error } from '../../core/s3-error';
import { withDeferredOutcome } from '../deferred-outcome';
import { errorDocument, s3ErrorFor } from '../respond';
import { buildXmlElement, XML_DECLARATION, xmlHeaders } from '../xml';

/**
 * How often a space is sent while a lengthy completion runs. S3 does not document its own
 * interval; clients' read timeouts are 60 s (botocore, the aws cli) or more, so a few seconds
 * keeps every one of them waiting without flooding the connection.
 */
export const KEEP_ALIVE_INTERVAL_MS = 5_000;

/** The interval, or COMPLETE_KEEP_ALIVE_MS when a deployment (or a test) sets a positive one. */
export function keepAliveIntervalMs(env: Pick<Env, 'COMPLETE_KEEP_ALIVE_MS'>): number {
  const configured = env.COMPLETE_KEEP_ALIVE_MS === undefined ? NaN : Number(env.COMPLETE_KEEP_ALIVE_MS);
  return Number.isFinite(configured) && configured > 0 ? configured : KEEP_ALIVE_INTERVAL_MS;
}

export interface KeepAliveOptions {
  intervalMs: number;
  /** For the `<Error>` document, as the lifecycle would name them. */
  resource: string;
  requestId: string;
  /** Keeps the work running to its end when the client goes away (its retry then finds the result). */
  waitUntil(promise: Promise<unknown>): void;
}

const SPACE = new TextEncoder().encode(' ');

/**
 * CompleteMultipartUpload as S3 answers it when the completion takes time: 200 and the XML
 * declaration at once, a space every `intervalMs` while `work` runs (so neither the client nor a
 * proxy times the connection out), then the root element `work` produced — or, when `work`
 * fails, S3's `<Error>` document in that same 200 body. AWS documents this ("a 200 OK response
 * can contain either a success or an error"); SDKs parse the body of a 200 Complete for `<Error>`.
 * Whitespace between the declaration and the root element is allowed by XML, so the document
 * stays well-formed however long the wait.
 * Everything the gateway can refuse before the work starts is answered before this, with its own status.
 */
export function keepAliveResponse(work: () => Promise<Record<string, unknown>>, options: KeepAliveOptions): Response {
  const encoder = new TextEncoder();
  let settle!: (outcome: S3Error | null) => void;
  const outcome = new Promise<S3Error | null>((resolve) => (settle = resolve));
  let timer: ReturnType<typeof setInterval> | undefined;
  let open = true;
  const stop = () => {
    open = false;
    if (timer !== undefined) clearInterval(timer);
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(XML_DECLARATION));
      timer = setInterval(() => open && controller.enqueue(SPACE), options.intervalMs);
      const done = (async () => {
        let document: Record<string, unknown>;
        try {
          document = await work();
          settle(null);
        } catch (error) {
          const failure = s3ErrorFor(error, options.requestId);
          // Known before the body ends, so the request's log line carries the code.
          settle(failure);
          document = errorDocument(failure, options.resource, options.requestId);
        }
        if (!open) return;
        stop();
        controller.enqueue(encoder.encode(buildXmlElement(document)));
        controller.close();
      })();
      options.waitUntil(done);
    },
    cancel() {
      // The client went away; the work goes on under waitUntil and its outcome is still recorded.
      stop();
    },
  });
  return withDeferredOutcome(new Response(body, { status: 200, headers: xmlHeaders() }), outcome);
}
