import { AwsClient } from 'aws4fetch';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { recordSecretFields } from './secrets';

/** What the global setup's gateway instance tells the tests (see global-setup.ts). */
export interface GatewayInfo {
  endpoint: string;
  region: string;
  /** The seeded `demo` bucket; tests make their own buckets and leave this one alone. */
  bucket: string;
  adminToken: string;
  accessKeyId: string;
  secretAccessKey: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    gateway: GatewayInfo;
  }
}

export function gateway(): GatewayInfo {
  return inject('gateway');
}

/** A bucket name no other test (or earlier run) uses: `<label>-<random>`. */
export function uniqueBucket(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

/** Calls the admin API; returns the status and the parsed JSON body. */
export async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const { endpoint, adminToken } = gateway();
  const response = await fetch(`${endpoint}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : undefined;
  // Key secrets come back once, connection secrets go in: both join the registry the log is grepped for.
  recordSecretFields(body);
  recordSecretFields(json);
  return { status: response.status, json };
}

/**
 * A SigV4 request signed with the demo key, for looking at what a client left behind (ETag,
 * metadata) independently of that client.
 */
export function signedFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const { endpoint, region, accessKeyId, secretAccessKey } = gateway();
  const aws = new AwsClient({ accessKeyId, secretAccessKey, region, service: 's3' });
  return aws.fetch(`${endpoint}${path}`, init);
}

/** Percent-encodes each segment of a key for a path-style URL. */
export function objectPath(bucket: string, key: string): string {
  return `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}
