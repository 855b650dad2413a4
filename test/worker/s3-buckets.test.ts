import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { admin, uniqueBucketName } from './admin-client';
import { bucketOwnerStatements, bucketWithClient, createAccessKey, createBucket } from './helpers/fixtures';
import { ENDPOINT, errorCode, s3Client, sdkError, signedFetch } from './helpers/s3-client';

async function registered(name: string): Promise<boolean> {
  return (await env.DB.prepare('SELECT 1 FROM buckets WHERE name = ?').bind(name).first()) !== null;
}

describe('ListBuckets', () => {
  it('shows only the buckets the key may use, with the key as Owner', async () => {
    const full = await createBucket('lb-full');
    const scoped = await createBucket('lb-scoped');
    const hidden = await createBucket('lb-hidden');
    const credentials = await createAccessKey(
      [...bucketOwnerStatements(full), { effect: 'allow', actions: ['s3:GetObject'], resources: [`${scoped}/reports/*`] }],
      'lister',
    );
    const r = await s3Client(credentials).send(new ListBucketsCommand({}));
    const names = r.Buckets!.map((b) => b.Name);
    expect(names).toContain(full);
    expect(names).toContain(scoped);
    expect(names).not.toContain(hidden);
    expect(r.Owner).toEqual({ ID: credentials.accessKeyId, DisplayName: 'lister' });
    expect(r.Buckets!.find((b) => b.Name === full)!.CreationDate).toBeInstanceOf(Date);
  });

  it('shows nothing to a key without statements, and refuses anonymous callers', async () => {
    await createBucket('lb-any');
    const none = await createAccessKey([]);
    expect((await s3Client(none).send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
    const anonymous = await SELF.fetch(`${ENDPOINT}/`);
    expect(anonymous.status).toBe(403);
    expect(await errorCode(anonymous)).toBe('AccessDenied');
  });
});

describe('CreateBucket', () => {
  const creator = () => createAccessKey([{ effect: 'allow', actions: ['s3:*'], resources: ['made-*'] }], 'creator');

  it('creates a virtual bucket on the default backend under its own prefix', async () => {
    const credentials = await creator();
    const s3 = s3Client(credentials);
    const name = uniqueBucketName('made');
    const r = await signedFetch(credentials, 'PUT', `/${name}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('location')).toBe(`/${name}`);
    const stored = (await admin('GET', `/buckets/${name}`)).json;
    expect(stored.backend).toEqual({ type: 'r2', binding: 'STORAGE', prefix: `buckets/${name}/` });
    await s3.send(new PutObjectCommand({ Bucket: name, Key: 'inside', Body: 'x' }));
    expect(await env.STORAGE.head(`buckets/${name}/inside`)).not.toBeNull();
  });

  it('accepts a CreateBucketConfiguration with any LocationConstraint', async () => {
    const s3 = s3Client(await creator());
    const name = uniqueBucketName('made');
    await s3.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    expect(await registered(name)).toBe(true);
  });

  it('answers BucketAlreadyOwnedByYou to its creator and BucketAlreadyExists to others', async () => {
    const mine = await creator();
    const name = uniqueBucketName('made');
    await s3Client(mine).send(new CreateBucketCommand({ Bucket: name }));
    expect(await sdkError(s3Client(mine).send(new CreateBucketCommand({ Bucket: name })))).toEqual({ code: 'BucketAlreadyOwnedByYou', status: 409 });
    expect(await sdkError(s3Client(await creator()).send(new CreateBucketCommand({ Bucket: name })))).toEqual({ code: 'BucketAlreadyExists', status: 409 });
  });

  it('refuses a key without s3:CreateBucket on the name, creating nothing', async () => {
    const name = uniqueBucketName('other');
    expect(await sdkError(s3Client(await creator()).send(new CreateBucketCommand({ Bucket: name })))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await registered(name)).toBe(false);
  });

  it.each(['Upper-Case', 'ab', 'under_score', '192.168.10.20', 'made..dots', 'admin', `made-${'x'.repeat(60)}`])(
    'refuses the name %s with InvalidBucketName',
    async (name) => {
      const credentials = await createAccessKey([{ effect: 'allow', actions: ['s3:CreateBucket'], resources: ['*'] }]);
      const r = await signedFetch(credentials, 'PUT', `/${name}`);
      expect(r.status).toBe(400);
      expect(await errorCode(r)).toBe('InvalidBucketName');
      expect(await registered(name)).toBe(false);
    },
  );

  it('refuses an unsupported canned ACL and malformed configuration, creating nothing', async () => {
    const credentials = await creator();
    const viaAcl = uniqueBucketName('made');
    // public-read is mapped onto the bucket's public flags (s3-canned-acl.test.ts); public-read-write is not.
    const acl = await signedFetch(credentials, 'PUT', `/${viaAcl}`, { headers: { 'x-amz-acl': 'public-read-write' } });
    expect(await errorCode(acl)).toBe('AccessControlListNotSupported');
    expect(await registered(viaAcl)).toBe(false);
    const viaXml = uniqueBucketName('made');
    for (const body of ['<CreateBucketConfiguration><LocationConstraint>', '<NotAConfiguration/>']) {
      const r = await signedFetch(credentials, 'PUT', `/${viaXml}`, { body });
      expect(r.status).toBe(400);
      expect(await errorCode(r)).toBe('MalformedXML');
    }
    expect(await registered(viaXml)).toBe(false);
  });
});

describe('DeleteBucket', () => {
  it('refuses a bucket that still holds an object', async () => {
    const { bucket, s3 } = await bucketWithClient('del-full');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'still-here', Body: 'x' }));
    expect(await sdkError(s3.send(new DeleteBucketCommand({ Bucket: bucket })))).toEqual({ code: 'BucketNotEmpty', status: 409 });
    expect(await registered(bucket)).toBe(true);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'still-here' }))).Body!.transformToString()).toBe('x');
  });

  it('deletes an empty bucket with 204, aborting uploads still in progress as S3 does', async () => {
    const { bucket, s3, credentials } = await bucketWithClient('del-empty');
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'pending' }));
    const r = await signedFetch(credentials, 'DELETE', `/${bucket}`);
    expect(r.status).toBe(204);
    expect(await registered(bucket)).toBe(false);
    expect(await env.DB.prepare('SELECT 1 FROM multipart_uploads WHERE upload_id = ?').bind(upload.UploadId).first()).toBeNull();
    expect(await sdkError(s3.send(new HeadBucketCommand({ Bucket: bucket })))).toMatchObject({ status: 404 });
  });

  it('refuses a key without s3:DeleteBucket', async () => {
    const bucket = await createBucket('del-denied');
    const reader = await createAccessKey([{ effect: 'allow', actions: ['s3:ListBucket'], resources: [bucket] }]);
    expect(await sdkError(s3Client(reader).send(new DeleteBucketCommand({ Bucket: bucket })))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await registered(bucket)).toBe(true);
  });
});

describe('HeadBucket and GetBucketLocation', () => {
  it('answers 200 with the region, and 404 for a missing bucket', async () => {
    const { bucket, s3, credentials } = await bucketWithClient('head');
    const r = await signedFetch(credentials, 'HEAD', `/${bucket}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-amz-bucket-region')).toBe('auto');
    expect(await sdkError(s3.send(new HeadBucketCommand({ Bucket: uniqueBucketName('absent') })))).toMatchObject({ status: 404 });
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: bucket }))).LocationConstraint).toBe('auto');
  });

  it('answers NoSuchBucket to object requests on a missing bucket', async () => {
    const { s3 } = await bucketWithClient('nsb');
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: uniqueBucketName('absent'), Key: 'k' })))).toEqual({ code: 'NoSuchBucket', status: 404 });
  });
});

describe('suspended buckets', () => {
  it('refuses every request with AllAccessDisabled until resumed', async () => {
    const { bucket, s3 } = await bucketWithClient('suspend');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'before' }));
    expect((await admin('POST', `/buckets/${bucket}/suspend`)).status).toBe(200);
    const calls = [
      () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })),
      () => s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'during' })),
      () => s3.send(new ListObjectsV2Command({ Bucket: bucket })),
    ];
    for (const call of calls) expect(await sdkError(call())).toEqual({ code: 'AllAccessDisabled', status: 403 });
    expect((await admin('POST', `/buckets/${bucket}/resume`)).status).toBe(200);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).Body!.transformToString()).toBe('before');
  });
});
