/**
 * The gateway's per-request pure code under a micro-benchmark (Node, no workerd, no I/O):
 * front-door choice, S3 operation parsing, identify (SigV4 header parse + verify with a warm
 * signing-key cache), authorize, and the GET response's headers. Bundled and run by bench/micro.mjs.
 * Each request is distinct (its own signed x-bench-seq header) and signed before the clock starts.
 */
import { AwsV4Signer } from 'aws4fetch';
import { frontDoorOf } from '../../src/app';
import { authorize } from '../../src/auth/authorize';
import { identify } from '../../src/auth/identify';
import type { CredentialStore } from '../../src/auth/identity';
import type { Principal } from '../../src/auth/principal';
import type { BucketConfig } from '../../src/registry/schemas';
import { parseS3Operation } from '../../src/s3/operation';
import { withRequestId } from '../../src/s3/respond';
import { objectHeaders } from '../../src/s3/object-headers';

const ENDPOINT = 'http://127.0.0.1:8787';
const ACCESS_KEY_ID = 'BGBENCHBENCHBENCHBEN';
const SECRET = 'benchbenchbenchbenchbenchbenchbenchbench';
const principal: Principal = { kind: 'access-key', accessKeyId: ACCESS_KEY_ID, displayName: 'bench', policies: [[{ effect: 'allow', actions: ['s3:*'], resources: ['*'] }]] };
const store: CredentialStore = { lookup: async (id) => (id === ACCESS_KEY_ID ? { secretAccessKey: SECRET, principal } : null) };
const bucket = { name: 'demo', status: 'active', publicRead: false, publicList: false, cors: [], labels: {}, cacheTtl: 0, createdBy: null, createdAt: '', updatedAt: '', backend: { type: 'r2', binding: 'STORAGE', prefix: 'x/' } } as unknown as BucketConfig;

async function signedRequests(count: number): Promise<Request[]> {
  const requests: Request[] = [];
  for (let i = 0; i < count; i++) {
    const signer = new AwsV4Signer({
      method: 'GET', url: `${ENDPOINT}/demo/bench/object-1KiB.bin`, service: 's3', region: 'us-east-1',
      accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET,
      headers: { 'x-bench-seq': String(i), 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'accept-encoding': 'gzip' },
    });
    const signed = await signer.sign();
    requests.push(new Request(signed.url, { headers: signed.headers }));
  }
  return requests;
}

type Step = (request: Request) => unknown;
const steps: Record<string, Step> = {
  frontDoorOf: (r) => frontDoorOf(r, ''),
  parseS3Operation: (r) => parseS3Operation(r, ''),
  identify: (r) => identify(r, new URL(r.url).pathname, store, { now: new Date(), region: 'auto' }),
  authorize: () => authorize(principal, 's3:GetObject', bucket, 'bench/object-1KiB.bin'),
  'objectHeaders + withRequestId': () =>
    withRequestId(
      new Response('x', { headers: objectHeaders({ key: 'k', size: 1024, etag: 'abc', lastModified: new Date(), metadata: { user: {} } } as never) }),
      'ABCDEF0123456789',
    ),
};

export async function run(count: number): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  for (const [name, step] of Object.entries(steps)) {
    for (const pass of ['warm', 'measure'] as const) {
      const requests = await signedRequests(count);
      const started = performance.now();
      for (const request of requests) await step(request);
      if (pass === 'measure') results[name] = ((performance.now() - started) * 1000) / count;
    }
  }
  return results;
}
