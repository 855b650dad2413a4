import type { Backend, ObjectBody, ObjectInfo, ObjectMetadata } from '../storage/backend';
import { md5WhileStreaming } from './md5-stream';

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

/**
 * Cuts one stream into consecutive sub-streams of chosen lengths, each read to its end before the
 * next is taken: a multipart copy reads the source once, and holds one chunk at a time.
 */
class StreamSlicer {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private pending: Uint8Array | undefined;

  constructor(source: ReadableStream<Uint8Array>) {
    this.reader = source.getReader();
  }

  next(length: number): ReadableStream<Uint8Array> {
    let remaining = length;
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          let chunk = this.pending;
          this.pending = undefined;
          if (!chunk) {
            const read = await this.reader.read();
            if (read.done) {
              controller.error(new Error('the copy source ended before its declared size'));
              return;
            }
            chunk = read.value;
          }
          if (chunk.byteLength > remaining) {
            this.pending = chunk.subarray(remaining);
            chunk = chunk.subarray(0, remaining);
          }
          remaining -= chunk.byteLength;
          controller.enqueue(chunk);
          if (remaining === 0) controller.close();
        },
        cancel: (reason) => this.reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
  }

  cancel(): Promise<void> {
    return this.reader.cancel();
  }
}

function partSizeFor(size: number): number {
  return Math.max(COPY_LIMITS.partSize, Math.ceil(size / MAX_PARTS / MiB) * MiB);
}

/**
 * Copies an opened source object (a whole-object read) to `to`, streaming GET → PUT: R2 bindings
 * have no server-side copy, so within R2 this is the native path too, and across backends it is
 * the only one. Above the multipart threshold the destination is written in parts, each a
 * bounded slice of the single source stream; a failure aborts the upload and leaves `to` as it was.
 */
export async function copyObjectData(source: ObjectBody, to: CopyDestination): Promise<ObjectInfo> {
  if (source.size <= COPY_LIMITS.multipartThreshold) {
    return to.backend.put(to.key, source.body, source.size, to.metadata);
  }
  const slicer = new StreamSlicer(source.body);
  const partSize = partSizeFor(source.size);
  const uploadId = await to.backend.createMultipart(to.key, to.metadata);
  try {
    const parts = [];
    for (let offset = 0, partNumber = 1; offset < source.size; offset += partSize, partNumber++) {
      const length = Math.min(partSize, source.size - offset);
      const { etag } = await to.backend.uploadPart(to.key, uploadId, partNumber, slicer.next(length), length);
      parts.push({ partNumber, etag });
    }
    return await to.backend.completeMultipart(to.key, uploadId, parts);
  } catch (error) {
    await slicer.cancel().catch(() => {});
    await to.backend.abortMultipart(to.key, uploadId).catch(() => {});
    throw error;
  }
}

/**
 * Copies an opened source range into part `partNumber` of an upload in progress. Returns the
 * part's S3 ETag (the MD5 of its bytes, computed while they stream) and the backend's own tag.
 */
export async function copyPartData(
  source: ObjectBody,
  to: { backend: Backend; key: string; uploadId: string; partNumber: number },
): Promise<{ etag: string; backendEtag: string; size: number }> {
  const size = source.range?.length ?? source.size;
  const hashed = md5WhileStreaming(source.body);
  const stored = await to.backend.uploadPart(to.key, to.uploadId, to.partNumber, hashed.stream, size);
  return { etag: await hashed.md5, backendEtag: stored.etag, size };
}
