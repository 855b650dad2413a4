import { AwsClient } from 'aws4fetch';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from './support/files';
import { admin, gateway, objectPath, signedFetch, uniqueBucket } from './support/gateway';

const CHROMIUM = '/usr/bin/chromium';
const BODY = 'public bytes for a page: 0123456789abcdef';

/**
 * A page served from another origin (a Node server on another port) fetches from the dev gateway
 * in Debian's Chromium: a public object (whole and Range), a private one through presigned GET and
 * PUT URLs (the PUT needs a preflight), and the same fetch from an origin no rule allows, which the
 * browser must refuse.
 */
describe('Chromium on another origin', () => {
  let pages: Server;
  let pagePort: number;
  let profile: string;
  let browser: BrowserContext;
  let publicBucket: string;
  let privateBucket: string;
  /** Preflights Chromium sent, as the DevTools protocol reports them. */
  const preflights: { url: string; status: number; headers: Record<string, string> }[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (.ci/run installs the chromium package)`);
    pages = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>bucketgate browser test</title>'));
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    pagePort = (pages.address() as AddressInfo).port;

    const cors = [
      {
        allowedOrigins: [`http://127.0.0.1:${pagePort}`],
        allowedMethods: ['GET', 'HEAD', 'PUT'],
        allowedHeaders: ['range', 'content-type'],
        exposeHeaders: ['ETag', 'Content-Range', 'x-bucketgate-cache'],
        maxAgeSeconds: 300,
      },
    ];
    publicBucket = uniqueBucket('browser-public');
    privateBucket = uniqueBucket('browser-private');
    expect((await admin('POST', '/buckets', { name: publicBucket, publicRead: true, cors })).status).toBe(201);
    expect((await admin('POST', '/buckets', { name: privateBucket, cors })).status).toBe(201);
    for (const bucket of [publicBucket, privateBucket]) {
      const put = await signedFetch(objectPath(bucket, 'page.txt'), { method: 'PUT', body: BODY, headers: { 'content-type': 'text/plain' } });
      expect(put.status).toBe(200);
    }
    // Ranges are read from a binary object: wrangler dev's edge emulation gzips 206 answers of text
    // types, which Chromium then refuses; Cloudflare's edge never compresses a 206 (ADR 0011).
    const binary = await signedFetch(objectPath(publicBucket, 'page.bin'), { method: 'PUT', body: BODY, headers: { 'content-type': 'application/octet-stream' } });
    expect(binary.status).toBe(200);

    profile = await tempDir('chromium');
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => pages?.close(resolve));
    await removeDir(profile);
  });

  async function openPage(origin: string): Promise<Page> {
    const page = await browser.newPage();
    const cdp = await browser.newCDPSession(page);
    await cdp.send('Network.enable');
    cdp.on('Network.responseReceived', (event) => {
      if (event.type === 'Preflight') preflights.push({ url: event.response.url, status: event.response.status, headers: lowerCased(event.response.headers) });
    });
    await page.goto(`${origin}/`);
    return page;
  }

  /** Runs fetch in the page; what script on that origin can see of the answer, or the error it got. */
  function pageFetch(page: Page, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
    return page.evaluate(
      async ({ url, init }) => {
        try {
          const r = await fetch(url, init);
          const headers: Record<string, string> = {};
          r.headers.forEach((value, name) => (headers[name] = value));
          return { status: r.status, body: await r.text(), headers };
        } catch (error) {
          return { error: `${(error as Error).name}: ${(error as Error).message}` };
        }
      },
      { url, init },
    );
  }

  function presigned(method: string, path: string, headers: Record<string, string> = {}): Promise<string> {
    const { endpoint, region, accessKeyId, secretAccessKey } = gateway();
    const aws = new AwsClient({ accessKeyId, secretAccessKey, region, service: 's3' });
    return aws.sign(`${endpoint}${path}?X-Amz-Expires=300`, { method, headers, aws: { signQuery: true } }).then((r) => r.url);
  }

  it('reads a public object, whole and by Range, with the CORS headers the rule exposes', async () => {
    const { endpoint } = gateway();
    const page = await openPage(`http://127.0.0.1:${pagePort}`);
    const url = `${endpoint}${objectPath(publicBucket, 'page.txt')}`;
    const whole = await pageFetch(page, url);
    expect(whole).toMatchObject({ status: 200, body: BODY, headers: { 'content-type': 'text/plain' } });
    // Cloudflare's edge leaves a `no-transform` response as it is, Content-Length included (ADR 0011);
    // wrangler dev's edge emulation (miniflare's entry worker) compresses text for a browser anyway,
    // so locally the length may be gone — the bytes, decoded by the browser, must still be exact.
    const wholeHeaders = (whole as { headers: Record<string, string> }).headers;
    expect(wholeHeaders['cache-control']).toMatch(/\bno-transform\b/);
    if (wholeHeaders['content-length'] !== undefined) expect(wholeHeaders['content-length']).toBe(String(BODY.length));
    expect((whole as { headers: Record<string, string> }).headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(['hit', 'miss']).toContain((whole as { headers: Record<string, string> }).headers['x-bucketgate-cache']);

    const part = await pageFetch(page, `${endpoint}${objectPath(publicBucket, 'page.bin')}`, { headers: { range: 'bytes=25-34' } });
    expect(part).toMatchObject({ status: 206, body: '0123456789', headers: { 'content-range': `bytes 25-34/${BODY.length}` } });
    await page.close();
  });

  it('reads a private object through a presigned GET and writes one through a presigned PUT after a preflight', async () => {
    const { endpoint } = gateway();
    const page = await openPage(`http://127.0.0.1:${pagePort}`);
    const denied = await pageFetch(page, `${endpoint}${objectPath(privateBucket, 'page.txt')}`);
    // The 403 carries the CORS headers too, so the page can read why it failed.
    expect(denied).toMatchObject({ status: 403 });
    expect((denied as { body: string }).body).toContain('<Code>AccessDenied</Code>');

    const get = await pageFetch(page, await presigned('GET', objectPath(privateBucket, 'page.txt')));
    expect(get).toMatchObject({ status: 200, body: BODY });

    const putUrl = await presigned('PUT', objectPath(privateBucket, 'from-browser.txt'));
    // application/json is not a CORS-safelisted content type: the preflight must ask for it.
    const put = await pageFetch(page, putUrl, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: 'written by Chromium' });
    expect(put).toMatchObject({ status: 200 });
    const stored = await signedFetch(objectPath(privateBucket, 'from-browser.txt'));
    expect(await stored.text()).toBe('written by Chromium');

    const preflight = preflights.find((p) => p.url.startsWith(`${endpoint}${objectPath(privateBucket, 'from-browser.txt')}`));
    expect(preflight).toBeDefined();
    expect(preflight).toMatchObject({
      status: 200,
      headers: {
        'access-control-allow-origin': `http://127.0.0.1:${pagePort}`,
        'access-control-allow-methods': 'GET, HEAD, PUT',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '300',
      },
    });
    await page.close();
  });

  it('refuses an origin no rule allows: the fetch fails in the page', async () => {
    const { endpoint } = gateway();
    // Same page server, another origin: `localhost` is not `127.0.0.1` to the browser.
    const page = await openPage(`http://localhost:${pagePort}`);
    const url = `${endpoint}${objectPath(publicBucket, 'page.txt')}`;
    expect(await pageFetch(page, url)).toEqual({ error: 'TypeError: Failed to fetch' });
    const putUrl = await presigned('PUT', objectPath(privateBucket, 'refused.txt'));
    expect(await pageFetch(page, putUrl, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'x' })).toEqual({ error: 'TypeError: Failed to fetch' });
    // The refused preflight kept the PUT from being sent at all.
    expect((await signedFetch(objectPath(privateBucket, 'refused.txt'), { method: 'HEAD' })).status).toBe(404);
    await page.close();
  });
});

function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
