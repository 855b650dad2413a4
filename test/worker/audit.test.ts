import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { pruneExpired } from '../../src/ops/retention';
import { admin, uniqueBucketName } from './admin-client';
import { createRole, githubClaims, assumeRole, type Issuer, newIssuer, registerIdp, stsCall } from './helpers/sts';

/**
 * Issue 10: GET /admin/v1/audit over both sources — admin writes and successful STS exchanges
 * (audit_log) and failed STS calls (sts_failures, counted) — filtered, newest first, cursor-paged;
 * and the retention pass.
 */

async function settled<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 100 && !ok(value); i++) {
    await new Promise((r) => setTimeout(r, 20));
    value = await read();
  }
  return value;
}

describe('audit API', () => {
  const bucket = uniqueBucketName('audit');

  beforeAll(async () => {
    expect((await admin('POST', '/buckets', { name: bucket })).status).toBe(201);
    for (let i = 0; i < 4; i++) expect((await admin('PATCH', `/buckets/${bucket}`, { labels: { round: String(i) } })).status).toBe(200);
    expect((await admin('PATCH', `/buckets/${bucket}`, { cacheTtl: -5 })).status).toBe(400);
  });

  it('filters by target and pages newest first with an opaque cursor, every entry once', async () => {
    const all = await admin('GET', `/audit?target=${bucket}`);
    expect(all.status).toBe(200);
    expect(all.json.entries.map((e: any) => e.action)).toEqual(['bucket.update', 'bucket.update', 'bucket.update', 'bucket.update', 'bucket.update', 'bucket.create']);
    expect(all.json.entries.map((e: any) => e.outcome)).toEqual(['InvalidRequest', 'success', 'success', 'success', 'success', 'success']);
    expect(all.json.entries.every((e: any) => e.kind === 'event' && e.actor === 'admin' && e.count === 1)).toBe(true);
    expect(all.json.nextCursor).toBeUndefined();

    const seen: any[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await admin('GET', `/audit?target=${bucket}&limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.json.entries.length).toBeLessThanOrEqual(4);
      seen.push(...page.json.entries);
      cursor = page.json.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual(all.json.entries);
  });

  it('filters by outcome, action prefix and time range', async () => {
    const failed = await admin('GET', `/audit?target=${bucket}&outcome=failure`);
    expect(failed.json.entries.map((e: any) => e.outcome)).toEqual(['InvalidRequest']);
    const created = await admin('GET', `/audit?target=${bucket}&action=bucket.create`);
    expect(created.json.entries).toHaveLength(1);
    const prefixed = await admin('GET', `/audit?target=${bucket}&action=bucket.*&outcome=success`);
    expect(prefixed.json.entries).toHaveLength(5);
    const future = await admin('GET', `/audit?target=${bucket}&from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.json.entries).toEqual([]);
    const past = await admin('GET', `/audit?target=${bucket}&to=2000-01-01T00:00:00Z`);
    expect(past.json.entries).toEqual([]);
  });

  describe('STS exchanges', () => {
    let idp: Issuer;
    let role: string;
    beforeAll(async () => {
      idp = await newIssuer();
      await registerIdp(idp.issuer);
      role = (await createRole(idp.issuer, [])).name;
    });

    it('a successful exchange is an event; failed ones are one counted entry per client and minute', async () => {
      const { credentials } = await assumeRole(role, await idp.token(githubClaims(idp.issuer)));
      expect(credentials).toBeDefined();
      const ip = `198.51.100.${Math.floor(Math.random() * 200) + 1}`;
      for (let i = 0; i < 3; i++) {
        const r = await stsCall(
          { Action: 'AssumeRoleWithWebIdentity', RoleArn: `arn:aws:iam::123456789012:role/${role}`, RoleSessionName: 'ci', WebIdentityToken: 'not-a-jwt' },
          { headers: { 'cf-connecting-ip': ip } },
        );
        expect(r.status).toBe(400);
      }
      const entries = await settled(
        async () => (await admin('GET', `/audit?action=sts.*&target=${role}`)).json.entries as any[],
        (e) => e.some((x) => x.kind === 'event') && e.some((x) => x.kind === 'failure-count' && x.count === 3),
      );
      const success = entries.find((e) => e.kind === 'event')!;
      expect(success).toMatchObject({ action: 'sts.AssumeRoleWithWebIdentity', outcome: 'success', target: role, count: 1 });
      expect(success.detail.accessKeyId).toBe(credentials!.accessKeyId);
      const failures = entries.find((e) => e.kind === 'failure-count')!;
      expect(failures).toMatchObject({ action: 'sts.AssumeRoleWithWebIdentity', outcome: 'InvalidIdentityToken', target: role, count: 3 });
      expect(failures.detail.clientIpHash).toMatch(/^[0-9a-f]{32}$/);
      const onlyFailures = await admin('GET', `/audit?action=sts.*&target=${role}&outcome=failure`);
      expect(onlyFailures.json.entries.map((e: any) => e.kind)).toEqual(['failure-count']);
      // Nothing in the audit answer is a credential.
      const text = JSON.stringify(entries);
      expect(text).not.toContain(credentials!.secretAccessKey);
      expect(text).not.toContain(credentials!.sessionToken);
    });
  });

  it('refuses bad queries: a forged cursor, limit over 1000, a bad time, an unknown filter', async () => {
    for (const query of ['cursor=bm90LWEtY3Vyc29y', 'limit=1001', 'limit=0', 'from=yesterday', 'colour=red']) {
      const r = await admin('GET', `/audit?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.json.error.code).toBe('InvalidRequest');
    }
    expect((await admin('GET', '/audit?limit=1000')).status).toBe(200);
  });
});

describe('retention (scheduled handler)', () => {
  it('prunes audit entries, STS failure counts and usage past their retention, keeps the rest', async () => {
    const marker = `retention-${crypto.randomUUID()}`;
    const now = new Date();
    const old = new Date(now.getTime() - 91 * 86_400_000).toISOString();
    const recent = new Date(now.getTime() - 89 * 86_400_000).toISOString();
    await env.DB.batch([
      env.DB.prepare("INSERT INTO audit_log (at, actor, action, target, outcome) VALUES (?, 'admin', 'bucket.create', ?, 'success')").bind(old, marker),
      env.DB.prepare("INSERT INTO audit_log (at, actor, action, target, outcome) VALUES (?, 'admin', 'bucket.update', ?, 'success')").bind(recent, marker),
      env.DB.prepare("INSERT INTO sts_failures (minute, client_hash, action, code, count, last_at, last_detail) VALUES (?, ?, 'sts.X', 'E', 1, ?, '{}')").bind(old.slice(0, 16), marker, old),
      env.DB.prepare("INSERT INTO usage_daily (day, bucket, principal, operation, requests, bytes_in, bytes_out, errors) VALUES ('2000-01-01', ?, 'p', 'GetObject', 1, 0, 0, 0)").bind(marker),
      env.DB.prepare("INSERT INTO usage_daily (day, bucket, principal, operation, requests, bytes_in, bytes_out, errors) VALUES (?, ?, 'p', 'GetObject', 1, 0, 0, 0)").bind(now.toISOString().slice(0, 10), marker),
    ]);
    await pruneExpired(env, now);
    const audit = await env.DB.prepare('SELECT action FROM audit_log WHERE target = ?').bind(marker).all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(['bucket.update']);
    expect((await env.DB.prepare('SELECT count(*) AS n FROM sts_failures WHERE client_hash = ?').bind(marker).first<{ n: number }>())!.n).toBe(0);
    const usage = await env.DB.prepare('SELECT day FROM usage_daily WHERE bucket = ?').bind(marker).all<{ day: string }>();
    expect(usage.results.map((r) => r.day)).toEqual([now.toISOString().slice(0, 10)]);

    // AUDIT_RETENTION_DAYS shortens it.
    await pruneExpired({ ...env, AUDIT_RETENTION_DAYS: '30' }, now);
    expect((await env.DB.prepare('SELECT count(*) AS n FROM audit_log WHERE target = ?').bind(marker).first<{ n: number }>())!.n).toBe(0);
  });
});
