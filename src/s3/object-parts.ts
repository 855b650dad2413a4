import type { ObjectInfo } from '../storage/backend';
import { type CompletionRecord, findObjectLayout, type ObjectPart } from '../registry/multipart-completions';
import { bucketOf, keyOf, type S3Context } from './context';
import { S3Error } from '../core/s3-error';
import { partNumberOf } from './handlers/multipart';
import type { ResolvedRange } from '../storage/emulate/range';

/**
 * What the gateway knows of a stored object's parts. The part count is in a multipart ETag
 * (`<md5-of-md5s>-N`); sizes and checksums are in the completion record the gateway kept
 * (registry/multipart-completions.ts), valid while the object still has that ETag.
 */

/** A multipart ETag tells how many parts the object was assembled from. */
export function partsCountOf(etag: string): number | undefined {
  const match = /-(\d+)$/.exec(etag);
  return match ? Number(match[1]) : undefined;
}

/** The completion record describing this very object, or null (single-part, or completed before layouts were kept). */
export async function objectLayout(c: S3Context, info: ObjectInfo): Promise<CompletionRecord | null> {
  if (partsCountOf(info.etag) === undefined) return null;
  return findObjectLayout(c.env, bucketOf(c).bucket.name, keyOf(c), info.etag);
}

/** `?partNumber=N` of GET/HEAD, refused with a Range header as S3 does; undefined when absent. */
export function requestedPartNumber(c: S3Context): number | undefined {
  if (!c.op.query.has('partNumber')) return undefined;
  const partNumber = partNumberOf(c.op.query.get('partNumber'));
  if (c.request.headers.has('range')) throw new S3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
  return partNumber;
}

export interface PartSelection {
  /** The bytes of the part; absent for an empty single-part object, served whole. */
  range?: ResolvedRange;
  /** x-amz-mp-parts-count: only for multipart objects. */
  partsCount?: number;
  part?: ObjectPart;
}

function invalidPartNumber(): S3Error {
  return new S3Error('InvalidPartNumber', 'The requested partnumber is not satisfiable');
}

/**
 * The part `partNumber` of an object: its byte range in the object. A single-part object has
 * exactly one part, the whole object.
 */
export function selectPart(info: ObjectInfo, layout: CompletionRecord | null, partNumber: number): PartSelection {
  const count = partsCountOf(info.etag);
  if (count === undefined) {
    if (partNumber !== 1) throw invalidPartNumber();
    return info.size > 0 ? { range: { offset: 0, length: info.size } } : {};
  }
  if (partNumber > count) throw invalidPartNumber();
  if (!layout) {
    // Completed before the gateway kept part sizes, or written to the store directly: the part
    // boundaries are unknown, and serving other bytes would be a silent wrong answer.
    throw new S3Error('NotImplemented', 'The part layout of this object is not known to the gateway; read it by byte range instead.');
  }
  // Part N is the N-th part of the object (as the parts count counts them), whatever number it was uploaded under.
  const part = layout.parts[partNumber - 1];
  if (!part) throw invalidPartNumber();
  const offset = layout.parts.slice(0, partNumber - 1).reduce((sum, p) => sum + p.size, 0);
  return { range: { offset, length: part.size }, partsCount: count, part };
}
