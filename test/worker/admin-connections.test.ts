import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { env } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import '../storage/contract/provided';
import { admin } from './admin-client';
import { createAccessKey } from './helpers/fixtures';
import { s3Client } from './helpers/s3-client';

/** The storage connections admin API (adrs/0019) against the real upstreams the storage suite starts. */

const S3RVER = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

function uniqueName(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}`;
}

function s3rverConnection(name: string, auth: Record<string, unknown> = { mode: 'static', ...S3RVER }) {
  return { kind: 's3', name, endpoint: inject('s3rverUrl'), region: 'us-east-1', addressing: 'path', probeBucket: 'contract', auth };
}

async function connectionRows(): Promise<Record<string, unknown>[]> {
  return (await env.DB.prepare('SELECT * FROM connections').all<Record<string, unknown>>()).results;
}

async function auditRows(action: string): Promise<{ target: string | null; outcome: string; detail: string | null }[]> {
  return (await env.DB.prepare('SELECT target, outcome, detail FROM audit_log WHERE action = ? ORDER BY id').bind(action).all<{ target: string | null; outcome: string; detail: string | null }>()).results;
}

function base64(text: string): string {
  return btoa(text);
}

describe('connections CRUD', () => {
  it('creates, reads, lists, updates and deletes a validated connection', async () => {
    const name = uniqueName('crud');
    const created = await admin('POST', '/connections', s3rverConnection(name));
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ name, kind: 's3', status: 'active', auth: { mode: 'static' }, lastValidation: { ok: true } });
    expect(created.json.auth.fingerprint).toMatch(/^…RVER sha256:[0-9a-f]{8}$/);
    const id = created.json.id as string;

    expect((await admin('GET', `/connections/${id}`)).json).toEqual(created.json);
    expect((await admin('GET', '/connections')).json.connections.map((c: { id: string }) => c.id)).toContain(id);

    const patched = await admin('PATCH', `/connections/${id}`, { labels: { team: 'a' }, owner: 'ops' });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json).toMatchObject({ labels: { team: 'a' }, owner: 'ops' });

    const duplicate = await admin('POST', '/connections', s3rverConnection(name));
    expect(duplicate.status).toBe(409);
    expect(duplicate.json.error.code).toBe('ConnectionAlreadyExists');

    expect((await admin('DELETE', `/connections/${id}`)).status).toBe(204);
    expect((await admin('GET', `/connections/${id}`)).status).toBe(404);
    expect((await auditRows('connection.create')).some((r) => r.target === name && r.outcome === 'success')).toBe(true);
    expect((await auditRows('connection.delete')).some((r) => r.target === id && r.outcome === 'success')).toBe(true);
  });

  it('refuses to delete a connection a bucket uses', async () => {
    const id = (await admin('POST', '/connections', s3rverConnection(uniqueName('inuse')))).json.id;
    const bucket = uniqueName('on-conn');
    expect((await admin('POST', '/buckets', { name: bucket, backend: { type: 's3', connection: id, bucket: 'contract', prefix: `${bucket}/` } })).status).toBe(201);
    const refused = await admin('DELETE', `/connections/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('ConnectionInUse');
    expect((await admin('GET', `/connections/${id}`)).status).toBe(200);
  });
});

