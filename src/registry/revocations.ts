import { z } from 'zod';
import { sha256Hex } from '../auth/sigv4';
import { KeptAnswers } from '../core/kept-answers';
import type { Env } from '../env';
import { audited } from './audit';
import { ISOLATE_TTL_MS } from './cache';
import { parseInput, RegistryNotFoundError } from './errors';
import { getRole } from './roles';

/**
 * The session deny-list, in KV (adrs/0009). Sessions are stateless, so revoking one means
 * remembering it until it would have expired anyway:
 *
 * - by `jti`: that one session;
 * - by role or by subject (issuer + `sub`): every session of it issued at or before the
 *   revocation — and, for a subject, every web identity token issued before then, so a stolen
 *   token cannot simply mint a new session;
 * - by IdP record id: written when an IdP is disabled, so sessions minted before the disable
 *   stay refused after it is enabled again (a disabled IdP refuses all its sessions anyway).
 *
 * Each entry lives as long as the longest session it can affect (its remaining lifetime), then
 * KV drops it. KV is eventually consistent: a revocation reaches every location within a minute.
 */

export const MAX_SESSION_SECONDS = 43200;
/** Clock skew allowed on tokens; entries outlive the sessions they cover by this much. */
const SKEW_SECONDS = 60;
const PREFIX = 'sts/revoked/v1/';

export type RevocationKind = 'session' | 'role' | 'subject' | 'idp';

export const Revocation = z.object({
  kind: z.enum(['session', 'role', 'subject', 'idp']),
  /** The jti, the role id, the subject key (see subjectKey), or the IdP record id. */
  id: z.string(),
  /** Sessions (and, for subjects, web identity tokens) issued at or before this instant are refused. */
  revokedAt: z.string(),
  expiresAt: z.string(),
  /** What an operator recognises: the role name, or the issuer and subject. */
  label: z.record(z.string(), z.string()),
  reason: z.string().optional(),
});
export type Revocation = z.infer<typeof Revocation>;

/** What a session (or a web identity token) is checked against. */
export interface RevocationSubject {
  jti?: string;
  roleId?: string;
  idpId?: string | undefined;
  issuer: string;
  subject: string;
  /** When the session (or token) was issued; undefined counts as revoked if any role/subject entry exists. */
  issuedAt: Date | undefined;
}

/** POST /admin/v1/revocations: one of these, with an optional reason. */
export const RevocationInput = z.discriminatedUnion('type', [
  z
    .strictObject({
      type: z.literal('session'),
      /** The session's jti, or the AccessKeyId it was minted with (looked up in the audit log). */
      jti: z.string().regex(/^[A-Z2-7]{26}$/, 'a session jti (26 base-32 characters)').optional(),
      accessKeyId: z.string().regex(/^ASIA[0-9A-Z]{16}$/, 'a session AccessKeyId (ASIA…)').optional(),
      /** The session's expiry, when known with a jti: the entry then lives only that long. */
      expiresAt: z.iso.datetime({ offset: true }).optional(),
      reason: z.string().max(500).optional(),
    })
    .refine((r) => (r.jti === undefined) !== (r.accessKeyId === undefined), { message: 'give either jti or accessKeyId', path: ['jti'] }),
  z.strictObject({ type: z.literal('role'), role: z.string().min(1).max(64), reason: z.string().max(500).optional() }),
  z.strictObject({ type: z.literal('subject'), issuer: z.string().min(1).max(256), subject: z.string().min(1).max(1024), reason: z.string().max(500).optional() }),
]);

/** Revokes a session, a role's sessions, or a subject's sessions and tokens; audited. */
export async function createRevocation(env: Env, input: unknown, actor: string): Promise<Revocation> {
  return audited(env, { actor, action: 'revocation.create', target: null }, async () => {
    const r = parseInput(RevocationInput, input);
    const revokedAt = new Date().toISOString();
    const reason = r.reason === undefined ? {} : { reason: r.reason };
    if (r.type === 'role') {
      const role = await getRole(env, r.role);
      if (!role) throw new RegistryNotFoundError('NoSuchRole', `role "${r.role}" does not exist`);
      return revoke(env, { kind: 'role', id: role.id, revokedAt, label: { role: role.name }, ...reason });
    }
    if (r.type === 'subject') {
      const id = await subjectKey(r.issuer, r.subject);
      return revoke(env, { kind: 'subject', id, revokedAt, label: { issuer: r.issuer, subject: r.subject }, ...reason });
    }
    const session = r.jti !== undefined ? { jti: r.jti, expiresAt: r.expiresAt ?? null } : await sessionFromAudit(env, r.accessKeyId!);
    const lifetime = session.expiresAt === null ? MAX_SESSION_SECONDS : (Date.parse(session.expiresAt) - Date.now()) / 1000;
    const label: Record<string, string> = r.accessKeyId === undefined ? {} : { accessKeyId: r.accessKeyId };
    return revoke(env, { kind: 'session', id: session.jti, revokedAt, label, ...reason }, lifetime);
  });
}

