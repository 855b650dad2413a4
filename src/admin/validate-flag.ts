import type { Context } from 'hono';
import type { SaveOptions } from '../registry/connections';
import { AdminError } from './errors';

/** `?validate=false` skips the upstream probe (offline setup; the audit row records it). */
export function saveOptions(c: Context): SaveOptions {
  const value = c.req.query('validate');
  if (value === undefined || value === 'true') return { validate: true };
  if (value === 'false') return { validate: false };
  throw new AdminError(400, 'InvalidRequest', 'request failed validation', { validate: ['must be "true" or "false"'] });
}
