import type { Principal } from '../auth/principal';

/**
 * Who a request is logged and metered as: a static key's access key id, a session's
 * `<role>/<session name>` (its temporary access key id changes every session, the role does not),
 * or `anonymous`. Never a secret or token.
 */
export function principalLabel(principal: Principal): string {
  if (principal.kind === 'anonymous') return 'anonymous';
  return principal.kind === 'session' ? principal.displayName : principal.accessKeyId;
}
