import type { ObjectInfo } from '../../backends/backend';
import { assertObjectAcl } from '../canned-acl';
import { evaluateReadPreconditions, writeConditionsFrom } from '../conditional';
import { bucketOf, keyOf, type S3Context, type S3Handler } from '../context';
import { isS3Error, S3Error } from '../errors';
import { metadataFromRequest, objectHeaders, responseOverrides, validatorHeaders } from '../object-headers';
import { checksumHeaders, requestPayload, writeFromBody } from '../payload';
import { parseRangeHeader, resolveRange } from '../range';
import { errorResponse } from '../respond';

export { deleteObjects } from './delete-objects';

function noSuchKey(): S3Error {
  return new S3Error('NoSuchKey', 'The specified key does not exist.');
}

export const getObject: S3Handler = (c) => readObject(c, 'GET');
export const headObject: S3Handler = (c) => readObject(c, 'HEAD');

/**
 * GET and HEAD: preconditions (304/412), one byte range (206/416), response-* overrides. GET reads
 * body and metadata in one backend call; when a precondition fails the body is cancelled unread.
 */
async function readObject(c: S3Context, method: 'GET' | 'HEAD'): Promise<Response> {
  const { backend } = bucketOf(c);
  const key = keyOf(c);
  const headers = c.request.headers;
  // Serving the whole object instead of the part asked for would be a silent wrong answer.
  if (c.op.query.has('partNumber')) throw new S3Error('NotImplemented', 'Reading an object by part number is not implemented.');
  const overrides = responseOverrides(c.op.query, c.principal);
  const rangeHeader = headers.get('range');
  const range = parseRangeHeader(rangeHeader);
  const includeChecksums = headers.get('x-amz-checksum-mode')?.toUpperCase() === 'ENABLED';
  try {
    let info: ObjectInfo;
    let body: ReadableStream<Uint8Array> | null = null;
    let served: ReturnType<typeof resolveRange> | undefined;
    if (method === 'HEAD') {
      const found = await backend.head(key);
      if (!found) throw noSuchKey();
      info = found;
    } else {
      const found = await backend.get(key, { range });
      if (!found) throw noSuchKey();
      ({ body, range: served, ...info } = found);
    }
    const precondition = evaluateReadPreconditions(headers, info);
    if (precondition.outcome !== 'proceed') {
      await body?.cancel();
      if (precondition.outcome === 'not-modified') return new Response(null, { status: 304, headers: validatorHeaders(info) });
      throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: precondition.condition });
    }
    if (method === 'HEAD' && range) {
      served = resolveRange(range, info.size);
      if (!served) throw new S3Error('InvalidRange', 'The requested range is not satisfiable', { ActualObjectSize: String(info.size) });
    }
    const responseHeaders = objectHeaders(info, { range: served ?? undefined, includeChecksums });
    for (const [name, value] of overrides) responseHeaders.set(name, value);
    return new Response(body, {
      status: served ? 206 : 200,
      headers: responseHeaders,
      // The body is sent exactly as stored: a stored Content-Encoding describes bytes already encoded.
      encodeBody: 'manual',
    });
  } catch (error) {
    if (isS3Error(error) && error.code === 'InvalidRange') return invalidRangeResponse(c, error, rangeHeader ?? '');
    throw error;
  }
}

/** 416 with the S3 error document and, as RFC 9110 asks, `Content-Range: bytes *\/<size>`. */
function invalidRangeResponse(c: S3Context, error: S3Error, rangeHeader: string): Response {
  const size = error.extra.ActualObjectSize ?? '*';
  const detailed = new S3Error('InvalidRange', error.message, { RangeRequested: rangeHeader, ActualObjectSize: size });
  const response = errorResponse(detailed, c.op.resource, c.requestId, c.request.method);
  response.headers.set('content-range', `bytes */${size}`);
  return response;
}

/**
 * PutObject: streams the verified payload into the backend. A failed integrity check or write
 * condition leaves the previous object in place.
 */
export const putObject: S3Handler = async (c) => {
  const { bucket, backend } = bucketOf(c);
  const key = keyOf(c);
  const headers = c.request.headers;
  assertObjectAcl(headers, bucket);
  const metadata = metadataFromRequest(headers);
  const conditions = writeConditionsFrom(headers);
  const payload = requestPayload(c);
  const info = await writeFromBody(c, () => backend.put(key, payload.stream, payload.length, metadata, conditions));
  return new Response(null, { status: 200, headers: checksumHeaders(c, new Headers({ etag: `"${info.etag}"` })) });
};

/** DeleteObject: 204 whether or not the key existed, as S3 answers for unversioned buckets. */
export const deleteObject: S3Handler = async (c) => {
  const { backend } = bucketOf(c);
  await backend.delete([keyOf(c)]);
  return new Response(null, { status: 204 });
};
