import type { BucketConfig } from '../registry/schemas';

/** S3's `<Owner>` / `<Initiator>` element. */
export function ownerElement(id: string, displayName = id): { ID: string; DisplayName: string } {
  return { ID: id, DisplayName: displayName };
}

/**
 * Objects have no per-object owner here: like an S3 bucket with "bucket owner enforced", the
 * bucket's creator (an access key id, or `admin`) owns everything in it.
 */
export function bucketOwner(bucket: BucketConfig): { ID: string; DisplayName: string } {
  return ownerElement(bucket.createdBy ?? 'admin');
}
