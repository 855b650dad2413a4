import { z } from 'zod';
import type { SaveOptions } from '../registry/connections';

/** `?validate=false` skips the upstream probe (offline setup; the audit row records it). */
export const ValidateQuery = z.object({
  validate: z.enum(['true', 'false'], { error: 'must be "true" or "false"' }).optional().describe('`false` saves without probing the upstream (offline setup); the audit row records it.'),
});

/** The validated query (openapi-kit.ts answers a bad value before the handler runs) as registry options. */
export function saveOptions(query: z.infer<typeof ValidateQuery>): SaveOptions {
  return { validate: query.validate !== 'false' };
}
