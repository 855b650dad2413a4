import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { AwsClient } from 'aws4fetch';
import { env } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { forgetCachedConnections } from '../../src/registry/connections';
import '../storage/contract/provided';
import { admin } from './admin-client';
import { createAccessKey } from './helpers/fixtures';
import { type Credentials, s3Client, sdkError } from './helpers/s3-client';

/** Buckets on a storage connection, end to end through the Worker to a real s3rver (adrs/0019). */

const S3RVER = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const UPSTREAM_BUCKET = 'contract';

function unique(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Reads an object straight from s3rver, bypassing the gateway: proves where the bytes really are. */
async function readUpstream(key: string): Promise<{ status: number; text: string }> {
  const client = new AwsClient({ ...S3RVER, service: 's3', region: 'us-east-1' });
  const response = await client.fetch(`${inject('s3rverUrl')}/${UPSTREAM_BUCKET}/${key.split('/').map(encodeURIComponent).join('/')}`);
  return { status: response.status, text: await response.text() };
}

async function createConnection(auth: Record<string, unknown> = { mode: 'static', ...S3RVER }): Promise<string> {
  const r = await admin('POST', '/connections', { kind: 's3', name: unique('conn'), endpoint: inject('s3rverUrl'), region: 'us-east-1', addressing: 'path', probeBucket: UPSTREAM_BUCKET, auth });
  if (r.status !== 201) throw new Error(`creating connection: ${r.status} ${r.text}`);
  return r.json.id;
}

let s3: ReturnType<typeof s3Client>;
let credentials: Credentials;
let connection: string;
let bucket: string;
let prefix: string;

beforeAll(async () => {
  connection = await createConnection();
  bucket = unique('onconn');
  prefix = `${bucket}/`;
  const r = await admin('POST', '/buckets', { name: bucket, backend: { type: 's3', connection, bucket: UPSTREAM_BUCKET, prefix } });
  if (r.status !== 201) throw new Error(`creating bucket: ${r.status} ${r.text}`);
  credentials = await createAccessKey([{ effect: 'allow', actions: ['s3:*'], resources: ['*'] }]);
  s3 = s3Client(credentials);
});

describe('a bucket on an s3rver connection', () => {
  it('puts, gets and lists through the gateway; the bytes are in s3rver under the prefix', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/a.txt', Body: 'hello upstream' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/a.txt' }));
    expect(await got.Body!.transformToString()).toBe('hello upstream');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'dir/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['dir/a.txt']);
    expect(await readUpstream(`${prefix}dir/a.txt`)).toEqual({ status: 200, text: 'hello upstream' });
  });

  it('completes a multipart upload', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mpu.bin' }));
    const part1 = new Uint8Array(5 * 1024 * 1024).fill(97);
    const p1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mpu.bin', UploadId, PartNumber: 1, Body: part1 }));
    const p2 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mpu.bin', UploadId, PartNumber: 2, Body: 'tail' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mpu.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }));
    const head = await readUpstream(`${prefix}mpu.bin`);
    expect(head.status).toBe(200);
    expect(head.text.length).toBe(part1.length + 4);
    expect(head.text.endsWith('atail')).toBe(true);
  });

  it('validates the bucket through the admin API', async () => {
    const r = await admin('POST', `/buckets/${bucket}/validate`);
    expect(r.json).toEqual({ bucket, ok: true });
  });

  it('answers 503 ServiceUnavailable while the connection is suspended, naming nothing upstream', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'suspend.txt', Body: 'x' }));
    expect((await admin('PATCH', `/connections/${connection}`, { status: 'suspended' })).json.status).toBe('suspended');
    forgetCachedConnections();
    const refused = await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'suspend.txt' })));
    expect(refused).toEqual({ code: 'ServiceUnavailable', status: 503 });
    const raw = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'while-suspended.txt', Body: 'y' })).catch((e: { $response?: unknown; message: string }) => e.message);
    expect(String(raw)).not.toContain('127.0.0.1');
    expect((await readUpstream(`${prefix}while-suspended.txt`)).status).toBe(404);
    // Resuming probes the upstream again, then serves.
    expect((await admin('PATCH', `/connections/${connection}`, { status: 'active' })).json.status).toBe('active');
    forgetCachedConnections();
    expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'suspend.txt' }))).Body!.transformToString()).toBe('x');
  });
});

