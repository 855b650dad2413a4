import { authorize } from '../auth/authorize';
import { globCanMatchPrefix, globMatch } from '../auth/policy';
import type { Principal } from '../auth/principal';
import type { BucketConfig } from '../registry/schemas';

const BUCKET_ACTIONS = ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads', 's3:DeleteBucket'];
const OBJECT_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];

/**
 * Does ListBuckets show `bucket` to `principal`? Yes when some bucket-level action is allowed on it,
 * or when every policy set has an allow statement for an object action whose resource can match a
 * key inside it (a grant on `bucket/reports/*` names no single resource authorize() could test).
 * An explicit deny covering the whole bucket hides it only for bucket-level actions; object
 * requests are still authorized one by one, so showing the name grants nothing.
 */
export function mayUseBucket(principal: Principal, bucket: BucketConfig): boolean {
  if (principal.kind === 'anonymous') return false;
  if (BUCKET_ACTIONS.some((action) => authorize(principal, action, bucket))) return true;
  const inside = `${bucket.name}/`;
  return principal.policies.every((statements) =>
    statements.some(
      (s) =>
        s.effect === 'allow' &&
        s.actions.some((a) => OBJECT_ACTIONS.some((action) => globMatch(a.toLowerCase(), action.toLowerCase()))) &&
        s.resources.some((r) => globCanMatchPrefix(r, inside)),
    ),
  );
}
