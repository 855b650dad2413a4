import { principalId } from '../../auth/principal';
import type { Backend, WriteConditions } from '../../storage/backend';
import { deleteUpload, listPartRecords, type PartRecord, recordPart, recordUpload, type UploadRecord } from '../../registry/multipart';
import { type CompletionRecord, findCompletion, recordCompletion } from '../../registry/multipart-completions';
import type { ChecksumAlgorithm } from '../../core/checksum-names';
import { assertConditionalWriteSupported } from '../../storage/emulate/conditional';
import { isStorageError } from '../../storage/errors';
import { assertObjectAcl } from '../canned-acl';
import { ifMatchHolds, unquoteEtag, writeConditionsFrom } from '../conditional';
import { bucketOf, keyOf, type S3Context, type S3Handler } from '../context';
import { isS3Error, S3Error } from '../../core/s3-error';
import { md5WhileStreaming } from '../../core/md5-stream';
import { metadataFromRequest } from '../object-headers';
import { entityTooLarge, maxMultipartObjectBytes } from '../limits';
import { checksumHeaders, maxPartBytes, partChecksum, requestPayload, writeFromBody } from '../payload';
import { assertPartDeclaresChecksum, assertSentObjectChecksum, checksumElements, objectChecksum, sentPartChecksums, uploadChecksumFromRequest, uploadChecksumHeaders } from '../multipart-checksums';
import { elementText, readRequestXml } from '../request-xml';
import { S3_XMLNS, xmlResponse } from '../xml';
import { findRequestedUpload, noSuchUpload, requireUpload } from './upload-lookup';
import { keepAliveIntervalMs, keepAliveResponse } from './complete-keep-alive';

export { listMultipartUploads, listParts } from './multipart-listing';

const MAX_PART_NUMBER = 10_000;
/** Every part but the last must be at least this large (S3 and R2 agree). */
const MIN_PART_BYTES = 5 * 1024 * 1024;
/** 10000 `<Part>` entries with checksums stay well below this. */
const MAX_COMPLETE_BODY_BYTES = 2 * 1024 * 1024;
/**
 * How long a retried CompleteMultipartUpload is answered with the first result. Clients retry
 * Complete after a timeout within seconds to minutes; a day covers any retry policy while keeping
 * the promise bounded. (The completion record itself stays as long as the object: it holds the layout.)
 */
export const COMPLETE_RETRY_WINDOW_MS = 24 * 60 * 60 * 1000;

export const createMultipartUpload: S3Handler = async (c) => {
  const { bucket, backend } = bucketOf(c);
  const key = keyOf(c);
  assertObjectAcl(c.request.headers, bucket);
  const metadata = metadataFromRequest(c.request.headers);
  const checksum = uploadChecksumFromRequest(c.request.headers);
  // The type goes upstream only as the client chose it (a store applies its own default otherwise).
  const sentType = c.request.headers.has('x-amz-checksum-type');
  const uploadId = await backend.createMultipart(key, metadata, checksum && { algorithm: checksum.algorithm, ...(sentType ? { type: checksum.type } : {}) });
  try {
    await recordUpload(c.env, {
      bucket: bucket.name,
      uploadId,
      key,
      metadata,
      initiator: principalId(c.principal),
      initiatedAt: c.now.toISOString(),
      ...(checksum ? { checksum } : {}),
    });
  } catch (error) {
    // Without a ledger entry the upload could never be listed, completed or aborted: drop it now.
    await backend.abortMultipart(key, uploadId).catch(() => {});
    throw error;
  }
  return xmlResponse(
    { InitiateMultipartUploadResult: { '@_xmlns': S3_XMLNS, Bucket: bucket.name, Key: key, UploadId: uploadId } },
    { headers: uploadChecksumHeaders(checksum) },
  );
};

export function partNumberOf(raw: string | null | undefined): number {
  const n = raw !== null && raw !== undefined && /^\d{1,5}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(n >= 1 && n <= MAX_PART_NUMBER)) {
    throw new S3Error('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, {
      ArgumentName: 'partNumber',
      ArgumentValue: raw ?? '',
    });
  }
  return n;
}