/** The jti and expiry of the session minted with `accessKeyId`, from the AssumeRoleWithWebIdentity audit row. */
async function sessionFromAudit(env: Env, accessKeyId: string): Promise<{ jti: string; expiresAt: string | null }> {
  const row = await env.DB.prepare(
    "SELECT json_extract(detail, '$.jti') AS jti, json_extract(detail, '$.expiration') AS expiration FROM audit_log WHERE action = 'sts.AssumeRoleWithWebIdentity' AND outcome = 'success' AND json_extract(detail, '$.accessKeyId') = ? LIMIT 1",
  )
    .bind(accessKeyId)
    .first<{ jti: string | null; expiration: string | null }>();
  if (!row?.jti) throw new RegistryNotFoundError('NoSuchSession', `no session with AccessKeyId "${accessKeyId}" is in the audit log`);
  return { jti: row.jti, expiresAt: row.expiration };
}

export async function revoke(env: Env, entry: Omit<Revocation, 'expiresAt'>, lifetimeSeconds = MAX_SESSION_SECONDS): Promise<Revocation> {
  const ttl = Math.max(60, Math.ceil(lifetimeSeconds) + SKEW_SECONDS);
  // KV metadata is capped at 1 KiB: labels are for people, so long values are shortened.
  const label = Object.fromEntries(Object.entries(entry.label).map(([k, v]) => [k, v.length > 200 ? `${v.slice(0, 200)}…` : v]));
  const stored: Revocation = { ...entry, label, expiresAt: new Date(Date.parse(entry.revokedAt) + ttl * 1000).toISOString() };
  await env.CACHE.put(key(entry.kind, entry.id), JSON.stringify(stored), { expirationTtl: ttl, metadata: stored });
  forgetRecentRevocationChecks();
  return stored;
}

export async function unrevoke(env: Env, kind: RevocationKind, id: string): Promise<boolean> {
  const k = key(kind, id);
  const existing = await env.CACHE.get(k);
  if (existing === null) return false;
  await env.CACHE.delete(k);
  forgetRecentRevocationChecks();
  return true;
}

export async function listRevocations(env: Env): Promise<Revocation[]> {
  const out: Revocation[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.CACHE.list<Revocation>({ prefix: PREFIX, cursor });
    for (const k of page.keys) {
      const parsed = Revocation.safeParse(k.metadata);
      if (parsed.success) out.push(parsed.data);
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return out.sort((a, b) => b.revokedAt.localeCompare(a.revokedAt));
}

/** The revocation that applies, if any: one KV read for every kind, or this isolate's recent copy of it. */
export async function findRevocation(env: Env, s: RevocationSubject): Promise<Revocation | null> {
  for (const entry of await candidateEntries(env, s)) {
    if (entry.kind === 'session') return entry;
    if (s.issuedAt === undefined || s.issuedAt.getTime() <= Date.parse(entry.revokedAt)) return entry;
  }
  return null;
}

/**
 * The deny-list entries stored for a session's (or token's) candidate keys. What KV answered is
 * kept in isolate memory for the registry's isolate TTL (adrs/0009 amendment 2): a busy session
 * costs one KV read per isolate every few seconds instead of one per request. This isolate's own
 * revoke and unrevoke forget every kept answer at once, and a read that overlapped one of them is
 * not kept; other isolates see a revocation within the TTL on top of KV's own propagation.
 */
const recentAnswers = new KeptAnswers<Revocation[]>(ISOLATE_TTL_MS, 1000);

async function candidateEntries(env: Env, s: RevocationSubject): Promise<Revocation[]> {
  const memoKey = JSON.stringify([s.issuer, s.subject, s.jti, s.roleId, s.idpId]);
  const kept = recentAnswers.get(memoKey);
  if (kept) return kept.value;

  const epoch = recentAnswers.epoch;
  const keys = [key('subject', await subjectKey(s.issuer, s.subject))];
  if (s.jti) keys.push(key('session', s.jti));
  if (s.roleId) keys.push(key('role', s.roleId));
  if (s.idpId) keys.push(key('idp', s.idpId));
  const found = await env.CACHE.get<Revocation>(keys, 'json');
  const entries: Revocation[] = [];
  for (const raw of found.values()) {
    const entry = Revocation.safeParse(raw);
    if (entry.success) entries.push(entry.data);
  }
  recentAnswers.keep(memoKey, entries, epoch);
  return entries;
}

/** Called by every deny-list write in this isolate, and by tests (what a fresh isolate sees). */
export function forgetRecentRevocationChecks(): void {
  recentAnswers.forget();
}

/**
 * The subject's id in the deny-list: a digest, so KV keys stay bounded whatever `sub` holds. Every
 * session request asks for it, so digests are kept per isolate (a pure function of its input;
 * bounded, oldest forgotten first).
 */
const subjectKeys = new Map<string, string>();
const MAX_SUBJECT_KEYS = 1000;

export async function subjectKey(issuer: string, subject: string): Promise<string> {
  const input = `${issuer}\n${subject}`;
  const kept = subjectKeys.get(input);
  if (kept !== undefined) return kept;
  const digest = await sha256Hex(input);
  if (subjectKeys.size >= MAX_SUBJECT_KEYS) subjectKeys.delete(subjectKeys.keys().next().value!);
  subjectKeys.set(input, digest);
  return digest;
}

function key(kind: RevocationKind, id: string): string {
  return `${PREFIX}${kind}/${id}`;
}
