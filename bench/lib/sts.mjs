// STS in the bench: a local OIDC issuer (test/oidc/issuer.ts) trusted by an IdP and a role made
// through the admin API, AssumeRoleWithWebIdentity exchanges (timed), and the session credentials
// they return (the session-signed GETs).
import { startOidcIssuer } from '../../test/oidc/issuer.ts';
import { admin } from './gateway.mjs';
import { percentile } from './load.mjs';

const AUDIENCE = 'https://bucketgate.bench';
const ACCOUNT_ROLE_ARN = (name) => `arn:aws:iam::123456789012:role/${name}`;

/** Starts the issuer, registers it and a role that may read `bucket`; stop() closes the issuer. */
export async function setUpSts(info, bucket) {
  const oidc = await startOidcIssuer();
  const { issuer } = await (await fetch(`${oidc.url}/tenants`, { method: 'POST' })).json();
  await admin(info, 'POST', '/idps', { issuer, audiences: [AUDIENCE] });
  const role = await admin(info, 'POST', '/roles', {
    name: 'bench-reader',
    trust: [{ issuer, audience: AUDIENCE, claims: [{ claim: 'sub', operator: 'equals', value: 'bench' }] }],
    statements: [{ effect: 'allow', actions: ['s3:GetObject', 's3:ListBucket'], resources: [bucket, `${bucket}/*`] }],
  });
  let seq = 0;
  return {
    roleArn: ACCOUNT_ROLE_ARN(role.name),
    /** A fresh web identity token (distinct jti) from the local issuer. */
    async mintToken() {
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: issuer, aud: AUDIENCE, sub: 'bench', jti: `bench-${seq++}`, iat: now, nbf: now, exp: now + 600 };
      const response = await fetch(`${issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ claims }) });
      return (await response.json()).token;
    },
    stop: () => oidc.close(),
  };
}

/** One AssumeRoleWithWebIdentity call; returns the session credentials. */
export async function assumeRole(info, roleArn, token) {
  const body = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: 'bench', WebIdentityToken: token, DurationSeconds: '3600',
  });
  const response = await fetch(`${info.endpoint}/.sts`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  const field = (name) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
  if (response.status !== 200 || !field('SessionToken')) throw new Error(`AssumeRoleWithWebIdentity → ${response.status}: ${text.slice(0, 400)}`);
  return { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey'), sessionToken: field('SessionToken') };
}

/**
 * The exchange's latency with the JWKS already cached (one exchange first warms it): `count`
 * calls one after another, each with its own token minted before the clock starts. /.sts is
 * rate limited per client (wrangler.toml: 100 per minute), so `count` stays below that.
 * With `baselineUrl` (the bare Worker) two more are timed the same way: its cheapest answer (what
 * any sequential request costs on this machine under wrangler dev) and its `POST /STS-PLATFORM`,
 * the platform calls of an exchange alone (rate limit, KV read, log line, D1 audit row).
 */
export async function measureExchanges(info, sts, count, baselineUrl) {
  await assumeRole(info, sts.roleArn, await sts.mintToken());
  const tokens = [];
  for (let i = 0; i < count; i++) tokens.push(await sts.mintToken());
  const latencies = [];
  for (const token of tokens) {
    const started = performance.now();
    await assumeRole(info, sts.roleArn, token);
    latencies.push(performance.now() - started);
  }
  const sorted = Float64Array.from(latencies).sort();
  const baseline = baselineUrl === undefined ? {} : {
    floorP50Ms: await sequentialP50(`${baselineUrl}/`, count),
    platformP50Ms: await sequentialP50(`${baselineUrl}/STS-PLATFORM`, count, 'POST'),
  };
  return { exchanges: count, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted[sorted.length - 1], ...baseline };
}

async function sequentialP50(url, count, method = 'GET') {
  const latencies = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await (await fetch(url, { method, signal: AbortSignal.timeout(30_000) })).arrayBuffer();
    latencies.push(performance.now() - started);
  }
  return percentile(Float64Array.from(latencies).sort(), 50);
}
