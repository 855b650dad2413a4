import { buildXml } from '../s3/xml';
import { readBoundedBytes } from '../core/bounded-body';
import { textBody } from '../core/text-body';
import { StsError } from './errors';

/**
 * The AWS query protocol as STS speaks it: parameters in the query string or a form-encoded POST
 * body, answers as `<{Action}Response>` XML and errors as `<ErrorResponse>`.
 */

export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const STS_API_VERSION = '2011-06-15';
/** Far above any legitimate call: WebIdentityToken is capped at 20000 characters. */
export const MAX_STS_BODY_BYTES = 64 * 1024;

export interface StsRequest {
  params: URLSearchParams;
  /** The raw body, for the payload hash of a signed call. */
  body: Uint8Array;
}

/** Reads the parameters of an STS call; a form body's parameters override the query string's. */
export async function readStsRequest(request: Request): Promise<StsRequest> {
  const params = new URLSearchParams(new URL(request.url).search);
  const body = await readBoundedBytes(request.body, MAX_STS_BODY_BYTES);
  if (body === null) throw new StsError('ValidationError', `The request body exceeds ${MAX_STS_BODY_BYTES} bytes.`);
  if (body.byteLength > 0) {
    if (!isFormEncoded(request.headers.get('content-type'))) {
      throw new StsError('InvalidParameterValue', 'The request body must be application/x-www-form-urlencoded.');
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body);
    } catch {
      throw new StsError('InvalidParameterValue', 'The request body is not valid UTF-8.');
    }
    for (const [name, value] of new URLSearchParams(text)) params.set(name, value);
  }
  return { params, body };
}

export function isFormEncoded(contentType: string | null): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/** The Action of a call, with the API version checked the way STS checks it. */
export function actionOf(params: URLSearchParams): string {
  const action = params.get('Action');
  if (!action) throw new StsError('MissingAction', 'Missing Action');
  const version = params.get('Version');
  if (version !== null && version !== STS_API_VERSION) {
    throw new StsError('InvalidAction', `Could not find operation ${action} for version ${version}`);
  }
  return action;
}

/** `<{action}Response xmlns=…><{action}Result>…</…><ResponseMetadata><RequestId/>…` as AWS sends it. */
export function stsResponse(action: string, result: Record<string, unknown>, requestId: string): Response {
  const xml = buildXml({
    [`${action}Response`]: {
      '@_xmlns': STS_XMLNS,
      [`${action}Result`]: result,
      ResponseMetadata: { RequestId: requestId },
    },
  });
  const headers = stsHeaders(requestId);
  return new Response(textBody(xml, headers), { status: 200, headers });
}

/** `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
export function stsErrorResponse(error: StsError, requestId: string): Response {
  const xml = buildXml({
    ErrorResponse: {
      '@_xmlns': STS_XMLNS,
      Error: { Type: error.status >= 500 ? 'Receiver' : 'Sender', Code: error.code, Message: error.message },
      RequestId: requestId,
    },
  });
  const headers = stsHeaders(requestId);
  if (error.retryAfterSeconds !== undefined) headers.set('retry-after', String(error.retryAfterSeconds));
  return new Response(textBody(xml, headers), { status: error.status, headers });
}

/** `YYYY-MM-DDTHH:MM:SSZ`, the form STS prints timestamps in. */
export function stsTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function newStsRequestId(): string {
  return crypto.randomUUID();
}

function stsHeaders(requestId: string): Headers {
  return new Headers({ 'content-type': 'text/xml', 'x-amzn-requestid': requestId, 'cache-control': 'no-store' });
}
