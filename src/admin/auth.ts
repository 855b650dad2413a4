import type { MiddlewareHandler } from 'hono';
import type { Env } from '../env';
import { AdminError } from './errors';

export const MIN_ADMIN_TOKEN_LENGTH = 16;
const REALM = 'Bearer realm="bucketgate-admin"';

/**
 * Requires `Authorization: Bearer <ADMIN_TOKEN>`. Tokens are compared as SHA-256 digests with
 * timingSafeEqual, so neither the token's content nor its length leaks through timing. A missing
 * or short ADMIN_TOKEN disables the API rather than accepting weak authentication.
 */
export const requireAdminToken: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (typeof expected !== 'string' || expected.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new AdminError(503, 'AdminDisabled', `the admin API is disabled: set ADMIN_TOKEN to at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
  }
  const presented = /^Bearer +(\S+) *$/i.exec(c.req.header('authorization') ?? '')?.[1];
  if (presented === undefined) {
    throw new AdminError(401, 'Unauthorized', 'missing bearer token', undefined, { 'www-authenticate': REALM });
  }
  if (!(await tokensEqual(presented, expected))) {
    throw new AdminError(401, 'Unauthorized', 'invalid bearer token', undefined, { 'www-authenticate': `${REALM}, error="invalid_token"` });
  }
  await next();
};

async function tokensEqual(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [da, db] = await Promise.all([crypto.subtle.digest('SHA-256', encoder.encode(a)), crypto.subtle.digest('SHA-256', encoder.encode(b))]);
  return crypto.subtle.timingSafeEqual(da, db);
}
