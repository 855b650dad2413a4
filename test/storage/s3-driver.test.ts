import { env } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { parseAllowList } from '../../src/storage/endpoint-guard';
import { openS3Backend } from '../../src/storage/drivers';
import { forwardableHeaders, UpstreamClient } from '../../src/storage/s3/client';
import type { S3DriverConfig } from '../../src/storage/s3/config';
import { S3Backend } from '../../src/storage/s3/backend';
import { s3ErrorFromStorage } from '../../src/s3/storage-errors';
import { translateUpstreamFailure } from '../../src/storage/s3/errors';
import { noMetadata, s3Failure, stream } from './contract/support';
import './contract/provided';

const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

function config(extra: Partial<S3DriverConfig> = {}): S3DriverConfig {
  return { endpoint: 'https://s3.example.com', region: 'us-east-1', bucket: 'up-bucket', prefix: 'tenant/', pathStyle: true, credentials: KEYS, ...extra };
}

/** A backend on the fault server's recording upstream, and what that upstream saw. */
function echo(extra: Partial<S3DriverConfig> = {}) {
  const bucket = `echo-${crypto.randomUUID().slice(0, 8)}`;
  const base = inject('faultyUpstreamUrl');
  const backend = openS3Backend(env, config({ endpoint: base, bucket, ...extra }));
  const last = async () => (await (await fetch(`${base}/__last/${bucket}`)).json()) as { method: string; url: string; headers: Record<string, string>; bodyLength: number } | null;
  const hits = async () => Number(await (await fetch(`${base}/__hits/${bucket}`)).text());
  return { backend, last, hits, bucket };
}

describe('s3 driver: addressing', () => {
  const none = parseAllowList(undefined);

  it('builds path-style and virtual-hosted URLs with the prefix and RFC 3986-encoded keys', () => {
    const context = { subject: 'object' } as const;
    const path = new UpstreamClient(config(), none).url({ key: 'tenant/a b+c/ü(1)', context });
    expect(path.href).toBe('https://s3.example.com/up-bucket/tenant/a%20b%2Bc/%C3%BC%281%29');
    const virtual = new UpstreamClient(config({ pathStyle: false }), none).url({ key: 'tenant/k', context });
    expect(virtual.href).toBe('https://up-bucket.s3.example.com/tenant/k');
    const based = new UpstreamClient(config({ endpoint: 'https://gw.example.com/s3/' }), none).url({ query: [['list-type', '2']], context });
    expect(based.href).toBe('https://gw.example.com/s3/up-bucket?list-type=2');
  });

  it('refuses keys with dot segments instead of letting the URL parser move them (out of the prefix)', async () => {
    const { backend, hits } = echo();
    for (const key of ['../other-tenant/secret', 'a/./b', 'a/..', '.']) {
      const error = await s3Failure(backend.get(key));
      expect(error.code, key).toBe('InvalidArgument');
    }
    expect(await hits()).toBe(0);
  });

  it('checks the endpoint before every request: a refused one is never contacted', async () => {
    const base = inject('faultyUpstreamUrl');
    const bucket = `echo-${crypto.randomUUID().slice(0, 8)}`;
    // Same upstream, but without the operator allow-list: http to 127.0.0.1 is refused.
    const backend = new S3Backend(config({ endpoint: base, bucket }), parseAllowList(undefined));
    const error = await s3Failure(backend.head('k'));
    expect(error.code).toBe('InternalError');
    expect(error.message).not.toContain('127.0.0.1');
    expect(Number(await (await fetch(`${base}/__hits/${bucket}`)).text())).toBe(0);
    for (const endpoint of ['https://169.254.169.254', 'https://[fd00:ec2::254]', 'https://2130706433', 'https://u:p@s3.example.com']) {
      expect((await s3Failure(new S3Backend(config({ endpoint }), parseAllowList(undefined)).head('k'))).code, endpoint).toBe('InternalError');
    }
  });

  it('checks the composed virtual-hosted name too', () => {
    const allow = parseAllowList('minio.lan');
    expect(() => new UpstreamClient(config({ endpoint: 'https://minio.lan', pathStyle: false }), allow).url({ key: 'k', context: { subject: 'object' } })).toThrow(
      expect.objectContaining({ name: 'StorageError', kind: 'misconfigured' }),
    );
    expect(new UpstreamClient(config({ endpoint: 'https://minio.lan' }), allow).url({ key: 'k', context: { subject: 'object' } }).host).toBe('minio.lan');
  });
});

