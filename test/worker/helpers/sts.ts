import { SELF } from 'cloudflare:test';
import { XMLParser } from 'fast-xml-parser';
import { inject } from 'vitest';
import type { PolicyStatement } from '../../../src/registry/schemas';
import { admin } from '../admin-client';
import { s3Client } from './s3-client';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the local OIDC issuer started by test/oidc/global-setup.ts. */
    oidcIssuerUrl: string;
  }
}

export const AUDIENCE = 'https://gateway.test';
export const ACCOUNT = '123456789012';
const xml = new XMLParser({ parseTagValue: false, ignoreAttributes: false, attributeNamePrefix: '@_' });

/** A tenant of the local issuer: an issuer URL with its own keys and failure modes. */
export interface Issuer {
  issuer: string;
  token(claims: Record<string, unknown>, options?: { alg?: string; kid?: string; header?: Record<string, unknown> }): Promise<string>;
  addKey(options?: { alg?: string; publish?: boolean }): Promise<string>;
  setMode(mode: 'ok' | 'down' | 'slow' | 'huge' | 'wrong-issuer'): Promise<void>;
  /** The next `times` discovery/JWKS requests lose their connection before any answer. */
  dropConnections(times: number): Promise<void>;
  stats(): Promise<{ discovery: number; jwks: number }>;
  jwks(): Promise<{ keys: Record<string, string>[] }>;
}

export async function newIssuer(): Promise<Issuer> {
  const base = inject('oidcIssuerUrl');
  const created = (await (await fetch(`${base}/tenants`, { method: 'POST' })).json()) as { issuer: string };
  const issuer = created.issuer;
  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`issuer ${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as Record<string, string>;
  };
  return {
    issuer,
    token: async (claims, options = {}) => (await post('/token', { claims, ...options })).token!,
    addKey: async (options = {}) => (await post('/keys', options)).kid!,
    setMode: async (mode) => void (await post('/mode', { mode })),
    dropConnections: async (times) => void (await post('/drop', { times })),
    stats: async () => (await (await fetch(`${issuer}/stats`)).json()) as { discovery: number; jwks: number },
    jwks: async () => (await (await fetch(`${issuer}/jwks`)).json()) as { keys: Record<string, string>[] },
  };
}

/** Claims shaped like a GitHub Actions OIDC token for org/repo on main, valid for 5 minutes. */
export function githubClaims(issuer: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    aud: AUDIENCE,
    sub: 'repo:org/repo:ref:refs/heads/main',
    repository: 'org/repo',
    repository_owner: 'org',
    ref: 'refs/heads/main',
    job_workflow_ref: 'org/repo/.github/workflows/deploy.yml@refs/heads/main',
    jti: crypto.randomUUID(),
    iat: now,
    nbf: now,
    exp: now + 300,
    ...overrides,
  };
}

export async function registerIdp(issuer: string, settings: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const r = await admin('POST', '/idps', { issuer, audiences: [AUDIENCE], ...settings });
  if (r.status !== 201) throw new Error(`registering ${issuer}: ${r.status} ${r.text}`);
  return r.json;
}

/** A role trusting org/repo on main (by default), with these statements. */
export async function createRole(
  issuer: string,
  statements: PolicyStatement[],
  settings: Record<string, unknown> = {},
): Promise<Record<string, any>> {
  const name = `role-${crypto.randomUUID().slice(0, 8)}`;
  const trust = [
    {
      issuer,
      audience: AUDIENCE,
      claims: [
        { claim: 'repository', operator: 'equals', value: 'org/repo' },
        { claim: 'ref', operator: 'equals', value: 'refs/heads/main' },
      ],
    },
  ];
  const r = await admin('POST', '/roles', { name, trust, statements, ...settings });
  if (r.status !== 201) throw new Error(`creating role: ${r.status} ${r.text}`);
  return r.json;
}

export interface StsAnswer {
  status: number;
  text: string;
  /** The parsed XML document. */
  doc: any;
  /** ErrorResponse/Error/Code, when an error. */
  code?: string;
  headers: Headers;
}

/** Calls /.sts (or another path) with form parameters, unsigned, as SDKs call AssumeRoleWithWebIdentity. */
export async function stsCall(
  params: Record<string, string>,
  options: { path?: string; method?: 'GET' | 'POST'; headers?: Record<string, string> } = {},
): Promise<StsAnswer> {
  const form = new URLSearchParams({ Version: '2011-06-15', ...params });
  const path = options.path ?? '/.sts';
  const response =
    options.method === 'GET'
      ? await SELF.fetch(`https://gateway.test${path}?${form}`, { headers: options.headers })
      : await SELF.fetch(`https://gateway.test${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers }, body: form.toString() });
  const text = await response.text();
  const doc = xml.parse(text);
  return { status: response.status, text, doc, code: doc.ErrorResponse?.Error?.Code, headers: response.headers };
}

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
}

export async function assumeRole(roleName: string, token: string, extra: Record<string, string> = {}): Promise<{ answer: StsAnswer; credentials?: SessionCredentials }> {
  const answer = await stsCall({
    Action: 'AssumeRoleWithWebIdentity',
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
    RoleSessionName: 'ci-run',
    WebIdentityToken: token,
    ...extra,
  });
  const c = answer.doc.AssumeRoleWithWebIdentityResponse?.AssumeRoleWithWebIdentityResult?.Credentials;
  return {
    answer,
    credentials: c ? { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration } : undefined,
  };
}

/** An @aws-sdk/client-s3 client signing with session credentials (x-amz-security-token). */
export function sessionS3Client(c: Pick<SessionCredentials, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>) {
  const credentials = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken };
  return s3Client(credentials);
}
