import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketWithClient, createAccessKey } from './helpers/fixtures';
import { type Credentials, errorCode, md5Hex, s3Client, sdkError, signedFetch } from './helpers/s3-client';

let bucket: string;
let s3: S3Client;
let credentials: Credentials;

beforeAll(async () => {
  ({ bucket, s3, credentials } = await bucketWithClient('versions'));
  for (const key of ['list/a', 'list/b/1', 'list/b/2', 'list/c', 'list/d e']) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
  }
});

async function exists(key: string): Promise<boolean> {
  const r = await signedFetch(credentials, 'HEAD', `/${bucket}/${key}`);
  return r.status === 200;
}

describe('GetBucketVersioning / PutBucketVersioning', () => {
  it('answers an empty configuration: versioning was never enabled', async () => {
    const r = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    expect(r.Status).toBeUndefined();
    expect(r.MFADelete).toBeUndefined();
    const raw = await signedFetch(credentials, 'GET', `/${bucket}?versioning`);
    expect(raw.status).toBe(200);
    expect(await raw.text()).toMatch(/<VersioningConfiguration xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/"(\/>|><\/VersioningConfiguration>)/);
  });

  it('refuses to enable versioning with NotImplemented, and nothing changes', async () => {
    const r = await sdkError(s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } })));
    expect(r).toEqual({ code: 'NotImplemented', status: 501 });
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBeUndefined();
  });

  it('is authorized as s3:GetBucketVersioning', async () => {
    const lister = s3Client(await createAccessKey([{ effect: 'allow', actions: ['s3:ListBucket'], resources: [bucket] }]));
    expect(await sdkError(lister.send(new GetBucketVersioningCommand({ Bucket: bucket })))).toEqual({ code: 'AccessDenied', status: 403 });
  });
});

describe('ListObjectVersions', () => {
  it('lists every object as its one version: id null, latest, no delete markers', async () => {
    const r = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'list/' }));
    expect(r.DeleteMarkers).toBeUndefined();
    expect(r.IsTruncated).toBe(false);
    expect(r.Versions?.map((v) => v.Key)).toEqual(['list/a', 'list/b/1', 'list/b/2', 'list/c', 'list/d e']);
    const first = r.Versions![0]!;
    expect(first).toMatchObject({ VersionId: 'null', IsLatest: true, Size: 'body of list/a'.length, StorageClass: 'STANDARD', ETag: `"${await md5Hex('body of list/a')}"` });
    expect(first.LastModified).toBeInstanceOf(Date);
    expect(first.Owner?.ID).toBeTruthy();
  });

  it('groups by delimiter and pages with key-marker / version-id-marker', async () => {
    const page1 = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'list/', Delimiter: '/', MaxKeys: 2 }));
    expect(page1.Versions?.map((v) => v.Key)).toEqual(['list/a']);
    expect(page1.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['list/b/']);
    expect(page1.IsTruncated).toBe(true);
    expect(page1.NextKeyMarker).toBe('list/b/');
    const page2 = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'list/', Delimiter: '/', MaxKeys: 1, KeyMarker: page1.NextKeyMarker }));
    expect(page2.Versions?.map((v) => v.Key)).toEqual(['list/c']);
    expect(page2.NextKeyMarker).toBe('list/c');
    expect(page2.NextVersionIdMarker).toBe('null');
    const page3 = await s3.send(
      new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'list/', Delimiter: '/', KeyMarker: page2.NextKeyMarker, VersionIdMarker: page2.NextVersionIdMarker }),
    );
    expect(page3.Versions?.map((v) => v.Key)).toEqual(['list/d e']);
    expect(page3.IsTruncated).toBe(false);
    expect(page3.NextKeyMarker).toBeUndefined();
  });

  it('url-encodes names with encoding-type=url', async () => {
    const r = await signedFetch(credentials, 'GET', `/${bucket}?versions&prefix=list%2Fd&encoding-type=url`);
    const xml = await r.text();
    expect(xml).toContain('<Key>list/d%20e</Key>');
    expect(xml).toContain('<EncodingType>url</EncodingType>');
  });

  it.each([
    ['a version-id-marker without a key-marker', 'version-id-marker=null'],
    ['a version-id-marker other than null', 'key-marker=list%2Fa&version-id-marker=abc123'],
    ['a bad max-keys', 'max-keys=-1'],
  ])('refuses %s with InvalidArgument', async (_label, query) => {
    const r = await signedFetch(credentials, 'GET', `/${bucket}?versions&${query}`);
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('InvalidArgument');
  });

  it('is authorized as s3:ListBucketVersions', async () => {
    const lister = s3Client(await createAccessKey([{ effect: 'allow', actions: ['s3:ListBucket'], resources: [bucket] }]));
    expect(await sdkError(lister.send(new ListObjectVersionsCommand({ Bucket: bucket })))).toEqual({ code: 'AccessDenied', status: 403 });
  });
});

describe('versionId on object operations', () => {
  it('reads and deletes the null version', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'v/null', Body: 'only version' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'v/null', VersionId: 'null' }));
    expect(await got.Body!.transformToString()).toBe('only version');
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'v/null', VersionId: 'null' }))).ContentLength).toBe(12);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'v/null', VersionId: 'null' }));
    expect(await exists('v/null')).toBe(false);
  });

  it('refuses any other version id with InvalidArgument and deletes nothing', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'v/kept', Body: 'kept' }));
    const versionId = '3sL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY';
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'v/kept', VersionId: versionId })))).toEqual({ code: 'InvalidArgument', status: 400 });
    expect(await sdkError(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'v/kept', VersionId: versionId })))).toEqual({ code: 'InvalidArgument', status: 400 });
    expect(await exists('v/kept')).toBe(true);
  });

  it('DeleteObjects deletes the null version and refuses others per key', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'v/batch-null', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'v/batch-other', Body: 'y' }));
    const r = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: 'v/batch-null', VersionId: 'null' }, { Key: 'v/batch-other', VersionId: 'abc' }] },
      }),
    );
    expect(r.Deleted?.map((d) => d.Key)).toEqual(['v/batch-null']);
    expect(r.Errors?.map((e) => [e.Key, e.Code])).toEqual([['v/batch-other', 'NoSuchVersion']]);
    expect(await exists('v/batch-null')).toBe(false);
    expect(await exists('v/batch-other')).toBe(true);
  });
});
