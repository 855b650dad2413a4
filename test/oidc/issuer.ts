/**
 * A local OpenID Connect issuer for the STS tests (Node side): discovery, JWKS and a token
 * endpoint, on 127.0.0.1 at a port the OS picks. Keys are generated with jose.
 *
 * Each test file makes its own tenant (`POST /tenants` → an issuer URL of its own), so files that
 * run in parallel can rotate keys or take their IdP down without disturbing each other.
 *
 *   POST /tenants                              → { issuer }
 *   GET  <issuer>/.well-known/openid-configuration
 *   GET  <issuer>/jwks                          the published public keys
 *   POST <issuer>/token  { claims, alg?, kid?, header? }  → { token } (payload signed exactly as given)
 *   POST <issuer>/keys   { alg?, publish? }     → { kid } a new key (published unless publish=false)
 *   POST <issuer>/mode   { mode }               ok | down (503) | slow (5 s) | huge (200 KiB JWKS) | wrong-issuer
 *   POST <issuer>/drop   { times }              the next `times` discovery/JWKS requests lose their
 *                                               connection before any answer (socket destroyed), as a
 *                                               client sees "Network connection lost"; counted in stats
 *   GET  <issuer>/stats                         → { discovery, jwks } request counts
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

type Alg = 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'EdDSA';
type Mode = 'ok' | 'down' | 'slow' | 'huge' | 'wrong-issuer';

interface TenantKey {
  kid: string;
  /** The algorithms it signs; an RSA key serves all three RS*. */
  algs: Alg[];
  privateJwk: JWK;
  publicJwk: JWK;
  published: boolean;
}

interface Tenant {
  issuer: string;
  keys: TenantKey[];
  mode: Mode;
  /** How many more discovery/JWKS requests get their connection dropped. */
  dropNext: number;
  stats: { discovery: number; jwks: number };
}

export interface OidcIssuer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  close(): Promise<void>;
}

const KEY_SPECS: Record<string, { generate: Alg; algs: Alg[]; options?: { crv?: string } }> = {
  RSA: { generate: 'RS256', algs: ['RS256', 'RS384', 'RS512'] },
  'P-256': { generate: 'ES256', algs: ['ES256'] },
  'P-384': { generate: 'ES384', algs: ['ES384'] },
  Ed25519: { generate: 'EdDSA', algs: ['EdDSA'], options: { crv: 'Ed25519' } },
};

export async function startOidcIssuer(): Promise<OidcIssuer> {
  const tenants = new Map<string, Tenant>();
  let next = 0;
  let url = '';

  async function addKey(tenant: Tenant, alg: Alg, published: boolean): Promise<TenantKey> {
    const spec = Object.values(KEY_SPECS).find((s) => s.algs.includes(alg))!;
    const { privateKey, publicKey } = await generateKeyPair(spec.generate, { ...spec.options, extractable: true });
    const kid = `${alg.toLowerCase()}-${tenant.keys.length + 1}`;
    // RSA keys carry no `alg` so one key verifies RS256/384/512; the others pin theirs.
    const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, use: 'sig', ...(alg.startsWith('RS') ? {} : { alg }) };
    const key = { kid, algs: spec.algs, privateJwk: await exportJWK(privateKey), publicJwk, published };
    tenant.keys.push(key);
    return key;
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => send(res, 500, { error: String(error) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', url).pathname;
    if (req.method === 'POST' && path === '/tenants') {
      const id = `t${++next}`;
      const tenant: Tenant = { issuer: `${url}/${id}`, keys: [], mode: 'ok', dropNext: 0, stats: { discovery: 0, jwks: 0 } };
      for (const alg of ['RS256', 'ES256', 'ES384', 'EdDSA'] as const) await addKey(tenant, alg, true);
      tenants.set(id, tenant);
      return send(res, 201, { issuer: tenant.issuer, kids: tenant.keys.map((k) => k.kid) });
    }
    const match = /^\/(t\d+)(\/.*)$/.exec(path);
    const tenant = match ? tenants.get(match[1]!) : undefined;
    if (!tenant) return send(res, 404, { error: 'no such tenant' });
    const route = match![2]!;

    if (req.method === 'GET' && (route === '/.well-known/openid-configuration' || route === '/jwks')) {
      const isDiscovery = route !== '/jwks';
      tenant.stats[isDiscovery ? 'discovery' : 'jwks']++;
      if (tenant.dropNext > 0) {
        tenant.dropNext--;
        req.socket.destroy();
        return;
      }
      if (tenant.mode === 'down') return send(res, 503, { error: 'down' });
      if (tenant.mode === 'slow') await new Promise((r) => setTimeout(r, 5_000));
      if (isDiscovery) {
        const issuer = tenant.mode === 'wrong-issuer' ? `${tenant.issuer}-other` : tenant.issuer;
        return send(res, 200, { issuer, jwks_uri: `${tenant.issuer}/jwks`, response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256', 'ES256', 'ES384', 'EdDSA'] });
      }
      const keys = tenant.keys.filter((k) => k.published).map((k) => k.publicJwk);
      if (tenant.mode === 'huge') return send(res, 200, { keys, padding: 'x'.repeat(200 * 1024) });
      return send(res, 200, { keys });
    }
    if (req.method === 'GET' && route === '/stats') return send(res, 200, tenant.stats);

    const body = req.method === 'POST' ? JSON.parse((await readBody(req)) || '{}') : {};
    if (req.method === 'POST' && route === '/token') {
      const alg: Alg = body.alg ?? 'RS256';
      const key = body.kid ? tenant.keys.find((k) => k.kid === body.kid) : tenant.keys.find((k) => k.algs.includes(alg) && k.published);
      if (!key) return send(res, 400, { error: `no key for ${body.kid ?? alg}` });
      // Imported per algorithm: WebCrypto binds an RSA key to one hash.
      const signingKey = await importJWK(key.privateJwk, alg);
      const token = await new SignJWT(body.claims ?? {}).setProtectedHeader({ typ: 'JWT', ...body.header, alg, kid: key.kid }).sign(signingKey);
      return send(res, 200, { token });
    }
    if (req.method === 'POST' && route === '/keys') {
      const key = await addKey(tenant, body.alg ?? 'RS256', body.publish !== false);
      return send(res, 201, { kid: key.kid });
    }
    if (req.method === 'POST' && route === '/drop') {
      tenant.dropNext = Number(body.times ?? 1);
      return send(res, 200, { dropNext: tenant.dropNext });
    }
    if (req.method === 'POST' && route === '/mode') {
      tenant.mode = body.mode;
      return send(res, 200, { mode: tenant.mode });
    }
    return send(res, 404, { error: 'no such route' });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}
