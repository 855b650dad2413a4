import { buildXml } from '../../s3/xml';
import type { CompletedPart, MultipartChecksum, ObjectInfo, ObjectMetadata, PartChecksum, TrailingChecksum } from '../backend';
import type { Upstream } from './client';
import { bareEtag, metadataHeaders, objectInfoFromHeaders } from './metadata';
import { copySourceHeaders, type UpstreamSource } from './objects';

const UPLOAD = { subject: 'upload' } as const;

/**
 * Multipart uploads map one to one onto the upstream's: its upload ids and part ETags are used as
 * they are. With `checksum` the upstream upload is created with the client's algorithm (and type),
 * so the upstream verifies every part's checksum and stores the object's (adrs/0017).
 */
export async function createMultipart(up: Upstream, key: string, metadata: ObjectMetadata, checksum?: MultipartChecksum): Promise<string> {
  // Checksums of the whole object are not known yet; the upstream builds a multipart one itself.
  const { checksums: _notYet, ...rest } = metadata;
  const headers = metadataHeaders(rest);
  if (checksum) {
    headers['x-amz-checksum-algorithm'] = checksum.algorithm.toUpperCase();
    if (checksum.type) headers['x-amz-checksum-type'] = checksum.type;
  }
  const response = await up.client.send({ method: 'POST', key: up.prefix + key, query: [['uploads', '']], headers, idempotent: false, context: UPLOAD });
  const result = (await up.client.readXml(response, UPLOAD)).InitiateMultipartUploadResult as { UploadId?: string } | undefined;
  if (!result?.UploadId) return up.client.malformed(UPLOAD);
  return result.UploadId;
}

/**
 * UploadPart, streamed. The part's checksum goes as a header when the client sent it up front,
 * else as an aws-chunked trailer — the framing PutObject's trailers use (`client.ts`).
 */
export async function uploadPart(
  up: Upstream,
  key: string,
  uploadId: string,
  partNumber: number,
  body: ReadableStream<Uint8Array>,
  length: number,
  checksum?: PartChecksum,
): Promise<{ etag: string }> {
  const upFront = checksum && typeof checksum.value === 'string' ? checksum.value : undefined;
  const response = await up.client.send({
    method: 'PUT',
    key: up.prefix + key,
    query: [['partNumber', String(partNumber)], ['uploadId', uploadId]],
    ...(checksum && upFront !== undefined ? { headers: { [`x-amz-checksum-${checksum.algorithm}`]: upFront } } : {}),
    stream: { body, length },
    ...(checksum && upFront === undefined ? { trailing: checksum as TrailingChecksum } : {}),
    idempotent: false,
    context: UPLOAD,
  });
  await response.body?.cancel();
  return { etag: bareEtag(response.headers.get('etag')) };
}

/** UploadPartCopy from an object in the upstream (any bucket these credentials read); `range` is inclusive-exclusive [offset, offset+length). */
export async function uploadPartCopy(
  up: Upstream,
  source: UpstreamSource,
  key: string,
  uploadId: string,
  partNumber: number,
  range?: { offset: number; length: number },
): Promise<{ etag: string }> {
  const headers = copySourceHeaders(up, source);
  if (range) headers['x-amz-copy-source-range'] = `bytes=${range.offset}-${range.offset + range.length - 1}`;
  const response = await up.client.send({
    method: 'PUT',
    key: up.prefix + key,
    query: [['partNumber', String(partNumber)], ['uploadId', uploadId]],
    headers,
    idempotent: true,
    context: UPLOAD,
  });
  const result = (await up.client.readXml(response, UPLOAD)).CopyPartResult as { ETag?: string } | undefined;
  return { etag: bareEtag(result?.ETag) };
}

export async function completeMultipart(up: Upstream, key: string, uploadId: string, parts: CompletedPart[]): Promise<ObjectInfo> {
  const text = buildXml({ CompleteMultipartUpload: { Part: parts.map(completedPartElement) } });
  const response = await up.client.send({
    method: 'POST',
    key: up.prefix + key,
    query: [['uploadId', uploadId]],
    headers: { 'content-type': 'application/xml' },
    text,
    idempotent: false,
    context: UPLOAD,
  });
  const result = (await up.client.readXml(response, UPLOAD)).CompleteMultipartUploadResult as { ETag?: string } | undefined;
  if (!result) return up.client.malformed(UPLOAD);
  // Completion answers hold no size or metadata: one HEAD gives the object as stored.
  const head = await up.client.send({ method: 'HEAD', key: up.prefix + key, idempotent: true, context: { subject: 'object' } });
  const info = objectInfoFromHeaders(head.headers, key, Number(head.headers.get('content-length') ?? 0));
  return { ...info, etag: bareEtag(result.ETag) || info.etag };
}

