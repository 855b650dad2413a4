import type { Context } from 'hono';
import { StsRecordConflictError, StsRecordNotFoundError } from '../registry/sts-errors';
import { AdminError, adminErrorResponse } from './errors';

/** The admin error handler, knowing the STS registry's not-found and conflict errors too. */
export function stsAdminErrorResponse(error: unknown, c: Context): Response {
  if (error instanceof StsRecordNotFoundError) return adminErrorResponse(new AdminError(404, error.code, error.message), c);
  if (error instanceof StsRecordConflictError) return adminErrorResponse(new AdminError(409, error.code, error.message), c);
  return adminErrorResponse(error, c);
}