describe('secrets never leave the envelope', () => {
  let logged: string[] = [];
  beforeEach(() => {
    logged = [];
    for (const level of ['log', 'info', 'warn', 'error'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
    }
  });
  afterEach(() => vi.restoreAllMocks());

  it('shows only the mode and a fingerprint: not in answers, audit rows, D1 columns, KV or logs', async () => {
    // The second bucketgate's key: a real random secret, distinctive enough to search for.
    const upstream = inject('upstreamGateway');
    const name = uniqueName('secret');
    const input = { kind: 's3', name, endpoint: upstream.endpoint, region: upstream.region, addressing: 'path', probeBucket: upstream.bucket, auth: { mode: 'static', accessKeyId: upstream.accessKeyId, secretAccessKey: upstream.secretAccessKey } };
    const answers: string[] = [];
    const created = await admin('POST', '/connections', input);
    expect(created.status, created.text).toBe(201);
    const id = created.json.id as string;
    answers.push(created.text);
    answers.push((await admin('GET', `/connections/${id}`)).text, (await admin('GET', '/connections')).text);
    answers.push((await admin('POST', `/connections/${id}/validate`)).text);
    answers.push((await admin('POST', `/connections/${id}/rotate`, { auth: input.auth })).text);
    answers.push((await admin('PATCH', `/connections/${id}`, { endpoint: upstream.endpoint })).text);
    // A bucket on it, used through S3 once, so the KV cache tier holds the connection too.
    const bucket = uniqueName('secret-b');
    answers.push((await admin('POST', '/buckets', { name: bucket, backend: { type: 's3', connection: id, bucket: upstream.bucket, prefix: `${bucket}/` } })).text);
    answers.push((await admin('POST', `/buckets/${bucket}/validate`)).text);
    answers.push((await admin('GET', `/buckets/${bucket}`)).text);
    const key = await createAccessKey([{ effect: 'allow', actions: ['s3:*'], resources: [bucket, `${bucket}/*`] }]);
    await s3Client(key).send(new ListObjectsV2Command({ Bucket: bucket }));

    const secret = upstream.secretAccessKey;
    const spellings = [secret, base64(secret), base64(secret).replace(/=+$/, ''), encodeURIComponent(secret)];
    const rows = await connectionRows();
    const audit = (await env.DB.prepare('SELECT * FROM audit_log').all()).results;
    const kv = await env.CACHE.get(`registry/v1/connection/${id}`);
    expect(kv).not.toBeNull();
    for (const spelling of spellings) {
      for (const answer of answers) expect(answer).not.toContain(spelling);
      for (const row of rows) for (const value of Object.values(row)) expect(String(value)).not.toContain(spelling);
      for (const row of audit) for (const value of Object.values(row)) expect(String(value)).not.toContain(spelling);
      expect(kv ?? '').not.toContain(spelling);
      for (const line of logged) expect(line).not.toContain(spelling);
    }
    // The access key id is not shown either: only its last 4 characters in the fingerprint.
    expect(answers.join('\n')).not.toContain(upstream.accessKeyId);
    const row = rows.find((r) => r.id === id)!;
    expect(row.credential_ciphertext).toMatch(/^v1\./);
  });
});

describe('validate before save', () => {
  it('refuses bad credentials with the upstream reason, and stores nothing', async () => {
    const name = uniqueName('badkey');
    const r = await admin('POST', '/connections', s3rverConnection(name, { mode: 'static', accessKeyId: 'WRONGKEY', secretAccessKey: 'wrong-secret' }));
    expect(r.status, r.text).toBe(422);
    expect(r.json.error.code).toBe('UpstreamValidationFailed');
    expect(r.json.error.fields.auth[0]).toMatch(/ListObjectsV2: the upstream answered 403 InvalidAccessKeyId/);
    expect((await connectionRows()).some((row) => row.name === name)).toBe(false);
    expect((await auditRows('connection.create')).find((a) => a.target === name)?.outcome).toBe('UpstreamValidationFailed');
  });

  it('refuses an unreachable endpoint with the reason', async () => {
    const name = uniqueName('closed');
    const r = await admin('POST', '/connections', { ...s3rverConnection(name), endpoint: inject('closedUpstreamUrl') });
    expect(r.status, r.text).toBe(422);
    expect(r.json.error.fields.endpoint[0]).toMatch(/unreachable/);
    expect((await connectionRows()).some((row) => row.name === name)).toBe(false);
  });

  it('refuses a bucket whose upstream bucket does not exist', async () => {
    const id = (await admin('POST', '/connections', s3rverConnection(uniqueName('nob')))).json.id;
    const bucket = uniqueName('nobucket');
    const r = await admin('POST', '/buckets', { name: bucket, backend: { type: 's3', connection: id, bucket: 'no-such-upstream-bucket', prefix: '' } });
    expect(r.status, r.text).toBe(422);
    expect(r.json.error.fields['backend.bucket'][0]).toMatch(/404 NoSuchBucket/);
    expect((await admin('GET', `/buckets/${bucket}`)).status).toBe(404);
  });

  it('saves offline with ?validate=false, audited as such, and /validate then records the failure', async () => {
    const name = uniqueName('offline');
    const r = await admin('POST', '/connections?validate=false', { ...s3rverConnection(name), endpoint: inject('closedUpstreamUrl') });
    expect(r.status, r.text).toBe(201);
    expect(r.json.lastValidation).toMatchObject({ skipped: true });
    expect(JSON.parse((await auditRows('connection.create')).find((a) => a.target === name)!.detail!)).toMatchObject({ validate: false });
    const validated = await admin('POST', `/connections/${r.json.id}/validate`);
    expect(validated.json).toMatchObject({ status: 'failing', lastValidation: { ok: false } });
    expect(validated.json.lastValidation.reason).toMatch(/unreachable/);
  });

  it('refuses a federation connection whose exchange fails, with the reason and nothing stored', async () => {
    // s3rver has no STS: the exchange is refused (or the issuer is unusable), never saved as working.
    const name = uniqueName('fed');
    const r = await admin('POST', '/connections', s3rverConnection(name, { mode: 'federation', roleArn: 'arn:aws:iam::123456789012:role/x', stsEndpoint: inject('s3rverUrl') }));
    expect(r.status, r.text).toBe(422);
    expect(r.json.error.fields.auth[0]).toMatch(/issuer|STS|federation|token/i);
    expect((await admin('GET', '/connections')).json.connections.map((c: { name: string }) => c.name)).not.toContain(name);
  });

  it('resolves secret_ref from a Worker secret, and refuses a missing one', async () => {
    const missing = await admin('POST', '/connections', s3rverConnection(uniqueName('ref'), { mode: 'secret_ref', secretName: 'NO_SUCH_SECRET' }));
    expect(missing.status, missing.text).toBe(422);
    expect(missing.json.error.fields.auth[0]).toMatch(/NO_SUCH_SECRET is not set/);
  });
});

describe('SSRF guard at save', () => {
  const refusedEndpoints = [
    'http://s3.example.com',
    'https://127.0.0.2',
    'https://10.0.0.1',
    'https://172.16.0.1',
    'https://192.168.1.1',
    'https://169.254.169.254',
    'https://[fd00:ec2::254]',
    'https://100.64.0.1',
    'https://[fc00::1]',
    'https://[::1]',
    'https://[fe80::1]',
    'https://[::ffff:127.0.0.1]',
    'https://2130706433',
    'https://0177.0.0.1',
    'https://0x7f.0.0.1',
    'https://127.1',
    'https://localhost',
    'https://bucket.localhost',
    'https://user:pw@s3.example.com',
    'ftp://s3.example.com',
  ];

  it('refuses every internal or ambiguous endpoint, even offline, and stores nothing', async () => {
    for (const endpoint of refusedEndpoints) {
      const name = uniqueName('ssrf');
      const r = await admin('POST', '/connections?validate=false', { ...s3rverConnection(name), endpoint });
      expect(r.status, `${endpoint}: ${r.text}`).toBe(400);
      expect(r.json.error.fields.endpoint, endpoint).toHaveLength(1);
      expect((await connectionRows()).some((row) => row.name === name), endpoint).toBe(false);
    }
  });

  it('refuses an internal endpoint on update and a federation STS endpoint', async () => {
    const id = (await admin('POST', '/connections', s3rverConnection(uniqueName('upd')))).json.id;
    const r = await admin('PATCH', `/connections/${id}?validate=false`, { endpoint: 'https://169.254.169.254' });
    expect(r.status).toBe(400);
    expect((await admin('GET', `/connections/${id}`)).json.settings.endpoint).toBe(inject('s3rverUrl'));
    const fed = await admin('POST', '/connections?validate=false', s3rverConnection(uniqueName('fedssrf'), { mode: 'federation', roleArn: 'arn:x', stsEndpoint: 'https://[fd00:ec2::254]' }));
    expect(fed.status).toBe(400);
    expect(fed.json.error.fields['auth.stsEndpoint']).toHaveLength(1);
  });
});
