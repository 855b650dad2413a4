import type { PolicyStatement } from '../core/policy-types';
import { claimAt, scalarText, type TokenClaims } from './trust';

/**
 * `${claim}` templates in a role's resources (`ci/${repository}/*`), filled from the web identity
 * token. Pure.
 *
 * A value that cannot be used — absent, not a scalar, empty, or holding a glob character (`*`,
 * `?`) that would widen the pattern — fails closed: an allow resource naming it is dropped, a
 * deny resource gets `*` in its place so the deny only grows.
 */

const TEMPLATE = /\$\{([A-Za-z0-9_:-]+(?:\.[A-Za-z0-9_:-]+)*)\}/g;

/** The template names used by `statements`' resources. */
export function templateNames(statements: readonly PolicyStatement[]): Set<string> {
  const names = new Set<string>();
  for (const s of statements) for (const r of s.resources) for (const m of r.matchAll(TEMPLATE)) names.add(m[1]!);
  return names;
}

/** The usable values of the claims `statements` refer to: what a session keeps to fill them in later. */
export function templateClaimsFor(statements: readonly PolicyStatement[], claims: TokenClaims): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of templateNames(statements)) {
    const text = scalarText(claimAt(claims, name));
    if (text !== undefined && isSafeValue(text)) values[name] = text;
  }
  return values;
}

/** `statements` with every template filled from `values` (as made by templateClaimsFor). */
export function fillTemplates(statements: readonly PolicyStatement[], values: Readonly<Record<string, string>>): PolicyStatement[] {
  const filled: PolicyStatement[] = [];
  for (const s of statements) {
    const resources: string[] = [];
    for (const resource of s.resources) {
      let unresolved = false;
      const text = resource.replace(TEMPLATE, (_m, name: string) => {
        const value = Object.hasOwn(values, name) ? values[name] : undefined;
        if (value !== undefined && isSafeValue(value)) return value;
        unresolved = true;
        return '*';
      });
      if (!unresolved || s.effect === 'deny') resources.push(text);
    }
    if (resources.length > 0) filled.push({ effect: s.effect, actions: [...s.actions], resources });
  }
  return filled;
}

function isSafeValue(text: string): boolean {
  return text.length > 0 && text.length <= 512 && !/[*?]/.test(text);
}
