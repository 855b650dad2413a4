import type { Env } from '../env';
import { randomBase32 } from '../core/ids';
import { audited } from './audit';
import { RecordCache } from './cache';
import { parseInput, RegistryConflictError, RegistryNotFoundError, RegistryValidationError } from './errors';
import { Role, RoleCreateInput, RoleName, RolePatchInput, type TrustBinding } from './sts-schemas';

/**
 * Roles: who may assume them (trust bindings) and what their sessions may do (statements). Read
 * through the registry cache, so an edit or a delete reaches every session within about a
 * minute (adrs/0008).
 */

interface RoleRow {
  id: string;
  name: string;
  description: string;
  trust: string;
  statements: string;
  max_session_duration: number;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'id, name, description, trust, statements, max_session_duration, created_at, updated_at';

function fromRow(row: RoleRow): Role {
  return Role.parse({
    id: row.id,
    name: row.name,
    description: row.description,
    trust: JSON.parse(row.trust),
    statements: JSON.parse(row.statements),
    maxSessionDuration: row.max_session_duration,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

async function readRoleWhere(env: Env, column: 'name' | 'id', value: string): Promise<Role | null> {
  const row = await env.DB.prepare(`SELECT ${COLUMNS} FROM roles WHERE ${column} = ?`).bind(value).first<RoleRow>();
  return row ? fromRow(row) : null;
}

const byName = new RecordCache<Role, Role>({ kind: 'role', stored: Role, load: (env, name) => readRoleWhere(env, 'name', name), hydrate: async (_env, r) => r });
const byId = new RecordCache<Role, Role>({ kind: 'role-id', stored: Role, load: (env, id) => readRoleWhere(env, 'id', id), hydrate: async (_env, r) => r });

/** The role an AssumeRoleWithWebIdentity names, through the cache tiers. */
export async function findRoleByName(env: Env, name: string): Promise<Role | null> {
  if (!RoleName.safeParse(name).success) return null;
  return byName.get(env, name);
}

/** The role a session was minted for, as it is now; null once deleted (even if re-created under the same name). */
export async function findRoleById(env: Env, id: string): Promise<Role | null> {
  if (!/^AROA[A-Z2-7]{17}$/.test(id)) return null;
  return byId.get(env, id);
}

/** The role as D1 has it now (uncached), for the admin API. */
export async function getRole(env: Env, name: string): Promise<Role | null> {
  return readRoleWhere(env, 'name', name);
}

export async function listRoles(env: Env): Promise<Role[]> {
  const { results } = await env.DB.prepare(`SELECT ${COLUMNS} FROM roles ORDER BY name`).all<RoleRow>();
  return results.map(fromRow);
}

export async function createRole(env: Env, input: unknown, actor: string): Promise<Role> {
  const target = typeof (input as { name?: unknown } | null)?.name === 'string' ? (input as { name: string }).name : null;
  return audited(env, { actor, action: 'role.create', target }, async () => {
    const fields = parseInput(RoleCreateInput, input);
    await checkIssuersRegistered(env, fields.trust);
    const now = new Date().toISOString();
    const role: Role = { id: newRoleId(), ...fields, createdAt: now, updatedAt: now };
    const inserted = await env.DB.prepare(`INSERT INTO roles (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`)
      .bind(role.id, role.name, role.description, JSON.stringify(role.trust), JSON.stringify(role.statements), role.maxSessionDuration, now, now)
      .run();
    if (inserted.meta.changes === 0) throw new RegistryConflictError('RoleAlreadyExists', `role "${role.name}" already exists`);
    await byName.invalidate(env, role.name);
    return role;
  });
}

export async function updateRole(env: Env, name: string, patch: unknown, actor: string): Promise<Role> {
  return audited(env, { actor, action: 'role.update', target: name }, async () => {
    const fields = parseInput(RolePatchInput, patch);
    const current = await getRole(env, name);
    if (!current) throw new RegistryNotFoundError('NoSuchRole', `role "${name}" does not exist`);
    if (fields.trust) await checkIssuersRegistered(env, fields.trust);
    const next: Role = {
      ...current,
      description: fields.description ?? current.description,
      trust: fields.trust ?? current.trust,
      statements: fields.statements ?? current.statements,
      maxSessionDuration: fields.maxSessionDuration ?? current.maxSessionDuration,
      updatedAt: new Date().toISOString(),
    };
    await env.DB.prepare('UPDATE roles SET description = ?, trust = ?, statements = ?, max_session_duration = ?, updated_at = ? WHERE id = ?')
      .bind(next.description, JSON.stringify(next.trust), JSON.stringify(next.statements), next.maxSessionDuration, next.updatedAt, current.id)
      .run();
    await invalidate(env, current);
    return next;
  });
}

export async function deleteRole(env: Env, name: string, actor: string): Promise<void> {
  await audited(env, { actor, action: 'role.delete', target: name }, async () => {
    const current = await getRole(env, name);
    if (!current) throw new RegistryNotFoundError('NoSuchRole', `role "${name}" does not exist`);
    await env.DB.prepare('DELETE FROM roles WHERE id = ?').bind(current.id).run();
    await invalidate(env, current);
  });
}

async function invalidate(env: Env, role: Role): Promise<void> {
  await Promise.all([byName.invalidate(env, role.name), byId.invalidate(env, role.id)]);
}

/** A binding naming an issuer with no registered IdP could never match: refuse it rather than store a typo. */
async function checkIssuersRegistered(env: Env, trust: readonly TrustBinding[]): Promise<void> {
  const { results } = await env.DB.prepare('SELECT issuer FROM identity_providers').all<{ issuer: string }>();
  const known = new Set(results.map((r) => r.issuer));
  const fields: Record<string, string[]> = {};
  trust.forEach((b, i) => {
    if (!known.has(b.issuer)) fields[`trust.${i}.issuer`] = ['no identity provider is registered for this issuer'];
  });
  if (Object.keys(fields).length > 0) throw new RegistryValidationError(fields);
}

/** `AROA` + 17 base-32 characters, the shape of an IAM role id. */
function newRoleId(): string {
  return 'AROA' + randomBase32(17);
}
