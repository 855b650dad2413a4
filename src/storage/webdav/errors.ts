import { log } from '../../core/log';
import { StorageError, type StorageErrorKind } from '../errors';
import type { DriverFailure } from '../probe-failure';
import { failureBeforeAnswer } from '../upstream-http';

/** What went wrong talking to the WebDAV server (probe-failure.ts); `contentRange`: a 416's Content-Range (the object's size). */
export type WebDavFailure = DriverFailure<{ contentRange?: string }>;

/** What the failed call was about: decides what a 404 means and which condition a 412 names. */
export interface WebDavContext {
  subject: 'object' | 'upload' | 'collection';
  condition?: 'If-Match' | 'If-None-Match';
}

/**
 * THE translation from a WebDAV failure to a StorageError. Status codes only: a WebDAV server's
 * error body (HTML page, Sabre exception) is never read into an answer — it may name hosts, users
 * and paths.
 *  - 401/403 → auth-failed; 404 → not-found (no-such-upload for an upload; misconfigured for the
 *    base collection); 412 → precondition-failed; 416 → invalid-range; 423 Locked → conflict (another
 *    client holds a WebDAV lock: retrying later can succeed); 409 → conflict (a key that needs a
 *    collection where a file is, or the reverse); 507 Insufficient Storage → entity-too-large (the
 *    object does not fit: S3 answers EntityTooLarge for an object its store cannot take, and a
 *    quota is that); 413 → entity-too-large; 429 → throttled; 503 → unavailable; others → internal.
 */
export function translateWebDavFailure(failure: WebDavFailure, context: WebDavContext): StorageError {
  const kind = storageKind(failure, context);
  if (kind === 'internal' || kind === 'misconfigured') log.warn('webdav storage failure', { ...failure });
  if (kind === 'invalid-range' && failure.kind === 'response') {
    const size = /^bytes \*\/(\d+)$/.exec(failure.contentRange ?? '')?.[1];
    return new StorageError(kind, '', size ? { actualObjectSize: Number(size) } : {});
  }
  if (kind === 'precondition-failed') return new StorageError(kind, '', context.condition ? { condition: context.condition } : {});
  return new StorageError(kind);
}

function storageKind(failure: WebDavFailure, context: WebDavContext): StorageErrorKind {
  if (failure.kind !== 'response') return failureBeforeAnswer(failure.kind);
  const kinds: Record<number, StorageErrorKind> = {
    401: 'auth-failed',
    403: 'auth-failed',
    409: 'conflict',
    412: 'precondition-failed',
    413: 'entity-too-large',
    416: 'invalid-range',
    423: 'conflict',
    429: 'throttled',
    503: 'unavailable',
    507: 'entity-too-large',
  };
  if (failure.status === 404) return context.subject === 'upload' ? 'no-such-upload' : context.subject === 'collection' ? 'misconfigured' : 'not-found';
  return kinds[failure.status] ?? 'internal';
}
