import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { RegistryConflictError, RegistryNotFoundError, RegistryValidationError, UpstreamValidationError } from '../registry/errors';
import { MasterKeyError } from '../secrets/envelope';

/** Every admin failure's answer (adminErrorResponse below); documented as such in openapi.json. */
export const AdminErrorBody = z.object({
  error: z.object({
    /** Stable: `InvalidRequest`, `NoSuchBucket`, `BucketAlreadyExists`, … (the audit log records it as the outcome). */
    code: z.string(),
    message: z.string(),
    /** Input field (dotted path, `(body)` for the whole body) → what is wrong with it. */
    fields: z.record(z.string(), z.array(z.string())).optional(),
  }),
});

/** A failure the admin API answers as `{"error":{"code","message","fields"?}}`. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string[]>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** Maps registry and configuration failures onto admin statuses. */
export function toAdminError(error: unknown): AdminError {
  if (error instanceof AdminError) return error;
  if (error instanceof RegistryValidationError) return new AdminError(400, error.code, 'request failed validation', error.fields);
  if (error instanceof UpstreamValidationError) return new AdminError(422, error.code, error.message, error.fields);
  if (error instanceof RegistryConflictError) return new AdminError(409, error.code, error.message, error.fields);
  if (error instanceof RegistryNotFoundError) return new AdminError(404, error.code, error.message);
  if (error instanceof MasterKeyError) return new AdminError(503, 'MasterKeyMisconfigured', error.message);
  // Unexpected: log the kind and message (registry errors never carry secrets), answer generically.
  console.error(JSON.stringify({ level: 'error', msg: 'admin request failed', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
  return new AdminError(500, 'InternalError', 'internal error; see the Worker logs');
}

export function adminErrorResponse(error: unknown, c: Context): Response {
  const e = toAdminError(error);
  const body = { error: { code: e.code, message: e.message, ...(e.fields ? { fields: e.fields } : {}) } };
  return c.json(body, e.status, e.headers);
}
