import type { Backend, WriteConditions } from '../storage/backend';
import { isStorageError } from '../storage/errors';
import { S3Error } from '../core/s3-error';

/** What a read's preconditions decide: serve it, answer 304, or answer 412 naming the failed header. */
export type ReadPrecondition = { outcome: 'proceed' } | { outcome: 'not-modified' } | { outcome: 'failed'; condition: 'If-Match' | 'If-Unmodified-Since' };

interface EntityTag {
  value: string;
  weak: boolean;
}

/**
 * Parses an If-Match / If-None-Match list; `*` is returned as `'*'`. Unquoted tags are accepted
 * because several S3 clients send the bare hex ETag.
 */
function parseEntityTags(value: string): EntityTag[] | '*' {
  if (value.trim() === '*') return '*';
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const weak = part.startsWith('W/');
      return { value: unquoteEtag(weak ? part.slice(2) : part), weak };
    });
}

/** A single ETag as a client wrote it (`"abc"` or `abc`), without its quotes. */
export function unquoteEtag(tag: string): string {
  const t = tag.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** Does an If-Match value (a list, or `*`) name this ETag? Strong comparison, as RFC 9110 requires. */
export function ifMatchHolds(header: string, etag: string): boolean {
  return matches(header, etag, 'strong');
}

function matches(header: string, etag: string, comparison: 'strong' | 'weak'): boolean {
  const tags = parseEntityTags(header);
  if (tags === '*') return true;
  return tags.some((t) => t.value === etag && (comparison === 'weak' || !t.weak));
}

/** HTTP dates have one-second resolution, so Last-Modified is compared at that resolution. */
function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function httpDate(value: string | null): number | undefined {
  if (value === null) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : seconds(ms);
}

/**
 * Evaluates GET/HEAD preconditions in the order RFC 9110 §13.2.2 fixes (S3 follows it): If-Match,
 * else If-Unmodified-Since; then If-None-Match, else If-Modified-Since. Invalid dates are ignored.
 */
export function evaluateReadPreconditions(headers: Headers, object: { etag: string; lastModified: Date }): ReadPrecondition {
  const lastModified = seconds(object.lastModified.getTime());
  const ifMatch = headers.get('if-match');
  if (ifMatch !== null) {
    if (!matches(ifMatch, object.etag, 'strong')) return { outcome: 'failed', condition: 'If-Match' };
  } else {
    const unmodifiedSince = httpDate(headers.get('if-unmodified-since'));
    if (unmodifiedSince !== undefined && lastModified > unmodifiedSince) return { outcome: 'failed', condition: 'If-Unmodified-Since' };
  }
  const ifNoneMatch = headers.get('if-none-match');
  if (ifNoneMatch !== null) {
    if (matches(ifNoneMatch, object.etag, 'weak')) return { outcome: 'not-modified' };
  } else {
    const modifiedSince = httpDate(headers.get('if-modified-since'));
    if (modifiedSince !== undefined && lastModified <= modifiedSince) return { outcome: 'not-modified' };
  }
  return { outcome: 'proceed' };
}

/**
 * The conditional-write headers S3 supports on PutObject and CompleteMultipartUpload:
 * `If-None-Match: *` (create only) and `If-Match: <etag>` (replace only that version).
 */
export function writeConditionsFrom(headers: Headers): WriteConditions | undefined {
  const ifMatch = headers.get('if-match') ?? undefined;
  const ifNoneMatch = headers.get('if-none-match') ?? undefined;
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
    throw new S3Error('NotImplemented', 'A header you provided implies functionality that is not implemented: If-None-Match accepts only "*" on writes.');
  }
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  return { ifMatch, ifNoneMatch };
}

/**
 * Runs a conditional write and, when its condition fails, answers as S3 does: If-Match on a key
 * that does not exist is 404 NoSuchKey, any other failed condition 412 PreconditionFailed naming it.
 * The backend only reports that the condition failed; telling the two apart is S3's rule, not its.
 */
export async function conditionalPut<T>(backend: Backend, key: string, conditions: WriteConditions | undefined, write: (backend: Backend) => Promise<T>): Promise<T> {
  try {
    return await write(backend);
  } catch (error) {
    if (!conditions || !isStorageError(error, 'precondition-failed')) throw error;
    if (conditions.ifMatch !== undefined && !(await backend.head(key))) throw new S3Error('NoSuchKey', 'The specified key does not exist.');
    throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
      Condition: conditions.ifMatch !== undefined ? 'If-Match' : 'If-None-Match',
    });
  }
}
