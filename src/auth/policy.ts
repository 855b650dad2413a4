import type { PolicyStatement } from '../core/policy-types';

/** An IAM-style action name (`s3:GetObject`) on a resource (`bucket` or `bucket/key`). */
export interface AccessRequest {
  action: string;
  resource: string;
}

/**
 * Evaluates one statement list the IAM way: an explicit deny wins, otherwise some allow must
 * match, otherwise the answer is no (a list with no statements allows nothing).
 */
export function evaluateStatements(statements: readonly PolicyStatement[], request: AccessRequest): 'allow' | 'deny' | 'implicit-deny' {
  let allowed = false;
  for (const s of statements) {
    if (!s.actions.some((a) => globMatch(a.toLowerCase(), request.action.toLowerCase()))) continue;
    if (!s.resources.some((r) => globMatch(r, request.resource))) continue;
    if (s.effect === 'deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}

/** Allowed only when every policy set allows: e.g. a session's ceiling and its role as it is now. */
export function isAllowed(policies: readonly (readonly PolicyStatement[])[], request: AccessRequest): boolean {
  return policies.length > 0 && policies.every((set) => evaluateStatements(set, request) === 'allow');
}

/** `*` matches any run of characters (including `/`), `?` exactly one; everything else is literal. */
export function globMatch(pattern: string, value: string): boolean {
  let p = globWalk(pattern, value);
  if (p === -1) return false;
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Can `pattern` match some string that starts with `prefix`? (Once the prefix is consumed, a suitable continuation always exists.) */
export function globCanMatchPrefix(pattern: string, prefix: string): boolean {
  return globWalk(pattern, prefix) !== -1;
}

/**
 * The classic wildcard walk with single-star backtracking: consumes all of `value` and returns
 * the pattern position reached, or -1 when `value` cannot be a prefix of any match.
 */
function globWalk(pattern: string, value: string): number {
  let p = 0;
  let v = 0;
  let starP = -1;
  let starV = 0;
  while (v < value.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === value[v])) {
      p++;
      v++;
    } else if (p < pattern.length && pattern[p] === '*') {
      starP = p++;
      starV = v;
    } else if (starP !== -1) {
      p = starP + 1;
      v = ++starV;
    } else {
      return -1;
    }
  }
  return p;
}
