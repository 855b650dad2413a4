import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApacheDav, startApacheDav } from '../storage/upstreams/apache-dav-process';
import { type GatewayProcess, startGateway } from '../storage/upstreams/gateway-process';
import { boto3Current, boto3Legacy, type Client } from './support/clients';
import { MiB, removeDir, tempDir } from './support/files';
import { uniqueBucket } from './support/gateway';
import { awsClientEnv, succeed } from './support/process';

const SCRIPT = fileURLToPath(new URL('./python/boto3_complete_keep_alive.py', import.meta.url));

/**
 * A lengthy CompleteMultipartUpload through real clients (issue 9, adrs/0015): a bucket on Apache
 * mod_dav, a gateway of its own whose keep-alive interval is 20 ms, so the assembly of a 5 MiB
 * upload always outlasts it. boto3 (both generations) must parse 200 + spaces + result as the
 * result, and 200 + spaces + <Error> as that error — botocore's rule for CompleteMultipartUpload.
 */

let apache: ApacheDav;
let gw: GatewayProcess;
let work: string;
let bucket: string;
let credentials: { accessKeyId: string; secretAccessKey: string };

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const response = await fetch(`${gw.info.endpoint}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${gw.info.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined, text };
}

beforeAll(async () => {
  work = await tempDir('keep-alive-e2e');
  [apache, gw] = await Promise.all([
    startApacheDav(),
    startGateway({ vars: ['ALLOWED_UPSTREAM_HOSTS:127.0.0.1', 'COMPLETE_KEEP_ALIVE_MS:20'], log: 'e2e-keep-alive-gateway.log' }),
  ]);
  const connection = await admin('POST', '/connections', {
    name: uniqueBucket('conn-keepalive'),
    kind: 'webdav',
    baseUrl: apache.url,
    flavor: 'generic',
    auth: { mode: 'basic', username: apache.username, password: apache.password },
  });
  expect(connection.status, connection.text).toBe(201);
  bucket = uniqueBucket('keepalive');
  const made = await admin('POST', '/buckets', { name: bucket, backend: { type: 'webdav', connection: connection.json.id, prefix: `${bucket}/` } });
  expect(made.status, made.text).toBe(201);
  const key = await admin('POST', '/keys', { displayName: 'keep-alive e2e', statements: [{ effect: 'allow', actions: ['s3:*'], resources: [bucket, `${bucket}/*`] }] });
  expect(key.status, key.text).toBe(201);
  credentials = { accessKeyId: key.json.accessKeyId, secretAccessKey: key.json.secretAccessKey };
}, 240_000);

afterAll(async () => {
  await Promise.allSettled([apache?.stop(), gw?.stop()]);
  await removeDir(work);
});

describe.each([
  // botocore ≥ 1.36 parses the <Error> of a 200 and raises it with its code.
  ['boto3 ≥ 1.36', boto3Current, 'InvalidPart'],
  // Older botocore parses the 200 as the success shape before its needs-retry check turns it into
  // a 500: it raises ClientError (the failure is never taken for success) but without the code.
  ['boto3 < 1.36', boto3Legacy, null],
])('CompleteMultipartUpload keep-alive with %s', (_label, locate: () => Promise<Client>, codeSeen: string | null) => {
  let results: Record<string, any>;
  const check = (name: string) => {
    const result = results[name];
    if (result?.error && result.traceback) throw new Error(`${name} raised ${result.error}\n${result.traceback}`);
    return result;
  };

  beforeAll(async () => {
    const python = await locate();
    const env = awsClientEnv(work, {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_MAX_ATTEMPTS: '1',
      DAV_USER: apache.username,
      DAV_PASSWORD: apache.password,
    });
    const { stdout } = await succeed(python.path, [SCRIPT, gw.info.endpoint, bucket, apache.url], { env, timeoutMs: 300_000 });
    results = JSON.parse(stdout);
  }, 300_000);

  it('parses 200 + spaces + CompleteMultipartUploadResult as the result', () => {
    const r = check('resultAfterWhitespace');
    expect(r.spaces).toBeGreaterThan(0);
    expect(r.rawRoot).toBe('CompleteMultipartUploadResult');
    expect(r.etag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect([r.headLength, r.headEtag]).toEqual([5 * MiB + 1000, r.etag]);
  });

  // Whether spaces precede the <Error> depends on how soon the store fails (the WebDAV staging
  // checks every part's record before assembling), so this case asserts the 200 and the error only.
  it('raises the <Error> sent in a 200 as that error; nothing is stored and the upload stays in progress', () => {
    const r = check('errorAfter200');
    expect(r).toMatchObject({ rawCode: 'InvalidPart', raised: true, errorCode: codeSeen, headStatus: 404, stillInProgress: true });
  });
});
