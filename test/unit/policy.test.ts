import { describe, expect, it } from 'vitest';
import { authorize } from '../../src/auth/authorize';
import { evaluateStatements, globMatch, isAllowed } from '../../src/auth/policy';
import type { Principal } from '../../src/auth/principal';
import type { PolicyStatement } from '../../src/registry/schemas';

const demoReader: PolicyStatement[] = [
  { effect: 'allow', actions: ['s3:GetObject', 's3:ListBucket'], resources: ['demo', 'demo/reports/*'] },
];

describe('globMatch', () => {
  it.each([
    ['*', 'anything/at/all', true],
    ['demo/reports/*', 'demo/reports/2026/q1.csv', true],
    ['demo/reports/*', 'demo/report', false],
    ['demo', 'demo/x', false],
    ['demo/?.txt', 'demo/a.txt', true],
    ['demo/?.txt', 'demo/ab.txt', false],
    ['s3:get*', 's3:getobject', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
  ])('%s ~ %s → %s', (pattern, value, expected) => {
    expect(globMatch(pattern, value)).toBe(expected);
  });
});

describe('evaluateStatements', () => {
  it('allows what an allow statement covers', () => {
    expect(evaluateStatements(demoReader, { action: 's3:GetObject', resource: 'demo/reports/a.csv' })).toBe('allow');
    expect(evaluateStatements(demoReader, { action: 's3:ListBucket', resource: 'demo' })).toBe('allow');
  });
  it('implicitly denies what nothing covers', () => {
    expect(evaluateStatements(demoReader, { action: 's3:PutObject', resource: 'demo/reports/a.csv' })).toBe('implicit-deny');
    expect(evaluateStatements(demoReader, { action: 's3:GetObject', resource: 'demo/private/a.csv' })).toBe('implicit-deny');
    expect(evaluateStatements([], { action: 's3:GetObject', resource: 'demo/x' })).toBe('implicit-deny');
  });
  it('lets an explicit deny win over any allow', () => {
    const statements: PolicyStatement[] = [
      { effect: 'allow', actions: ['s3:*'], resources: ['*'] },
      { effect: 'deny', actions: ['s3:DeleteObject'], resources: ['demo/keep/*'] },
    ];
    expect(evaluateStatements(statements, { action: 's3:DeleteObject', resource: 'demo/keep/x' })).toBe('deny');
    expect(evaluateStatements(statements, { action: 's3:DeleteObject', resource: 'demo/other' })).toBe('allow');
  });
  it('matches actions case-insensitively, resources exactly', () => {
    expect(evaluateStatements(demoReader, { action: 'S3:GETOBJECT', resource: 'demo/reports/a' })).toBe('allow');
    expect(evaluateStatements(demoReader, { action: 's3:GetObject', resource: 'DEMO/reports/a' })).toBe('implicit-deny');
  });
});

describe('isAllowed', () => {
  it('requires every policy set to allow', () => {
    const all: PolicyStatement[] = [{ effect: 'allow', actions: ['s3:*'], resources: ['*'] }];
    expect(isAllowed([all, demoReader], { action: 's3:GetObject', resource: 'demo/reports/x' })).toBe(true);
    expect(isAllowed([all, demoReader], { action: 's3:PutObject', resource: 'demo/reports/x' })).toBe(false);
    expect(isAllowed([], { action: 's3:GetObject', resource: 'demo/reports/x' })).toBe(false);
  });
});

describe('authorize', () => {
  const key: Principal = { kind: 'access-key', accessKeyId: 'AKIA', displayName: 'k', policies: [demoReader] };
  const anonymous: Principal = { kind: 'anonymous' };
  const privateBucket = { name: 'demo', publicRead: false, publicList: false };
  const publicBucket = { name: 'demo', publicRead: true, publicList: false };
  const listableBucket = { name: 'demo', publicRead: true, publicList: true };

  it('evaluates a key against bucket and object resources', () => {
    expect(authorize(key, 's3:ListBucket', privateBucket)).toBe(true);
    expect(authorize(key, 's3:GetObject', privateBucket, 'reports/x')).toBe(true);
    expect(authorize(key, 's3:GetObject', privateBucket, 'other/x')).toBe(false);
  });
  it('gives anonymous callers only what the bucket publishes', () => {
    expect(authorize(anonymous, 's3:GetObject', privateBucket, 'x')).toBe(false);
    expect(authorize(anonymous, 's3:GetObject', publicBucket, 'x')).toBe(true);
    expect(authorize(anonymous, 's3:ListBucket', publicBucket)).toBe(false);
    expect(authorize(anonymous, 's3:ListBucket', listableBucket)).toBe(true);
    expect(authorize(anonymous, 's3:PutObject', listableBucket, 'x')).toBe(false);
    expect(authorize(anonymous, 's3:DeleteObject', listableBucket, 'x')).toBe(false);
  });
});