/** UploadPart: stores the part and records its size and MD5 (its S3 ETag), computed while it streams. */
export const uploadPart: S3Handler = async (c) => {
  const { bucket, backend } = bucketOf(c);
  const key = keyOf(c);
  const partNumber = partNumberOf(c.op.query.get('partNumber'));
  const upload = await requireUpload(c);
  assertPartDeclaresChecksum(upload.checksum, c.request.headers);
  const payload = requestPayload(c, maxPartBytes(backend.capabilities));
  const hashed = md5WhileStreaming(payload.stream);
  const checksum = upload.checksum && partChecksum(c, upload.checksum.algorithm);
  const stored = await writeFromBody(c, () => backend.uploadPart(key, upload.uploadId, partNumber, hashed.stream, payload.length, checksum));
  const etag = await hashed.md5;
  // Verified over the part's bytes by the payload verifier, header or trailer alike.
  const checksums = c.body?.checksums() ?? {};
  await recordPart(c.env, bucket.name, upload.uploadId, {
    partNumber,
    etag,
    backendEtag: stored.etag === etag ? null : stored.etag,
    size: payload.length,
    checksums: Object.keys(checksums).length > 0 ? checksums : null,
    uploadedAt: new Date().toISOString(),
  });
  return new Response(null, { status: 200, headers: checksumHeaders(c, new Headers({ etag: `"${etag}"` })) });
};

interface RequestedPart {
  partNumber: number;
  etag: string;
  /** Part checksums the client sent with the part (ChecksumCRC32, ...), to be checked against the ledger. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

/** The `<Part>` list of CompleteMultipartUpload, in the order sent. */
async function requestedParts(c: S3Context): Promise<RequestedPart[]> {
  const doc = await readRequestXml(c, MAX_COMPLETE_BODY_BYTES, ['CompleteMultipartUpload.Part']);
  const root = doc.CompleteMultipartUpload;
  const parts = typeof root === 'object' && root !== null ? (root as Record<string, unknown>).Part : undefined;
  if (!Array.isArray(parts) || parts.length === 0 || parts.length > MAX_PART_NUMBER) {
    throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
  }
  return parts.map((part: unknown) => {
    const fields = (typeof part === 'object' && part !== null ? part : {}) as Record<string, unknown>;
    const etag = elementText(fields.ETag);
    if (etag === undefined) throw new S3Error('MalformedXML', 'Every Part needs a PartNumber and an ETag.');
    return { partNumber: partNumberOf(elementText(fields.PartNumber)), etag: unquoteEtag(etag), checksums: sentPartChecksums(fields, elementText) };
  });
}

/**
 * The S3 checks on a completion, against the ledger: ascending part numbers (InvalidPartOrder),
 * every part uploaded with that ETag (InvalidPart), every part but the last ≥ 5 MiB (EntityTooSmall).
 */
function checkParts(requested: RequestedPart[], recorded: Map<number, PartRecord>): PartRecord[] {
  requested.forEach((part, i) => {
    const previous = requested[i - 1];
    if (previous && part.partNumber <= previous.partNumber) {
      throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.');
    }
  });
  const parts = requested.map((part) => {
    const record = recorded.get(part.partNumber);
    const checksumsMatch = Object.entries(part.checksums).every(([algorithm, value]) => record?.checksums?.[algorithm as ChecksumAlgorithm] === value);
    if (!record || record.etag !== part.etag || !checksumsMatch) {
      throw new S3Error('InvalidPart', "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", {
        PartNumber: String(part.partNumber),
        ETag: part.etag,
      });
    }
    return record;
  });
  parts.slice(0, -1).forEach((part) => {
    if (part.size < MIN_PART_BYTES) {
      throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', {
        ProposedSize: String(part.size),
        MinSizeAllowed: String(MIN_PART_BYTES),
        PartNumber: String(part.partNumber),
      });
    }
  });
  return parts;
}

