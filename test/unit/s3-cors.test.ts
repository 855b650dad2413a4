import { describe, expect, it } from 'vitest';
import type { CorsRule } from '../../src/registry/schemas';
import { corsResponseHeaders, evaluatePreflight, wildcardMatch } from '../../src/s3/cors';
import { parseS3Operation } from '../../src/s3/operation';

const rule = (r: Partial<CorsRule>): CorsRule => ({ allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: [], exposeHeaders: [], ...r });
const ask = (origin: string, method: string, headers?: string) =>
  new Headers({ origin, 'access-control-request-method': method, ...(headers ? { 'access-control-request-headers': headers } : {}) });

describe('wildcardMatch', () => {
  it.each([
    ['https://*.example.com', 'https://a.example.com', true],
    ['https://*.example.com', 'https://a.b.example.com', true],
    ['https://*.example.com', 'https://example.com', false],
    ['https://*.example.com', 'https://a.example.com.evil.test', false],
    ['http://app.test', 'http://app.test', true],
    ['http://app.test', 'http://app.test:8080', false],
    ['*', 'anything', true],
    ['x-amz-*', 'x-amz-date', true],
    ['ab*ba', 'aba', false],
  ])('%s vs %s → %s', (pattern, value, expected) => {
    expect(wildcardMatch(pattern, value)).toBe(expected);
  });
});

describe('evaluatePreflight', () => {
  it('answers `*` without credentials for an any-origin rule, the origin with credentials otherwise', () => {
    const any = evaluatePreflight([rule({})], ask('https://a.test', 'GET'));
    expect(any.kind === 'allowed' && Object.fromEntries(any.headers)).toMatchObject({ 'access-control-allow-origin': '*' });
    expect(any.kind === 'allowed' && any.headers.has('access-control-allow-credentials')).toBe(false);
    const named = evaluatePreflight([rule({ allowedOrigins: ['https://a.test'] })], ask('https://a.test', 'GET'));
    expect(named.kind === 'allowed' && named.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('matches requested headers case-insensitively, every one of them, against one rule', () => {
    const rules = [rule({ allowedHeaders: ['Content-Type'] }), rule({ allowedHeaders: ['X-Amz-*', 'content-md5'] })];
    expect(evaluatePreflight(rules, ask('https://a.test', 'GET', 'content-type')).kind).toBe('allowed');
    expect(evaluatePreflight(rules, ask('https://a.test', 'GET', 'x-amz-date, Content-MD5')).kind).toBe('allowed');
    // Each header is allowed by some rule, but no single rule allows both.
    expect(evaluatePreflight(rules, ask('https://a.test', 'GET', 'content-type, x-amz-date')).kind).toBe('refused');
  });

  it('compares methods exactly and refuses without rules', () => {
    expect(evaluatePreflight([rule({})], ask('https://a.test', 'get')).kind).toBe('refused');
    expect(evaluatePreflight([], ask('https://a.test', 'GET'))).toMatchObject({ kind: 'refused', message: 'CORSResponse: CORS is not enabled for this bucket.' });
    expect(evaluatePreflight([rule({})], new Headers({ origin: 'https://a.test' })).kind).toBe('incomplete');
  });
});

describe('corsResponseHeaders', () => {
  it('needs an Origin and a rule allowing the actual method', () => {
    const rules = [rule({ allowedOrigins: ['https://a.test'], exposeHeaders: ['ETag'] })];
    expect(corsResponseHeaders(rules, null, 'GET')).toBeUndefined();
    expect(corsResponseHeaders(rules, 'https://a.test', 'PUT')).toBeUndefined();
    expect(Object.fromEntries(corsResponseHeaders(rules, 'https://a.test', 'GET')!)).toMatchObject({
      'access-control-allow-origin': 'https://a.test',
      'access-control-expose-headers': 'ETag',
    });
  });
});

describe('parseS3Operation: cors', () => {
  const op = (method: string, url: string) => parseS3Operation(new Request(url, { method }));
  it('maps ?cors and OPTIONS to the CORS actions', () => {
    expect(op('GET', 'https://g.test/b?cors').action).toBe('GetBucketCors');
    expect(op('PUT', 'https://g.test/b?cors').action).toBe('PutBucketCors');
    expect(op('DELETE', 'https://g.test/b?cors').action).toBe('DeleteBucketCors');
    expect(op('OPTIONS', 'https://g.test/b/k').action).toBe('CorsPreflight');
    expect(op('OPTIONS', 'https://g.test/b').action).toBe('CorsPreflight');
    expect(() => op('OPTIONS', 'https://g.test/')).toThrow(/not allowed/);
  });
});