/** A `<Part>` of CompleteMultipartUpload: number, ETag and the part checksums the upstream checks against its own. */
function completedPartElement(part: CompletedPart): Record<string, string> {
  const element: Record<string, string> = { PartNumber: String(part.partNumber), ETag: `"${bareEtag(part.etag)}"` };
  // ChecksumCRC32, ChecksumCRC32C, ChecksumCRC64NVME, ChecksumSHA1, ChecksumSHA256.
  for (const [algorithm, value] of Object.entries(part.checksums ?? {})) element[`Checksum${algorithm.toUpperCase()}`] = value;
  return element;
}

export async function abortMultipart(up: Upstream, key: string, uploadId: string): Promise<void> {
  const response = await up.client.send({ method: 'DELETE', key: up.prefix + key, query: [['uploadId', uploadId]], idempotent: true, context: UPLOAD });
  await response.body?.cancel();
}

export interface UpstreamPart {
  partNumber: number;
  etag: string;
  size: number;
  lastModified: Date;
}

/** ListParts, one page: the upstream's own record of an upload (a store with native multipart needs no ledger). */
export async function listParts(up: Upstream, key: string, uploadId: string, options: { partNumberMarker?: number; maxParts?: number } = {}): Promise<{ parts: UpstreamPart[]; truncated: boolean; nextPartNumberMarker?: number }> {
  const query: [string, string][] = [['uploadId', uploadId]];
  if (options.partNumberMarker !== undefined) query.push(['part-number-marker', String(options.partNumberMarker)]);
  if (options.maxParts !== undefined) query.push(['max-parts', String(options.maxParts)]);
  const response = await up.client.send({ method: 'GET', key: up.prefix + key, query, idempotent: true, context: UPLOAD });
  const result = ((await up.client.readXml(response, UPLOAD, ['ListPartsResult.Part'])).ListPartsResult ?? {}) as {
    Part?: { PartNumber?: string; ETag?: string; Size?: string; LastModified?: string }[];
    IsTruncated?: string;
    NextPartNumberMarker?: string;
  };
  const parts = (result.Part ?? []).map((p) => ({ partNumber: Number(p.PartNumber), etag: bareEtag(p.ETag), size: Number(p.Size ?? 0), lastModified: new Date(p.LastModified ?? 0) }));
  const truncated = result.IsTruncated === 'true';
  return { parts, truncated, ...(truncated && result.NextPartNumberMarker ? { nextPartNumberMarker: Number(result.NextPartNumberMarker) } : {}) };
}

export interface UpstreamUpload {
  key: string;
  uploadId: string;
  initiated: Date;
}

/** ListMultipartUploads under a client prefix, one page, keys in the client's view. */
export async function listUploads(up: Upstream, prefix: string, options: { keyMarker?: string; uploadIdMarker?: string; maxUploads?: number } = {}): Promise<{ uploads: UpstreamUpload[]; truncated: boolean }> {
  const query: [string, string][] = [['uploads', ''], ['prefix', up.prefix + prefix]];
  if (options.keyMarker !== undefined) query.push(['key-marker', up.prefix + options.keyMarker]);
  if (options.uploadIdMarker !== undefined) query.push(['upload-id-marker', options.uploadIdMarker]);
  if (options.maxUploads !== undefined) query.push(['max-uploads', String(options.maxUploads)]);
  const response = await up.client.send({ method: 'GET', query, idempotent: true, context: { subject: 'bucket' } });
  const result = ((await up.client.readXml(response, UPLOAD, ['ListMultipartUploadsResult.Upload'])).ListMultipartUploadsResult ?? {}) as {
    Upload?: { Key?: string; UploadId?: string; Initiated?: string }[];
    IsTruncated?: string;
  };
  const uploads = (result.Upload ?? []).map((u) => ({ key: (u.Key ?? '').slice(up.prefix.length), uploadId: u.UploadId ?? '', initiated: new Date(u.Initiated ?? 0) }));
  return { uploads, truncated: result.IsTruncated === 'true' };
}
