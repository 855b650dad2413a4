import { CreateMultipartUploadCommand, type S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { beforeAll } from 'vitest';
import { bucketWithClient } from './fixtures';
import { type Credentials, signedFetch } from './s3-client';

/** Shared setup of the multipart test files (s3-multipart*.test.ts). */

export const MiB = 1024 * 1024;

/** Deterministic bytes, different per seed and not repeating within a part. */
export function patternBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7 + (i >> 13)) & 0xff;
  return out;
}

export interface SentPart {
  PartNumber: number;
  ETag: string;
}

/** A bucket of its own with a client allowed everything in it, and the calls every multipart test makes. */
export interface MultipartBucket {
  readonly bucket: string;
  readonly s3: S3Client;
  readonly credentials: Credentials;
  start(key: string): Promise<string>;
  uploadPart(key: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<SentPart>;
  /** Uploads `parts` as parts 1..n, concurrently. */
  uploadParts(key: string, uploadId: string, parts: Uint8Array[]): Promise<SentPart[]>;
  /** CompleteMultipartUpload with a raw XML body and chosen headers (what the SDK would not send). */
  complete(key: string, uploadId: string, body: string, headers?: Record<string, string>): Promise<Response>;
}

/** The `<CompleteMultipartUpload>` document for `parts`. */
export function completeXml(parts: SentPart[]): string {
  const entries = parts.map((p) => `<Part><PartNumber>${p.PartNumber}</PartNumber><ETag>${p.ETag}</ETag></Part>`).join('');
  return `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${entries}</CompleteMultipartUpload>`;
}

/** Creates the bucket in a beforeAll of the calling file; the fields are set once it has run. */
export function useMultipartBucket(label: string): MultipartBucket {
  let made: { bucket: string; s3: S3Client; credentials: Credentials } | undefined;
  beforeAll(async () => {
    made = await bucketWithClient(label);
  });
  const ready = () => {
    if (!made) throw new Error('useMultipartBucket: used before its beforeAll ran');
    return made;
  };
  const uploadPart = async (key: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<SentPart> => {
    const r = await ready().s3.send(new UploadPartCommand({ Bucket: ready().bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body }));
    return { PartNumber: partNumber, ETag: r.ETag! };
  };
  return {
    get bucket() {
      return ready().bucket;
    },
    get s3() {
      return ready().s3;
    },
    get credentials() {
      return ready().credentials;
    },
    async start(key) {
      return (await ready().s3.send(new CreateMultipartUploadCommand({ Bucket: ready().bucket, Key: key }))).UploadId!;
    },
    uploadPart,
    uploadParts: (key, uploadId, parts) => Promise.all(parts.map((body, i) => uploadPart(key, uploadId, i + 1, body))),
    complete: (key, uploadId, body, headers = {}) =>
      signedFetch(ready().credentials, 'POST', `/${ready().bucket}/${key}?uploadId=${encodeURIComponent(uploadId)}`, { body, headers }),
  };
}
