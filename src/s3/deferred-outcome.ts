import type { S3Error } from '../core/s3-error';

/**
 * The outcome of work that goes on after a handler's 200 has been sent (CompleteMultipartUpload on
 * a store whose completion is lengthy, src/s3/handlers/complete-keep-alive.ts): the S3 error that
 * ended up in the body, or null for success. The lifecycle reads it for the request log line and
 * the edge cache waits for it before dropping the key's entries. A response without one was
 * settled when it was returned.
 */
const outcomes = new WeakMap<Response, Promise<S3Error | null>>();

export function withDeferredOutcome(response: Response, outcome: Promise<S3Error | null>): Response {
  outcomes.set(response, outcome);
  return response;
}

export function deferredOutcome(response: Response): Promise<S3Error | null> | undefined {
  return outcomes.get(response);
}
