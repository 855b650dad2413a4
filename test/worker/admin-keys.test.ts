import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { accessKeyCredentialStore, forgetCachedAccessKeys } from '../../src/registry/access-keys';
import type { PolicyStatement } from '../../src/registry/schemas';
import { admin } from './admin-client';

const readReports: PolicyStatement[] = [{ effect: 'allow', actions: ['s3:GetObject', 's3:ListBucket'], resources: ['demo', 'demo/reports/*'] }];
const store = () => accessKeyCredentialStore(env);

async function createKey(body: Record<string, unknown> = {}): Promise<{ accessKeyId: string; secretAccessKey: string; [k: string]: unknown }> {
  const r = await admin('POST', '/keys', { displayName: 'ci', statements: readReports, ...body });
  expect(r.status).toBe(201);
  return r.json;
}

/** An import id no other test uses: 24 upper-case letters and digits. */
function uniqueKeyId(): string {
  return `IMPORT${crypto.randomUUID().replace(/-/g, '').slice(0, 18).toUpperCase()}`;
}

async function auditOutcomes(target: string): Promise<string[]> {
  const { results } = await env.DB.prepare('SELECT action, outcome FROM audit_log WHERE target = ? ORDER BY id').bind(target).all<{ action: string; outcome: string }>();
  return results.map((r) => `${r.action}:${r.outcome}`);
}

describe('POST /admin/v1/keys', () => {
  it('issues an AWS-shaped key whose secret verifies through the credential store', async () => {
    const key = await createKey();
    expect(key.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(key.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(key).toMatchObject({ displayName: 'ci', statements: readReports, enabled: true, expiresAt: null });
    const found = await store().lookup(key.accessKeyId);
    expect(found?.secretAccessKey).toBe(key.secretAccessKey);
    expect(found?.principal).toEqual({ kind: 'access-key', accessKeyId: key.accessKeyId, displayName: 'ci', policies: [readReports] });
    expect(await auditOutcomes(key.accessKeyId)).toEqual(['key.create:success']);
  });

  it('keeps only the sealed secret in D1, KV and the audit log', async () => {
    const key = await createKey();
    await store().lookup(key.accessKeyId); // fills KV
    const row = await env.DB.prepare('SELECT secret_ciphertext FROM access_keys WHERE access_key_id = ?').bind(key.accessKeyId).first<{ secret_ciphertext: string }>();
    expect(row!.secret_ciphertext).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(row!.secret_ciphertext).not.toContain(key.secretAccessKey);
    const cached = await env.CACHE.get(`registry/v1/access-key/${key.accessKeyId}`);
    expect(cached).toContain(row!.secret_ciphertext);
    expect(cached).not.toContain(key.secretAccessKey);
    const audit = await env.DB.prepare('SELECT * FROM audit_log WHERE target = ?').bind(key.accessKeyId).all();
    expect(JSON.stringify(audit.results)).not.toContain(key.secretAccessKey);
  });

  it('imports an existing key pair', async () => {
    const accessKeyId = uniqueKeyId();
    const secretAccessKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const r = await admin('POST', '/keys', { displayName: 'migrated', statements: [], accessKeyId, secretAccessKey });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ accessKeyId, secretAccessKey });
    expect((await store().lookup(accessKeyId))?.secretAccessKey).toBe(secretAccessKey);
    // R2-style pairs: 32 hex id, 64 hex secret.
    const r2 = await admin('POST', '/keys', { displayName: 'r2', statements: [], accessKeyId: crypto.randomUUID().replace(/-/g, ''), secretAccessKey: 'ab'.repeat(32) });
    expect(r2.status).toBe(201);
    expect(await auditOutcomes(accessKeyId)).toEqual(['key.import:success']);
  });

  it('refuses an import whose id is taken, and keeps the original secret', async () => {
    const existing = await createKey();
    const r = await admin('POST', '/keys', { displayName: 'hijack', statements: [], accessKeyId: existing.accessKeyId, secretAccessKey: 'x'.repeat(40) });
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('AccessKeyAlreadyExists');
    expect((await store().lookup(existing.accessKeyId))?.secretAccessKey).toBe(existing.secretAccessKey);
    expect(await auditOutcomes(existing.accessKeyId)).toEqual(['key.create:success', 'key.import:AccessKeyAlreadyExists']);
  });

  it.each([
    [{ accessKeyId: uniqueKeyId() }, ['secretAccessKey']],
    [{ secretAccessKey: 'x'.repeat(40) }, ['accessKeyId']],
    [{ accessKeyId: 'SHORT', secretAccessKey: 'x'.repeat(40) }, ['accessKeyId']],
    [{ accessKeyId: 'lower-case-with-dash-01', secretAccessKey: 'x'.repeat(40) }, ['accessKeyId']],
    [{ accessKeyId: `ASIA${'A'.repeat(16)}`, secretAccessKey: 'x'.repeat(40) }, ['accessKeyId']],
    [{ accessKeyId: uniqueKeyId(), secretAccessKey: 'too-short' }, ['secretAccessKey']],
    [{ accessKeyId: uniqueKeyId(), secretAccessKey: `${'x'.repeat(39)} ` }, ['secretAccessKey']],
    [{ displayName: '' }, ['displayName']],
    [{ statements: [{ effect: 'permit', actions: ['GetObject'], resources: [] }] }, ['statements.0.actions.0', 'statements.0.effect', 'statements.0.resources']],
    [{ expiresAt: '2020-01-01T00:00:00Z' }, ['expiresAt']],
    [{ expiresAt: 'tomorrow' }, ['expiresAt']],
    [{ enabled: false }, ['enabled']],
  ])('refuses %j with field errors on %j and stores nothing', async (overrides, fields) => {
    const before = await env.DB.prepare('SELECT COUNT(*) AS n FROM access_keys').first<{ n: number }>();
    const r = await admin('POST', '/keys', { displayName: 'bad', statements: [], ...overrides });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('InvalidRequest');
    expect(Object.keys(r.json.error.fields).sort()).toEqual(fields);
    const after = await env.DB.prepare('SELECT COUNT(*) AS n FROM access_keys').first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });

  it('requires statements and a display name', async () => {
    const r = await admin('POST', '/keys', {});
    expect(r.status).toBe(400);
    expect(Object.keys(r.json.error.fields).sort()).toEqual(['displayName', 'statements']);
  });
});

