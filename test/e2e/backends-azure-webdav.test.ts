import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURE_API_VERSION } from '../../src/storage/azure/config';
import { signSharedKey } from '../../src/storage/azure/shared-key';
import { type ApacheDav, startApacheDav } from '../storage/upstreams/apache-dav-process';
import { AZURITE_ACCOUNT } from '../storage/upstreams/azurite-account';
import { type AzuriteProcess, startAzurite } from '../storage/upstreams/azurite-process';
import { type GatewayProcess, startGateway } from '../storage/upstreams/gateway-process';
import { awsCliV2, rclone as locateRclone } from './support/clients';
import { MiB, removeDir, sha256, sha256File, tempDir, treeDigest, writeRandomFile, writeSampleTree } from './support/files';
import { uniqueBucket } from './support/gateway';
import { awsClientEnv, clientEnv, succeed } from './support/process';

/**
 * Buckets on `azure` and `webdav` connections end to end (issue 9, adrs/0023): Azurite and Apache
 * httpd + mod_dav started here (the drivers' own start helpers), a dev gateway of its own that
 * allow-lists 127.0.0.1, connections and buckets made through its admin API (validated: the probes
 * run against the real servers), then aws cli v2 and rclone through each bucket — and a look at
 * Azurite and Apache directly to see the objects really are there.
 */

const aws = await awsCliV2();
const rcloneCli = await locateRclone();
const CONTAINER = 'e2e-kinds';

