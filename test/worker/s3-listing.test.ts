import { ListObjectsCommand, ListObjectsV2Command, paginateListObjectsV2, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { admin } from './admin-client';
import { bucketWithClient } from './helpers/fixtures';
import { type Credentials, errorCode, sdkError, signedFetch } from './helpers/s3-client';

let bucket: string;
let s3: S3Client;
let credentials: Credentials;
const MANY = 1100;
const manyKeys = Array.from({ length: MANY }, (_, i) => `many/${String(i).padStart(5, '0')}`);

beforeAll(async () => {
  ({ bucket, s3, credentials } = await bucketWithClient('listing'));
  // The paging tests need more than 1000 objects: written straight into the bucket's R2 prefix.
  const { prefix } = (await admin('GET', `/buckets/${bucket}`)).json.backend as { prefix: string };
  for (let i = 0; i < manyKeys.length; i += 100) {
    await Promise.all(manyKeys.slice(i, i + 100).map((k) => env.STORAGE.put(prefix + k, 'x')));
  }
  for (const key of ['tree/a/1', 'tree/a/2', 'tree/b/x/1', 'tree/b/y', 'tree/c', 'tree/d/1', 'enc/a b+c', 'enc/dir é/x', 'enc/100%']) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
  }
}, 120_000);

function list(query: string): Promise<Response> {
  return signedFetch(credentials, 'GET', `/${bucket}?${query}`);
}

describe('ListObjectsV2', () => {
  it('pages through more than 1000 keys with continuation tokens', async () => {
    const pages = [];
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: 'many/' })) pages.push(page);
    expect(pages.map((p) => p.KeyCount)).toEqual([1000, 100]);
    expect(pages[0]!.IsTruncated).toBe(true);
    expect(pages[1]!.IsTruncated).toBe(false);
    expect(pages.flatMap((p) => p.Contents!.map((o) => o.Key))).toEqual(manyKeys);
  });

  it('honours a smaller MaxKeys', async () => {
    const pages = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 300 }, { Bucket: bucket, Prefix: 'many/' })) pages.push(page);
    expect(pages.map((p) => p.KeyCount)).toEqual([300, 300, 300, 200]);
    expect(pages.flatMap((p) => p.Contents!.map((o) => o.Key))).toEqual(manyKeys);
  });

  it('groups keys under the delimiter into CommonPrefixes', async () => {
    const top = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'tree/', Delimiter: '/' }));
    expect(top.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['tree/a/', 'tree/b/', 'tree/d/']);
    expect(top.Contents!.map((o) => o.Key)).toEqual(['tree/c']);
    expect(top.KeyCount).toBe(4);
    const inner = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'tree/b/', Delimiter: '/' }));
    expect(inner.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['tree/b/x/']);
    expect(inner.Contents!.map((o) => o.Key)).toEqual(['tree/b/y']);
  });

  it('pages one entry at a time across common prefixes, each reported once', async () => {
    const seen: string[] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 1 }, { Bucket: bucket, Prefix: 'tree/', Delimiter: '/' })) {
      expect(page.KeyCount).toBe(1);
      seen.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!), ...(page.Contents ?? []).map((o) => o.Key!));
    }
    expect(seen).toEqual(['tree/a/', 'tree/b/', 'tree/c', 'tree/d/']);
  });

  it('starts after StartAfter', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'tree/', StartAfter: 'tree/a/2' }));
    expect(r.Contents!.map((o) => o.Key)).toEqual(['tree/b/x/1', 'tree/b/y', 'tree/c', 'tree/d/1']);
    expect(r.StartAfter).toBe('tree/a/2');
  });

  it('refuses a continuation token it did not issue', async () => {
    for (const token of ['not-a-token', btoa('raw-cursor')]) {
      expect(await sdkError(s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token })))).toEqual({ code: 'InvalidArgument', status: 400 });
    }
  });

  it.each(['-1', 'ten', '2.5'])('refuses max-keys=%s', async (value) => {
    const r = await list(`list-type=2&max-keys=${value}`);
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('InvalidArgument');
  });

  it('clamps max-keys above 1000 and answers max-keys=0 with nothing', async () => {
    const clamped = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'many/', MaxKeys: 5000 }));
    expect(clamped.MaxKeys).toBe(1000);
    expect(clamped.KeyCount).toBe(1000);
    const none = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 0 }));
    expect(none.KeyCount).toBe(0);
    expect(none.Contents).toBeUndefined();
    expect(none.IsTruncated).toBe(false);
  });

  it('url-encodes names with encoding-type=url', async () => {
    const r = await list(`list-type=2&prefix=${encodeURIComponent('enc/')}&delimiter=${encodeURIComponent(' ')}&start-after=${encodeURIComponent('enc/0 0')}&encoding-type=url`);
    const xml = await r.text();
    expect(xml).toContain('<EncodingType>url</EncodingType>');
    expect(xml).toContain('<Delimiter>%20</Delimiter>');
    expect(xml).toContain('<StartAfter>enc/0%200</StartAfter>');
    expect(xml).toContain('<Key>enc/100%25</Key>');
    expect(xml).toContain('<Prefix>enc/a%20</Prefix>');
    expect(xml).toContain('<Prefix>enc/dir%20</Prefix>');
    const plain = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'enc/' }));
    expect(plain.Contents!.map((o) => o.Key)).toEqual(['enc/100%', 'enc/a b+c', 'enc/dir é/x']);
  });

  it('refuses an unknown encoding-type', async () => {
    const r = await list('list-type=2&encoding-type=base64');
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('InvalidArgument');
  });

  it('answers in the S3 shape: quoted ETag, STANDARD, millisecond timestamps, Owner only with fetch-owner', async () => {
    const r = await list('list-type=2&prefix=tree%2Fc');
    const xml = await r.text();
    expect(xml).toContain('<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">');
    expect(xml).toMatch(/<ETag>(&quot;|")[0-9a-f]{32}(&quot;|")<\/ETag>/);
    expect(xml).toMatch(/<LastModified>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z<\/LastModified>/);
    expect(xml).toContain('<StorageClass>STANDARD</StorageClass>');
    expect(xml).not.toContain('<Owner>');
    const owned = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'tree/c', FetchOwner: true }));
    expect(owned.Contents![0]!.Owner).toEqual({ ID: 'admin', DisplayName: 'admin' });
  });
});

