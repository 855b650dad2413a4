import { z } from 'zod';

export const MAX_AUDIT_PAGE = 1000;
const Instant = z.iso.datetime({ offset: true, message: 'an ISO 8601 timestamp, e.g. 2026-11-28T00:00:00Z' });

/** GET /admin/v1/audit query: every filter optional and combined with AND; newest first. */
export const AuditQuery = z.strictObject({
  actor: z.string().min(1).max(512).optional(),
  /** An exact action (`bucket.create`), or a prefix ending in `*` (`sts.*`, `key.*`). */
  action: z.string().min(1).max(128).optional(),
  target: z.string().min(1).max(512).optional(),
  /** `success`, `failure` (any error), or one error code. */
  outcome: z.string().min(1).max(64).optional(),
  /** Inclusive lower bound on the entry's time. */
  from: Instant.optional(),
  /** Exclusive upper bound on the entry's time. */
  to: Instant.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE).default(100),
  /** `nextCursor` of the previous page, as given. */
  cursor: z.string().max(512).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditEntryOut = z.object({
  at: z.string(),
  /** `event`: one audit_log row (an admin write, a successful STS exchange). `failure-count`: failed STS calls of one client, minute, action and code (adrs/0014), `at` the latest. */
  kind: z.enum(['event', 'failure-count']),
  actor: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.string(),
  count: z.number().int(),
  detail: z.record(z.string(), z.unknown()).nullable(),
});

export const AuditPage = z.object({
  entries: z.array(AuditEntryOut),
  /** Absent on the last page. */
  nextCursor: z.string().optional(),
});
