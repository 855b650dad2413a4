import type { Env } from '../env';
import { isAllowedIssuerUrl, parseUrl } from './issuer-url';
import { audited } from './audit';
import { RecordCache } from './cache';
import { parseInput, RegistryConflictError, RegistryNotFoundError, RegistryValidationError } from './errors';
import { revoke } from './revocations';
import { IdentityProvider, IdpCreateInput, IdpPatchInput } from './sts-schemas';

/** OIDC identity providers whose tokens AssumeRoleWithWebIdentity accepts (adrs/0008). */

interface IdpRow {
  id: string;
  issuer: string;
  audiences: string;
  jwks_uri: string | null;
  display_name: string;
  enabled: number;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'id, issuer, audiences, jwks_uri, display_name, enabled, created_at, updated_at';
const MAX_ISSUER_LENGTH = 256;

function fromRow(row: IdpRow): IdentityProvider {
  return IdentityProvider.parse({
    id: row.id,
    issuer: row.issuer,
    audiences: JSON.parse(row.audiences),
    jwksUri: row.jwks_uri,
    displayName: row.display_name,
    enabled: row.enabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

// Keyed by issuer: the lookup every AssumeRoleWithWebIdentity makes with the token's `iss`.
const byIssuer = new RecordCache<IdentityProvider, IdentityProvider>({
  kind: 'idp-issuer',
  stored: IdentityProvider,
  load: async (env, issuer) => {
    const row = await env.DB.prepare(`SELECT ${COLUMNS} FROM identity_providers WHERE issuer = ?`).bind(issuer).first<IdpRow>();
    return row ? fromRow(row) : null;
  },
  hydrate: async (_env, idp) => idp,
});

/** The enabled-or-not IdP for a token's `iss`, through the cache tiers; null when none is registered. */
export async function findIdpByIssuer(env: Env, issuer: string): Promise<IdentityProvider | null> {
  // `iss` comes from an unverified token: bound what reaches a cache key.
  if (issuer.length === 0 || issuer.length > MAX_ISSUER_LENGTH || !parseUrl(issuer)) return null;
  return byIssuer.get(env, issuer);
}

export async function getIdp(env: Env, id: string): Promise<IdentityProvider | null> {
  const row = await env.DB.prepare(`SELECT ${COLUMNS} FROM identity_providers WHERE id = ?`).bind(id).first<IdpRow>();
  return row ? fromRow(row) : null;
}

export async function listIdps(env: Env): Promise<IdentityProvider[]> {
  const { results } = await env.DB.prepare(`SELECT ${COLUMNS} FROM identity_providers ORDER BY issuer`).all<IdpRow>();
  return results.map(fromRow);
}

export async function createIdp(env: Env, input: unknown, actor: string): Promise<IdentityProvider> {
  const target = typeof (input as { issuer?: unknown } | null)?.issuer === 'string' ? (input as { issuer: string }).issuer : null;
  return audited(env, { actor, action: 'idp.create', target }, async () => {
    const fields = parseInput(IdpCreateInput, input);
    checkUrls(env, { issuer: fields.issuer, jwksUri: fields.jwksUri });
    const now = new Date().toISOString();
    const idp: IdentityProvider = {
      id: crypto.randomUUID(),
      issuer: fields.issuer,
      audiences: fields.audiences,
      jwksUri: fields.jwksUri,
      displayName: fields.displayName ?? new URL(fields.issuer).host,
      enabled: fields.enabled,
      createdAt: now,
      updatedAt: now,
    };
    const inserted = await env.DB.prepare(
      `INSERT INTO identity_providers (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (issuer) DO NOTHING`,
    )
      .bind(idp.id, idp.issuer, JSON.stringify(idp.audiences), idp.jwksUri, idp.displayName, idp.enabled ? 1 : 0, idp.createdAt, idp.updatedAt)
      .run();
    if (inserted.meta.changes === 0) {
      throw new RegistryConflictError('IdentityProviderAlreadyExists', `an identity provider for "${idp.issuer}" already exists`);
    }
    await byIssuer.invalidate(env, idp.issuer);
    return idp;
  });
}

export async function updateIdp(env: Env, id: string, patch: unknown, actor: string): Promise<IdentityProvider> {
  return audited(env, { actor, action: 'idp.update', target: id }, async () => {
    const fields = parseInput(IdpPatchInput, patch);
    const current = await getIdp(env, id);
    if (!current) throw new RegistryNotFoundError('NoSuchIdentityProvider', `identity provider "${id}" does not exist`);
    if (fields.jwksUri) checkUrls(env, { jwksUri: fields.jwksUri });
    const next: IdentityProvider = {
      ...current,
      audiences: fields.audiences ?? current.audiences,
      jwksUri: fields.jwksUri === undefined ? current.jwksUri : fields.jwksUri,
      displayName: fields.displayName ?? current.displayName,
      enabled: fields.enabled ?? current.enabled,
      updatedAt: new Date().toISOString(),
    };
    await env.DB.prepare('UPDATE identity_providers SET audiences = ?, jwks_uri = ?, display_name = ?, enabled = ?, updated_at = ? WHERE id = ?')
      .bind(JSON.stringify(next.audiences), next.jwksUri, next.displayName, next.enabled ? 1 : 0, next.updatedAt, id)
      .run();
    await byIssuer.invalidate(env, current.issuer);
    // Disabling ends the IdP's sessions (session-store refuses a disabled IdP); the deny-list entry
    // keeps those minted before the disable refused once the IdP is enabled again.
    if (current.enabled && !next.enabled) {
      await revoke(env, { kind: 'idp', id: current.id, revokedAt: next.updatedAt, label: { issuer: current.issuer }, reason: 'identity provider disabled' });
    }
    return next;
  });
}

export async function deleteIdp(env: Env, id: string, actor: string): Promise<void> {
  await audited(env, { actor, action: 'idp.delete', target: id }, async () => {
    const current = await getIdp(env, id);
    if (!current) throw new RegistryNotFoundError('NoSuchIdentityProvider', `identity provider "${id}" does not exist`);
    await env.DB.prepare('DELETE FROM identity_providers WHERE id = ?').bind(id).run();
    await byIssuer.invalidate(env, current.issuer);
  });
}

function checkUrls(env: Env, urls: { issuer?: string; jwksUri?: string | null }): void {
  const fields: Record<string, string[]> = {};
  const rule = 'must be https (http only on a loopback host, and only with ALLOW_INSECURE_ISSUERS=true)';
  if (urls.issuer !== undefined && !isAllowedIssuerUrl(env, urls.issuer)) fields.issuer = [rule];
  if (urls.jwksUri && !isAllowedIssuerUrl(env, urls.jwksUri)) fields.jwksUri = [rule];
  if (Object.keys(fields).length > 0) throw new RegistryValidationError(fields);
}
