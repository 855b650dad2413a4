import {
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { AwsClient } from 'aws4fetch';
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketWithClient } from './helpers/fixtures';
import { type Credentials, ENDPOINT, errorCode, signedFetch } from './helpers/s3-client';

// Request details S3 answers in a particular way: encoding-type=url, empty continuation tokens,
// a bad Content-Length, an undecodable path, and the Content-Encoding an object comes back with.

let bucket: string;
let s3: S3Client;
let credentials: Credentials;

beforeAll(async () => {
  ({ bucket, s3, credentials } = await bucketWithClient('edges'));
  for (const key of ['n\u00e9/a b', 'n\u00e9/c+d/x', 'n\u00e9/e']) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));
  await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'n\u00e9/a b' }));
});

/** The text of every `<name>` element of an XML answer, in order. */
function elements(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => m[1]!);
}

async function listXml(query: string): Promise<string> {
  const r = await signedFetch(credentials, 'GET', `/${bucket}?${query}`);
  expect(r.status).toBe(200);
  return r.text();
}

describe('encoding-type=url', () => {
  // Common to every case: prefix `né/`, delimiter `/`, two entries per page so markers appear.
  const common = 'encoding-type=url&prefix=n%C3%A9%2F&delimiter=%2F';

  it('ListObjects (V1) encodes Delimiter, Marker, NextMarker, Key and CommonPrefixes, and sends Prefix as given', async () => {
    const xml = await listXml(`${common}&max-keys=1&marker=n%C3%A9%2Fa%20b`);
    expect(elements(xml, 'Prefix')[0]).toBe('n\u00e9/');
    expect(elements(xml, 'Marker')).toEqual(['n%C3%A9/a%20b']);
    expect(elements(xml, 'NextMarker')).toEqual(['n%C3%A9/c%2Bd/']);
    expect(elements(xml, 'Delimiter')).toEqual(['/']);
    expect(elements(xml, 'Prefix').slice(1)).toEqual(['n%C3%A9/c%2Bd/']);
  });

  it('ListObjects (V1): a newline prefix comes back as a newline, which botocore (it never decodes V1 Prefix) shows as sent', async () => {
    const xml = await listXml('encoding-type=url&prefix=%0A');
    expect(elements(xml, 'Prefix')).toEqual(['\n']);
  });

  it('ListObjectsV2 encodes Prefix, Delimiter, StartAfter, Key and CommonPrefixes', async () => {
    const xml = await listXml(`list-type=2&${common}&start-after=n%C3%A9%2Fa`);
    expect(elements(xml, 'Prefix')).toEqual(['n%C3%A9/', 'n%C3%A9/c%2Bd/']);
    expect(elements(xml, 'StartAfter')).toEqual(['n%C3%A9/a']);
    expect(elements(xml, 'Key')).toEqual(['n%C3%A9/a%20b', 'n%C3%A9/e']);
    expect(elements(xml, 'Delimiter')).toEqual(['/']);
  });

  it('ListObjectVersions encodes Prefix, KeyMarker, NextKeyMarker, Delimiter and Key', async () => {
    const xml = await listXml(`versions&${common}&max-keys=1&key-marker=n%C3%A9%2Fa`);
    expect(elements(xml, 'Prefix')).toEqual(['n%C3%A9/']);
    expect(elements(xml, 'KeyMarker')).toEqual(['n%C3%A9/a']);
    expect(elements(xml, 'NextKeyMarker')).toEqual(['n%C3%A9/a%20b']);
    expect(elements(xml, 'Key')).toEqual(['n%C3%A9/a%20b']);
  });

  it('ListMultipartUploads encodes Prefix, KeyMarker, Delimiter and Key', async () => {
    const xml = await listXml(`uploads&${common}&key-marker=n%C3%A9%2Fa`);
    expect(elements(xml, 'Prefix')).toEqual(['n%C3%A9/']);
    expect(elements(xml, 'KeyMarker')).toEqual(['n%C3%A9/a']);
    expect(elements(xml, 'Key')).toEqual(['n%C3%A9/a%20b']);
  });
});

describe('an empty continuation-token is no token', () => {
  it('ListObjectsV2 answers the first page', async () => {
    const xml = await listXml('list-type=2&continuation-token=&prefix=n%C3%A9%2F');
    expect(elements(xml, 'Key')).toEqual(['n\u00e9/a b', 'n\u00e9/c+d/x', 'n\u00e9/e']);
    expect(elements(xml, 'ContinuationToken')).toEqual([]);
  });

  it('so does the SDK when handed an empty token', async () => {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'n\u00e9/', ContinuationToken: '' }));
    expect(page.KeyCount).toBe(3);
  });
});