describe('rotate', () => {
  it('swaps credentials (static → secret_ref) while requests keep succeeding; bad new credentials change nothing', async () => {
    const before = await admin('GET', `/connections/${connection}`);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'rotate.txt', Body: 'still here' }));
    const reads = async () => Promise.all(Array.from({ length: 5 }, async () => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'rotate.txt' }))).Body!.transformToString()));
    const [during, rotated] = await Promise.all([reads(), admin('POST', `/connections/${connection}/rotate`, { auth: { mode: 'secret_ref', secretName: 'UPSTREAM_S3RVER_KEYS' } })]);
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.json.auth).toEqual({ mode: 'secret_ref', secretName: 'UPSTREAM_S3RVER_KEYS' });
    expect(during).toEqual(Array(5).fill('still here'));
    expect(await reads()).toEqual(Array(5).fill('still here'));
    const row = await env.DB.prepare('SELECT credential_ciphertext FROM connections WHERE id = ?').bind(connection).first<{ credential_ciphertext: string | null }>();
    expect(row?.credential_ciphertext).toBeNull();

    const bad = await admin('POST', `/connections/${connection}/rotate`, { auth: { mode: 'static', accessKeyId: 'WRONG', secretAccessKey: 'wrong' } });
    expect(bad.status).toBe(422);
    expect((await admin('GET', `/connections/${connection}`)).json.auth).toEqual(rotated.json.auth);
    expect(await reads()).toEqual(Array(5).fill('still here'));
    expect(before.json.auth.mode).toBe('static');
  });
});

describe('default backend on a connection', () => {
  const base = `dflt-${crypto.randomUUID().slice(0, 8)}/`;
  afterAll(async () => {
    await admin('PUT', '/settings', { defaultBackend: { type: 'r2', binding: 'STORAGE', prefix: '' } });
  });

  it('shows the wrangler default until set, then puts S3-created buckets upstream under <base>buckets/<name>/', async () => {
    const initial = await admin('GET', '/settings');
    expect(initial.json).toEqual({ defaultBackend: { type: 'r2', binding: 'STORAGE', prefix: '' }, source: { defaultBackend: 'wrangler' } });
    const set = await admin('PUT', '/settings', { defaultBackend: { type: 's3', connection, bucket: UPSTREAM_BUCKET, prefix: base } });
    expect(set.status, set.text).toBe(200);
    expect((await admin('GET', '/settings')).json).toEqual({ defaultBackend: { type: 's3', connection, bucket: UPSTREAM_BUCKET, prefix: base }, source: { defaultBackend: 'admin' } });
    const audit = await env.DB.prepare("SELECT outcome FROM audit_log WHERE action = 'settings.update' ORDER BY id DESC LIMIT 1").first<{ outcome: string }>();
    expect(audit?.outcome).toBe('success');

    const name = unique('s3made');
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new PutObjectCommand({ Bucket: name, Key: 'k.txt', Body: 'created upstream' }));
    expect(await readUpstream(`${base}buckets/${name}/k.txt`)).toEqual({ status: 200, text: 'created upstream' });
    expect((await admin('GET', `/buckets/${name}`)).json.backend).toEqual({ type: 's3', connection, bucket: UPSTREAM_BUCKET, prefix: `${base}buckets/${name}/` });

    // Placement: overlapping that prefix on the same connection + upstream bucket is refused...
    const clash = await admin('POST', '/buckets', { name: unique('clash'), backend: { type: 's3', connection, bucket: UPSTREAM_BUCKET, prefix: `${base}buckets/` } });
    expect(clash.status).toBe(409);
    expect(clash.json.error.code).toBe('BucketPlacementConflict');
    // ...but the same prefix in another upstream bucket is another place.
    const elsewhere = await admin('POST', '/buckets?validate=false', { name: unique('else'), backend: { type: 's3', connection, bucket: 'other-upstream', prefix: `${base}buckets/` } });
    expect(elsewhere.status, elsewhere.text).toBe(201);
  });

  it('refuses a default on an upstream bucket that does not answer, and keeps the old one', async () => {
    const before = (await admin('GET', '/settings')).json;
    const r = await admin('PUT', '/settings', { defaultBackend: { type: 's3', connection, bucket: 'no-such-upstream', prefix: '' } });
    expect(r.status).toBe(422);
    expect(r.json.error.fields['defaultBackend.bucket'][0]).toMatch(/NoSuchBucket/);
    expect((await admin('GET', '/settings')).json).toEqual(before);
  });
});
