import { z } from 'zod';

/** The dimensions usage can be grouped by (columns of `usage_daily`). */
export const UsageDimension = z.enum(['bucket', 'principal', 'operation', 'day']);
export type UsageDimension = z.infer<typeof UsageDimension>;

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC day, YYYY-MM-DD');
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
  bucket: z.string().max(255).optional(),
  principal: z.string().max(256).optional(),
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
  /** Where the figures come from: always D1's `usage_daily` (see `note` when Analytics Engine is bound). */
  source: z.literal('d1'),
  from: z.string(),
  to: z.string(),
  groupBy: z.array(UsageDimension),
  rows: z.array(UsageRow),
  note: z.string().optional(),
});
