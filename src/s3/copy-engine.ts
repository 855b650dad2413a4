import { type Backend, type ObjectBody, type ObjectInfo, type ObjectMetadata, type ServerSideCopier, serverSideCopier } from '../storage/backend';
import { S3Error } from '../core/s3-error';
import { md5WhileStreaming } from '../core/md5-stream';

const MiB = 1024 * 1024;
/** R2 and S3 accept at most this many parts per upload. */
const MAX_PARTS = 10_000;

/**
 * When a copy is written as one PUT and when as a multipart upload, and in parts of what size.
 * Exported (and mutable) so that tests can exercise the multipart path with smaller objects.
 */
export const COPY_LIMITS = {
  /** Above this many bytes the destination is written as a multipart upload. */
  multipartThreshold: 100 * MiB,
  /** Size of every part but the last (R2 requires equal parts); raised when the object would need more than 10 000. */
  partSize: 64 * MiB,
};

/** Where a copy is written. */
export interface CopyDestination {
  backend: Backend;
  key: string;
  metadata: ObjectMetadata;
}

/** Parts of COPY_LIMITS.partSize, larger if 10 000 would not hold the object, never above what the destination takes. */
function partSizeFor(size: number, maxPartSize: number): number {
  return Math.min(maxPartSize, Math.max(COPY_LIMITS.partSize, Math.ceil(size / MAX_PARTS / MiB) * MiB));
}

/**
 * The destination when a copy of `what` from `from` to `to` runs inside the store, else null (it
 * streams). Decided once per request, here: the handler opens the source with a HEAD exactly when
 * this answers a copier, since then no byte is read. A part copied in the store must come back
 * with its MD5 as ETag (the ledger records S3's part ETag), so `md5ETags` is required for parts.
 */
export function inStoreCopier(from: Backend, to: Backend, what: 'object' | 'part'): ServerSideCopier | null {
  if (what === 'part' && !to.capabilities.md5ETags) return null;
  return serverSideCopier(from, to);
}

/** Where a copy reads from: the source's backend and key, for one ranged read per part. */
export interface CopyOrigin {
  backend: Backend;
  key: string;
}

/**
 * Copies an opened source object (a whole-object read, or a HEAD when inStoreCopier answers a
 * copier; its conditions already judged) to `to`.
 * When both backends reach the same store with the same credentials and it copies natively
 * (serverSideCopy 'same-backend', e.g. two buckets on one S3 connection), the store copies and no
 * byte passes through the gateway. Otherwise it streams GET → PUT: R2 bindings have no server-side
 * copy, so within R2 this is the native path too, and across backends it is the only one. Above the multipart threshold the destination is
 * written in parts, each from its own ranged read of the source pinned to the opened object's ETag,
 * and each backend stream handed to the destination as it is: the bytes never pass through
 * JavaScript, whose per-chunk buffers the runtime collects late (ADR 0010, amendment 2026-11-28).
 * A failure aborts the upload and leaves `to` as it was.
 */
export async function copyObjectData(source: ObjectBody, from: CopyOrigin, to: CopyDestination): Promise<ObjectInfo> {
  const copier = inStoreCopier(from.backend, to.backend, 'object');
  if (copier) {
    await source.body.cancel();
    return copier.copy(from.backend, { key: from.key, size: source.size, etag: source.etag }, to.key, to.metadata);
  }
  if (source.size <= COPY_LIMITS.multipartThreshold) {
    return to.backend.put(to.key, source.body, source.size, to.metadata);
  }
  await source.body.cancel();
  const partSize = partSizeFor(source.size, to.backend.capabilities.maxPartSize);
  const uploadId = await to.backend.createMultipart(to.key, to.metadata);
  try {
    const parts = [];
    for (let offset = 0, partNumber = 1; offset < source.size; offset += partSize, partNumber++) {
      const length = Math.min(partSize, source.size - offset);
      const slice = await from.backend.get(from.key, { range: { offset, length } });
      if (slice?.etag !== source.etag) {
        await slice?.body.cancel();
        throw changedDuringCopy();
      }
      const { etag } = await to.backend.uploadPart(to.key, uploadId, partNumber, slice.body, length);
      parts.push({ partNumber, etag });
    }
    return await to.backend.completeMultipart(to.key, uploadId, parts);
  } catch (error) {
    await to.backend.abortMultipart(to.key, uploadId).catch(() => {});
    throw error;
  }
}

/** The source was replaced or deleted between two of a multipart copy's reads; retrying copies the new one. */
function changedDuringCopy(): S3Error {
  return new S3Error('OperationAborted', 'The copy source changed while it was being copied. Try again.');
}

/**
 * Copies an opened source range into part `partNumber` of an upload in progress. Returns the
 * part's S3 ETag (the MD5 of its bytes) and the backend's own tag. Inside one store (as for
 * copyObjectData) the store copies the range and its tag is the MD5 when it declares md5ETags;
 * otherwise the bytes stream through and the MD5 is computed while they do.
 */
export async function copyPartData(
  source: ObjectBody,
  from: CopyOrigin,
  to: { backend: Backend; key: string; uploadId: string; partNumber: number },
): Promise<{ etag: string; backendEtag: string; size: number }> {
  const size = source.range?.length ?? source.size;
  const copier = inStoreCopier(from.backend, to.backend, 'part');
  if (copier) {
    await source.body.cancel();
    const range = source.range ?? { offset: 0, length: source.size };
    const { etag } = await copier.uploadPartCopy(from.backend, { key: from.key, etag: source.etag }, to.key, to.uploadId, to.partNumber, range);
    return { etag, backendEtag: etag, size };
  }
  const hashed = md5WhileStreaming(source.body);
  const stored = await to.backend.uploadPart(to.key, to.uploadId, to.partNumber, hashed.stream, size);
  return { etag: await hashed.md5, backendEtag: stored.etag, size };
}
