import { env } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSecret, SECRET_PURPOSE } from '../../src/secrets/envelope';
import { admin } from './admin-client';

/**
 * Connection kinds (adrs/0023) through the admin API: azure and webdav connections created,
 * patched and rotated per kind, field errors per kind with nothing saved, SSRF refusals for every
 * URL a kind takes, secrets never answered, and buckets on any kind. Saved offline
 * (?validate=false): probing a real Azurite / WebDAV server is the drivers' and the e2e's part.
 */

// A real-looking account key (base64 of 64 random bytes), distinctive enough to search for.
const ACCOUNT_KEY = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(64))));
const SAS = `sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2030-01-01T00:00:00Z&spr=https&sig=${encodeURIComponent(btoa(crypto.randomUUID()))}`;
const APP_PASSWORD = `AppPw-${crypto.randomUUID()}`;

function uniqueName(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}`;
}

function azure(name: string, extra: Record<string, unknown> = {}) {
  return { kind: 'azure', name, accountUrl: 'https://acme.blob.core.windows.net', probeContainer: 'photos', auth: { mode: 'shared_key', accountName: 'acme', accountKey: ACCOUNT_KEY }, ...extra };
}

function webdav(name: string, extra: Record<string, unknown> = {}) {
  return { kind: 'webdav', name, baseUrl: 'https://cloud.example.com/remote.php/dav/files/alice/buckets', flavor: 'nextcloud', auth: { mode: 'basic', username: 'alice', password: APP_PASSWORD }, ...extra };
}

async function connectionRow(name: string): Promise<Record<string, unknown> | null> {
  return env.DB.prepare('SELECT * FROM connections WHERE name = ?').bind(name).first<Record<string, unknown>>();
}

async function create(body: unknown) {
  const r = await admin('POST', '/connections?validate=false', body);
  expect(r.status, r.text).toBe(201);
  return r.json as { id: string; settings: Record<string, unknown>; auth: Record<string, unknown> };
}

describe('azure connections', () => {
  it('creates with an account URL, or account + endpoint suffix (default core.windows.net), and shows no key', async () => {
    const byUrl = await create(azure(uniqueName('az-url')));
    expect(byUrl).toMatchObject({ kind: 'azure', settings: { accountUrl: 'https://acme.blob.core.windows.net', probeContainer: 'photos' }, auth: { mode: 'shared_key' }, lastValidation: { skipped: true } });
    expect(byUrl.auth.fingerprint).toMatch(/^…acme sha256:[0-9a-f]{8}$/);
    const byAccount = await create(azure(uniqueName('az-acct'), { accountUrl: undefined, account: 'acme' }));
    expect(byAccount.settings.accountUrl).toBe('https://acme.blob.core.windows.net');
    const sovereign = await create(azure(uniqueName('az-cn'), { accountUrl: undefined, account: 'acme', endpointSuffix: 'core.chinacloudapi.cn' }));
    expect(sovereign.settings.accountUrl).toBe('https://acme.blob.core.chinacloudapi.cn');
  });

  it('accepts SAS, federation, secret_ref and anonymous auth; SAS shows only a fingerprint', async () => {
    const sas = await create(azure(uniqueName('az-sas'), { auth: { mode: 'sas', token: `?${SAS}` } }));
    expect(sas.auth).toEqual({ mode: 'sas', fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{8}$/) });
    const fed = await create(azure(uniqueName('az-fed'), { auth: { mode: 'federation', tokenEndpoint: 'https://login.microsoftonline.com/t/oauth2/v2.0/token', clientId: 'c1' } }));
    expect(fed.auth).toEqual({ mode: 'federation', tokenEndpoint: 'https://login.microsoftonline.com/t/oauth2/v2.0/token', clientId: 'c1' });
    expect((await create(azure(uniqueName('az-ref'), { auth: { mode: 'secret_ref', secretName: 'AZURE_KEYS' } }))).auth).toEqual({ mode: 'secret_ref', secretName: 'AZURE_KEYS' });
    expect((await create(azure(uniqueName('az-anon'), { auth: { mode: 'anonymous' } }))).auth).toEqual({ mode: 'anonymous' });
  });

  it('refuses bad input at the field, 400, and saves nothing', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ auth: { mode: 'shared_key', accountName: 'acme', accountKey: 'not base64!' } }, 'auth.accountKey'],
      [{ auth: { mode: 'shared_key', accountName: 'Bad_Name', accountKey: ACCOUNT_KEY } }, 'auth.accountName'],
      [{ auth: { mode: 'sas', token: 'sv=2022-11-02&sp=r' } }, 'auth.token'],
      [{ auth: { mode: 'static', accessKeyId: 'a', secretAccessKey: 'b' } }, 'auth.mode'],
      [{ auth: { mode: 'federation', clientId: 'c1' } }, 'auth.tokenEndpoint'],
      [{ account: 'acme' }, 'account'],
      [{ accountUrl: undefined }, 'accountUrl'],
      [{ accountUrl: undefined, account: 'x' }, 'account'],
      [{ endpointSuffix: 'core.windows.net' }, 'endpointSuffix'],
      [{ endpoint: 'https://acme.blob.core.windows.net' }, 'endpoint'],
      [{ probeContainer: 'x' }, 'probeContainer'],
      [{ probeContainer: undefined }, 'probeContainer'],
    ];
    for (const [change, field] of cases) {
      const name = uniqueName('az-bad');
      const r = await admin('POST', '/connections?validate=false', azure(name, change));
      expect(r.status, `${field}: ${r.text}`).toBe(400);
      expect(Object.keys(r.json.error.fields), `${field}: ${r.text}`).toContain(field);
      expect(await connectionRow(name), field).toBeNull();
    }
  });

  it('patches its own settings only, and rotates to another of its modes', async () => {
    const { id } = await create(azure(uniqueName('az-patch')));
    const patched = await admin('PATCH', `/connections/${id}?validate=false`, { account: 'other', endpointSuffix: 'core.usgovcloudapi.net', probeContainer: 'probe' });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json.settings).toEqual({ accountUrl: 'https://other.blob.core.usgovcloudapi.net', probeContainer: 'probe' });
    // The probe container cannot be cleared: every azure connection is probed on one.
    const cleared = await admin('PATCH', `/connections/${id}?validate=false`, { probeContainer: null });
    expect(cleared.status).toBe(400);
    const foreign = await admin('PATCH', `/connections/${id}?validate=false`, { baseUrl: 'https://x.example.com/' });
    expect(foreign.status).toBe(400);
    expect((await admin('GET', `/connections/${id}`)).json.settings).toEqual(patched.json.settings);

    const before = (await admin('GET', `/connections/${id}`)).json;
    const rotated = await admin('POST', `/connections/${id}/rotate?validate=false`, { auth: { mode: 'sas', token: SAS } });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.json.auth.mode).toBe('sas');
    const refused = await admin('POST', `/connections/${id}/rotate?validate=false`, { auth: { mode: 'basic', username: 'u', password: 'p' } });
    expect(refused.status).toBe(400);
    expect(refused.json.error.fields['auth.mode']).toBeDefined();
    expect((await admin('GET', `/connections/${id}`)).json.auth).toEqual(rotated.json.auth);
    expect(rotated.json.auth).not.toEqual(before.auth);
  });
});

describe('webdav connections', () => {
  it('creates generic and nextcloud connections; the base URL is a collection', async () => {
    const generic = await create({ kind: 'webdav', name: uniqueName('dav'), baseUrl: 'https://dav.example.com/store', auth: { mode: 'anonymous' } });
    expect(generic.settings).toEqual({ baseUrl: 'https://dav.example.com/store/', flavor: 'generic' });
    const nc = await create(webdav(uniqueName('nc'), { uploadsUrl: 'https://cloud.example.com/remote.php/dav/uploads/alice/' }));
    expect(nc.settings).toMatchObject({ flavor: 'nextcloud', uploadsUrl: 'https://cloud.example.com/remote.php/dav/uploads/alice/' });
    expect(nc.auth.fingerprint).toMatch(/^…lice sha256:[0-9a-f]{8}$/);
  });

  it('refuses bad input at the field, 400, and saves nothing', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ baseUrl: undefined }, 'baseUrl'],
      [{ flavor: 'owncloud9' }, 'flavor'],
      [{ flavor: 'generic', uploadsUrl: 'https://cloud.example.com/remote.php/dav/uploads/alice/' }, 'uploadsUrl'],
      [{ auth: { mode: 'basic', username: 'a:b', password: 'p' } }, 'auth.username'],
      [{ auth: { mode: 'basic', username: 'alice' } }, 'auth.password'],
      [{ auth: { mode: 'shared_key', accountName: 'acme', accountKey: ACCOUNT_KEY } }, 'auth.mode'],
      [{ auth: { mode: 'secret_ref', secretName: 'lower-case' } }, 'auth.secretName'],
    ];
    for (const [change, field] of cases) {
      const name = uniqueName('dav-bad');
      const r = await admin('POST', '/connections?validate=false', webdav(name, change));
      expect(r.status, `${field}: ${r.text}`).toBe(400);
      expect(Object.keys(r.json.error.fields), `${field}: ${r.text}`).toContain(field);
      expect(await connectionRow(name), field).toBeNull();
    }
  });

  it('patches and rotates', async () => {
    const { id } = await create(webdav(uniqueName('dav-patch')));
    const patched = await admin('PATCH', `/connections/${id}?validate=false`, { flavor: 'generic', baseUrl: 'https://dav.example.com/x' });
    expect(patched.json.settings).toEqual({ baseUrl: 'https://dav.example.com/x/', flavor: 'generic' });
    const rotated = await admin('POST', `/connections/${id}/rotate?validate=false`, { auth: { mode: 'basic', username: 'alice', password: `${APP_PASSWORD}-2` } });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.json.auth.fingerprint).not.toBe(patched.json.auth.fingerprint);
  });
});

describe('SSRF guard for every URL a kind takes', () => {
  const internal = ['https://169.254.169.254', 'http://acme.blob.core.windows.net', 'https://10.0.0.1', 'https://[::ffff:127.0.0.1]', 'https://localhost', 'https://user:pw@dav.example.com/'];

  it('refuses internal accountUrl, tokenEndpoint, baseUrl and uploadsUrl, even offline, and saves nothing', async () => {
    for (const url of internal) {
      const attempts: Array<[Record<string, unknown>, string]> = [
        [azure(uniqueName('ssrf'), { accountUrl: url }), 'accountUrl'],
        [azure(uniqueName('ssrf'), { auth: { mode: 'federation', tokenEndpoint: url, clientId: 'c' } }), 'auth.tokenEndpoint'],
        [webdav(uniqueName('ssrf'), { baseUrl: url }), 'baseUrl'],
        [webdav(uniqueName('ssrf'), { uploadsUrl: url }), 'uploadsUrl'],
      ];
      for (const [body, field] of attempts) {
        const r = await admin('POST', '/connections?validate=false', body);
        expect(r.status, `${field} ${url}: ${r.text}`).toBe(400);
        expect(r.json.error.fields[field], `${field} ${url}`).toHaveLength(1);
        expect(await connectionRow((body as { name: string }).name)).toBeNull();
      }
    }
    // The account + suffix spelling is guarded like any URL: a suffix cannot smuggle a host in.
    const smuggled = await admin('POST', '/connections?validate=false', azure(uniqueName('ssrf'), { accountUrl: undefined, account: 'acme', endpointSuffix: 'localhost' }));
    expect(smuggled.status).toBe(400);
  });

  it('refuses an internal URL on PATCH and leaves the connection as it was', async () => {
    const { id, settings } = await create(webdav(uniqueName('ssrf-patch')));
    const r = await admin('PATCH', `/connections/${id}?validate=false`, { baseUrl: 'https://169.254.169.254/' });
    expect(r.status).toBe(400);
    expect((await admin('GET', `/connections/${id}`)).json.settings).toEqual(settings);
  });
});

describe('secrets of every kind stay in the envelope', () => {
  let logged: string[] = [];
  beforeEach(() => {
    logged = [];
    for (const level of ['log', 'info', 'warn', 'error'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
    }
  });
  afterEach(() => vi.restoreAllMocks());

  it('never answers, audits, logs or stores in clear the account key, SAS token or app password; one envelope format for all', async () => {
    const answers: string[] = [];
    const made: Array<{ id: string; name: string; sealed: unknown }> = [];
    for (const [body, sealed] of [
      [azure(uniqueName('sec-az')), { accountName: 'acme', accountKey: ACCOUNT_KEY }],
      [azure(uniqueName('sec-sas'), { auth: { mode: 'sas', token: SAS } }), { sasToken: SAS }],
      [webdav(uniqueName('sec-dav')), { username: 'alice', password: APP_PASSWORD }],
    ] as const) {
      const r = await admin('POST', '/connections?validate=false', body);
      answers.push(r.text);
      made.push({ id: r.json.id, name: body.name, sealed });
      answers.push((await admin('GET', `/connections/${r.json.id}`)).text, (await admin('POST', `/connections/${r.json.id}/validate`)).text);
      answers.push((await admin('POST', `/connections/${r.json.id}/rotate?validate=false`, { auth: body.auth })).text);
    }
    answers.push((await admin('GET', '/connections')).text);
    const rows = (await env.DB.prepare('SELECT * FROM connections').all<Record<string, unknown>>()).results;
    const audit = (await env.DB.prepare('SELECT * FROM audit_log').all<Record<string, unknown>>()).results;
    for (const secret of [ACCOUNT_KEY, SAS, decodeURIComponent(SAS), APP_PASSWORD]) {
      for (const spelling of [secret, btoa(secret), encodeURIComponent(secret)]) {
        for (const answer of answers) expect(answer).not.toContain(spelling);
        for (const row of [...rows, ...audit]) for (const value of Object.values(row)) expect(String(value)).not.toContain(spelling);
        for (const line of logged) expect(line).not.toContain(spelling);
      }
    }
    // Every kind's secret is the same envelope (AES-GCM under the connections subkey, bound to the row).
    for (const { id, sealed } of made) {
      const row = rows.find((r) => r.id === id)!;
      expect(row.credential_ciphertext).toMatch(/^v1\./);
      expect(JSON.parse(await openSecret(env.MASTER_KEY, SECRET_PURPOSE.connectionCredential, String(row.credential_ciphertext), id))).toEqual(sealed);
    }
  });
});

describe('buckets on any kind of connection', () => {
  it('places buckets on azure containers and webdav collections, refusing overlaps and a type that is not the connection kind', async () => {
    const az = await create(azure(uniqueName('b-az')));
    const dav = await create(webdav(uniqueName('b-dav')));
    const onAzure = uniqueName('on-az');
    const r = await admin('POST', '/buckets?validate=false', { name: onAzure, backend: { type: 'azure', connection: az.id, container: 'photos', prefix: 'a/' } });
    expect(r.status, r.text).toBe(201);
    expect(r.json.backend).toEqual({ type: 'azure', connection: az.id, container: 'photos', prefix: 'a/' });
    // Same prefix in another container: another place.
    expect((await admin('POST', '/buckets?validate=false', { name: uniqueName('on-az2'), backend: { type: 'azure', connection: az.id, container: 'videos', prefix: 'a/' } })).status).toBe(201);
    const overlap = await admin('POST', '/buckets?validate=false', { name: uniqueName('on-az3'), backend: { type: 'azure', connection: az.id, container: 'photos', prefix: 'a/b/' } });
    expect(overlap.status).toBe(409);
    expect(overlap.json.error.code).toBe('BucketPlacementConflict');

    const onDav = uniqueName('on-dav');
    expect((await admin('POST', '/buckets?validate=false', { name: onDav, backend: { type: 'webdav', connection: dav.id, prefix: 'one/' } })).status).toBe(201);
    expect((await admin('POST', '/buckets?validate=false', { name: uniqueName('on-dav2'), backend: { type: 'webdav', connection: dav.id, prefix: '' } })).status).toBe(409);

    const wrongType = uniqueName('wrong');
    const mismatch = await admin('POST', '/buckets?validate=false', { name: wrongType, backend: { type: 's3', connection: dav.id, bucket: 'x', prefix: '' } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.json.error.fields['backend.type']).toHaveLength(1);
    expect((await admin('GET', `/buckets/${wrongType}`)).status).toBe(404);
    const badContainer = await admin('POST', '/buckets?validate=false', { name: uniqueName('badc'), backend: { type: 'azure', connection: az.id, container: 'Bad_Container', prefix: '' } });
    expect(badContainer.status).toBe(400);
    expect(badContainer.json.error.fields['backend.container']).toHaveLength(1);
    // Collections: a prefix is '' or ends in '/', and never climbs out of the base.
    for (const prefix of ['noslash', '/abs/', 'a/../b/']) {
      const bad = await admin('POST', '/buckets?validate=false', { name: uniqueName('badp'), backend: { type: 'webdav', connection: dav.id, prefix } });
      expect(bad.status, prefix).toBe(400);
      expect(bad.json.error.fields['backend.prefix'], prefix).toBeDefined();
    }

    const inUse = await admin('DELETE', `/connections/${dav.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.json.error.code).toBe('ConnectionInUse');
  });

  it('takes an azure or webdav connection as the default backend, each new bucket under its own prefix', async () => {
    const dav = await create(webdav(uniqueName('def-dav')));
    const previous = (await admin('GET', '/settings')).json.defaultBackend;
    try {
      const set = await admin('PUT', '/settings?validate=false', { defaultBackend: { type: 'webdav', connection: dav.id, prefix: 'tenants/' } });
      expect(set.status, set.text).toBe(200);
      expect((await admin('GET', '/settings')).json).toMatchObject({ defaultBackend: { type: 'webdav', connection: dav.id, prefix: 'tenants/' }, source: { defaultBackend: 'admin' } });
      const name = uniqueName('def');
      const created = await admin('POST', '/buckets', { name });
      expect(created.status, created.text).toBe(201);
      expect(created.json.backend).toEqual({ type: 'webdav', connection: dav.id, prefix: `tenants/buckets/${name}/` });
    } finally {
      await admin('PUT', '/settings?validate=false', { defaultBackend: previous });
    }
  });
});
