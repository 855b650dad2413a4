import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAccessKey, createBucket, bucketOwnerStatements } from './helpers/fixtures';
import { type Credentials, ENDPOINT, errorCode, s3Client, signedFetch } from './helpers/s3-client';

let bucket: string;
let s3: S3Client;
let credentials: Credentials;

beforeAll(async () => {
  bucket = await createBucket('delete-objects');
  credentials = await createAccessKey([
    ...bucketOwnerStatements(bucket),
    { effect: 'deny', actions: ['s3:DeleteObject'], resources: [`${bucket}/protected/*`] },
  ]);
  s3 = s3Client(credentials);
});

async function put(keys: string[]): Promise<void> {
  await Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }))));
}

async function keysUnder(prefix: string): Promise<string[]> {
  const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key!);
}

function deleteXml(keys: string[], quiet = false): string {
  const objects = keys.map((k) => `<Object><Key>${k}</Key></Object>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>${quiet}</Quiet>${objects}</Delete>`;
}

function postDelete(body: string): Promise<Response> {
  return signedFetch(credentials, 'POST', `/${bucket}?delete`, { body, headers: { 'content-type': 'application/xml' } });
}

describe('DeleteObjects', () => {
  it('deletes the named keys and reports each one', async () => {
    const keys = ['batch/a', 'batch/sp ace', 'batch/amp&lt', 'batch/ünï', ' batch-lead'];
    await put([...keys, 'batch/kept']);
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [...keys, 'batch/never-existed'].map((Key) => ({ Key })) } }));
    expect(r.Deleted!.map((d) => d.Key).sort()).toEqual([...keys, 'batch/never-existed'].sort());
    expect(r.Errors).toBeUndefined();
    expect(await keysUnder('batch/')).toEqual(['batch/kept']);
    expect(await keysUnder(' batch-lead')).toEqual([]);
  });

  it('reports only errors in quiet mode', async () => {
    await put(['quiet/1', 'quiet/2']);
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Quiet: true, Objects: [{ Key: 'quiet/1' }, { Key: 'quiet/2' }] } }));
    expect(r.Deleted).toBeUndefined();
    expect(r.Errors).toBeUndefined();
    expect(await keysUnder('quiet/')).toEqual([]);
  });

  it('refuses denied and invalid keys one by one and deletes the rest', async () => {
    await put(['mixed/ok', 'protected/secret']);
    const r = await postDelete(deleteXml(['mixed/ok', 'protected/secret', 'mixed/../escape', ''], true));
    expect(r.status).toBe(200);
    const xml = await r.text();
    expect(xml).not.toContain('<Deleted>');
    const errors = [...xml.matchAll(/<Error><Key>([^<]*)<\/Key><Code>([^<]*)<\/Code>/g)].map((m) => [m[1], m[2]]);
    expect(errors).toEqual([
      ['protected/secret', 'AccessDenied'],
      ['mixed/../escape', 'InvalidArgument'],
      ['', 'InvalidArgument'],
    ]);
    expect(await keysUnder('mixed/')).toEqual([]);
    expect(await keysUnder('protected/')).toEqual(['protected/secret']);
  });

  it('refuses more than 1000 keys with MalformedXML and deletes nothing', async () => {
    await put(['limit/first']);
    const keys = ['limit/first', ...Array.from({ length: 1000 }, (_, i) => `limit/${i}`)];
    const r = await postDelete(deleteXml(keys));
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('MalformedXML');
    expect(await keysUnder('limit/')).toEqual(['limit/first']);
  });

  it('refuses an oversized document without reading it all, and deletes nothing', async () => {
    await put(['huge/first']);
    const padding = `<!-- ${'x'.repeat(3 * 1024 * 1024)} -->`;
    const r = await postDelete(deleteXml(['huge/first']).replace('<Quiet>', `${padding}<Quiet>`));
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('MaxMessageLengthExceeded');
    expect(await keysUnder('huge/')).toEqual(['huge/first']);
  });

  it.each([
    ['entity expansion', '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "dtd/first"><!ENTITY b "&a;&a;&a;&a;">]><Delete><Object><Key>&b;</Key></Object></Delete>'],
    ['an external entity', '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&x;</Key></Object></Delete>'],
    ['broken XML', '<Delete><Object><Key>dtd/first</Key></Object>'],
    ['another root', '<Remove><Object><Key>dtd/first</Key></Object></Remove>'],
    ['no objects', '<Delete><Quiet>true</Quiet></Delete>'],
    ['an object without a key', '<Delete><Object><VersionId>null</VersionId></Object></Delete>'],
  ])('refuses %s with MalformedXML and deletes nothing', async (_label, body) => {
    await put(['dtd/first']);
    const r = await postDelete(body);
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('MalformedXML');
    expect(await keysUnder('dtd/')).toEqual(['dtd/first']);
  });

  it('refuses an unknown access key and an anonymous caller as a whole, deleting nothing', async () => {
    await put(['anon/x']);
    const unknown = await signedFetch({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'y'.repeat(40) }, 'POST', `/${bucket}?delete`, { body: deleteXml(['anon/x']) });
    expect(unknown.status).toBe(403);
    expect(await errorCode(unknown)).toBe('InvalidAccessKeyId');
    const anonymous = await SELF.fetch(`${ENDPOINT}/${bucket}?delete`, { method: 'POST', body: deleteXml(['anon/x']) });
    expect(anonymous.status).toBe(403);
    expect(await errorCode(anonymous)).toBe('AccessDenied');
    expect(await keysUnder('anon/')).toEqual(['anon/x']);
  });
});