let azurite: AzuriteProcess;
let apache: ApacheDav;
let gw: GatewayProcess;
let work: string;
let credentials: { accessKeyId: string; secretAccessKey: string };

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const response = await fetch(`${gw.info.endpoint}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${gw.info.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined, text };
}

/** Blob names and sizes under a prefix, read from Azurite itself (List Blobs, Shared Key). */
async function azuriteBlobs(prefix: string): Promise<Map<string, number>> {
  const blobs = new Map<string, number>();
  let marker = '';
  do {
    const url = new URL(`${azurite.accountUrl}/${CONTAINER}?restype=container&comp=list&prefix=${encodeURIComponent(prefix)}${marker ? `&marker=${encodeURIComponent(marker)}` : ''}`);
    const headers = new Headers({ 'x-ms-version': AZURE_API_VERSION, 'x-ms-date': new Date().toUTCString() });
    await signSharedKey('GET', url, headers, AZURITE_ACCOUNT.accountName, AZURITE_ACCOUNT.accountKey);
    const xml = await (await fetch(url.href, { headers })).text();
    for (const [, name, size] of xml.matchAll(/<Blob><Name>([^<]*)<\/Name>[\s\S]*?<Content-Length>(\d+)<\/Content-Length>/g)) blobs.set(name!.replace(/&amp;/g, '&'), Number(size));
    marker = /<NextMarker>([^<]+)<\/NextMarker>/.exec(xml)?.[1] ?? '';
  } while (marker);
  return blobs;
}

/** A file as Apache serves it from its disk (basic auth, bypassing the gateway). */
async function fromApache(path: string): Promise<{ status: number; sha256: string | null }> {
  const response = await fetch(`${apache.url}${path.split('/').map(encodeURIComponent).join('/')}`, {
    headers: { authorization: `Basic ${Buffer.from(`${apache.username}:${apache.password}`).toString('base64')}` },
  });
  return { status: response.status, sha256: response.ok ? sha256(new Uint8Array(await response.arrayBuffer())) : null };
}

beforeAll(async () => {
  work = await tempDir('kinds-e2e');
  [azurite, apache, gw] = await Promise.all([
    startAzurite([CONTAINER]),
    startApacheDav(),
    startGateway({ vars: ['ALLOWED_UPSTREAM_HOSTS:127.0.0.1'], log: 'e2e-kinds-gateway.log' }),
  ]);
}, 240_000);

afterAll(async () => {
  await Promise.allSettled([azurite?.stop(), apache?.stop(), gw?.stop()]);
  await removeDir(work);
});

const KINDS = [
  {
    kind: 'azure',
    connection: () => ({
      kind: 'azure', accountUrl: azurite.accountUrl, probeContainer: CONTAINER,
      auth: { mode: 'shared_key', accountName: AZURITE_ACCOUNT.accountName, accountKey: AZURITE_ACCOUNT.accountKey },
    }),
    backend: (connection: string, bucket: string) => ({ type: 'azure', connection, container: CONTAINER, prefix: `e2e/${bucket}/` }),
    /** The object as stored upstream: its size, seen by Azurite. */
    async stored(bucket: string, key: string, file: string) {
      const blobs = await azuriteBlobs(`e2e/${bucket}/`);
      expect(blobs.get(`e2e/${bucket}/${key}`), key).toBe((await stat(file)).size);
    },
    async listed(bucket: string) {
      return [...(await azuriteBlobs(`e2e/${bucket}/`)).keys()].map((name) => name.slice(`e2e/${bucket}/`.length)).sort();
    },
  },
  {
    kind: 'webdav',
    connection: () => ({ kind: 'webdav', baseUrl: apache.url, flavor: 'generic', auth: { mode: 'basic', username: apache.username, password: apache.password } }),
    backend: (connection: string, bucket: string) => ({ type: 'webdav', connection, prefix: `${bucket}/` }),
    async stored(bucket: string, key: string, file: string) {
      const got = await fromApache(`${bucket}/${key}`);
      expect(got.status, key).toBe(200);
      expect(got.sha256, key).toBe(await sha256File(file));
    },
    listed: null,
  },
] as const;

describe.each(KINDS)('a bucket on a $kind connection', (kind) => {
  let bucket: string;
  let awsEnv: NodeJS.ProcessEnv;
  let rcloneEnv: NodeJS.ProcessEnv;
  const awsRun = (...args: string[]) => succeed(aws.path, ['--endpoint-url', gw.info.endpoint, ...args], { env: awsEnv, timeoutMs: 600_000 });
  // rclone's own retry counts (3), as users run it: a first write racing others into a new WebDAV
  // collection was once refused 403 by Apache (1 run in 3; open, see adrs/0022) and is retried.
  const rclone = (...args: string[]) => succeed(rcloneCli.path, [...args, '--retries', '3', '--low-level-retries', '3', '--stats', '0'], { env: rcloneEnv, timeoutMs: 600_000 });

  beforeAll(async () => {
    const created = await admin('POST', '/connections', { name: uniqueBucket(`conn-${kind.kind}`), ...kind.connection() });
    expect(created.status, created.text).toBe(201);
    expect(created.json.lastValidation).toMatchObject({ ok: true });
    bucket = uniqueBucket(`e2e-${kind.kind}`);
    const made = await admin('POST', '/buckets', { name: bucket, backend: kind.backend(created.json.id, bucket) });
    expect(made.status, made.text).toBe(201);
    const key = await admin('POST', '/keys', { displayName: `${kind.kind} e2e`, statements: [{ effect: 'allow', actions: ['s3:*'], resources: [bucket, `${bucket}/*`] }] });
    expect(key.status, key.text).toBe(201);
    credentials = { accessKeyId: key.json.accessKeyId, secretAccessKey: key.json.secretAccessKey };
    awsEnv = awsClientEnv(work, { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1', AWS_PAGER: '' });
    await writeFile(join(work, 'rclone.conf'), '');
    rcloneEnv = clientEnv({
      RCLONE_CONFIG: join(work, 'rclone.conf'),
      RCLONE_CONFIG_GW_TYPE: 's3',
      RCLONE_CONFIG_GW_PROVIDER: 'Other',
      RCLONE_CONFIG_GW_ACCESS_KEY_ID: credentials.accessKeyId,
      RCLONE_CONFIG_GW_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      RCLONE_CONFIG_GW_ENDPOINT: gw.info.endpoint,
      RCLONE_CONFIG_GW_REGION: 'us-east-1',
      RCLONE_CONFIG_GW_FORCE_PATH_STYLE: 'true',
    });
  }, 240_000);

  it('aws s3 cp up and down, byte for byte, and the object is really upstream', async () => {
    const file = join(work, `${kind.kind}-small.bin`);
    await writeRandomFile(file, 256 * 1024);
    await awsRun('s3', 'cp', file, `s3://${bucket}/dir/small.bin`);
    await kind.stored(bucket, 'dir/small.bin', file);
    await awsRun('s3', 'cp', `s3://${bucket}/dir/small.bin`, `${file}.back`);
    expect(await sha256File(`${file}.back`)).toBe(await sha256File(file));
  });

  it('aws s3 sync a tree, then ls --recursive lists every file', async () => {
    const local = join(work, `${kind.kind}-tree`);
    const digest = await writeSampleTree(local);
    await awsRun('s3', 'sync', local, `s3://${bucket}/tree/`);
    const listed = (await awsRun('s3', 'ls', '--recursive', `s3://${bucket}/tree/`)).stdout
      .split('\n').filter(Boolean).map((line) => line.trim().split(/\s+/).slice(3).join(' ')).sort();
    expect(listed).toEqual(Object.keys(digest).map((k) => `tree/${k}`).sort());
    const again = await awsRun('s3', 'sync', local, `s3://${bucket}/tree/`);
    expect(again.stdout.trim()).toBe(''); // nothing to do: sizes and times agree
    if (kind.listed) expect((await kind.listed(bucket)).filter((k) => k.startsWith('tree/'))).toEqual(listed);
  });

  it('a 50 MiB upload goes multipart and arrives whole', async () => {
    const file = join(work, `${kind.kind}-big.bin`);
    await writeRandomFile(file, 50 * MiB);
    await awsRun('s3', 'cp', file, `s3://${bucket}/big.bin`);
    const head = JSON.parse((await awsRun('s3api', 'head-object', '--bucket', bucket, '--key', 'big.bin')).stdout);
    expect(head.ContentLength).toBe(50 * MiB);
    expect(head.ETag).toMatch(/-\d+"$/); // aws cli's 8 MiB parts: a multipart ETag
    await kind.stored(bucket, 'big.bin', file);
    await awsRun('s3', 'cp', `s3://${bucket}/big.bin`, `${file}.back`);
    expect(await sha256File(`${file}.back`)).toBe(await sha256File(file));
  });

  it('rclone copy, then check finds no differences', async () => {
    const local = join(work, `${kind.kind}-rclone`);
    const digest = await writeSampleTree(local);
    await rclone('copy', local, `gw:${bucket}/rclone`);
    const checked = await rclone('check', local, `gw:${bucket}/rclone`);
    expect(checked.stderr).toContain('0 differences found');
    expect(checked.stderr).toContain(`${Object.keys(digest).length} matching files`);
    expect(await treeDigest(local)).toEqual(digest);
  });
});
