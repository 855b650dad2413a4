import { env } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { openWebDavBackend } from '../../src/storage/drivers';
import { translateWebDavFailure } from '../../src/storage/webdav/errors';
import { noMetadata, pattern, put, s3Failure, stream } from './contract/support';
import './contract/provided';

/**
 * The webdav driver against a misbehaving upstream (test/storage/upstreams/fault-server.ts, which
 * picks its behaviour from the first path segment): statuses only, nothing of the answer passed on,
 * retries for idempotent calls only, timeouts, redirects never followed.
 */
const TIMEOUT_MS = 1500;
const RETRIES = 2;
const LEAKS = ['secret-upstream.example', 'REQID-LEAK-7Q', 'HOSTID-LEAK-9Z', 'internal-bucket-name', '169.254', '127.0.0.1'];

function faulty(mode: string) {
  const bucket = `${mode}-${crypto.randomUUID().slice(0, 8)}`;
  const base = mode === 'unreachable' ? inject('closedUpstreamUrl') : inject('faultyUpstreamUrl');
  const backend = openWebDavBackend(env, {
    baseUrl: `${base}/${bucket}/`,
    prefix: '',
    flavor: 'generic',
    auth: { kind: 'basic', username: 'u', password: 'p' },
    conditionalWrites: false,
    deadProperties: false,
    timeoutMs: TIMEOUT_MS,
    retries: RETRIES,
    retryBaseMs: 10,
  });
  const hits = async () => Number(await (await fetch(`${inject('faultyUpstreamUrl')}/__hits/${bucket}`)).text());
  return { backend, hits };
}

function noLeak(error: { message: string; extra: Record<string, string> }) {
  const shown = JSON.stringify([error.message, error.extra]);
  for (const marker of LEAKS) expect(shown).not.toContain(marker);
}

describe('webdav driver: upstream faults', () => {
  it('an unreachable server is ServiceUnavailable', async () => {
    const { backend } = faulty('unreachable');
    for (const work of [() => backend.head('k'), () => backend.get('k'), () => put(backend, 'k', 'x'), () => backend.list({ prefix: '', maxKeys: 1 })]) {
      const error = await s3Failure(work());
      expect([error.code, error.status]).toEqual(['ServiceUnavailable', 503]);
      noLeak(error);
    }
  });

  it('a 500 is InternalError, retried for reads only, leaking nothing', async () => {
    const reads = faulty('fail500');
    const error = await s3Failure(reads.backend.get('secret/key'));
    expect([error.code, error.status]).toEqual(['InternalError', 500]);
    noLeak(error);
    expect(await reads.hits()).toBe(RETRIES + 1);
    const writes = faulty('fail500');
    expect((await s3Failure(put(writes.backend, 'k', 'x'))).code).toBe('InternalError');
    // One PUT (the key has no parent collection to make): a streamed body is never sent twice.
    expect(await writes.hits()).toBe(1);
  });

  it('a 503 is ServiceUnavailable', async () => {
    const down = faulty('unavailable');
    for (const work of [() => down.backend.head('k'), () => down.backend.get('k')]) {
      const error = await s3Failure(work());
      expect([error.code, error.status]).toEqual(['ServiceUnavailable', 503]);
      noLeak(error);
    }
  });

  it('a stalled server fails within the timeout, without retrying', async () => {
    const { backend } = faulty('stall');
    for (const work of [() => backend.get('k'), () => put(backend, 'k', 'x')]) {
      const started = Date.now();
      const error = await s3Failure(work());
      const elapsed = Date.now() - started;
      expect(error.code).toBe('ServiceUnavailable');
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);
    }
  });

  it('a redirect is never followed', async () => {
    const { backend, hits } = faulty('redirect');
    const error = await s3Failure(backend.get('k'));
    expect(error.code).toBe('InternalError');
    noLeak(error);
    expect(await hits()).toBe(1);
  });

  it('a MKCOL answered 403 for a collection that is not there afterwards stays AccessDenied, and no PUT is sent', async () => {
    // The driver checks a 403 on MKCOL (Apache's answer to a lost mkdir race, adrs/0022) by looking
    // for the collection: here it is absent, so the refusal stands. MKCOL, PROPFIND — no PUT.
    const { backend, hits } = faulty('mkcol403');
    const error = await s3Failure(put(backend, 'dir/k', 'x'));
    expect([error.code, error.status]).toEqual(['AccessDenied', 403]);
    expect(await hits()).toBe(2);
  });

  it('a server dropping the connection mid-upload fails the PUT, once', async () => {
    const { backend, hits } = faulty('dropmid');
    const data = pattern(1024 * 1024);
    const error = await s3Failure(backend.put('k', stream(data), data.byteLength, noMetadata));
    expect(error.code).toBe('ServiceUnavailable');
    expect(await hits()).toBe(1);
  });
});

describe('webdav driver: status translation', () => {
  const kind = (status: number, subject: 'object' | 'upload' | 'collection' = 'object') => translateWebDavFailure({ kind: 'response', status }, { subject }).kind;

  it('maps WebDAV statuses to storage kinds', () => {
    expect([401, 403, 404, 409, 412, 413, 416, 423, 429, 503, 507, 500, 502].map((s) => kind(s))).toEqual([
      'auth-failed', 'auth-failed', 'not-found', 'conflict', 'precondition-failed', 'entity-too-large', 'invalid-range', 'conflict', 'throttled', 'unavailable', 'entity-too-large', 'internal', 'internal',
    ]);
    expect([kind(404, 'upload'), kind(404, 'collection')]).toEqual(['no-such-upload', 'misconfigured']);
    const range = translateWebDavFailure({ kind: 'response', status: 416, contentRange: 'bytes */42' }, { subject: 'object' });
    expect(range.detail.actualObjectSize).toBe(42);
    const failed = translateWebDavFailure({ kind: 'response', status: 412 }, { subject: 'object', condition: 'If-None-Match' });
    expect(failed.detail.condition).toBe('If-None-Match');
  });
});
