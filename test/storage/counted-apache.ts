import { env } from 'cloudflare:test';
import { expect, inject } from 'vitest';
import { openWebDavBackend } from '../../src/storage/drivers';
import './contract/provided';

/**
 * A webdav backend on a fresh base collection of Apache, reached through the counting proxy
 * (test/storage/upstreams/counting-proxy.ts), so a test counts only its own requests:
 * `requests()` says what the backend sent since the last call, by method, and forgets it;
 * `directUrl` and `authorization` reach the same collection straight, behind the gateway's back.
 */
export async function countedApacheCollection(label: string, settings: { listingCacheTtlMs?: number } = {}) {
  const counting = inject('countingApacheDav');
  const direct = inject('apacheDav');
  const authorization = `Basic ${btoa(`${direct.username}:${direct.password}`)}`;
  const name = `${label}-${crypto.randomUUID().slice(0, 8)}/`;
  expect((await fetch(`${direct.url}${name}`, { method: 'MKCOL', headers: { authorization } })).status).toBe(201);
  const backend = openWebDavBackend(env, {
    baseUrl: `${counting.url}${name}`,
    prefix: '',
    flavor: 'generic',
    auth: { kind: 'basic', username: counting.username, password: counting.password },
    conditionalWrites: true,
    deadProperties: true,
    ...settings,
  });
  const path = `${new URL(counting.url).pathname}${name}`;
  const requests = async (): Promise<Record<string, number>> =>
    (await fetch(`${new URL(counting.url).origin}/__requests?under=${encodeURIComponent(path)}`)).json();
  return { backend, requests, directUrl: `${direct.url}${name}`, authorization };
}
