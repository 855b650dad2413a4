import {
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { admin } from './admin-client';
import { bucketWithClient } from './helpers/fixtures';
import { type Credentials, sdkError, signedFetch } from './helpers/s3-client';

// A bucket's objects live under its placement prefix in R2, whose keys are at most 1024 bytes
// prefix included: the client's limit is 1024 minus the prefix, said as S3's KeyTooLongError.

let bucket: string;
let s3: S3Client;
let credentials: Credentials;
let limit: number;

beforeAll(async () => {
  ({ bucket, s3, credentials } = await bucketWithClient('key-length'));
  const { prefix } = (await admin('GET', `/buckets/${bucket}`)).json.backend as { prefix: string };
  limit = 1024 - new TextEncoder().encode(prefix).byteLength;
  expect(limit).toBeLessThan(1013);
});

/** A key of exactly `bytes` UTF-8 bytes, with a two-byte character in it. */
function keyOf(bytes: number, tag: string): string {
  const head = `${tag}/é/`;
  return head + 'k'.repeat(bytes - new TextEncoder().encode(head).byteLength);
}

/** The path of a key as a signed request carries it: each segment percent-encoded. */
function pathOf(key: string): string {
  return `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

async function listedKeys(): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (page.Contents ?? []).map((o) => o.Key!);
}

async function keyTooLong(response: Response): Promise<{ status: number; code: string; message: string; max: string }> {
  const text = await response.text();
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1] ?? '';
  return { status: response.status, code: field('Code'), message: field('Message'), max: field('MaxSizeAllowed') };
}

describe('keys near the limit', () => {
  it('a key of exactly the limit is stored and read back', async () => {
    const key = keyOf(limit, 'fits');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'at the limit' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await got.Body!.transformToString()).toBe('at the limit');
  });

  it('PutObject one byte over is KeyTooLongError naming the limit, and writes nothing', async () => {
    const before = await listedKeys();
    const response = await signedFetch(credentials, 'PUT', pathOf(keyOf(limit + 1, 'put')), { body: 'too long' });
    expect(await keyTooLong(response)).toEqual({
      status: 400,
      code: 'KeyTooLongError',
      message: `Your key is too long: it is ${limit + 1} bytes, and the limit here is ${limit} bytes.`,
      max: String(limit),
    });
    expect(await listedKeys()).toEqual(before);
  });

  it('PutObject is refused before its body is read: a wrong Content-MD5 is never reached', async () => {
    const response = await signedFetch(credentials, 'PUT', pathOf(keyOf(1013, 'md5')), {
      body: 'body',
      headers: { 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' },
    });
    expect((await keyTooLong(response)).code).toBe('KeyTooLongError');
  });

  it('the SDK hears KeyTooLongError (400) for PutObject', async () => {
    expect(await sdkError(s3.send(new PutObjectCommand({ Bucket: bucket, Key: keyOf(1013, 'sdk'), Body: 'x' })))).toEqual({ code: 'KeyTooLongError', status: 400 });
  });

  it('CreateMultipartUpload over the limit starts no upload', async () => {
    expect(await sdkError(s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: keyOf(limit + 1, 'mpu') })))).toEqual({ code: 'KeyTooLongError', status: 400 });
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([]);
  });

  it('CopyObject to a destination over the limit copies nothing', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'source', Body: 'copy me' }));
    const before = await listedKeys();
    const copy = new CopyObjectCommand({ Bucket: bucket, Key: keyOf(limit + 1, 'copy'), CopySource: `${bucket}/source` });
    expect(await sdkError(s3.send(copy))).toEqual({ code: 'KeyTooLongError', status: 400 });
    expect(await listedKeys()).toEqual(before);
  });

  it('a key over S3s own 1024 bytes is KeyTooLongError for reads too', async () => {
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(1025, 'read') })))).toEqual({ code: 'KeyTooLongError', status: 400 });
  });

  it('a key between the bucket limit and 1024 bytes names no object: absent to reads, a no-op to deletes', async () => {
    const key = keyOf(limit + 1, 'absent');
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })))).toEqual({ code: 'NoSuchKey', status: 404 });
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))).toEqual({ code: 'NotFound', status: 404 });
    expect((await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))).$metadata.httpStatusCode).toBe(204);
  });
});
