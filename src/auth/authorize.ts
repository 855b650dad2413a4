import type { BucketConfig } from '../registry/schemas';
import { isAllowed } from './policy';
import type { Principal } from './principal';

/**
 * May `principal` perform the IAM `action` (`s3:GetObject`, … — the S3 operation's name for it
 * is the S3 layer's business, src/s3/operations.ts) on `bucket` (and `key`)? Pure. Anonymous callers get only what
 * the bucket makes public: object reads with public-read, listing with public-list as well.
 */
export function authorize(principal: Principal, action: string, bucket: Pick<BucketConfig, 'name' | 'publicRead' | 'publicList'> | { name: string }, key?: string): boolean {
  const resource = key === undefined ? bucket.name : `${bucket.name}/${key}`;
  if (principal.kind === 'anonymous') {
    if (!('publicRead' in bucket) || !bucket.publicRead) return false;
    if (action === 's3:GetObject') return key !== undefined;
    if (action === 's3:ListBucket') return bucket.publicList;
    return false;
  }
  return isAllowed(principal.policies, { action, resource });
}
