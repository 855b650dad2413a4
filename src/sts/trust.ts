import { globMatch } from '../auth/policy';
import type { ClaimConstraint, ClaimPath, TrustBinding } from '../registry/sts-schemas';

/** Verified claims of a web identity token. */
export type TokenClaims = Readonly<Record<string, unknown>>;

/**
 * Does any binding trust this token? A binding holds when the token's issuer and audience match
 * and every claim constraint is met (AND within a binding, OR across bindings). Pure.
 */
export function isTrusted(bindings: readonly TrustBinding[], issuer: string, audiences: readonly string[], claims: TokenClaims): boolean {
  return bindings.some(
    (b) => b.issuer === issuer && audiences.includes(b.audience) && b.claims.length > 0 && b.claims.every((c) => constraintHolds(c, claims)),
  );
}

export function constraintHolds(constraint: ClaimConstraint, claims: TokenClaims): boolean {
  const value = claimAt(claims, constraint.claim);
  const candidates = Array.isArray(value) ? value.map(scalarText) : [scalarText(value)];
  return candidates.some((text) => text !== undefined && matches(constraint, text));
}

function matches(c: ClaimConstraint, text: string): boolean {
  switch (c.operator) {
    case 'equals':
      return text === c.value;
    case 'starts_with':
      return text.startsWith(c.value);
    case 'glob':
      return globMatch(c.value, text);
    case 'in':
      return c.values.includes(text);
  }
}

/** The claim at a path: `a.b` (or `['a', 'b']`) reads `claims.a.b`. Undefined when absent. */
export function claimAt(claims: TokenClaims, path: ClaimPath): unknown {
  const segments = typeof path === 'string' ? path.split('.') : path;
  let node: unknown = claims;
  for (const segment of segments) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** A claim as text for comparison: strings as they are, numbers and booleans printed; else none. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}
