import { z } from 'zod';
import type { CredentialStore } from '../auth/identity';
import type { Principal } from '../auth/principal';
import type { Env } from '../env';
import { openSecret, SECRET_PURPOSE, sealSecret } from '../secrets/envelope';
import { audited } from './audit';
import { RecordCache } from './cache';
import { parseInput, RegistryConflictError, RegistryNotFoundError } from './errors';
import { AccessKeyId, generateAccessKeyId, generateSecretAccessKey, isWellFormedAccessKeyId, SecretAccessKey } from './key-material';
import { type AccessKeyRecord, PolicyStatement } from './schemas';

interface AccessKeyRow {
  access_key_id: string;
  secret_ciphertext: string;
  display_name: string;
  statements: string;
  enabled: number;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'access_key_id, secret_ciphertext, display_name, statements, enabled, expires_at, created_at, updated_at';

/** The key as D1 and KV hold it: the secret stays sealed. */
const StoredAccessKey = z.object({
  accessKeyId: z.string(),
  secretCiphertext: z.string(),
  displayName: z.string(),
  statements: z.array(PolicyStatement),
  enabled: z.boolean(),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
type StoredAccessKey = z.infer<typeof StoredAccessKey>;

/** The key as the verifier needs it; the plaintext secret lives only in isolate memory. */
interface LiveAccessKey {
  record: AccessKeyRecord;
  secretAccessKey: string;
}

const ExpiresAt = z.iso
  .datetime({ offset: true })
  .transform((at) => new Date(at).toISOString())
  .refine((at) => Date.parse(at) > Date.now(), 'must be in the future')
  .nullable();

const KeySettings = z.strictObject({
  displayName: z.string().trim().min(1).max(128),
  statements: z.array(PolicyStatement).max(100),
  expiresAt: ExpiresAt.optional(),
});

/** POST /admin/v1/keys. Giving accessKeyId and secretAccessKey imports an existing key. */
export const AccessKeyCreateInput = KeySettings.extend({
  accessKeyId: AccessKeyId.optional(),
  secretAccessKey: SecretAccessKey.optional(),
}).superRefine((input, ctx) => {
  if ((input.accessKeyId === undefined) !== (input.secretAccessKey === undefined)) {
    const missing = input.accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey';
    ctx.addIssue({ code: 'custom', path: [missing], message: 'required to import a key (give both accessKeyId and secretAccessKey, or neither)' });
  }
});

/** PATCH /admin/v1/keys/:id. */
export const AccessKeyPatchInput = KeySettings.partial().extend({ enabled: z.boolean().optional() });

function fromRow(row: AccessKeyRow): StoredAccessKey {
  return StoredAccessKey.parse({
    accessKeyId: row.access_key_id,
    secretCiphertext: row.secret_ciphertext,
    displayName: row.display_name,
    statements: JSON.parse(row.statements),
    enabled: row.enabled === 1,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

function recordOf({ secretCiphertext: _sealed, ...record }: StoredAccessKey): AccessKeyRecord {
  return record;
}

async function readStoredKey(env: Env, accessKeyId: string): Promise<StoredAccessKey | null> {
  const row = await env.DB.prepare(`SELECT ${COLUMNS} FROM access_keys WHERE access_key_id = ?`).bind(accessKeyId).first<AccessKeyRow>();
  return row ? fromRow(row) : null;
}

const keyCache = new RecordCache<StoredAccessKey, LiveAccessKey>({
  kind: 'access-key',
  stored: StoredAccessKey,
  load: readStoredKey,
  hydrate: async (env, stored) => ({
    record: recordOf(stored),
    secretAccessKey: await openSecret(env.MASTER_KEY, SECRET_PURPOSE.accessKeySecret, stored.secretCiphertext, stored.accessKeyId),
  }),
});

function isUsable(key: AccessKeyRecord, now: number): boolean {
  return key.enabled && (key.expiresAt === null || Date.parse(key.expiresAt) > now);
}

/** The principal a static key signs as: exactly one policy set, its statements. */
export function principalOf(key: AccessKeyRecord): Principal {
  return { kind: 'access-key', accessKeyId: key.accessKeyId, displayName: key.displayName, policies: [key.statements] };
}

/** Static access keys for SigV4/SigV2 verification: null for unknown, disabled or expired keys. */
export function accessKeyCredentialStore(env: Env): CredentialStore {
  return {
    async lookup(accessKeyId, sessionToken) {
      // Session credentials belong to the STS store; a static key never comes with a token.
      if (sessionToken) return null;
      if (!isWellFormedAccessKeyId(accessKeyId)) return null;
      const key = await keyCache.get(env, accessKeyId);
      if (!key || !isUsable(key.record, Date.now())) return null;
      return { secretAccessKey: key.secretAccessKey, principal: principalOf(key.record) };
    },
  };
}

/** The key as D1 has it now, without its secret. */
export async function getAccessKey(env: Env, accessKeyId: string): Promise<AccessKeyRecord | null> {
  const stored = await readStoredKey(env, accessKeyId);
  return stored ? recordOf(stored) : null;
}

export async function listAccessKeys(env: Env): Promise<AccessKeyRecord[]> {
  const { results } = await env.DB.prepare(`SELECT ${COLUMNS} FROM access_keys ORDER BY created_at, access_key_id`).all<AccessKeyRow>();
  return results.map((row) => recordOf(fromRow(row)));
}

export interface IssuedAccessKey {
  record: AccessKeyRecord;
  /** Returned to the caller once; only its sealed form is kept. */
  secretAccessKey: string;
}

/** Creates a key with a fresh id and secret, or imports the given pair. Throws AccessKeyAlreadyExists on a taken id. */
export async function createAccessKey(env: Env, input: unknown, actor: string): Promise<IssuedAccessKey> {
  const imported = input !== null && typeof input === 'object' && 'accessKeyId' in input;
  const accessKeyId = imported ? String((input as { accessKeyId: unknown }).accessKeyId) : generateAccessKeyId();
  return audited(env, { actor, action: imported ? 'key.import' : 'key.create', target: accessKeyId }, async () => {
    const fields = parseInput(AccessKeyCreateInput, input);
    const secretAccessKey = fields.secretAccessKey ?? generateSecretAccessKey();
    const now = new Date().toISOString();
    const stored: StoredAccessKey = {
      accessKeyId,
      secretCiphertext: await sealSecret(env.MASTER_KEY, SECRET_PURPOSE.accessKeySecret, secretAccessKey, accessKeyId),
      displayName: fields.displayName,
      statements: fields.statements,
      enabled: true,
      expiresAt: fields.expiresAt ?? null,
      createdAt: now,
      updatedAt: now,
    };
    const { meta } = await env.DB.prepare(`INSERT INTO access_keys (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (access_key_id) DO NOTHING`)
      .bind(stored.accessKeyId, stored.secretCiphertext, stored.displayName, JSON.stringify(stored.statements), 1, stored.expiresAt, now, now)
      .run();
    if (meta.changes === 0) throw new RegistryConflictError('AccessKeyAlreadyExists', `access key "${accessKeyId}" already exists`);
    await keyCache.invalidate(env, accessKeyId);
    return { record: recordOf(stored), secretAccessKey };
  });
}

/** Changes enabled, statements, displayName or expiresAt (null clears the expiry). */
export async function updateAccessKey(env: Env, accessKeyId: string, patch: unknown, actor: string): Promise<AccessKeyRecord> {
  const changed = patch !== null && typeof patch === 'object' ? Object.keys(patch).slice(0, 20) : [];
  return audited(env, { actor, action: 'key.update', target: accessKeyId, detail: { fields: changed } }, async () => {
    const fields = parseInput(AccessKeyPatchInput, patch);
    const current = await requireKey(env, accessKeyId);
    const next: StoredAccessKey = {
      ...current,
      displayName: fields.displayName ?? current.displayName,
      statements: fields.statements ?? current.statements,
      enabled: fields.enabled ?? current.enabled,
      expiresAt: fields.expiresAt === undefined ? current.expiresAt : fields.expiresAt,
      updatedAt: new Date().toISOString(),
    };
    await writeKey(env, next);
    return recordOf(next);
  });
}

/** Replaces the secret, keeping the id; the old secret stops verifying at once in this isolate. */
export async function rotateAccessKey(env: Env, accessKeyId: string, actor: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  return audited(env, { actor, action: 'key.rotate', target: accessKeyId }, async () => {
    const current = await requireKey(env, accessKeyId);
    const secretAccessKey = generateSecretAccessKey();
    const secretCiphertext = await sealSecret(env.MASTER_KEY, SECRET_PURPOSE.accessKeySecret, secretAccessKey, accessKeyId);
    await writeKey(env, { ...current, secretCiphertext, updatedAt: new Date().toISOString() });
    return { accessKeyId, secretAccessKey };
  });
}

export async function deleteAccessKey(env: Env, accessKeyId: string, actor: string): Promise<void> {
  await audited(env, { actor, action: 'key.delete', target: accessKeyId }, async () => {
    const { meta } = await env.DB.prepare('DELETE FROM access_keys WHERE access_key_id = ?').bind(accessKeyId).run();
    if (meta.changes === 0) throw noSuchKey(accessKeyId);
    await keyCache.invalidate(env, accessKeyId);
  });
}

async function requireKey(env: Env, accessKeyId: string): Promise<StoredAccessKey> {
  const stored = await readStoredKey(env, accessKeyId);
  if (!stored) throw noSuchKey(accessKeyId);
  return stored;
}

async function writeKey(env: Env, key: StoredAccessKey): Promise<void> {
  const { meta } = await env.DB.prepare(
    'UPDATE access_keys SET secret_ciphertext = ?, display_name = ?, statements = ?, enabled = ?, expires_at = ?, updated_at = ? WHERE access_key_id = ?',
  )
    .bind(key.secretCiphertext, key.displayName, JSON.stringify(key.statements), key.enabled ? 1 : 0, key.expiresAt, key.updatedAt, key.accessKeyId)
    .run();
  if (meta.changes === 0) throw noSuchKey(key.accessKeyId);
  await keyCache.invalidate(env, key.accessKeyId);
}

function noSuchKey(accessKeyId: string): RegistryNotFoundError {
  return new RegistryNotFoundError('NoSuchAccessKey', `access key "${accessKeyId}" does not exist`);
}

/** For tests and diagnostics: forget this isolate's cached keys (KV is untouched). */
export function forgetCachedAccessKeys(): void {
  keyCache.forgetIsolateCopies();
}
