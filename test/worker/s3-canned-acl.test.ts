import {
  type AccessControlPolicy,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  type Grant,
  PutBucketAclCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { admin, uniqueBucketName } from './admin-client';
import { bucketWithClient, createAccessKey } from './helpers/fixtures';
import { ENDPOINT, errorCode, s3Client, sdkError, signedFetch } from './helpers/s3-client';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const CACHE = 'x-bucketgate-cache';

interface BucketRow {
  public_read: number;
  public_list: number;
  updated_at: string;
}

/** The bucket's row as D1 holds it: the flags an ACL sets, and updated_at to prove a refusal wrote nothing. */
async function row(name: string): Promise<BucketRow | null> {
  return env.DB.prepare('SELECT public_read, public_list, updated_at FROM buckets WHERE name = ?').bind(name).first<BucketRow>();
}

function anonymousGet(path: string): Promise<Response> {
  return SELF.fetch(`${ENDPOINT}${path}`);
}

/** The edge cache is filled after the answer went out (waitUntil): ask until it answers from it, bounded. */
async function untilCacheHit(path: string): Promise<void> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const r = await anonymousGet(path);
    await r.body?.cancel();
    if (r.headers.get(CACHE) === 'hit') return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${path} never became a cache hit`);
}

function summary(grants: Grant[] | undefined): string[] {
  return (grants ?? []).map((g) => `${g.Grantee?.Type}:${g.Grantee?.ID ?? g.Grantee?.URI} ${g.Permission}`).sort();
}

const ownerOnly = (owner: string) => [`CanonicalUser:${owner} FULL_CONTROL`];
const publicRead = (owner: string) => [`CanonicalUser:${owner} FULL_CONTROL`, `Group:${ALL_USERS} READ`];

function policy(owner: string, extra: Grant[] = []): AccessControlPolicy {
  return {
    Owner: { ID: owner, DisplayName: owner },
    Grants: [{ Grantee: { Type: 'CanonicalUser', ID: owner }, Permission: 'FULL_CONTROL' }, ...extra],
  };
}
const allUsersRead: Grant = { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ' };

/** A private admin-created bucket (owner `admin`) holding `obj.txt`, and a key allowed everything in it. */
async function privateBucketWithObject(label: string) {
  const fixture = await bucketWithClient(label);
  await fixture.s3.send(new PutObjectCommand({ Bucket: fixture.bucket, Key: 'obj.txt', Body: 'hello', ContentType: 'text/plain' }));
  return { ...fixture, path: `/${fixture.bucket}/obj.txt` };
}

describe('CreateBucket with a canned ACL', () => {
  const creator = (actions: string[]) => createAccessKey([{ effect: 'allow', actions, resources: ['acl-*', 'acl-*/*'] }], 'acl creator');

  it('public-read makes the new bucket public: anonymous GET and listing work, GetBucketAcl says so', async () => {
    const credentials = await creator(['s3:*']);
    const s3 = s3Client(credentials);
    const name = uniqueBucketName('acl-create');
    await s3.send(new CreateBucketCommand({ Bucket: name, ACL: 'public-read' }));
    expect(await row(name)).toMatchObject({ public_read: 1, public_list: 1 });
    await s3.send(new PutObjectCommand({ Bucket: name, Key: 'obj.txt', Body: 'hello' }));
    const get = await anonymousGet(`/${name}/obj.txt`);
    expect(get.status).toBe(200);
    expect(await get.text()).toBe('hello');
    expect((await anonymousGet(`/${name}?list-type=2`)).status).toBe(200);
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: name }));
    expect(acl.Owner?.ID).toBe(credentials.accessKeyId);
    expect(summary(acl.Grants)).toEqual(publicRead(credentials.accessKeyId));
  });

  it('private, and bucket-owner-full-control (rclone sends its object ACL here), create a private bucket', async () => {
    const credentials = await creator(['s3:CreateBucket']);
    const s3 = s3Client(credentials);
    const name = uniqueBucketName('acl-private');
    await s3.send(new CreateBucketCommand({ Bucket: name, ACL: 'private' }));
    expect(await row(name)).toMatchObject({ public_read: 0, public_list: 0 });
    const owned = uniqueBucketName('acl-bofc');
    expect((await signedFetch(credentials, 'PUT', `/${owned}`, { headers: { 'x-amz-acl': 'bucket-owner-full-control' } })).status).toBe(200);
    expect(await row(owned)).toMatchObject({ public_read: 0, public_list: 0 });
  });

  it('public-read needs s3:PutBucketAcl as well, and creates nothing without it', async () => {
    const s3 = s3Client(await creator(['s3:CreateBucket']));
    const name = uniqueBucketName('acl-denied');
    expect(await sdkError(s3.send(new CreateBucketCommand({ Bucket: name, ACL: 'public-read' })))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await row(name)).toBeNull();
  });

  it.each(['public-read-write', 'authenticated-read'] as const)('refuses %s with AccessControlListNotSupported, creating nothing', async (acl) => {
    const s3 = s3Client(await creator(['s3:*']));
    const name = uniqueBucketName('acl-refused');
    expect(await sdkError(s3.send(new CreateBucketCommand({ Bucket: name, ACL: acl })))).toEqual({ code: 'AccessControlListNotSupported', status: 400 });
    expect(await row(name)).toBeNull();
  });
});

describe('PutBucketAcl / GetBucketAcl', () => {
  it('public-read opens anonymous GET; private closes it again, edge-cached copy included', async () => {
    const { bucket, s3, path } = await privateBucketWithObject('acl-flip');
    expect(summary((await s3.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants)).toEqual(ownerOnly('admin'));
    expect((await anonymousGet(path)).status).toBe(403);

    await s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'public-read' }));
    expect(await row(bucket)).toMatchObject({ public_read: 1, public_list: 1 });
    expect(summary((await s3.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants)).toEqual(publicRead('admin'));
    const open = await anonymousGet(path);
    expect(open.status).toBe(200);
    expect(await open.text()).toBe('hello');
    await untilCacheHit(path);

    await s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'private' }));
    expect(await row(bucket)).toMatchObject({ public_read: 0, public_list: 0 });
    expect(summary((await s3.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants)).toEqual(ownerOnly('admin'));
    const closed = await anonymousGet(path);
    expect(closed.status).toBe(403);
    expect(await errorCode(closed)).toBe('AccessDenied');

    // Published again: the answer comes from the backend, not from the entry cached before.
    await s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'public-read' }));
    const reopened = await anonymousGet(path);
    expect(reopened.status).toBe(200);
    expect(reopened.headers.get(CACHE)).toBe('miss');
    await reopened.body?.cancel();
  });

  it('accepts an AccessControlPolicy body for each supported canned ACL (as s3cmd setacl sends it)', async () => {
    const { bucket, s3, path } = await privateBucketWithObject('acl-xml');
    await s3.send(new PutBucketAclCommand({ Bucket: bucket, AccessControlPolicy: policy('admin', [allUsersRead]) }));
    expect(await row(bucket)).toMatchObject({ public_read: 1, public_list: 1 });
    expect((await anonymousGet(path)).status).toBe(200);
    await s3.send(new PutBucketAclCommand({ Bucket: bucket, AccessControlPolicy: policy('admin') }));
    expect(await row(bucket)).toMatchObject({ public_read: 0, public_list: 0 });
    expect((await anonymousGet(path)).status).toBe(403);
  });

  it('reads the grantee from xsi:type documents exactly as GetBucketAcl wrote them', async () => {
    const { bucket, credentials } = await privateBucketWithObject('acl-roundtrip');
    const original = await (await signedFetch(credentials, 'GET', `/${bucket}?acl`)).text();
    expect(original).toContain('xsi:type="CanonicalUser"');
    const withPublic = original.replace(
      '</AccessControlList>',
      `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>${ALL_USERS}</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList>`,
    );
    const put = await signedFetch(credentials, 'PUT', `/${bucket}?acl`, { body: withPublic });
    expect(put.status).toBe(200);
    expect(await row(bucket)).toMatchObject({ public_read: 1, public_list: 1 });
  });

  const refusals: [string, (s3: S3Client, bucket: string) => Promise<unknown>, string, number][] = [
    ['canned public-read-write', (s3, b) => s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'public-read-write' })), 'AccessControlListNotSupported', 400],
    ['canned authenticated-read', (s3, b) => s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'authenticated-read' })), 'AccessControlListNotSupported', 400],
    ['an x-amz-grant-read header', (s3, b) => s3.send(new PutBucketAclCommand({ Bucket: b, GrantRead: `uri="${ALL_USERS}"` })), 'AccessControlListNotSupported', 400],
    ['AllUsers WRITE in a body', (s3, b) => s3.send(new PutBucketAclCommand({ Bucket: b, AccessControlPolicy: policy('admin', [allUsersRead, { ...allUsersRead, Permission: 'WRITE' }]) })), 'AccessControlListNotSupported', 400],
    [
      'AuthenticatedUsers READ in a body',
      (s3, b) => s3.send(new PutBucketAclCommand({ Bucket: b, AccessControlPolicy: policy('admin', [{ Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' }, Permission: 'READ' }]) })),
      'AccessControlListNotSupported',
      400,
    ],
    ['a grant to another user', (s3, b) => s3.send(new PutBucketAclCommand({ Bucket: b, AccessControlPolicy: policy('admin', [{ Grantee: { Type: 'CanonicalUser', ID: 'someone-else' }, Permission: 'READ' }]) })), 'AccessControlListNotSupported', 400],
    ['another owner', (s3, b) => s3.send(new PutBucketAclCommand({ Bucket: b, AccessControlPolicy: { ...policy('admin', [allUsersRead]), Owner: { ID: 'someone-else' } } })), 'AccessControlListNotSupported', 400],
    ['no owner grant at all', (s3, b) => s3.send(new PutBucketAclCommand({ Bucket: b, AccessControlPolicy: { Owner: { ID: 'admin' }, Grants: [allUsersRead] } })), 'AccessControlListNotSupported', 400],
  ];

  it.each(refusals)('refuses %s and changes nothing', async (_label, send, code, status) => {
    const { bucket, s3, path } = await privateBucketWithObject('acl-refuse');
    const before = await row(bucket);
    expect(await sdkError(send(s3, bucket))).toEqual({ code, status });
    expect(await row(bucket)).toEqual(before);
    expect((await anonymousGet(path)).status).toBe(403);
  });

  it('refuses a malformed body (MalformedACLError), a body with a header (InvalidRequest) and neither, changing nothing', async () => {
    const { bucket, credentials, path } = await privateBucketWithObject('acl-malformed');
    const before = await row(bucket);
    const cases: [RequestInit & { headers?: Record<string, string> }, string][] = [
      [{ body: '<AccessControlPolicy><AccessControlList><Grant><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>' }, 'MalformedACLError'],
      [{ body: '<NotAPolicy/>' }, 'MalformedACLError'],
      [{ body: '<AccessControlPolicy>' }, 'MalformedXML'],
      [{ headers: { 'x-amz-acl': 'public-read' }, body: '<AccessControlPolicy/>' }, 'InvalidRequest'],
      [{}, 'MalformedACLError'],
    ];
    for (const [init, code] of cases) {
      const r = await signedFetch(credentials, 'PUT', `/${bucket}?acl`, init as { headers?: Record<string, string>; body?: string });
      expect(r.status).toBe(400);
      expect(await errorCode(r)).toBe(code);
    }
    expect(await row(bucket)).toEqual(before);
    expect((await anonymousGet(path)).status).toBe(403);
  });

  it('needs s3:PutBucketAcl (and s3:GetBucketAcl to read); anonymous callers are refused', async () => {
    const { bucket, path } = await privateBucketWithObject('acl-perm');
    const before = await row(bucket);
    const writer = s3Client(await createAccessKey([{ effect: 'allow', actions: ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 's3:GetBucketAcl'], resources: [bucket, `${bucket}/*`] }]));
    expect(await sdkError(writer.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'public-read' })))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(summary((await writer.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants)).toEqual(ownerOnly('admin'));
    const noRead = s3Client(await createAccessKey([{ effect: 'allow', actions: ['s3:PutBucketAcl'], resources: [bucket] }]));
    expect(await sdkError(noRead.send(new GetBucketAclCommand({ Bucket: bucket })))).toEqual({ code: 'AccessDenied', status: 403 });
    const anonymous = await SELF.fetch(`${ENDPOINT}/${bucket}?acl`, { method: 'PUT', headers: { 'x-amz-acl': 'public-read' } });
    expect(anonymous.status).toBe(403);
    expect(await row(bucket)).toEqual(before);
    expect((await anonymousGet(path)).status).toBe(403);
  });

  it('describes a bucket the admin API made public-read without listing as private (bucket READ is listing)', async () => {
    const { bucket, s3 } = await bucketWithClient('acl-readonly', { publicRead: true });
    expect(summary((await s3.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants)).toEqual(ownerOnly('admin'));
  });
});

describe('object ACLs', () => {
  it('GetObjectAcl follows the bucket, and answers NoSuchKey for a missing key', async () => {
    const { bucket, s3 } = await privateBucketWithObject('oacl-get');
    expect(summary((await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: 'obj.txt' }))).Grants)).toEqual(ownerOnly('admin'));
    await admin('PATCH', `/buckets/${bucket}`, { publicRead: true });
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: 'obj.txt' }));
    expect(acl.Owner?.ID).toBe('admin');
    expect(summary(acl.Grants)).toEqual(publicRead('admin'));
    expect(await sdkError(s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: 'missing.txt' })))).toEqual({ code: 'NoSuchKey', status: 404 });
  });

  it('PutObjectAcl is accepted only when it matches the bucket, and changes nothing', async () => {
    const { bucket, s3, path } = await privateBucketWithObject('oacl-put');
    const before = await row(bucket);
    await s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'obj.txt', ACL: 'private' }));
    await s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'obj.txt', AccessControlPolicy: policy('admin') }));
    for (const send of [
      () => s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'obj.txt', ACL: 'public-read' })),
      () => s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'obj.txt', AccessControlPolicy: policy('admin', [allUsersRead]) })),
    ]) {
      expect(await sdkError(send())).toEqual({ code: 'AccessControlListNotSupported', status: 400 });
    }
    expect(await row(bucket)).toEqual(before);
    expect((await anonymousGet(path)).status).toBe(403);

    await s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'public-read' }));
    const published = await row(bucket);
    await s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'obj.txt', ACL: 'public-read' }));
    // One object cannot be made private inside a public bucket: refused rather than silently ignored.
    expect(await sdkError(s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'obj.txt', ACL: 'private' })))).toEqual({ code: 'AccessControlListNotSupported', status: 400 });
    expect(await row(bucket)).toEqual(published);
    expect(await sdkError(s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'missing.txt', ACL: 'public-read' })))).toEqual({ code: 'NoSuchKey', status: 404 });
  });

  it('needs s3:PutObjectAcl', async () => {
    const { bucket } = await privateBucketWithObject('oacl-perm');
    const reader = s3Client(await createAccessKey([{ effect: 'allow', actions: ['s3:GetObject', 's3:PutObject'], resources: [`${bucket}/*`] }]));
    expect(await sdkError(reader.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'obj.txt', ACL: 'private' })))).toEqual({ code: 'AccessDenied', status: 403 });
  });

  it('object writes may say public-read in a public-read bucket (a no-op), and still not in a private one', async () => {
    const pub = await bucketWithClient('oacl-write', { publicRead: true, publicList: true });
    await pub.s3.send(new PutObjectCommand({ Bucket: pub.bucket, Key: 'p.txt', Body: 'public', ACL: 'public-read' }));
    expect(await (await anonymousGet(`/${pub.bucket}/p.txt`)).text()).toBe('public');
    const upload = await pub.s3.send(new CreateMultipartUploadCommand({ Bucket: pub.bucket, Key: 'mp.bin', ACL: 'public-read' }));
    expect(upload.UploadId).toBeTruthy();
    expect(await sdkError(pub.s3.send(new PutObjectCommand({ Bucket: pub.bucket, Key: 'w.txt', Body: 'x', ACL: 'public-read-write' })))).toEqual({ code: 'AccessControlListNotSupported', status: 400 });

    const priv = await bucketWithClient('oacl-write-private');
    expect(await sdkError(priv.s3.send(new PutObjectCommand({ Bucket: priv.bucket, Key: 'p.txt', Body: 'x', ACL: 'public-read' })))).toEqual({ code: 'AccessControlListNotSupported', status: 400 });
    expect(await env.STORAGE.head(`buckets/${priv.bucket}/p.txt`)).toBeNull();
  });
});
