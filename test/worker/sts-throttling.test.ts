import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashClientIp } from '../../src/sts/audit';
import { StsError } from '../../src/sts/errors';
import { enforceStsRateLimit } from '../../src/sts/rate-limit';
import { ACCOUNT, createRole, githubClaims, type Issuer, newIssuer, registerIdp, stsCall } from './helpers/sts';

/**
 * Issue 7 item 7: /.sts is rate-limited per client (the vitest config binds STS_RATE_LIMITER at
 * 5 calls per 10 s), and failed calls are counted per client and minute instead of one audit row each.
 */

const LIMIT = 5;
const PERIOD_MS = 10_000;

let idp: Issuer;
let roleName: string;

beforeAll(async () => {
  idp = await newIssuer();
  await registerIdp(idp.issuer);
  roleName = (await createRole(idp.issuer, [])).name;
});

/** A client address no other test uses (the limit and the counts are per client). */
const newClientIp = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}-${crypto.randomUUID().slice(0, 6)}`;

/** An anonymous call that fails: a token that is not a JWT. */
const badCall = (ip: string) =>
  stsCall(
    { Action: 'AssumeRoleWithWebIdentity', RoleArn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`, RoleSessionName: 'ci', WebIdentityToken: 'not-a-jwt' },
    { headers: { 'cf-connecting-ip': ip } },
  );

async function failureRows(ip: string): Promise<{ minute: string; action: string; code: string; count: number; last_detail: string }[]> {
  const hash = await hashClientIp(env, ip, new Date());
  const { results } = await env.DB.prepare('SELECT minute, action, code, count, last_detail FROM sts_failures WHERE client_hash = ? ORDER BY minute, code')
    .bind(hash)
    .all<{ minute: string; action: string; code: string; count: number; last_detail: string }>();
  return results;
}

/** The failure counts are written after the answer (waitUntil): waits until they add up to `total`. */
async function settledFailureRows(ip: string, total: number) {
  let rows = await failureRows(ip);
  for (let i = 0; i < 100 && rows.reduce((n, r) => n + r.count, 0) < total; i++) {
    await new Promise((r) => setTimeout(r, 20));
    rows = await failureRows(ip);
  }
  return rows;
}

/** Waits, if needed, so that what follows starts early in a window of `periodMs` (windows are wall-clock aligned). */
async function startOfWindow(periodMs: number, room: number): Promise<void> {
  const into = Date.now() % periodMs;
  if (into > periodMs - room) await new Promise((r) => setTimeout(r, periodMs - into + 50));
}

describe('STS rate limit', () => {
  it('answers Throttling with Retry-After once a client is over its limit, costs no write, and recovers', async () => {
    const ip = newClientIp();
    const other = newClientIp();
    await startOfWindow(PERIOD_MS, 4_000);
    for (let i = 0; i < LIMIT; i++) expect((await badCall(ip)).code).toBe('InvalidIdentityToken');

    const throttled = await badCall(ip);
    expect(throttled.status).toBe(400);
    expect(throttled.headers.get('retry-after')).toBe('10');
    expect(throttled.doc.ErrorResponse.Error).toMatchObject({ Type: 'Sender', Code: 'Throttling', Message: 'Rate exceeded' });
    expect(throttled.doc.ErrorResponse.RequestId).toMatch(/^[0-9a-f-]{36}$/);
    // A call that would succeed is throttled too: the limit counts calls, not failures.
    const valid = await stsCall(
      { Action: 'AssumeRoleWithWebIdentity', RoleArn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`, RoleSessionName: 'ci', WebIdentityToken: await idp.token(githubClaims(idp.issuer)) },
      { headers: { 'cf-connecting-ip': ip } },
    );
    expect(valid.code).toBe('Throttling');
    expect(valid.doc.AssumeRoleWithWebIdentityResponse).toBeUndefined();
    expect((await badCall(other)).code).toBe('InvalidIdentityToken'); // another client is not affected

    // Only the calls that were answered on their merits were written (one row, count LIMIT).
    const rows = await settledFailureRows(ip, LIMIT);
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(LIMIT);
    expect(rows.every((r) => r.code === 'InvalidIdentityToken')).toBe(true);

    // Recovers in the next window.
    let recovered = throttled;
    for (let i = 0; i < 30 && recovered.code === 'Throttling'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      recovered = await badCall(ip);
    }
    expect(recovered.code).toBe('InvalidIdentityToken');
  });
});

describe('STS rate limit without its binding', () => {
  it('limits nothing, and the bound limiter does (same key, same calls)', async () => {
    const hash = await hashClientIp(env, newClientIp(), new Date());
    const unbound = { ...env, STS_RATE_LIMITER: undefined };
    for (let i = 0; i < LIMIT * 3; i++) await enforceStsRateLimit(unbound, hash);
    await startOfWindow(PERIOD_MS, 2_000);
    for (let i = 0; i < LIMIT; i++) await enforceStsRateLimit(env, hash);
    await expect(enforceStsRateLimit(env, hash)).rejects.toSatisfy((e) => e instanceof StsError && e.code === 'Throttling' && e.retryAfterSeconds === 10);
  });
});

describe('audit of failed STS calls', () => {
  it('counts N failures of one client in one minute as one row with count N', async () => {
    const ip = newClientIp();
    await startOfWindow(60_000, 10_000);
    const n = LIMIT - 1;
    for (let i = 0; i < n; i++) expect((await badCall(ip)).code).toBe('InvalidIdentityToken');

    const rows = await settledFailureRows(ip, n);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'sts.AssumeRoleWithWebIdentity', code: 'InvalidIdentityToken', count: n });
    expect(rows[0]!.minute).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    expect(JSON.parse(rows[0]!.last_detail)).toMatchObject({ actor: 'anonymous', target: roleName, sessionName: 'ci' });
    // None of them reached audit_log.
    const hash = await hashClientIp(env, ip, new Date());
    const logged = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE json_extract(detail, '$.clientIpHash') = ?").bind(hash).first<{ n: number }>();
    expect(logged?.n).toBe(0);
  });

  it('keeps the full audit row of a successful exchange', async () => {
    const ip = newClientIp();
    const role = await createRole(idp.issuer, []);
    const token = await idp.token(githubClaims(idp.issuer));
    const answer = await stsCall(
      { Action: 'AssumeRoleWithWebIdentity', RoleArn: `arn:aws:iam::${ACCOUNT}:role/${role.name}`, RoleSessionName: 'ok', WebIdentityToken: token },
      { headers: { 'cf-connecting-ip': ip } },
    );
    expect(answer.status, answer.text).toBe(200);
    const hash = await hashClientIp(env, ip, new Date());
    let row: { outcome: string; target: string } | null = null;
    for (let i = 0; i < 100 && !row; i++) {
      row = await env.DB.prepare("SELECT outcome, target FROM audit_log WHERE action = 'sts.AssumeRoleWithWebIdentity' AND json_extract(detail, '$.clientIpHash') = ?")
        .bind(hash)
        .first<{ outcome: string; target: string }>();
      if (!row) await new Promise((r) => setTimeout(r, 20));
    }
    expect(row).toEqual({ outcome: 'success', target: role.name });
    expect(await failureRows(ip)).toEqual([]);
  });
});
