import { checkEndpoint, parseAllowList } from '../storage/endpoint-guard';
import type { ProbeOutcome } from '../storage/driver-types';
import { probeConnection } from '../connections/upstream';
import type { Env } from '../env';
import { openSecret, SECRET_PURPOSE, sealSecret } from '../secrets/envelope';
import { audited } from './audit';
import { RecordCache } from './cache';
import {
  type AuthInput,
  type Connection,
  ConnectionCreateInput,
  ConnectionPatchInput,
  ConnectionRotateInput,
  type ConnectionStatus,
  type LiveConnection,
  type PublicAuth,
  StaticKeyPair,
  StoredConnection,
  type ValidationResult,
} from './connection-schemas';
import { parseInput, RegistryConflictError, RegistryNotFoundError, RegistryValidationError, UpstreamValidationError } from './errors';

/** Storage connections (adrs/0019): CRUD, validate-before-save, rotation; cached like buckets. */

interface ConnectionRow {
  id: string;
  name: string;
  kind: string;
  config: string;
  auth: string;
  credential_ciphertext: string | null;
  status: string;
  last_validation: string | null;
  owner: string | null;
  labels: string;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'id, name, kind, config, auth, credential_ciphertext, status, last_validation, owner, labels, created_at, updated_at';

/** Whether a write probes the upstream first; `false` only for offline setup, and audited as such. */
export interface SaveOptions {
  validate: boolean;
}

function fromRow(row: ConnectionRow): StoredConnection {
  return StoredConnection.parse({
    id: row.id,
    name: row.name,
    kind: row.kind,
    settings: JSON.parse(row.config),
    auth: JSON.parse(row.auth),
    sealedCredential: row.credential_ciphertext,
    status: row.status,
    lastValidation: row.last_validation === null ? null : JSON.parse(row.last_validation),
    owner: row.owner,
    labels: JSON.parse(row.labels),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

function toRow(c: StoredConnection): unknown[] {
  return [
    c.id, c.name, c.kind, JSON.stringify(c.settings), JSON.stringify(c.auth), c.sealedCredential, c.status,
    c.lastValidation === null ? null : JSON.stringify(c.lastValidation), c.owner, JSON.stringify(c.labels), c.createdAt, c.updatedAt,
  ];
}

/** The public part: what every admin answer shows (never the sealed blob). */
function publicPart({ sealedCredential: _sealed, ...connection }: StoredConnection): Connection {
  return connection;
}

async function hydrate(env: Env, stored: StoredConnection): Promise<LiveConnection> {
  const staticKeys =
    stored.sealedCredential === null
      ? null
      : StaticKeyPair.parse(JSON.parse(await openSecret(env.MASTER_KEY, SECRET_PURPOSE.connectionCredential, stored.sealedCredential, stored.id)));
  return { connection: publicPart(stored), staticKeys };
}

const connectionCache = new RecordCache<StoredConnection, LiveConnection>({ kind: 'connection', stored: StoredConnection, load: readStored, hydrate });

async function readStored(env: Env, id: string): Promise<StoredConnection | null> {
  const row = await env.DB.prepare(`SELECT ${COLUMNS} FROM connections WHERE id = ?`).bind(id).first<ConnectionRow>();
  return row ? fromRow(row) : null;
}

/** The connection with its credentials opened, through the cache tiers: for opening a bucket's backend. */
export async function getLiveConnection(env: Env, id: string): Promise<LiveConnection | null> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return null;
  return connectionCache.get(env, id);
}

export async function readConnection(env: Env, id: string): Promise<Connection | null> {
  const stored = await readStored(env, id);
  return stored && publicPart(stored);
}

export async function listConnections(env: Env): Promise<Connection[]> {
  const { results } = await env.DB.prepare(`SELECT ${COLUMNS} FROM connections ORDER BY name`).all<ConnectionRow>();
  return results.map((row) => publicPart(fromRow(row)));
}

export async function createConnection(env: Env, input: unknown, actor: string, options: SaveOptions): Promise<Connection> {
  const target = typeof (input as { name?: unknown } | null)?.name === 'string' ? (input as { name: string }).name : null;
  return audited(env, { actor, action: 'connection.create', target, detail: { validate: options.validate } }, async () => {
    const fields = parseInput(ConnectionCreateInput, input);
    const id = crypto.randomUUID();
    const now = new Date().toISOString();
    const draft: StoredConnection = {
      id,
      name: fields.name,
      kind: fields.kind,
      settings: {
        endpoint: fields.endpoint,
        region: fields.region,
        addressing: fields.addressing,
        ...(fields.probeBucket ? { probeBucket: fields.probeBucket } : {}),
        ...(fields.conditionalWrites !== undefined ? { conditionalWrites: fields.conditionalWrites } : {}),
      },
      ...(await sealAuth(env, fields.auth, id)),
      status: 'active',
      lastValidation: null,
      owner: fields.owner ?? null,
      labels: fields.labels ?? {},
      createdAt: now,
      updatedAt: now,
    };
    const saved = await validatedDraft(env, draft, fields.auth, options);
    const inserted = await env.DB.prepare(`INSERT INTO connections (${COLUMNS}) VALUES (${COLUMNS.split(',').map(() => '?').join(', ')}) ON CONFLICT (name) DO NOTHING`)
      .bind(...toRow(saved))
      .run();
    if (inserted.meta.changes !== 1) throw new RegistryConflictError('ConnectionAlreadyExists', `connection "${fields.name}" already exists`);
    return publicPart(saved);
  });
}

export async function updateConnection(env: Env, id: string, patch: unknown, actor: string, options: SaveOptions): Promise<Connection> {
  const changed = patch !== null && typeof patch === 'object' ? Object.keys(patch).slice(0, 20) : [];
  return audited(env, { actor, action: 'connection.update', target: id, detail: { fields: changed, validate: options.validate } }, async () => {
    const fields = parseInput(ConnectionPatchInput, patch);
    const current = await requireStored(env, id);
    const { probeBucket, ...rest } = { ...current.settings, ...definedOnly({ endpoint: fields.endpoint, region: fields.region, addressing: fields.addressing, conditionalWrites: fields.conditionalWrites }) };
    const nextProbe = fields.probeBucket === undefined ? probeBucket : (fields.probeBucket ?? undefined);
    const next: StoredConnection = {
      ...current,
      ...definedOnly({ name: fields.name, labels: fields.labels }),
      ...(fields.owner !== undefined ? { owner: fields.owner } : {}),
      settings: { ...rest, ...(nextProbe ? { probeBucket: nextProbe } : {}) },
      ...(fields.status ? { status: fields.status } : {}),
      updatedAt: new Date().toISOString(),
    };
    const reachChanged = fields.endpoint !== undefined || fields.region !== undefined || fields.addressing !== undefined || fields.probeBucket !== undefined;
    // Resuming or moving the connection is what must be proven; labels and owner need no probe.
    const saved = reachChanged || fields.status === 'active' ? await validatedDraft(env, next, null, options) : next;
    return publicPart(await writeStored(env, saved));
  });
}

/**
 * Replaces the credentials without downtime: the new ones are probed first, then swapped in by one
 * UPDATE; requests keep using the old ones until then (and for at most the cache's isolate TTL after).
 */
export async function rotateConnection(env: Env, id: string, input: unknown, actor: string, options: SaveOptions): Promise<Connection> {
  return audited(env, { actor, action: 'connection.rotate', target: id, detail: { validate: options.validate } }, async () => {
    const { auth } = parseInput(ConnectionRotateInput, input);
    const current = await requireStored(env, id);
    const next: StoredConnection = { ...current, ...(await sealAuth(env, auth, id)), updatedAt: new Date().toISOString() };
    return publicPart(await writeStored(env, await validatedDraft(env, next, auth, options)));
  });
}

/** Probes the saved connection and records the result as its status (POST /validate). */
export async function validateConnection(env: Env, id: string, actor: string): Promise<Connection> {
  return audited(env, { actor, action: 'connection.validate', target: id }, async () => {
    const current = await requireStored(env, id);
    const outcome = await probeConnection(env, await hydrate(env, current));
    const next: StoredConnection = {
      ...current,
      lastValidation: validationResult(outcome),
      // A suspended connection stays suspended: only an admin resumes it.
      status: current.status === 'suspended' ? 'suspended' : statusAfter(outcome),
    };
    return publicPart(await writeStored(env, next));
  });
}

/** Deletes a connection no bucket and no setting references. */
export async function deleteConnection(env: Env, id: string, actor: string): Promise<void> {
  await audited(env, { actor, action: 'connection.delete', target: id }, async () => {
    await requireStored(env, id);
    const users = await env.DB.prepare(
      "SELECT name FROM buckets WHERE json_extract(backend, '$.type') = 's3' AND json_extract(backend, '$.connection') = ? UNION ALL SELECT 'setting:' || name FROM settings WHERE json_extract(value, '$.connection') = ? LIMIT 10",
    )
      .bind(id, id)
      .all<{ name: string }>();
    if (users.results.length > 0) {
      throw new RegistryConflictError('ConnectionInUse', `connection "${id}" is used by ${users.results.map((r) => r.name).join(', ')}`);
    }
    await env.DB.prepare('DELETE FROM connections WHERE id = ?').bind(id).run();
    await connectionCache.invalidate(env, id);
  });
}

async function requireStored(env: Env, id: string): Promise<StoredConnection> {
  const stored = await readStored(env, id);
  if (!stored) throw new RegistryNotFoundError('NoSuchConnection', `connection "${id}" does not exist`);
  return stored;
}

async function writeStored(env: Env, next: StoredConnection): Promise<StoredConnection> {
  const [, ...values] = toRow(next);
  const assignments = COLUMNS.split(', ').slice(1).map((column) => `${column} = ?`).join(', ');
  try {
    const row = (await env.DB.prepare(`UPDATE connections SET ${assignments} WHERE id = ? RETURNING ${COLUMNS}`).bind(...values, next.id).all<ConnectionRow>()).results[0];
    if (!row) throw new RegistryNotFoundError('NoSuchConnection', `connection "${next.id}" does not exist`);
    return fromRow(row);
  } catch (error) {
    if (error instanceof Error && /UNIQUE constraint failed: connections\.name/.test(error.message)) {
      throw new RegistryConflictError('ConnectionAlreadyExists', `connection "${next.name}" already exists`);
    }
    throw error;
  } finally {
    await connectionCache.invalidate(env, next.id);
  }
}

/**
 * Save-time checks: every endpoint through the SSRF guard (400 at its field), then — unless the
 * admin asked for offline setup — a probe of the upstream with these very credentials (422 with the
 * upstream's reason). Returns the draft with its validation result.
 */
async function validatedDraft(env: Env, draft: StoredConnection, auth: AuthInput | null, options: SaveOptions): Promise<StoredConnection> {
  const allow = parseAllowList(env.ALLOWED_UPSTREAM_HOSTS);
  const refused: Record<string, string[]> = {};
  const endpoint = checkEndpoint(draft.settings.endpoint, allow);
  if (!endpoint.ok) refused.endpoint = [`refused (${endpoint.reason}): ${endpoint.detail}`];
  if (draft.auth.mode === 'federation') {
    const sts = checkEndpoint(draft.auth.stsEndpoint, allow);
    if (!sts.ok) refused['auth.stsEndpoint'] = [`refused (${sts.reason}): ${sts.detail}`];
  }
  if (Object.keys(refused).length > 0) throw new RegistryValidationError(refused);
  if (!options.validate) return { ...draft, lastValidation: { ok: false, at: new Date().toISOString(), skipped: true } };
  const staticKeys = auth?.mode === 'static' ? { accessKeyId: auth.accessKeyId, secretAccessKey: auth.secretAccessKey } : (await hydrate(env, draft)).staticKeys;
  const outcome = await probeConnection(env, { connection: publicPart(draft), staticKeys });
  if (!outcome.ok) throw new UpstreamValidationError({ [outcome.field === 'bucket' ? 'probeBucket' : outcome.field]: [outcome.reason] });
  return { ...draft, lastValidation: validationResult(outcome), status: draft.status === 'suspended' ? 'suspended' : 'active' };
}

/** The stored auth for an input: public fields + fingerprint, and the sealed key pair for `static`. */
async function sealAuth(env: Env, auth: AuthInput, id: string): Promise<{ auth: PublicAuth; sealedCredential: string | null }> {
  if (auth.mode !== 'static') return { auth, sealedCredential: null };
  const pair: StaticKeyPair = { accessKeyId: auth.accessKeyId, secretAccessKey: auth.secretAccessKey };
  return {
    auth: { mode: 'static', fingerprint: await fingerprint(pair) },
    sealedCredential: await sealSecret(env.MASTER_KEY, SECRET_PURPOSE.connectionCredential, JSON.stringify(pair), id),
  };
}

/**
 * Tells key pairs apart without revealing them: the access key id's last 4 characters and the
 * first 8 hex digits of SHA-256 over the pair (32 bits: recognisable, not searchable).
 */
async function fingerprint(pair: StaticKeyPair): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${pair.accessKeyId}\u0000${pair.secretAccessKey}`)));
  const hex = [...digest.slice(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `…${pair.accessKeyId.slice(-4)} sha256:${hex}`;
}

function validationResult(outcome: ProbeOutcome): ValidationResult {
  const at = new Date().toISOString();
  return outcome.ok ? { ok: true, at } : { ok: false, at, reason: outcome.reason };
}

function statusAfter(outcome: ProbeOutcome): ConnectionStatus {
  if (outcome.ok) return 'active';
  return outcome.field === 'auth' ? 'requires_reauth' : 'failing';
}

function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** For tests: forget this isolate's cached connections. */
export function forgetCachedConnections(): void {
  connectionCache.forgetIsolateCopies();
}

/** The connection with its credentials opened, read from D1 now (uncached): for validation. */
export async function readLiveConnection(env: Env, id: string): Promise<LiveConnection | null> {
  const stored = await readStored(env, id);
  return stored && hydrate(env, stored);
}
