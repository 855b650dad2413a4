import type { ChecksumAlgorithm } from '../auth/checksums';
import type { ObjectInfo } from '../backends/backend';
import type { CompletionRecord, ObjectChecksum } from '../registry/multipart-completions';
import type { PartSelection } from './object-parts';

/**
 * The checksum S3 reports for a stored object (GET/HEAD with x-amz-checksum-mode: ENABLED,
 * GetObjectAttributes): a multipart object's from its completion record, a single-part object's
 * from the value stored with it (always FULL_OBJECT).
 */
export function storedChecksums(info: ObjectInfo, layout: CompletionRecord | null): ObjectChecksum[] {
  if (layout?.checksum) return [layout.checksum];
  return (Object.entries(info.metadata.checksums ?? {}) as [ChecksumAlgorithm, string][]).map(([algorithm, value]) => ({ algorithm, type: 'FULL_OBJECT', value }));
}

/**
 * x-amz-checksum-<algorithm> and x-amz-checksum-type for a GET/HEAD answer. A checksum describes
 * the bytes it was computed over: the whole object, or one part when a part was asked for; a
 * byte range has none (the headers carry the served range in Content-Range then).
 */
export function storedChecksumHeaders(info: ObjectInfo, layout: CompletionRecord | null, part: PartSelection | undefined, headers: Headers): void {
  let checksums: ObjectChecksum[];
  if (part?.part) {
    const algorithm = layout?.checksum?.algorithm;
    checksums = algorithm && part.part.checksum ? [{ algorithm, type: layout.checksum!.type, value: part.part.checksum }] : [];
  } else if (part || !headers.has('content-range')) {
    checksums = storedChecksums(info, layout);
  } else {
    checksums = [];
  }
  for (const checksum of checksums) {
    headers.set(`x-amz-checksum-${checksum.algorithm}`, checksum.value);
    headers.set('x-amz-checksum-type', checksum.type);
  }
}