describe('ListObjects (V1)', () => {
  it('continues from Marker and reports NextMarker only with a delimiter', async () => {
    const first = await s3.send(new ListObjectsCommand({ Bucket: bucket, Prefix: 'many/', MaxKeys: 600 }));
    expect(first.IsTruncated).toBe(true);
    expect(first.NextMarker).toBeUndefined();
    const last = first.Contents!.at(-1)!.Key!;
    const second = await s3.send(new ListObjectsCommand({ Bucket: bucket, Prefix: 'many/', Marker: last, MaxKeys: 600 }));
    expect(second.IsTruncated).toBe(false);
    expect(second.Marker).toBe(last);
    expect([...first.Contents!, ...second.Contents!].map((o) => o.Key)).toEqual(manyKeys);
  });

  it('pages with NextMarker across common prefixes without repeating one', async () => {
    const seen: string[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await s3.send(new ListObjectsCommand({ Bucket: bucket, Prefix: 'tree/', Delimiter: '/', MaxKeys: 1, Marker: marker }));
      seen.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!), ...(page.Contents ?? []).map((o) => o.Key!));
      if (!page.IsTruncated) break;
      expect(page.NextMarker).toBe(seen.at(-1));
      marker = page.NextMarker;
    }
    expect(seen).toEqual(['tree/a/', 'tree/b/', 'tree/c', 'tree/d/']);
  });

  it('includes Owner on every entry', async () => {
    const r = await s3.send(new ListObjectsCommand({ Bucket: bucket, Prefix: 'tree/c' }));
    expect(r.Contents![0]!.Owner?.ID).toBe('admin');
  });

  it('url-encodes Marker and keys with encoding-type=url', async () => {
    const r = await list(`prefix=enc%2F&marker=${encodeURIComponent('enc/0 0')}&encoding-type=url`);
    const xml = await r.text();
    expect(xml).toContain('<Marker>enc/0%200</Marker>');
    expect(xml).toContain('<Key>enc/a%20b%2Bc</Key>');
    expect(xml).toContain('<Key>enc/dir%20%C3%A9/x</Key>');
  });
});
