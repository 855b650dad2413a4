import type { Env } from '../env';
import { RegistryValidationError } from './errors';

/**
 * Reading the audit (adrs/0024): admin writes and successful STS exchanges (`audit_log`, one row
 * each) and failed STS calls (`sts_failures`, counted per client × minute × action × code,
 * adrs/0014) as one newest-first stream, filtered and paged by an opaque keyset cursor — stable
 * while rows are added (new rows sort before the cursor) and cheap at any depth.
 */

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  outcome?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

export interface AuditEntryView {
  at: string;
  kind: 'event' | 'failure-count';
  actor: string | null;
  action: string;
  target: string | null;
  outcome: string;
  count: number;
  detail: Record<string, unknown> | null;
}

/** Where a page ended: time, source ('a' audit_log, 'f' sts_failures) and the row id within it. */
type Position = [at: string, source: 'a' | 'f', seq: number];

// One stream over both sources; `src` and `seq` break ties between rows of the same instant.
const ENTRIES = `
  SELECT at, 'a' AS src, id AS seq, actor, action, target, outcome, 1 AS count, detail FROM audit_log
  UNION ALL
  SELECT last_at, 'f', rowid, json_extract(last_detail, '$.actor'), action, json_extract(last_detail, '$.target'), code, count,
         json_set(COALESCE(last_detail, '{}'), '$.clientIpHash', client_hash, '$.minute', minute) FROM sts_failures`;

export async function readAudit(env: Pick<Env, 'DB'>, filter: AuditFilter): Promise<{ entries: AuditEntryView[]; nextCursor?: string }> {
  const where: string[] = [];
  const binds: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => (where.push(clause), binds.push(...values));
  if (filter.actor !== undefined) add('actor = ?', filter.actor);
  if (filter.action !== undefined) {
    if (filter.action.endsWith('*')) add("action LIKE ? ESCAPE '\\'", `${filter.action.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%`);
    else add('action = ?', filter.action);
  }
  if (filter.target !== undefined) add('target = ?', filter.target);
  if (filter.outcome === 'failure') where.push("outcome <> 'success'");
  else if (filter.outcome !== undefined) add('outcome = ?', filter.outcome);
  if (filter.from !== undefined) add('at >= ?', new Date(filter.from).toISOString());
  if (filter.to !== undefined) add('at < ?', new Date(filter.to).toISOString());
  if (filter.cursor !== undefined) add('(at, src, seq) < (?, ?, ?)', ...decodeCursor(filter.cursor));

  const { results } = await env.DB.prepare(
    `SELECT * FROM (${ENTRIES}) ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, src DESC, seq DESC LIMIT ?`,
  )
    .bind(...binds, filter.limit + 1)
    .all<{ at: string; src: 'a' | 'f'; seq: number; actor: string | null; action: string; target: string | null; outcome: string; count: number; detail: string | null }>();
  const page = results.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    entries: page.map((r) => ({
      at: r.at,
      kind: r.src === 'a' ? 'event' : 'failure-count',
      actor: r.actor,
      action: r.action,
      target: r.target,
      outcome: r.outcome,
      count: r.count,
      detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
    })),
    ...(results.length > filter.limit && last ? { nextCursor: encodeCursor([last.at, last.src, last.seq]) } : {}),
  };
}

function encodeCursor(position: Position): string {
  return btoa(JSON.stringify(position)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function decodeCursor(cursor: string): Position {
  try {
    const value: unknown = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
    if (Array.isArray(value) && value.length === 3 && typeof value[0] === 'string' && (value[1] === 'a' || value[1] === 'f') && Number.isSafeInteger(value[2])) {
      return value as Position;
    }
  } catch {
    // answered below
  }
  throw new RegistryValidationError({ cursor: ['not a cursor this API returned'] });
}