export const completeMultipartUpload: S3Handler = async (c) => {
  const { bucket, backend } = bucketOf(c);
  const key = keyOf(c);
  const upload = await findRequestedUpload(c);
  const requested = await requestedParts(c);
  if (!upload) return completionResponse(await retriedCompletion(c, requested));
  // Refused before anything is read or changed: no backend completes conditionally without doing so atomically.
  const conditions = writeConditionsFrom(c.request.headers);
  assertConditionalWriteSupported(backend.capabilities, 'complete', conditions);
  const recorded = new Map((await listPartRecords(c.env, bucket.name, upload.uploadId, 0, MAX_PART_NUMBER)).map((p) => [p.partNumber, p]));
  const parts = checkParts(requested, recorded);
  // The bucket's (or deployment's) object size limit bounds the assembled object too: refused
  // before anything is committed, the upload stays in progress so the client can abort it.
  const total = parts.reduce((sum, p) => sum + p.size, 0);
  const maxObject = maxMultipartObjectBytes(c.env, bucket, backend.capabilities);
  if (total > maxObject) throw entityTooLarge(total, maxObject);
  const layout = parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag, size: p.size, ...layoutChecksum(upload, p) }));
  const checksum = upload.checksum ? await objectChecksum(upload.checksum, layout) : null;
  assertSentObjectChecksum(c.request.headers, checksum);
  // Everything above refuses with its own status; from here on the store works.
  const commit = async (): Promise<CompletionRecord> => {
    const info = await backend.completeMultipart(
      key,
      upload.uploadId,
      // With each part's checksum in the upload's algorithm, which a store that keeps them checks against its own.
      layout.map((entry, i) => ({
        partNumber: entry.partNumber,
        etag: parts[i]!.backendEtag ?? entry.etag,
        ...(upload.checksum && entry.checksum !== undefined ? { checksums: { [upload.checksum.algorithm]: entry.checksum } } : {}),
      })),
      conditions,
    );
    const location = new URL(c.request.url);
    location.search = '';
    const completion: CompletionRecord = {
      bucket: bucket.name,
      uploadId: upload.uploadId,
      key,
      etag: info.etag,
      location: location.toString(),
      parts: layout,
      checksum,
      completedAt: c.now.toISOString(),
    };
    await recordCompletion(c.env, completion);
    return completion;
  };
  if (!backend.capabilities.lengthyCompletion) return completionResponse(await commit());
  return keepAliveResponse(async () => completionDocument(await commit()), {
    intervalMs: keepAliveIntervalMs(c.env),
    resource: c.op.resource,
    requestId: c.requestId,
    waitUntil: (promise) => c.executionCtx.waitUntil(promise),
  });
};

function layoutChecksum(upload: UploadRecord, part: PartRecord): { checksum?: string } {
  const value = upload.checksum ? part.checksums?.[upload.checksum.algorithm] : undefined;
  return value !== undefined ? { checksum: value } : {};
}

/**
 * A Complete for an upload that is no longer in progress: if it completed within the retry window
 * with this very part list, the client is retrying (e.g. after a timeout) and gets the same
 * answer as the first time, as S3 does. Anything else is NoSuchUpload.
 */
async function retriedCompletion(c: S3Context, requested: RequestedPart[]): Promise<CompletionRecord> {
  const uploadId = c.op.query.get('uploadId') ?? '';
  const completion = uploadId === '' ? null : await findCompletion(c.env, bucketOf(c).bucket.name, uploadId);
  const recent = completion !== null && c.now.getTime() - Date.parse(completion.completedAt) <= COMPLETE_RETRY_WINDOW_MS;
  const sameParts =
    completion !== null &&
    completion.parts.length === requested.length &&
    completion.parts.every((p, i) => p.partNumber === requested[i]!.partNumber && p.etag === requested[i]!.etag);
  if (!completion || completion.key !== keyOf(c) || !recent || !sameParts) throw noSuchUpload(uploadId);
  return completion;
}

function completionDocument(completion: CompletionRecord): Record<string, unknown> {
  return {
    CompleteMultipartUploadResult: {
      '@_xmlns': S3_XMLNS,
      Location: completion.location,
      Bucket: completion.bucket,
      Key: completion.key,
      ETag: `"${completion.etag}"`,
      ...checksumElements(completion.checksum),
    },
  };
}

function completionResponse(completion: CompletionRecord): Response {
  return xmlResponse(completionDocument(completion));
}

/** AbortMultipartUpload: 204; an upload the backend already forgot is still removed from the ledger. */
export const abortMultipartUpload: S3Handler = async (c) => {
  const { bucket, backend } = bucketOf(c);
  const upload = await requireUpload(c);
  try {
    await backend.abortMultipart(upload.key, upload.uploadId);
  } catch (error) {
    if (!isStorageError(error, 'no-such-upload')) throw error;
  }
  await deleteUpload(c.env, bucket.name, upload.uploadId);
  return new Response(null, { status: 204 });
};
