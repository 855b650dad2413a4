import { AwsClient } from 'aws4fetch';
import { expect, inject } from 'vitest';
import '../../storage/contract/provided';
import { createHasher, toBase64 } from '../../../src/auth/checksums';
import { admin } from '../admin-client';

/**
 * The second bucketgate the worker tests reach as an `s3` upstream (started once for the run by
 * the storage global setup): buckets on it through a fresh connection, and requests signed for it
 * directly, to check what the gateway left there.
 */
export const upstreamGateway = () => inject('upstreamGateway');

/** A bucket on a fresh `s3` connection to the upstream gateway, under its own prefix there, with the connection's extra settings. */
export async function bucketOnUpstream(label: string, settings: Record<string, unknown> = {}): Promise<string> {
  const u = upstreamGateway();
  const name = `${label}-${crypto.randomUUID().slice(0, 8)}`;
  const connection = await admin('POST', '/connections', {
    kind: 's3',
    name,
    endpoint: u.endpoint,
    region: u.region,
    addressing: 'path',
    probeBucket: u.bucket,
    auth: { mode: 'static', accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey },
    ...settings,
  });
  expect(connection.status, connection.text).toBe(201);
  const created = await admin('POST', '/buckets', { name, backend: { type: 's3', connection: connection.json.id, bucket: u.bucket, prefix: `${name}/` } });
  expect(created.status, created.text).toBe(201);
  return name;
}

/** A request signed for the upstream itself, for `path` under the prefix of the gateway bucket `on`. */
export function upstreamDirect(method: string, on: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
  const u = upstreamGateway();
  const client = new AwsClient({ accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey, service: 's3', region: u.region });
  return client.fetch(`${u.endpoint}/${u.bucket}/${on}/${path}`, { method, headers });
}

export async function crc32(bytes: Uint8Array): Promise<string> {
  const hasher = createHasher('crc32');
  await hasher.update(bytes);
  return toBase64(await hasher.digest());
}
