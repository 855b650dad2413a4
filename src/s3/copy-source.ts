import { authorize } from '../auth/authorize';
import type { Backend, ByteRange, ObjectBody } from '../storage/backend';
import { openBackend } from '../connections/open-backend';
import { getBucket } from '../registry/buckets';
import type { BucketConfig } from '../registry/schemas';
import { resolveRange } from '../storage/emulate/range';
import { evaluateReadPreconditions } from './conditional';
import type { S3Context } from './context';
import { S3Error } from '../core/s3-error';
import { validateObjectKey } from './operation';
import { assertNullVersionId } from './versions';

/** The object named by `x-amz-copy-source`, resolved and authorized for reading. */
export interface CopySource {
  bucket: BucketConfig;
  backend: Backend;
  key: string;
}

function invalidSource(value: string, why: string): S3Error {
  return new S3Error('InvalidArgument', why, { ArgumentName: 'x-amz-copy-source', ArgumentValue: value });
}

/**
 * Parses `x-amz-copy-source`: `[/]bucket/key[?versionId=id]`, bucket and key percent-encoded as
 * SDKs send them. Only the `null` version exists here (buckets are unversioned). Pure.
 */
export function parseCopySource(value: string): { bucket: string; key: string } {
  const question = value.indexOf('?');
  const path = (question === -1 ? value : value.slice(0, question)).replace(/^\//, '');
  if (question !== -1) {
    const params = new URLSearchParams(value.slice(question + 1));
    const versionId = params.get('versionId');
    if (versionId === null) throw invalidSource(value, 'The copy source may carry only a versionId parameter.');
    assertNullVersionId(versionId);
  }
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) {
    throw invalidSource(value, 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
  }
  let bucket: string;
  let key: string;
  try {
    bucket = decodeURIComponent(path.slice(0, slash));
    key = decodeURIComponent(path.slice(slash + 1));
  } catch {
    throw invalidSource(value, 'The copy source is not correctly percent-encoded.');
  }
  return { bucket, key: validateObjectKey(key) };
}

/**
 * The copy source of this request, which the caller must be allowed to read (s3:GetObject) —
 * checked before the bucket's existence is revealed, and before anything is written.
 */
export async function resolveCopySource(c: S3Context): Promise<CopySource> {
  const { bucket: name, key } = parseCopySource(c.request.headers.get('x-amz-copy-source') ?? '');
  const bucket = await getBucket(c.env, name);
  if (!authorize(c.principal, 's3:GetObject', bucket ?? { name }, key)) throw new S3Error('AccessDenied', 'Access Denied');
  if (!bucket) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist.', { BucketName: name });
  if (bucket.status === 'suspended') throw new S3Error('AllAccessDisabled', 'All access to this bucket has been disabled.');
  return { bucket, backend: await openBackend(c.env, bucket.backend, bucket.name), key };
}

/** `x-amz-copy-source-if-*` as the plain conditional headers evaluateReadPreconditions reads. */
function sourceConditions(headers: Headers): Headers {
  const plain = new Headers();
  for (const name of ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since']) {
    const value = headers.get(`x-amz-copy-source-${name}`);
    if (value !== null) plain.set(name, value);
  }
  return plain;
}

/**
 * For a copy the store runs itself (server-side): the source judged from a HEAD, with an empty
 * body, so no byte of it is fetched; `range` resolved against its size as a GET would.
 */
async function headAsOpened(source: CopySource, range: ByteRange | undefined): Promise<ObjectBody | null> {
  const info = await source.backend.head(source.key);
  if (!info) return null;
  const resolved = range ? resolveRange(range, info.size) : undefined;
  if (resolved === null) throw new S3Error('InvalidRange', 'The requested range is not satisfiable', { ActualObjectSize: String(info.size) });
  return { ...info, body: new Blob([]).stream(), ...(resolved ? { range: resolved } : {}) };
}

/**
 * Opens the source for reading (one GET, whole object or `range`; a HEAD when the copy runs in
 * the store, `headOnly`) and applies the
 * `x-amz-copy-source-if-*` conditions to what was opened. A copy has no 304: every failed
 * condition is 412, and the body is cancelled unread.
 */
export async function openCopySource(source: CopySource, headers: Headers, range?: ByteRange, options: { headOnly?: boolean } = {}): Promise<ObjectBody> {
  const opened = options.headOnly ? await headAsOpened(source, range) : await source.backend.get(source.key, range ? { range } : {});
  if (!opened) throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: source.key });
  const precondition = evaluateReadPreconditions(sourceConditions(headers), opened);
  if (precondition.outcome !== 'proceed') {
    await opened.body.cancel();
    const failed = precondition.outcome === 'failed' ? precondition.condition : headers.has('x-amz-copy-source-if-none-match') ? 'If-None-Match' : 'If-Modified-Since';
    throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: `x-amz-copy-source-${failed}` });
  }
  return opened;
}
