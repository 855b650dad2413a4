import type { PolicyStatement } from '../../../src/registry/schemas';
import { admin, uniqueBucketName } from '../admin-client';
import { type Credentials, s3Client } from './s3-client';

/**
 * Creates a bucket through the admin API and returns its name. `settings` may be a function of the
 * name (e.g. a backend prefix named after the bucket).
 */
export async function createBucket(label: string, settings: Record<string, unknown> | ((name: string) => Record<string, unknown>) = {}): Promise<string> {
  const name = uniqueBucketName(label);
  const r = await admin('POST', '/buckets', { name, ...(typeof settings === 'function' ? settings(name) : settings) });
  if (r.status !== 201) throw new Error(`creating bucket ${name}: ${r.status} ${r.text}`);
  return name;
}

/** Creates an access key with these statements through the admin API. */
export async function createAccessKey(statements: PolicyStatement[], displayName = 'test key'): Promise<Credentials> {
  const r = await admin('POST', '/keys', { displayName, statements });
  if (r.status !== 201) throw new Error(`creating key: ${r.status} ${r.text}`);
  return { accessKeyId: r.json.accessKeyId, secretAccessKey: r.json.secretAccessKey };
}

/** Full S3 access to exactly one bucket. */
export function bucketOwnerStatements(bucket: string): PolicyStatement[] {
  return [{ effect: 'allow', actions: ['s3:*'], resources: [bucket, `${bucket}/*`] }];
}

/** A fresh bucket, a key allowed everything in it, and an SDK client signing with that key. */
export async function bucketWithClient(label: string, settings: Record<string, unknown> = {}) {
  const bucket = await createBucket(label, settings);
  const credentials = await createAccessKey(bucketOwnerStatements(bucket));
  return { bucket, credentials, s3: s3Client(credentials) };
}
