/**
 * The STS exchange's code under a micro-benchmark (Node, no workerd): AssumeRoleWithWebIdentity
 * end to end through `handleStsRequest` with in-memory KV and D1 fakes (registry records warm in
 * isolate memory, JWKS cached), and its steps one by one. What it shows is CPU per exchange (process
 * CPU time, all threads, so it holds up on a loaded machine; wall time beside it), not
 * the I/O waits (rate limiter, deny-list read) that `npm run bench -- --only sts` includes.
 * Bundled and run by `node bench/micro.mjs --suite sts-exchange`. Each exchange has its own token
 * (distinct jti), signed before the clock starts, as GitHub's are (RS256).
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Env } from '../../src/env';
import type { RequestInfo } from '../../src/hooks/request-hooks';
import { hashClientIp } from '../../src/sts/audit';
import { handleStsRequest } from '../../src/sts/handler';
import { stsKeyring } from '../../src/sts/keys';
import { mintSessionCredentials } from '../../src/sts/session-credentials';
import { verifyWebIdentityToken } from '../../src/sts/web-identity';

const ISSUER = 'https://token.actions.example.com';
const AUDIENCE = 'sts.amazonaws.com';
const ROLE = 'bench-reader';
const NOW = () => new Date();

const { privateKey, publicKey } = await generateKeyPair('RS256');
const publicJwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
const stamp = new Date().toISOString();
const idp = { id: 'idp-bench', issuer: ISSUER, audiences: [AUDIENCE], jwksUri: `${ISSUER}/jwks`, displayName: 'bench', enabled: true, createdAt: stamp, updatedAt: stamp };
const role = {
  id: 'AROABENCHBENCHBENCHBEN'.slice(0, 21), name: ROLE, description: '', maxSessionDuration: 3600, createdAt: stamp, updatedAt: stamp,
  trust: [{ issuer: ISSUER, audience: AUDIENCE, claims: [{ claim: 'repository', operator: 'equals', value: 'acme/app' }] }],
  statements: [{ effect: 'allow', actions: ['s3:GetObject', 's3:PutObject'], resources: ['ci/${repository}/*'] }],
};

/** KV and D1 answering from memory: enough for the registry cache, the JWKS cache, the deny-list and the audit writes. */
function memoryEnv(): Env {
  const kv = new Map<string, { value: string; metadata: unknown }>();
  kv.set(`sts/jwks/v1/`, { value: '', metadata: null });
  const read = (key: string, type?: string) => {
    const hit = kv.get(key);
    return hit === undefined ? null : type === 'json' ? JSON.parse(hit.value) : hit.value;
  };
  const CACHE = {
    async get(key: string | string[], type?: string) {
      return Array.isArray(key) ? new Map(key.map((k) => [k, read(k, type)])) : read(key, type);
    },
    async getWithMetadata(key: string | string[], type?: string) {
      const one = (k: string) => ({ value: read(k, type), metadata: kv.get(k)?.metadata ?? null });
      return Array.isArray(key) ? new Map(key.map((k) => [k, one(k)])) : one(key);
    },
    async put(key: string, value: string, options?: { metadata?: unknown }) {
      kv.set(key, { value, metadata: options?.metadata ?? null });
    },
    async delete(key: string) {
      kv.delete(key);
    },
  };
  const rows: Record<string, unknown> = {
    identity_providers: { id: idp.id, issuer: ISSUER, audiences: JSON.stringify(idp.audiences), jwks_uri: idp.jwksUri, display_name: 'bench', enabled: 1, created_at: stamp, updated_at: stamp },
    roles: { id: role.id, name: ROLE, description: '', trust: JSON.stringify(role.trust), statements: JSON.stringify(role.statements), max_session_duration: 3600, created_at: stamp, updated_at: stamp },
  };
  const DB = {
    prepare(sql: string) {
      const table = Object.keys(rows).find((t) => sql.includes(`FROM ${t}`));
      const statement = {
        bind: () => statement,
        first: async () => (table ? rows[table] : null),
        run: async () => ({ success: true, meta: {} }),
        all: async () => ({ results: [] }),
      };
      return statement;
    },
  };
  return { MASTER_KEY: 'bench-master-key-bench-master-key-0123456789', CACHE, DB, ALLOW_INSECURE_ISSUERS: 'true' } as unknown as Env;
}

const env = memoryEnv();
// The JWKS as the cache holds it after the first exchange's fetch: no network in the benchmark.
const realFetch = globalThis.fetch;
globalThis.fetch = (async (input: RequestInfo | string | URL) =>
  String(input).endsWith('/jwks') ? new Response(JSON.stringify({ keys: [publicJwk] }), { headers: { 'content-type': 'application/json' } }) : realFetch(input as string)) as typeof fetch;

let seq = 0;
async function webIdentityTokens(count: number): Promise<string[]> {
  const tokens: string[] = [];
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < count; i++) {
    tokens.push(
      await new SignJWT({ repository: 'acme/app', ref: 'refs/heads/main' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('repo:acme/app:ref:refs/heads/main')
        .setJti(`bench-${seq++}`).setIssuedAt(now).setExpirationTime(now + 600)
        .sign(privateKey),
    );
  }
  return tokens;
}

function exchangeRequest(token: string): Request {
  const body = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: `arn:aws:iam::123456789012:role/${ROLE}`,
    RoleSessionName: 'bench', WebIdentityToken: token, DurationSeconds: '3600',
  });
  return new Request('http://127.0.0.1:8787/.sts', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': '203.0.113.7' }, body });
}

const pending: Promise<unknown>[] = [];
const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p), passThroughOnException() {} } as unknown as ExecutionContext;
const jwksOptions = { now: NOW(), waitUntil: (p: Promise<unknown>) => void pending.push(p) };

/** A step gets its token and, made before the clock starts, the exchange's Request. */
type Step = (token: string, index: number, request: Request) => unknown;
const steps: Record<string, Step> = {
  'exchange (handleStsRequest)': async (_token, i, request) => {
    const info = { requestId: `r${i}`, frontDoor: 'sts', startedAt: Date.now() } as RequestInfo;
    const response = await handleStsRequest(request, env, ctx, info);
    if (response.status !== 200) throw new Error(`exchange answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  },
  'verifyWebIdentityToken': (token) => verifyWebIdentityToken(env, token, { ...jwksOptions, now: NOW() }),
  'mintSessionCredentials': async () =>
    mintSessionCredentials(await stsKeyring(env), {
      roleId: role.id, roleName: ROLE, account: '123456789012', sessionName: 'bench', subject: 'repo:acme/app', issuer: ISSUER, idpId: idp.id,
      ceiling: role.statements as never, templateClaims: { repository: 'acme/app' }, issuedAt: new Date(), expiresAt: new Date(Date.now() + 3600_000),
    }),
  'hashClientIp': () => hashClientIp(env, '203.0.113.7', NOW()),
};

export async function run(count: number): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  for (const [name, step] of Object.entries(steps)) {
    for (const pass of ['warm', 'measure'] as const) {
      const tokens = await webIdentityTokens(count);
      const requests = tokens.map(exchangeRequest);
      // Process CPU (every thread: Node runs WebCrypto on its pool), robust to a loaded machine
      // where wall time is mostly waiting for a core; wall time is shown beside it.
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < tokens.length; i++) await step(tokens[i]!, i, requests[i]!);
      const { user, system } = process.cpuUsage(cpu);
      if (pass === 'measure') {
        results[`${name} cpu`] = (user + system) / count;
        results[`${name} wall`] = ((performance.now() - started) * 1000) / count;
      }
      await Promise.all(pending.splice(0));
    }
  }
  return results;
}
