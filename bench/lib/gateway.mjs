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
export async function startGateway({ port, persistTo, infoPath, logPath }) {
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
  const args = [join(ROOT, 'scripts/dev.mjs'), '--port', String(port), '--persist-to', persistTo, '--info-file', infoPath];
  const server = await startDevServer({ label: 'gateway', args, port, logPath, isReady });
  return { ...server, info: /** @type {GatewayInfo} */ (info) };
}

/** GET /admin/v1/buckets/:name → the bucket's config (we need its backend prefix). */
export async function adminGetBucket(info) {
  const response = await fetch(`${info.endpoint}/admin/v1/buckets/${info.bucket}`, {
    headers: { authorization: `Bearer ${info.adminToken}` },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET /admin/v1/buckets/${info.bucket} → ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/**
 * Headers for one SigV4 header-signed S3 request. `payloadHash` is the hex SHA-256 of the body,
 * or UNSIGNED-PAYLOAD; extra headers are signed too.
 */
export async function signS3(info, { method, key, payloadHash = EMPTY_SHA256, headers = {} }) {
  const signer = new AwsV4Signer({
    method,
    url: objectUrl(info, key),
    headers: { ...headers, 'x-amz-content-sha256': payloadHash },
    accessKeyId: info.accessKeyId,
    secretAccessKey: info.secretAccessKey,
    service: 's3',
    region: info.region,
  });
  const signed = await signer.sign();
  return { url: signed.url.toString(), headers: Object.fromEntries(signed.headers) };
}

export function objectUrl(info, key) {
  return `${info.endpoint}/${info.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** A signed S3 request sent at once; returns status, headers and the body (bytes and text). */
export async function s3(info, { method, key, body, payloadHash, headers, timeoutMs = 30_000 }) {
  const hash = payloadHash ?? (body === undefined ? EMPTY_SHA256 : createHash('sha256').update(body).digest('hex'));
  const signed = await signS3(info, { method, key, payloadHash: hash, headers });
  try {
    const response = await fetch(signed.url, { method, headers: signed.headers, body, signal: AbortSignal.timeout(timeoutMs) });
    const bytes = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, body: bytes, text: bytes.toString('utf8') };
  } catch (error) {
    throw new Error(`${method} ${key} through the gateway: ${error instanceof Error ? error.message : error}`, { cause: error });
  }
}