describe('Content-Length that is not a non-negative integer', () => {
  it.each(['-1', 'abc', '1e3'])('%s is 400 BadRequest and nothing is written', async (length) => {
    const client = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
    const signed = await client.sign(`${ENDPOINT}/${bucket}/cl/${encodeURIComponent(length)}`, {
      method: 'PUT',
      headers: { 'content-length': length, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    // A stream body keeps the header as sent (a string body would have its length computed).
    const request = new Request(signed.url, { method: 'PUT', headers: signed.headers, body: new Blob(['hello']).stream(), duplex: 'half' } as RequestInit);
    expect(request.headers.get('content-length')).toBe(length);
    const r = await SELF.fetch(request);
    expect({ status: r.status, code: await errorCode(r) }).toEqual({ status: 400, code: 'BadRequest' });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'cl/' }));
    expect(listed.KeyCount).toBe(0);
  });
});

describe('a path that is not UTF-8 once percent-decoded', () => {
  it.each([`/BUCKET/%FF`, `/BUCKET/a%C3%28`, `/BUCKET/x%ED%A0%80`, '/%FF/key'])('%s is 400 InvalidURI', async (template) => {
    const r = await signedFetch(credentials, 'GET', template.replace('BUCKET', bucket));
    expect({ status: r.status, code: await errorCode(r) }).toEqual({ status: 400, code: 'InvalidURI' });
  });
});

/** An aws-chunked PUT (unsigned chunks) with the Content-Encoding the client lists. */
async function chunkedPut(key: string, contentEncoding: string, data: string): Promise<Response> {
  const bytes = new TextEncoder().encode(data);
  return signedFetch(credentials, 'PUT', `/${bucket}/${key}`, {
    headers: {
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'content-encoding': contentEncoding,
      'x-amz-decoded-content-length': String(bytes.byteLength),
      'content-type': 'text/plain',
    },
    body: `${bytes.byteLength.toString(16)}\r\n${data}\r\n0\r\n\r\n`,
  });
}

describe('Content-Encoding of what the gateway serves', () => {
  it('an aws-chunked upload comes back with no Content-Encoding, and the edge is told not to compress it', async () => {
    expect((await chunkedPut('ce/plain.txt', 'aws-chunked', 'plain text')).status).toBe(200);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'ce/plain.txt' }));
    expect(head.ContentEncoding).toBeUndefined();
    const r = await signedFetch(credentials, 'GET', `/${bucket}/ce/plain.txt`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(r.headers.get('content-encoding')).toBeNull();
    expect(r.headers.get('cache-control')).toBe('no-transform');
    expect(r.headers.get('content-length')).toBe('10');
    expect(await r.text()).toBe('plain text');
  });

  it('aws-chunked,gzip keeps gzip, the coding the client applied', async () => {
    expect((await chunkedPut('ce/coded.txt', 'aws-chunked,gzip', 'not really gzip')).status).toBe(200);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'ce/coded.txt' }));
    expect(head.ContentEncoding).toBe('gzip');
  });

  it('a copy of an aws-chunked upload carries no Content-Encoding either', async () => {
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'ce/copy.txt', CopySource: `${bucket}/ce/plain.txt` }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'ce/copy.txt' }));
    expect(got.ContentEncoding).toBeUndefined();
    expect(await got.Body!.transformToString()).toBe('plain text');
  });

  it("keeps the object's own Cache-Control exactly on HEAD, ranges and for identity clients; adds only no-transform where the edge could compress", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'ce/cached.txt', Body: 'cached', CacheControl: 'max-age=60', ContentType: 'text/plain' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'ce/cached.txt' }));
    expect(head.CacheControl).toBe('max-age=60');
    const cacheControl = async (headers: Record<string, string>) => {
      const r = await signedFetch(credentials, 'GET', `/${bucket}/ce/cached.txt`, { headers });
      await r.arrayBuffer();
      return r.headers.get('cache-control');
    };
    expect(await cacheControl({ 'accept-encoding': 'identity' })).toBe('max-age=60');
    expect(await cacheControl({ 'accept-encoding': 'gzip', range: 'bytes=0-1' })).toBe('max-age=60');
    expect(await cacheControl({ 'accept-encoding': 'br;q=1, gzip' })).toBe('max-age=60, no-transform');
  });

  it('XML answers, errors included, name no Content-Encoding; no-transform goes only to clients that accept compression', async () => {
    const listing = await signedFetch(credentials, 'GET', `/${bucket}?list-type=2`, { headers: { 'accept-encoding': 'gzip' } });
    const missing = await signedFetch(credentials, 'GET', `/${bucket}/ce/missing`, { headers: { 'accept-encoding': 'gzip' } });
    for (const r of [listing, missing]) {
      expect(r.headers.get('content-encoding')).toBeNull();
      expect(r.headers.get('cache-control')).toBe('no-transform');
      await r.text();
    }
    expect(missing.status).toBe(404);
    const plain = await signedFetch(credentials, 'GET', `/${bucket}?list-type=2`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('cache-control')).toBeNull();
    await plain.text();
  });
});
