import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { admin } from './admin-client';
import { AUDIENCE, newIssuer } from './helpers/sts';

/** /admin/v1/idps and /admin/v1/roles: CRUD, validation with field errors, audit, authentication. */

const trustFor = (issuer: string) => [{ issuer, audience: AUDIENCE, claims: [{ claim: 'sub', operator: 'starts_with', value: 'repo:org/' }] }];
const statements = [{ effect: 'allow', actions: ['s3:GetObject'], resources: ['b/${repository}/*'] }];

async function auditOutcomes(action: string, target: string): Promise<string[]> {
  const { results } = await env.DB.prepare('SELECT outcome FROM audit_log WHERE action = ? AND target = ? ORDER BY id').bind(action, target).all<{ outcome: string }>();
  return results.map((r) => r.outcome);
}

describe('/admin/v1/idps', () => {
  it('creates, reads, lists, updates and deletes a provider', async () => {
    const { issuer } = await newIssuer();
    const created = await admin('POST', '/idps', { issuer, audiences: [AUDIENCE], displayName: 'local' });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ issuer, audiences: [AUDIENCE], jwksUri: null, displayName: 'local', enabled: true });
    const id = created.json.id as string;
    expect((await admin('GET', `/idps/${id}`)).json).toEqual(created.json);
    expect((await admin('GET', '/idps')).json.idps.some((i: any) => i.id === id)).toBe(true);

    const patched = await admin('PATCH', `/idps/${id}`, { audiences: ['a', 'b'], enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ audiences: ['a', 'b'], enabled: false, issuer });

    expect((await admin('POST', '/idps', { issuer, audiences: ['x'] })).json.error.code).toBe('IdentityProviderAlreadyExists');
    expect((await admin('DELETE', `/idps/${id}`)).status).toBe(204);
    expect((await admin('GET', `/idps/${id}`)).status).toBe(404);
    expect((await admin('DELETE', `/idps/${id}`)).json.error.code).toBe('NoSuchIdentityProvider');
    expect(await auditOutcomes('idp.create', issuer)).toEqual(['success', 'IdentityProviderAlreadyExists']);
  });

  it('refuses invalid input with field errors, and writes nothing', async () => {
    const before = (await admin('GET', '/idps')).json.idps.length;
    const cases: [unknown, string][] = [
      [{ issuer: 'not a url', audiences: ['a'] }, 'issuer'],
      [{ issuer: 'https://idp.example.com', audiences: [] }, 'audiences'],
      [{ issuer: 'https://idp.example.com?x=1', audiences: ['a'] }, 'issuer'],
      [{ issuer: 'http://idp.example.com', audiences: ['a'] }, 'issuer'],
      [{ issuer: 'https://idp.example.com', audiences: ['a'], jwksUri: 'ftp://x' }, 'jwksUri'],
      [{ issuer: 'https://idp.example.com', audiences: ['a'], surprise: true }, 'surprise'],
    ];
    for (const [body, field] of cases) {
      const r = await admin('POST', '/idps', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.code).toBe('InvalidRequest');
      expect(Object.keys(r.json.error.fields), JSON.stringify(body)).toContain(field);
    }
    expect((await admin('GET', '/idps')).json.idps.length).toBe(before);
  });

  it('requires the admin token', async () => {
    expect((await admin('GET', '/idps', undefined, null)).status).toBe(401);
    expect((await admin('POST', '/roles', {}, 'wrong-token-wrong-token')).status).toBe(401);
    expect((await admin('GET', '/revocations', undefined, null)).status).toBe(401);
  });
});

describe('/admin/v1/roles', () => {
  it('creates, reads, lists, updates and deletes a role', async () => {
    const { issuer } = await newIssuer();
    await admin('POST', '/idps', { issuer, audiences: [AUDIENCE] });
    const name = `role-${crypto.randomUUID().slice(0, 8)}`;
    const created = await admin('POST', '/roles', { name, trust: trustFor(issuer), statements });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ name, description: '', trust: trustFor(issuer), statements, maxSessionDuration: 3600 });
    expect(created.json.id).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect((await admin('GET', `/roles/${name}`)).json).toEqual(created.json);
    expect((await admin('GET', '/roles')).json.roles.some((r: any) => r.name === name)).toBe(true);

    const patched = await admin('PATCH', `/roles/${name}`, { maxSessionDuration: 43200, description: 'CI' });
    expect(patched.json).toMatchObject({ maxSessionDuration: 43200, description: 'CI', id: created.json.id });
    expect((await admin('POST', '/roles', { name, trust: trustFor(issuer), statements })).json.error.code).toBe('RoleAlreadyExists');
    expect((await admin('DELETE', `/roles/${name}`)).status).toBe(204);
    expect((await admin('GET', `/roles/${name}`)).status).toBe(404);
    expect((await admin('PATCH', `/roles/${name}`, { description: 'x' })).json.error.code).toBe('NoSuchRole');
  });

  it('refuses invalid roles with field errors, and writes nothing', async () => {
    const { issuer } = await newIssuer();
    await admin('POST', '/idps', { issuer, audiences: [AUDIENCE] });
    const name = `bad-${crypto.randomUUID().slice(0, 8)}`;
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'has space', trust: trustFor(issuer), statements }, 'name'],
      [{ name, trust: [], statements }, 'trust'],
      [{ name, trust: [{ issuer, audience: AUDIENCE, claims: [] }], statements }, 'trust.0.claims'],
      [{ name, trust: [{ issuer, audience: AUDIENCE, claims: [{ claim: 'sub', operator: 'regex', value: '.*' }] }], statements }, 'trust.0.claims.0.operator'],
      [{ name, trust: [{ issuer: 'https://unregistered.example.com', audience: AUDIENCE, claims: trustFor(issuer)[0]!.claims }], statements }, 'trust.0.issuer'],
      [{ name, trust: trustFor(issuer), statements: [{ effect: 'maybe', actions: ['s3:GetObject'], resources: ['b'] }] }, 'statements.0.effect'],
      [{ name, trust: trustFor(issuer), statements: [{ effect: 'allow', actions: ['GetObject'], resources: ['b'] }] }, 'statements.0.actions.0'],
      [{ name, trust: trustFor(issuer), statements, maxSessionDuration: 899 }, 'maxSessionDuration'],
      [{ name, trust: trustFor(issuer), statements, maxSessionDuration: 43201 }, 'maxSessionDuration'],
    ];
    for (const [body, field] of cases) {
      const r = await admin('POST', '/roles', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(Object.keys(r.json.error.fields), JSON.stringify(body)).toContain(field);
    }
    expect((await admin('GET', `/roles/${name}`)).status).toBe(404);
  });
});