describe('reading keys', () => {
  it('never shows a secret in list or get', async () => {
    const key = await createKey({ displayName: 'listed' });
    const list = await admin('GET', '/keys');
    expect(list.status).toBe(200);
    const listed = list.json.keys.find((k: { accessKeyId: string }) => k.accessKeyId === key.accessKeyId);
    expect(listed).toMatchObject({ displayName: 'listed', enabled: true });
    expect(list.text).not.toMatch(/secret|ciphertext/i);
    expect(list.text).not.toContain(key.secretAccessKey);
    const one = await admin('GET', `/keys/${key.accessKeyId}`);
    expect(one.json).toEqual(listed);
    expect(one.text).not.toMatch(/secret|ciphertext/i);
  });

  it('answers 404 for an unknown key', async () => {
    const r = await admin('GET', `/keys/${uniqueKeyId()}`);
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('NoSuchAccessKey');
  });
});

describe('changing keys', () => {
  it('rotates the secret: the new one verifies, the old one no longer does', async () => {
    const key = await createKey();
    expect((await store().lookup(key.accessKeyId))?.secretAccessKey).toBe(key.secretAccessKey);
    const r = await admin('POST', `/keys/${key.accessKeyId}/rotate`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(['accessKeyId', 'secretAccessKey']);
    expect(r.json.accessKeyId).toBe(key.accessKeyId);
    expect(r.json.secretAccessKey).not.toBe(key.secretAccessKey);
    const found = await store().lookup(key.accessKeyId);
    expect(found?.secretAccessKey).toBe(r.json.secretAccessKey);
    expect(await auditOutcomes(key.accessKeyId)).toEqual(['key.create:success', 'key.rotate:success']);
  });

  it('disables and re-enables a key', async () => {
    const key = await createKey();
    expect(await store().lookup(key.accessKeyId)).not.toBeNull();
    const off = await admin('PATCH', `/keys/${key.accessKeyId}`, { enabled: false });
    expect(off.json.enabled).toBe(false);
    expect(await store().lookup(key.accessKeyId)).toBeNull();
    await admin('PATCH', `/keys/${key.accessKeyId}`, { enabled: true });
    expect((await store().lookup(key.accessKeyId))?.secretAccessKey).toBe(key.secretAccessKey);
  });

  it('changes statements and display name, seen by the next lookup', async () => {
    const key = await createKey();
    await store().lookup(key.accessKeyId);
    const statements: PolicyStatement[] = [{ effect: 'deny', actions: ['s3:*'], resources: ['*'] }];
    const r = await admin('PATCH', `/keys/${key.accessKeyId}`, { statements, displayName: 'renamed' });
    expect(r.json).toMatchObject({ statements, displayName: 'renamed' });
    const found = await store().lookup(key.accessKeyId);
    expect(found?.principal).toMatchObject({ displayName: 'renamed', policies: [statements] });
  });

  it('refuses an invalid PATCH and changes nothing', async () => {
    const key = await createKey();
    const r = await admin('PATCH', `/keys/${key.accessKeyId}`, { enabled: 'no', secretAccessKey: 'x'.repeat(40) });
    expect(r.status).toBe(400);
    expect(Object.keys(r.json.error.fields).sort()).toEqual(['enabled', 'secretAccessKey']);
    expect((await store().lookup(key.accessKeyId))?.secretAccessKey).toBe(key.secretAccessKey);
    expect(await auditOutcomes(key.accessKeyId)).toEqual(['key.create:success', 'key.update:InvalidRequest']);
  });

  it('stops answering for a key once it expires, even while cached', async () => {
    const key = await createKey({ expiresAt: new Date(Date.now() + 1_500).toISOString() });
    expect(await store().lookup(key.accessKeyId)).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await store().lookup(key.accessKeyId)).toBeNull();
    // Clearing the expiry revives it.
    await admin('PATCH', `/keys/${key.accessKeyId}`, { expiresAt: null });
    expect(await store().lookup(key.accessKeyId)).not.toBeNull();
  });

  it('deletes a key', async () => {
    const key = await createKey();
    await store().lookup(key.accessKeyId);
    expect((await admin('DELETE', `/keys/${key.accessKeyId}`)).status).toBe(204);
    expect(await store().lookup(key.accessKeyId)).toBeNull();
    const again = await admin('DELETE', `/keys/${key.accessKeyId}`);
    expect(again.status).toBe(404);
    expect(await auditOutcomes(key.accessKeyId)).toEqual(['key.create:success', 'key.delete:success', 'key.delete:NoSuchAccessKey']);
  });

  it('answers 404 when patching or rotating an unknown key', async () => {
    const id = uniqueKeyId();
    expect((await admin('PATCH', `/keys/${id}`, { enabled: false })).status).toBe(404);
    expect((await admin('POST', `/keys/${id}/rotate`)).status).toBe(404);
    expect(await auditOutcomes(id)).toEqual(['key.update:NoSuchAccessKey', 'key.rotate:NoSuchAccessKey']);
  });
});

describe('accessKeyCredentialStore', () => {
  it('returns null for unknown and malformed ids, and for any session token', async () => {
    const key = await createKey();
    expect(await store().lookup(uniqueKeyId())).toBeNull();
    expect(await store().lookup('not/an id')).toBeNull();
    expect(await store().lookup('A'.repeat(600))).toBeNull();
    expect(await store().lookup(key.accessKeyId, 'some-session-token')).toBeNull();
  });

  it('refuses a sealed secret moved to another key row', async () => {
    const a = await createKey();
    const b = await createKey();
    await env.DB.prepare('UPDATE access_keys SET secret_ciphertext = (SELECT secret_ciphertext FROM access_keys WHERE access_key_id = ?) WHERE access_key_id = ?')
      .bind(a.accessKeyId, b.accessKeyId)
      .run();
    forgetCachedAccessKeys();
    await env.CACHE.delete(`registry/v1/access-key/${b.accessKeyId}`);
    await expect(store().lookup(b.accessKeyId)).rejects.toThrow(/does not open/);
  });
});
