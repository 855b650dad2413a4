import type { PolicyStatement } from '../core/policy-types';

/**
 * Who is calling. Every non-anonymous principal carries one or more policy sets; an action is
 * allowed only when every set allows it (a session's ceiling ∩ its role as it is now; a static
 * key has exactly one set).
 */
export type Principal =
  | { readonly kind: 'anonymous' }
  | {
      readonly kind: 'access-key';
      readonly accessKeyId: string;
      readonly displayName: string;
      readonly policies: readonly (readonly PolicyStatement[])[];
    }
  | {
      /** Session credentials from STS: `policies` = [the token's ceiling, the role's statements as they are now]. */
      readonly kind: 'session';
      readonly accessKeyId: string;
      /** `<role>/<session name>`. */
      readonly displayName: string;
      readonly policies: readonly (readonly PolicyStatement[])[];
      readonly session: SessionIdentity;
    };

/** Who a session principal is, for GetCallerIdentity, audit and logs. */
export interface SessionIdentity {
  readonly roleId: string;
  readonly roleName: string;
  readonly sessionName: string;
  readonly account: string;
  /** `sub` and `iss` of the web identity token the session came from. */
  readonly subject: string;
  readonly issuer: string;
  readonly jti: string;
  readonly expiresAt: Date;
}

export const ANONYMOUS: Principal = { kind: 'anonymous' };

/** The id written to audit logs and Owner elements. */
export function principalId(p: Principal): string {
  return p.kind === 'anonymous' ? 'anonymous' : p.accessKeyId;
}
