import type { ObjectInfo } from '../../storage/backend';
import { assertObjectAcl } from '../canned-acl';
import { asS3Error } from '../storage-errors';
import { conditionalPut, evaluateReadPreconditions, writeConditionsFrom } from '../conditional';
import { assertConditionalWriteSupported } from '../../storage/emulate/conditional';
import { bucketOf, keyOf, type S3Context, type S3Handler } from '../context';
import { isS3Error, S3Error } from '../../core/s3-error';
import { metadataFromRequest, objectHeaders, responseOverrides, validatorHeaders } from '../object-headers';
import { checksumHeaders, requestPayload, trailingChecksum, writeFromBody } from '../payload';
import { parseRangeHeader } from '../range';
import { resolveRange } from '../../storage/emulate/range';
import { keepLateChecksums, storedChecksumHeaders } from '../object-checksums';
import { objectLayout, type PartSelection, requestedPartNumber, selectPart } from '../object-parts';
import { errorResponse } from '../respond';
import type { CompletionRecord } from '../../registry/multipart-completions';

export { deleteObjects } from './delete-objects';

function noSuchKey(): S3Error {
  return new S3Error('NoSuchKey', 'The specified key does not exist.');
}

export const getObject: S3Handler = (c) => readObject(c, 'GET');
export const headObject: S3Handler = (c) => readObject(c, 'HEAD');

/**
 * GET and HEAD: preconditions (304/412), one byte range (206/416) or one part (?partNumber=N,
 * 206), response-* overrides. GET reads body and metadata in one backend call (a part read first
 * looks the object up to find the part's bytes); when a precondition fails the body is cancelled unread.
 */
async function readObject(c: S3Context, method: 'GET' | 'HEAD'): Promise<Response> {
  const { backend } = bucketOf(c);
  const key = keyOf(c);
  const headers = c.request.headers;
  const partNumber = requestedPartNumber(c);
  const overrides = responseOverrides(c.op.query, c.principal);
  const rangeHeader = headers.get('range');
  const range = parseRangeHeader(rangeHeader);
  const includeChecksums = headers.get('x-amz-checksum-mode')?.toUpperCase() === 'ENABLED';
  try {
    let info: ObjectInfo | null = null;
    let body: ReadableStream<Uint8Array> | null = null;
    let served: ReturnType<typeof resolveRange> | undefined;
    let layout: CompletionRecord | null = null;
    let part: PartSelection | undefined;
    if (method === 'HEAD' || partNumber !== undefined) {
      info = await backend.head(key);
      if (!info) throw noSuchKey();
    }
    if (info && (partNumber !== undefined || includeChecksums)) layout = await objectLayout(c, info);
    if (info && partNumber !== undefined) part = selectPart(info, layout, partNumber);
    if (method === 'GET') {
      const found = await backend.get(key, { range: part ? part.range : range });
      if (!found) throw noSuchKey();
      const { body: stream, range: read, ...object } = found;
      if (part && info && object.etag !== info.etag) {
        // Overwritten between the lookup and the read: the part's bytes were located in the old object.
        await stream.cancel();
        throw new S3Error('ServiceUnavailable', 'The object changed while it was being read. Please retry.');
      }
      [body, served, info] = [stream, read, object];
      if (!part && includeChecksums) layout = await objectLayout(c, object);
    }
    if (!info) throw noSuchKey();
    const precondition = evaluateReadPreconditions(headers, info);
    if (precondition.outcome !== 'proceed') {
      await body?.cancel();
      if (precondition.outcome === 'not-modified') return new Response(null, { status: 304, headers: validatorHeaders(info) });
      throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: precondition.condition });
    }
    if (method === 'HEAD' && part) served = part.range;
    else if (method === 'HEAD' && range) {
      served = resolveRange(range, info.size);
      if (!served) throw new S3Error('InvalidRange', 'The requested range is not satisfiable', { ActualObjectSize: String(info.size) });
    }
    const responseHeaders = objectHeaders(info, { range: served ?? undefined });
    if (part?.partsCount !== undefined) responseHeaders.set('x-amz-mp-parts-count', String(part.partsCount));
    if (includeChecksums) await storedChecksumHeaders(c, info, layout, { part, ranged: served !== undefined && served !== null }, responseHeaders);
    for (const [name, value] of overrides) responseHeaders.set(name, value);
    return new Response(body, {
      status: served ? 206 : 200,
      headers: responseHeaders,
      // The body is sent exactly as stored: a stored Content-Encoding describes bytes already encoded.
      encodeBody: 'manual',
    });
  } catch (failure) {
    const error = asS3Error(failure);
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
  assertConditionalWriteSupported(backend.capabilities, 'put', conditions);
  const payload = requestPayload(c);
  const trailing = trailingChecksum(c);
  const info = await writeFromBody(c, () => conditionalPut(backend, key, conditions, (b) => b.put(key, payload.stream, payload.length, metadata, conditions, trailing)));
  await keepLateChecksums(c, info);
  return new Response(null, { status: 200, headers: checksumHeaders(c, new Headers({ etag: `"${info.etag}"` })) });
};

/** DeleteObject: 204 whether or not the key existed, as S3 answers for unversioned buckets. */
export const deleteObject: S3Handler = async (c) => {
  const { backend } = bucketOf(c);
  await backend.delete([keyOf(c)]);
  return new Response(null, { status: 204 });
};
