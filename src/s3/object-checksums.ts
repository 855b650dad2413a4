import type { ChecksumAlgorithm } from '../core/checksum-names';
import type { ObjectInfo } from '../storage/backend';
import type { CompletionRecord, ObjectChecksum } from '../registry/multipart-completions';
import { type Checksums, findObjectChecksums, recordObjectChecksums } from '../registry/object-checksums';
import { bucketOf, keyOf, type S3Context } from './context';
import type { PartSelection } from './object-parts';

/**
 * The checksum S3 reports for a stored object (GET/HEAD with x-amz-checksum-mode: ENABLED,
 * GetObjectAttributes): a multipart object's from its completion record; a single-part object's
 * from its metadata (header checksums, known before the body) or, for a trailing checksum, from
 * the object_checksums record written once the body was verified. Single-part ones are FULL_OBJECT.
 */
export async function storedChecksums(c: S3Context, info: ObjectInfo, layout: CompletionRecord | null): Promise<ObjectChecksum[]> {
  if (layout?.checksum) return [layout.checksum];
  let checksums: Checksums = info.metadata.checksums ?? {};
  if (Object.keys(checksums).length === 0 && !layout) {
    checksums = (await findObjectChecksums(c.env, bucketOf(c).bucket.name, keyOf(c), info.etag)) ?? {};
  }
  return (Object.entries(checksums) as [ChecksumAlgorithm, string][]).map(([algorithm, value]) => ({ algorithm, type: 'FULL_OBJECT', value }));
}

/**
 * After a single-part write: keeps the verified checksums the object's metadata could not hold
 * (a trailer arrives after R2 took the metadata), so they are reported like header ones.
 */
export async function keepLateChecksums(c: S3Context, info: ObjectInfo): Promise<void> {
  const verified = c.body?.checksums() ?? {};
  const stored = info.metadata.checksums ?? {};
  const late = Object.fromEntries(Object.entries(verified).filter(([algorithm]) => !(algorithm in stored)));
  if (Object.keys(late).length > 0) await recordObjectChecksums(c.env, bucketOf(c).bucket.name, keyOf(c), info.etag, late);
}

/**
 * x-amz-checksum-<algorithm> and x-amz-checksum-type for a GET/HEAD answer. A checksum describes
 * the bytes it was computed over: the whole object, or one part when a part was asked for; a
 * byte range has none.
 */
export async function storedChecksumHeaders(
  c: S3Context,
  info: ObjectInfo,
  layout: CompletionRecord | null,
  read: { part?: PartSelection; ranged: boolean },
  headers: Headers,
): Promise<void> {
  let checksums: ObjectChecksum[] = [];
  if (read.part?.part) {
    const whole = layout?.checksum;
    if (whole && read.part.part.checksum) checksums = [{ algorithm: whole.algorithm, type: whole.type, value: read.part.part.checksum }];
  } else if (read.part || !read.ranged) {
    checksums = await storedChecksums(c, info, layout);
  }
  for (const checksum of checksums) {
    headers.set(`x-amz-checksum-${checksum.algorithm}`, checksum.value);
    headers.set('x-amz-checksum-type', checksum.type);
  }
}