describe('s3 driver: what is sent upstream', () => {
  it('streams a PUT with its length, unsigned payload, metadata and conditions; signed', async () => {
    const { backend, last } = echo();
    const info = await backend.put('k', stream('12345'), 5, { contentType: 'text/plain', user: { color: 'blue' } }, { ifNoneMatch: '*' });
    expect(info.etag).toBe('0123456789abcdef0123456789abcdef');
    const seen = await last();
    expect(seen).toMatchObject({ method: 'PUT', url: expect.stringMatching(/\/tenant\/k$/), bodyLength: 5 });
    expect(seen!.headers).toMatchObject({
      'content-length': '5',
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      'content-type': 'text/plain',
      'x-amz-meta-color': 'blue',
      'if-none-match': '*',
    });
    expect(seen!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
    expect(seen!.headers['transfer-encoding']).toBeUndefined();
  });

  it('fails a large upload to an unreachable upstream promptly, without waiting on the body pipe', async () => {
    const backend = openS3Backend(env, config({ endpoint: inject('closedUpstreamUrl'), bucket: 'b' }));
    const size = 16 * 1024 * 1024;
    const started = Date.now();
    const error = await s3Failure(backend.put('k', stream(new Uint8Array(size)), size, noMetadata));
    expect(error.code).toBe('ServiceUnavailable');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('quotes a bare If-Match ETag', async () => {
    const { backend, last } = echo();
    await backend.put('k', stream('x'), 1, noMetadata, { ifMatch: 'abc' });
    expect((await last())!.headers['if-match']).toBe('"abc"');
  });

  it('sends nothing signed for an anonymous upstream', async () => {
    const { backend, last } = echo({ credentials: null });
    await backend.head('k');
    const seen = await last();
    expect(seen!.headers.authorization).toBeUndefined();
    expect(seen!.headers['x-amz-content-sha256']).toBeUndefined();
  });

  it('never forwards hop-by-hop, edge or signing headers', () => {
    const kept = forwardableHeaders({
      Connection: 'keep-alive',
      'Keep-Alive': 'timeout=5',
      'Transfer-Encoding': 'chunked',
      Upgrade: 'h2c',
      TE: 'trailers',
      Trailer: 'x-amz-checksum-crc32',
      'Proxy-Authorization': 'Basic x',
      Host: 'evil.example',
      'CF-Connecting-IP': '1.2.3.4',
      'cf-ray': 'abc',
      'X-Forwarded-For': '1.2.3.4',
      Authorization: 'AWS4-HMAC-SHA256 client',
      'X-Amz-Security-Token': 'client-token',
      'Content-Type': 'text/plain',
      'x-amz-meta-a': 'b',
    });
    expect([...kept.keys()].sort()).toEqual(['content-type', 'x-amz-meta-a']);
  });
});

describe('s3 driver: translateUpstreamFailure', () => {
  const object = { subject: 'object' } as const;
  it.each([
    [{ kind: 'response', status: 403, code: 'SignatureDoesNotMatch' }, 'InternalError'],
    [{ kind: 'response', status: 403, code: 'InvalidAccessKeyId' }, 'InternalError'],
    [{ kind: 'response', status: 400, code: 'ExpiredToken' }, 'InternalError'],
    [{ kind: 'response', status: 404, code: 'NoSuchBucket' }, 'InternalError'],
    [{ kind: 'response', status: 301, code: 'PermanentRedirect' }, 'InternalError'],
    [{ kind: 'response', status: 403, code: 'AccessDenied' }, 'AccessDenied'],
    [{ kind: 'response', status: 409, code: 'ConditionalRequestConflict' }, 'ServiceUnavailable'],
    [{ kind: 'response', status: 503, code: 'SlowDown' }, 'SlowDown'],
    [{ kind: 'response', status: 429 }, 'SlowDown'],
    [{ kind: 'response', status: 503 }, 'ServiceUnavailable'],
    [{ kind: 'response', status: 502 }, 'InternalError'],
    [{ kind: 'response', status: 404 }, 'NoSuchKey'],
    [{ kind: 'response', status: 412 }, 'PreconditionFailed'],
    [{ kind: 'response', status: 418, code: 'SomethingNew' }, 'InternalError'],
    [{ kind: 'timeout' }, 'ServiceUnavailable'],
    [{ kind: 'unreachable' }, 'ServiceUnavailable'],
    [{ kind: 'redirect', status: 302 }, 'InternalError'],
    [{ kind: 'malformed-response' }, 'InternalError'],
  ] as const)('%j → %s', (failure, code) => {
    expect(s3ErrorFromStorage(translateUpstreamFailure(failure, object)).code).toBe(code);
  });

  it('tells a missing upload from a missing key, and names the failed condition', () => {
    expect(s3ErrorFromStorage(translateUpstreamFailure({ kind: 'response', status: 404 }, { subject: 'upload' })).code).toBe('NoSuchUpload');
    expect(s3ErrorFromStorage(translateUpstreamFailure({ kind: 'response', status: 404, code: 'NoSuchKey' }, { subject: 'upload' })).code).toBe('NoSuchUpload');
    const failed = s3ErrorFromStorage(translateUpstreamFailure({ kind: 'response', status: 412, code: 'PreconditionFailed' }, { subject: 'object', condition: 'If-None-Match' }));
    expect(failed.extra).toEqual({ Condition: 'If-None-Match' });
    const range = s3ErrorFromStorage(translateUpstreamFailure({ kind: 'response', status: 416, code: 'InvalidRange', actualObjectSize: '10' }, object));
    expect([range.status, range.extra]).toEqual([416, { ActualObjectSize: '10' }]);
  });
});
