import { z } from 'zod';
import { SQL_SAFE_VALUE } from '../usage/analytics-engine-query';

/** The dimensions usage can be grouped by (columns of `usage_daily`). */
export const UsageDimension = z.enum(['bucket', 'principal', 'operation', 'day']);
export type UsageDimension = z.infer<typeof UsageDimension>;

const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC day, YYYY-MM-DD')
  .refine((d) => {
    const t = Date.parse(`${d}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().startsWith(d);
  }, 'a day that exists');
/**
 * Bucket and principal filters: the characters bucket names, access key ids and `<role>/<session>`
 * names are made of. The Analytics Engine SQL API takes no bound parameters, so a value is written
 * into its query only after matching this (no quote, no backslash: it cannot end a string literal).
 */
const FilterValue = z.string().regex(SQL_SAFE_VALUE, 'letters, digits and _ + = , . @ / : - only');
const DIMENSION = '(bucket|principal|operation|day)';

/** GET /admin/v1/usage query: inclusive day range (default the last 30 days), grouping, optional filters. */
export const UsageQuery = z.strictObject({
  from: Day.optional(),
  to: Day.optional(),
  /** One or more dimensions, comma-separated; default `day`. */
  groupBy: z
    .string()
    .regex(new RegExp(`^${DIMENSION}(,${DIMENSION}){0,3}$`), 'one or more of bucket, principal, operation, day, comma-separated')
    .optional(),
  bucket: FilterValue.max(255).optional(),
  principal: FilterValue.max(256).optional(),
});

export const UsageRow = z.object({
  bucket: z.string().optional(),
  principal: z.string().optional(),
  operation: z.string().optional(),
  day: z.string().optional(),
  requests: z.number().int(),
  bytesIn: z.number().int(),
  bytesOut: z.number().int(),
  errors: z.number().int(),
});

export const UsageAnswer = z.object({
  /**
   * Where the figures come from: `analytics-engine` (USAGE bound and its SQL API configured; sums
   * weighted by the sample interval, so estimates when Analytics Engine sampled) or `d1`
   * (`usage_daily`; see `note` when USAGE is bound without the SQL API settings).
   */
  source: z.enum(['d1', 'analytics-engine']),
  from: z.string(),
  to: z.string(),
  groupBy: z.array(UsageDimension),
  rows: z.array(UsageRow),
  note: z.string().optional(),
});
