import { log } from '../core/log';
import { isS3Error, S3Error } from '../core/s3-error';
import { textBody } from '../core/text-body';
import { asS3Error } from './storage-errors';
import { buildXml, xmlHeaders } from './xml';

/** S3-style request id: 16 upper-case hex characters. */
export function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let id = '';
  for (const b of bytes) id += HEX_BYTES[b];
  return id;
}

/** Upper-case hex of every byte value: one id per request is made without array spreads and maps. */
const HEX_BYTES = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0').toUpperCase());

/**
 * Adds the headers S3 puts on every response. Handlers build their responses, so the headers are
 * set in place; only a response whose headers are immutable (one passed through from a fetch or the
 * Cache API) is copied first — copying every answer cost a Response and a header map per request.
 */
export function withRequestId(response: Response, requestId: string): Response {
  try {
    setRequestIdHeaders(response.headers, requestId);
    return response;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  const copy = new Response(response.body, response);
  setRequestIdHeaders(copy.headers, requestId);
  return copy;
}

function setRequestIdHeaders(headers: Headers, requestId: string): void {
  headers.set('x-amz-request-id', requestId);
  headers.set('x-amz-id-2', requestId);
  if (!headers.has('server')) headers.set('server', 'bucketgate');
}

/**
 * Renders any failure as S3 XML. Unexpected exceptions become InternalError: their message may
 * carry upstream detail, so it is logged (without secrets) and never sent.
 */
export function errorResponse(failure: unknown, resource: string, requestId: string, method: string): Response {
  const e = s3ErrorFor(failure, requestId);
  const headers = xmlHeaders({ 'x-amz-request-id': requestId, 'x-amz-id-2': requestId });
  if (e.code === 'MethodNotAllowed') headers.set('allow', 'GET, HEAD, PUT, POST, DELETE');
  // HEAD responses carry no body; clients read the status (and x-amz-error-code, which some log).
  if (method === 'HEAD') {
    headers.set('x-amz-error-code', e.code);
    return new Response(null, { status: e.status, headers });
  }
  return new Response(textBody(buildXml(errorDocument(e, resource, requestId)), headers), { status: e.status, headers });
}

/** S3's `<Error>` document: also the body of a 200 whose work failed after it was sent (complete-keep-alive.ts). */
export function errorDocument(e: S3Error, resource: string, requestId: string): Record<string, unknown> {
  return { Error: { Code: e.code, Message: e.message, ...e.extra, Resource: resource, RequestId: requestId } };
}

/** The S3 error a failure is answered as: itself, a storage failure's mapping, or InternalError for anything unexpected (logged). */
export function s3ErrorFor(failure: unknown, requestId: string): S3Error {
  const error = asS3Error(failure);
  return isS3Error(error) ? error : internalError(error, requestId);
}

function internalError(error: unknown, requestId: string): S3Error {
  log.error('unexpected failure', { requestId, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  return new S3Error('InternalError', 'We encountered an internal error. Please try again.');
}
