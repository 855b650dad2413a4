// The gateway side of the benchmark: started by `npm run dev`'s own script (migrations, seeding
// through the admin API) on an isolated port and --persist-to directory, and S3 requests to it.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AwsV4Signer } from 'aws4fetch';
import { ROOT, startDevServer } from './processes.mjs';

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/**
 * @typedef {{ endpoint: string, region: string, bucket: string, adminToken: string,
 *   accessKeyId: string, secretAccessKey: string }} GatewayInfo
 */

/** Starts scripts/dev.mjs; resolves once it has seeded its bucket and key and written them to the info file. */
export async function startGateway({ port, persistTo, infoPath, logPath, vars = [], inspectorPort, label = 'gateway' }) {
  /** @type {GatewayInfo | undefined} */
  let info;
  const isReady = async () => {
    try {
      info = JSON.parse(await readFile(infoPath, 'utf8'));
      return true;
    } catch {
      return false;
    }
  };
  const args = [
    join(ROOT, 'scripts/dev.mjs'), '--port', String(port), '--persist-to', persistTo, '--info-file', infoPath,
    ...vars.flatMap((v) => ['--var', v]),
    // The devtools inspector only when profiling through it (scripts/serve-worker.mjs says why).
    ...(inspectorPort ? ['--inspector-port', String(inspectorPort)] : ['--no-inspector']),
  ];
  const server = await startDevServer({ label, args, port, logPath, isReady });
  return { ...server, info: /** @type {GatewayInfo} */ (info) };
}

/** GET /admin/v1/buckets/:name → the bucket's config (we need its backend prefix). */
export async function adminGetBucket(info, bucket = info.bucket) {
  return admin(info, 'GET', `/buckets/${bucket}`);
}

/** An admin API call that must succeed (2xx); returns the parsed JSON answer. */
export async function admin(info, method, path, body) {
  const response = await fetch(`${info.endpoint}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${info.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (response.status < 200 || response.status > 299) throw new Error(`${method} /admin/v1${path} → ${response.status}: ${text.slice(0, 500)}`);
  return text === '' ? undefined : JSON.parse(text);
}

/**
 * Headers for one SigV4 header-signed S3 request. `payloadHash` is the hex SHA-256 of the body,
 * or UNSIGNED-PAYLOAD; extra headers are signed too.
 */
export async function signS3(info, { method, key, payloadHash = EMPTY_SHA256, headers = {}, bucket = info.bucket, query = '' }) {
  const signer = new AwsV4Signer({
    method,
    url: objectUrl(info, key, bucket) + query,
    headers: { ...headers, 'x-amz-content-sha256': payloadHash },
    accessKeyId: info.accessKeyId,
    secretAccessKey: info.secretAccessKey,
    sessionToken: info.sessionToken,
    service: 's3',
    region: info.region,
  });
  const signed = await signer.sign();
  return { url: signed.url.toString(), headers: Object.fromEntries(signed.headers) };
}

export function objectUrl(info, key, bucket = info.bucket) {
  return `${info.endpoint}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** A signed S3 request sent at once; returns status, headers and the body (bytes and text). */
export async function s3(info, { method, key, body, payloadHash, headers, bucket, query, timeoutMs = 30_000 }) {
  const hash = payloadHash ?? (body === undefined ? EMPTY_SHA256 : createHash('sha256').update(body).digest('hex'));
  const signed = await signS3(info, { method, key, payloadHash: hash, headers, bucket, query });
  try {
    const response = await fetch(signed.url, { method, headers: signed.headers, body, signal: AbortSignal.timeout(timeoutMs) });
    const bytes = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, body: bytes, text: bytes.toString('utf8') };
  } catch (error) {
    throw new Error(`${method} ${key} through the gateway: ${error instanceof Error ? error.message : error}`, { cause: error });
  }
}
