import type { PolicyStatement } from '../registry/schemas';

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
    };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

/** The id written to audit logs and Owner elements. */
export function principalId(p: Principal): string {
  return p.kind === 'anonymous' ? 'anonymous' : p.accessKeyId;
}
