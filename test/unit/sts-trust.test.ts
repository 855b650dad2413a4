import { describe, expect, it } from 'vitest';
import { ClaimConstraint, TrustBinding } from '../../src/registry/sts-schemas';
import { claimAt, constraintHolds, isTrusted } from '../../src/sts/trust';

const ISSUER = 'https://token.actions.githubusercontent.com';
const AUD = 'https://gateway.example';

/** Claims as GitHub Actions puts them in its OIDC token. */
const github = {
  iss: ISSUER,
  aud: AUD,
  sub: 'repo:org/repo:ref:refs/heads/main',
  repository: 'org/repo',
  repository_owner: 'org',
  ref: 'refs/heads/main',
  job_workflow_ref: 'org/repo/.github/workflows/deploy.yml@refs/heads/main',
  run_attempt: 1,
  groups: ['dev', 'ops'],
  ext: { team: { name: 'storage' } },
  'https://example.com/claims': { role: 'admin' },
};

const c = (input: unknown) => ClaimConstraint.parse(input);

describe('constraintHolds', () => {
  it.each([
    [{ claim: 'repository', operator: 'equals', value: 'org/repo' }, true],
    [{ claim: 'repository', operator: 'equals', value: 'org/Repo' }, false],
    [{ claim: 'sub', operator: 'starts_with', value: 'repo:org/repo:' }, true],
    [{ claim: 'sub', operator: 'starts_with', value: 'repo:org/repo2:' }, false],
    [{ claim: 'sub', operator: 'glob', value: 'repo:org/*:ref:refs/heads/main' }, true],
    [{ claim: 'sub', operator: 'glob', value: 'repo:org/*:ref:refs/tags/*' }, false],
    [{ claim: 'ref', operator: 'in', values: ['refs/heads/dev', 'refs/heads/main'] }, true],
    [{ claim: 'ref', operator: 'in', values: ['refs/heads/dev'] }, false],
    [{ claim: 'run_attempt', operator: 'equals', value: '1' }, true],
    [{ claim: 'ext.team.name', operator: 'equals', value: 'storage' }, true],
    [{ claim: 'ext.team', operator: 'equals', value: 'storage' }, false],
    [{ claim: ['https://example.com/claims', 'role'], operator: 'equals', value: 'admin' }, true],
    [{ claim: 'groups', operator: 'equals', value: 'ops' }, true],
    [{ claim: 'groups', operator: 'in', values: ['sec'] }, false],
    [{ claim: 'missing', operator: 'glob', value: '*' }, false],
    [{ claim: 'ext.missing.deeper', operator: 'equals', value: '' }, false],
  ])('%j → %s', (constraint, expected) => {
    expect(constraintHolds(c(constraint), github)).toBe(expected);
  });

  it('does not read inherited properties as claims', () => {
    expect(claimAt(github, 'constructor')).toBeUndefined();
    expect(claimAt(github, 'sub.length')).toBeUndefined();
  });
});

describe('isTrusted', () => {
  const binding = (claims: unknown[], overrides: Record<string, unknown> = {}) => TrustBinding.parse({ issuer: ISSUER, audience: AUD, claims, ...overrides });
  const mainOnly = binding([
    { claim: 'repository', operator: 'equals', value: 'org/repo' },
    { claim: 'ref', operator: 'equals', value: 'refs/heads/main' },
  ]);

  it('requires every constraint of a binding (AND)', () => {
    expect(isTrusted([mainOnly], ISSUER, [AUD], github)).toBe(true);
    expect(isTrusted([mainOnly], ISSUER, [AUD], { ...github, ref: 'refs/heads/feature' })).toBe(false);
  });

  it('accepts when any binding holds (OR)', () => {
    const tags = binding([{ claim: 'ref', operator: 'starts_with', value: 'refs/tags/' }]);
    expect(isTrusted([mainOnly, tags], ISSUER, [AUD], { ...github, ref: 'refs/tags/v1' })).toBe(true);
    expect(isTrusted([mainOnly, tags], ISSUER, [AUD], { ...github, ref: 'refs/pull/1/merge' })).toBe(false);
  });

  it('requires the binding issuer and audience', () => {
    expect(isTrusted([mainOnly], 'https://other.example', [AUD], github)).toBe(false);
    expect(isTrusted([mainOnly], ISSUER, ['sts.amazonaws.com'], github)).toBe(false);
    expect(isTrusted([mainOnly], ISSUER, ['sts.amazonaws.com', AUD], github)).toBe(true);
  });

  it('trusts nothing with no bindings, and a binding needs a constraint', () => {
    expect(isTrusted([], ISSUER, [AUD], github)).toBe(false);
    expect(TrustBinding.safeParse({ issuer: ISSUER, audience: AUD, claims: [] }).success).toBe(false);
  });

  it('validates constraint shapes', () => {
    expect(ClaimConstraint.safeParse({ claim: 'sub', operator: 'in', value: 'x' }).success).toBe(false);
    expect(ClaimConstraint.safeParse({ claim: 'sub', operator: 'regex', value: '.*' }).success).toBe(false);
    expect(ClaimConstraint.safeParse({ claim: 'a..b', operator: 'equals', value: 'x' }).success).toBe(false);
    expect(ClaimConstraint.safeParse({ claim: 'sub', operator: 'starts_with', value: '' }).success).toBe(false);
  });
});
