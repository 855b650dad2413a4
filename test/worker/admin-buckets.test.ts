import { createExecutionContext, env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { getBucket } from '../../src/registry/buckets';
import { admin, uniqueBucketName } from './admin-client';

async function auditRows(target: string): Promise<{ actor: string; action: string; outcome: string; detail: string | null }[]> {
  const { results } = await env.DB.prepare('SELECT actor, action, outcome, detail FROM audit_log WHERE target = ? ORDER BY id')
    .bind(target)
    .all<{ actor: string; action: string; outcome: string; detail: string | null }>();
  return results;
}

async function bucketExists(name: string): Promise<boolean> {
  return (await env.DB.prepare('SELECT 1 FROM buckets WHERE name = ?').bind(name).first()) !== null;
}

describe('admin authentication', () => {
  it('refuses a request without a bearer token', async () => {
    const r = await admin('GET', '/buckets', undefined, null);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(r.json.error.code).toBe('Unauthorized');
  });

  it('refuses a wrong token, a token of another length, and another scheme', async () => {
    for (const token of ['test-admin-tokeX', 'test-admin-token-longer', 'x']) {
      const r = await admin('GET', '/buckets', undefined, token);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    const basic = await SELF.fetch('https://gateway.test/admin/v1/buckets', { headers: { authorization: 'Basic dGVzdC1hZG1pbi10b2tlbg==' } });
    expect(basic.status).toBe(401);
  });

  it('does not create anything for an unauthenticated write', async () => {
    const name = uniqueBucketName('unauth');
    expect((await admin('POST', '/buckets', { name }, 'wrong-token-0123456')).status).toBe(401);
    expect(await bucketExists(name)).toBe(false);
  });

  it('disables the API when ADMIN_TOKEN is shorter than 16 characters, even for that token', async () => {
    const app = createApp();
    const weakEnv = { ...env, ADMIN_TOKEN: 'short-token' };
    const response = await app.fetch(
      new Request('https://gateway.test/admin/v1/buckets', { headers: { authorization: 'Bearer short-token' } }),
      weakEnv,
      createExecutionContext(),
    );
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('AdminDisabled');
    expect(body.error.message).toContain('16');
  });

  it('answers unknown admin routes with a JSON 404', async () => {
    const r = await admin('GET', '/nothing-here');
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('NotFound');
  });
});

describe('POST /admin/v1/buckets', () => {
  it('creates a bucket on the default backend under its own prefix', async () => {
    const name = uniqueBucketName('create');
    const r = await admin('POST', '/buckets', { name, labels: { team: 'data' } });
    expect(r.status).toBe(201);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.json).toMatchObject({
      name,
      backend: { type: 'r2', binding: 'STORAGE', prefix: `buckets/${name}/` },
      status: 'active',
      publicRead: false,
      publicList: false,
      cors: [],
      labels: { team: 'data' },
      cacheTtl: 60,
      createdBy: 'admin',
    });
    expect(await getBucket(env, name)).toEqual(r.json);
    expect((await admin('GET', `/buckets/${name}`)).json).toEqual(r.json);
    const list = await admin('GET', '/buckets');
    expect(list.json.buckets.map((b: { name: string }) => b.name)).toContain(name);
    expect(await auditRows(name)).toEqual([{ actor: 'admin', action: 'bucket.create', outcome: 'success', detail: null }]);
  });

  it('accepts an explicit backend on another R2 binding', async () => {
    const name = uniqueBucketName('explicit');
    const backend = { type: 'r2', binding: 'STORAGE_B', prefix: `tenants/${name}/` };
    const r = await admin('POST', '/buckets', { name, backend, publicRead: true, cacheTtl: 0 });
    expect(r.status).toBe(201);
    expect(r.json.backend).toEqual(backend);
    expect((await getBucket(env, name))?.backend).toEqual(backend);
  });

  it('reports every invalid field by name and creates nothing', async () => {
    const name = 'Not_A_Valid_Name';
    const r = await admin('POST', '/buckets', { name, publicRead: 'yes', cors: [{ allowedOrigins: ['*'], allowedMethods: ['PATCH'] }], colour: 'red' });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('InvalidRequest');
    expect(Object.keys(r.json.error.fields).sort()).toEqual(['colour', 'cors.0.allowedMethods.0', 'name', 'publicRead']);
    expect(await bucketExists(name)).toBe(false);
    expect(await auditRows(name)).toEqual([{ actor: 'admin', action: 'bucket.create', outcome: 'InvalidRequest', detail: null }]);
  });

  it('refuses a body that is not JSON, and audits the refusal', async () => {
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'bucket.create' AND outcome = 'MalformedJSON'").first<{ n: number }>();
    const r = await admin('POST', '/buckets', '{"name": "half');
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('MalformedJSON');
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'bucket.create' AND outcome = 'MalformedJSON'").first<{ n: number }>();
    expect(after!.n).toBe(before!.n + 1);
  });

  it('refuses a duplicate name with 409 and leaves the first bucket as it was', async () => {
    const name = uniqueBucketName('dup');
    const first = await admin('POST', '/buckets', { name });
    const second = await admin('POST', '/buckets', { name, publicRead: true });
    expect(second.status).toBe(409);
    expect(second.json.error.code).toBe('BucketAlreadyExists');
    expect((await admin('GET', `/buckets/${name}`)).json).toEqual(first.json);
    expect((await auditRows(name)).map((a) => a.outcome)).toEqual(['success', 'BucketAlreadyExists']);
  });

  it('reserves the name "admin"', async () => {
    const r = await admin('POST', '/buckets', { name: 'admin' });
    expect(r.status).toBe(400);
    expect(r.json.error.fields.name[0]).toContain('reserved');
    expect(await bucketExists('admin')).toBe(false);
  });

  it('refuses a backend naming an R2 binding the Worker does not have', async () => {
    const name = uniqueBucketName('nobinding');
    for (const binding of ['NO_SUCH_BINDING', 'CACHE', 'DB']) {
      const r = await admin('POST', '/buckets', { name, backend: { type: 'r2', binding, prefix: '' } });
      expect(r.status).toBe(400);
      expect(r.json.error.fields['backend.binding'][0]).toContain(binding);
    }
    expect(await bucketExists(name)).toBe(false);
  });

  it('refuses a prefix that overlaps another bucket on the same binding', async () => {
    const owner = uniqueBucketName('owner');
    await admin('POST', '/buckets', { name: owner, backend: { type: 'r2', binding: 'STORAGE_B', prefix: `shared/${owner}/` } });
    for (const prefix of ['shared/', `shared/${owner}/inner/`, '']) {
      const name = uniqueBucketName('overlap');
      const r = await admin('POST', '/buckets', { name, backend: { type: 'r2', binding: 'STORAGE_B', prefix } });
      expect(r.status).toBe(409);
      expect(r.json.error.code).toBe('BucketPlacementConflict');
      expect(r.json.error.fields['backend.prefix'][0]).toContain(owner);
      expect(await bucketExists(name)).toBe(false);
    }
  });
});

describe('PATCH, suspend, resume and DELETE /admin/v1/buckets/:name', () => {
  it('makes a PATCH visible to getBucket in this isolate at once', async () => {
    const name = uniqueBucketName('patch');
    await admin('POST', '/buckets', { name });
    expect((await getBucket(env, name))?.publicRead).toBe(false); // now cached
    const r = await admin('PATCH', `/buckets/${name}`, { publicRead: true, publicList: true, labels: { env: 'prod' } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ publicRead: true, publicList: true, labels: { env: 'prod' } });
    expect(await getBucket(env, name)).toMatchObject({ publicRead: true, publicList: true, labels: { env: 'prod' } });
    const rows = await auditRows(name);
    expect(rows.at(-1)).toMatchObject({ action: 'bucket.update', outcome: 'success' });
    expect(JSON.parse(rows.at(-1)!.detail!)).toEqual({ fields: ['publicRead', 'publicList', 'labels'] });
  });

  it('refuses an invalid PATCH and changes nothing', async () => {
    const name = uniqueBucketName('badpatch');
    const created = await admin('POST', '/buckets', { name });
    const r = await admin('PATCH', `/buckets/${name}`, { cacheTtl: -1, name: 'renamed', backend: { type: 'r2', binding: 'NOPE', prefix: '' } });
    expect(r.status).toBe(400);
    expect(Object.keys(r.json.error.fields).sort()).toEqual(['cacheTtl', 'name']);
    const unknownBinding = await admin('PATCH', `/buckets/${name}`, { backend: { type: 'r2', binding: 'NOPE', prefix: '' } });
    expect(unknownBinding.json.error.fields['backend.binding']).toBeDefined();
    expect((await admin('GET', `/buckets/${name}`)).json).toEqual(created.json);
    expect((await auditRows(name)).map((a) => a.outcome)).toEqual(['success', 'InvalidRequest', 'InvalidRequest']);
  });

  it('answers 404 for a bucket that does not exist, and audits the failed write', async () => {
    const name = uniqueBucketName('ghost');
    expect((await admin('GET', `/buckets/${name}`)).json.error.code).toBe('NoSuchBucket');
    const r = await admin('PATCH', `/buckets/${name}`, { publicRead: true });
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('NoSuchBucket');
    expect((await admin('POST', `/buckets/${name}/suspend`)).status).toBe(404);
    expect((await admin('DELETE', `/buckets/${name}`)).status).toBe(404);
    expect(await bucketExists(name)).toBe(false);
    expect((await auditRows(name)).map((a) => `${a.action}:${a.outcome}`)).toEqual([
      'bucket.update:NoSuchBucket',
      'bucket.suspend:NoSuchBucket',
      'bucket.delete:NoSuchBucket',
    ]);
  });

  it('suspends a bucket so S3 refuses it, and resumes it', async () => {
    const name = uniqueBucketName('suspend');
    await admin('POST', '/buckets', { name, publicRead: true });
    await getBucket(env, name);
    const suspended = await admin('POST', `/buckets/${name}/suspend`);
    expect(suspended.json.status).toBe('suspended');
    expect((await getBucket(env, name))?.status).toBe('suspended');
    const s3 = await SELF.fetch(`https://gateway.test/${name}/some-key`);
    expect(s3.status).toBe(403);
    expect(await s3.text()).toContain('<Code>AllAccessDisabled</Code>');
    const resumed = await admin('POST', `/buckets/${name}/resume`);
    expect(resumed.json.status).toBe('active');
    expect((await getBucket(env, name))?.status).toBe('active');
    expect((await auditRows(name)).map((a) => a.action)).toEqual(['bucket.create', 'bucket.suspend', 'bucket.resume']);
  });

  it('deletes an empty bucket', async () => {
    const name = uniqueBucketName('delete');
    await admin('POST', '/buckets', { name });
    await getBucket(env, name);
    const r = await admin('DELETE', `/buckets/${name}`);
    expect(r.status).toBe(204);
    expect(await getBucket(env, name)).toBeNull();
    expect((await admin('GET', `/buckets/${name}`)).status).toBe(404);
    expect((await auditRows(name)).map((a) => `${a.action}:${a.outcome}`)).toEqual(['bucket.create:success', 'bucket.delete:success']);
  });

  it('refuses to delete a bucket that still holds objects', async () => {
    const name = uniqueBucketName('full');
    await admin('POST', '/buckets', { name });
    await env.STORAGE.put(`buckets/${name}/left-behind.txt`, 'data');
    const r = await admin('DELETE', `/buckets/${name}`);
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('BucketNotEmpty');
    expect(await getBucket(env, name)).not.toBeNull();
    expect(await env.STORAGE.head(`buckets/${name}/left-behind.txt`)).not.toBeNull();
    expect((await auditRows(name)).at(-1)).toMatchObject({ action: 'bucket.delete', outcome: 'BucketNotEmpty' });
  });
});
