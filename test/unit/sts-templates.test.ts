import { describe, expect, it } from 'vitest';
import { isAllowed } from '../../src/auth/policy';
import type { PolicyStatement } from '../../src/registry/schemas';
import { fillTemplates, templateClaimsFor, templateNames } from '../../src/sts/templates';

const role: PolicyStatement[] = [
  { effect: 'allow', actions: ['s3:GetObject', 's3:PutObject'], resources: ['ci/${repository}/*', 'shared/*'] },
  { effect: 'allow', actions: ['s3:ListBucket'], resources: ['ci'] },
  { effect: 'deny', actions: ['s3:PutObject'], resources: ['ci/${repository}/locked/*'] },
  { effect: 'allow', actions: ['s3:GetObject'], resources: ['teams/${ext.team}/*'] },
];

describe('${claim} templates', () => {
  it('lists the names used', () => {
    expect([...templateNames(role)].sort()).toEqual(['ext.team', 'repository']);
  });

  it('fills resources from the token claims (nested paths too)', () => {
    const values = templateClaimsFor(role, { repository: 'org/repo', ext: { team: 'storage' }, sub: 'unused' });
    expect(values).toEqual({ repository: 'org/repo', 'ext.team': 'storage' });
    const filled = fillTemplates(role, values);
    expect(filled[0]!.resources).toEqual(['ci/org/repo/*', 'shared/*']);
    expect(filled[2]!.resources).toEqual(['ci/org/repo/locked/*']);
    expect(filled[3]!.resources).toEqual(['teams/storage/*']);
    expect(isAllowed([filled], { action: 's3:PutObject', resource: 'ci/org/repo/build.tgz' })).toBe(true);
    expect(isAllowed([filled], { action: 's3:PutObject', resource: 'ci/org/other/build.tgz' })).toBe(false);
    expect(isAllowed([filled], { action: 's3:PutObject', resource: 'ci/org/repo/locked/x' })).toBe(false);
  });

  it('fails closed on a missing claim: allow resources dropped, deny resources widened', () => {
    const filled = fillTemplates(role, templateClaimsFor(role, { ext: { team: 'storage' } }));
    expect(filled[0]!.resources).toEqual(['shared/*']);
    expect(filled[2]!.resources).toEqual(['ci/*/locked/*']);
    expect(isAllowed([filled], { action: 's3:PutObject', resource: 'ci/anything/x' })).toBe(false);
  });

  it('refuses values that would act as wildcards', () => {
    for (const repository of ['*', 'org/*', 'org/?', '']) {
      const filled = fillTemplates(role, templateClaimsFor(role, { repository }));
      expect(filled[0]!.resources, repository).toEqual(['shared/*']);
      expect(isAllowed([filled], { action: 's3:GetObject', resource: 'ci/org/secret/x' })).toBe(false);
    }
  });

  it('ignores non-scalar claims and values smuggled into the kept context', () => {
    const filled = fillTemplates(role, templateClaimsFor(role, { repository: ['org/a', 'org/b'], ext: { team: { x: 1 } } }));
    expect(filled.map((s) => s.resources)).toEqual([['shared/*'], ['ci'], ['ci/*/locked/*']]);
    expect(fillTemplates(role, { repository: 'org/*' })[0]!.resources).toEqual(['shared/*']);
  });

  it('drops an allow statement whose resources all need a missing claim', () => {
    const only: PolicyStatement[] = [{ effect: 'allow', actions: ['s3:*'], resources: ['home/${sub}/*'] }];
    expect(fillTemplates(only, {})).toEqual([]);
  });
});
