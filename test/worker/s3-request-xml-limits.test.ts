import { CreateMultipartUploadCommand, GetBucketCorsCommand, HeadObjectCommand, ListPartsCommand, PutBucketCorsCommand, PutObjectCommand, type S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketWithClient } from './helpers/fixtures';
import { type Credentials, errorCode, signedFetch } from './helpers/s3-client';

// Request documents the XML parser refuses for its own limits, not for their syntax: each must be
// the client's MalformedXML (400), never InternalError, and must change nothing.

let bucket: string;
let s3: S3Client;
let credentials: Credentials;

const RULES = [{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET'] }];

beforeAll(async () => {
  ({ bucket, s3, credentials } = await bucketWithClient('xml-limits'));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'keep', Body: 'still here' }));
  await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: RULES } }));
});

function nested(depth: number, inner: string): string {
  return '<X>'.repeat(depth) + inner + '</X>'.repeat(depth);
}

async function expectMalformed(response: Response): Promise<void> {
  expect({ status: response.status, code: await errorCode(response) }).toEqual({ status: 400, code: 'MalformedXML' });
}

async function stillThere(): Promise<void> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'keep' }));
  expect(head.ContentLength).toBe('still here'.length);
}

describe('DeleteObjects with a document the parser refuses', () => {
  it.each(['__proto__', 'constructor', 'prototype'])('an element named %s is MalformedXML and deletes nothing', async (name) => {
    const body = `<Delete><Object><Key>keep</Key></Object><${name}><Key>x</Key></${name}></Delete>`;
    await expectMalformed(await signedFetch(credentials, 'POST', `/${bucket}?delete`, { body }));
    await stillThere();
  });

  it('nesting deeper than the limit is MalformedXML and deletes nothing', async () => {
    const body = `<Delete><Object><Key>keep</Key></Object>${nested(200, '')}</Delete>`;
    await expectMalformed(await signedFetch(credentials, 'POST', `/${bucket}?delete`, { body }));
    await stillThere();
  });

  it('a document nested 100000 deep is refused quickly', async () => {
    const started = Date.now();
    await expectMalformed(await signedFetch(credentials, 'POST', `/${bucket}?delete`, { body: nested(100_000, '') }));
    expect(Date.now() - started).toBeLessThan(5_000);
    await stillThere();
  });
});

describe('PutBucketCors with a document the parser refuses', () => {
  it.each([
    ['a __proto__ element', '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><__proto__>x</__proto__></CORSRule></CORSConfiguration>'],
    ['a constructor element', '<CORSConfiguration><constructor><AllowedOrigin>*</AllowedOrigin></constructor></CORSConfiguration>'],
    ['deep nesting', `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PUT</AllowedMethod>${nested(150, 'x')}</CORSRule></CORSConfiguration>`],
  ])('%s is MalformedXML and leaves the rules as they were', async (_label, body) => {
    await expectMalformed(await signedFetch(credentials, 'PUT', `/${bucket}?cors`, { body }));
    expect((await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules).toEqual(RULES);
  });
});

describe('CompleteMultipartUpload with a document the parser refuses', () => {
  it.each([
    ['a prototype element', (etag: string) => `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part><prototype/></CompleteMultipartUpload>`],
    ['deep nesting', (etag: string) => `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag>${nested(120, '')}</Part></CompleteMultipartUpload>`],
  ])('%s is MalformedXML and the upload stays open', async (_label, document) => {
    const key = `mpu-${Math.random().toString(36).slice(2)}`;
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: 'part one' }));
    const response = await signedFetch(credentials, 'POST', `/${bucket}/${key}?uploadId=${encodeURIComponent(UploadId!)}`, { body: document(ETag!) });
    await expectMalformed(response);
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId }));
    expect(parts.Parts?.map((p) => p.PartNumber)).toEqual([1]);
  });
});
