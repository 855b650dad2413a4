import { authorize } from '../../auth/authorize';
import { bucketOf, type S3Handler } from '../context';
import { isS3Error, S3Error } from '../../core/s3-error';
import { validateObjectKey } from '../operation';
import { elementText, readRequestXml } from '../request-xml';
import { S3_XMLNS, xmlResponse } from '../xml';

/** S3 deletes at most 1000 keys per request. */
const MAX_KEYS = 1000;
/** 1000 keys of up to 1024 bytes, with XML escaping and element overhead, fit well inside this. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

interface KeyError {
  Key: string;
  Code: string;
  Message: string;
}

function malformed(): S3Error {
  return new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// eslint-disable-next-line no-control-regex
const NOT_XML_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/**
 * DeleteObjects: one XML document naming up to 1000 keys. A malformed or oversized document
 * deletes nothing. Each key is validated and authorized on its own (s3:DeleteObject), and every
 * refusal becomes an `<Error>` entry for that key while the others are deleted. Quiet mode
 * reports only the errors. Content-MD5, which S3 requires here, is not: SDKs differ in sending it.
 */
export const deleteObjects: S3Handler = async (c) => {
  const { bucket, backend } = bucketOf(c);
  // Per-key refusals are for callers with some delete rights; an anonymous caller has none.
  if (c.principal.kind === 'anonymous') throw new S3Error('AccessDenied', 'Access Denied');
  // Keys may begin or end with spaces: the parser must not trim them.
  const doc = await readRequestXml(c, MAX_BODY_BYTES, ['Delete.Object'], { trimValues: false });
  const request = doc.Delete;
  if (!isRecord(request)) throw malformed();
  const objects = request.Object;
  if (!Array.isArray(objects) || objects.length === 0 || objects.length > MAX_KEYS) throw malformed();
  const quiet = elementText(request.Quiet)?.trim().toLowerCase() === 'true';

  const toDelete: string[] = [];
  const errors: KeyError[] = [];
  for (const object of objects) {
    const key = isRecord(object) ? elementText(object.Key) : undefined;
    if (key === undefined) throw malformed();
    const versionId = isRecord(object) ? elementText(object.VersionId)?.trim() : undefined;
    const refusal = refuse(key, versionId, (k) => authorize(c.principal, 's3:DeleteObject', bucket, k));
    if (refusal) errors.push(refusal);
    else toDelete.push(key);
  }
  const deleted = [...new Set(toDelete)];
  await backend.delete(deleted);
  c.changedKeys.push(...deleted);

  return xmlResponse({
    DeleteResult: {
      '@_xmlns': S3_XMLNS,
      Deleted: quiet ? [] : toDelete.map((key) => ({ Key: key })),
      Error: errors,
    },
  });
};

/** Why one key of the request is not deleted, or undefined when it may be. */
function refuse(key: string, versionId: string | undefined, allowed: (key: string) => boolean): KeyError | undefined {
  const shown = key.replace(NOT_XML_TEXT, '\ufffd');
  try {
    validateObjectKey(key);
  } catch (error) {
    if (!isS3Error(error)) throw error;
    return { Key: shown, Code: error.code, Message: error.message };
  }
  // Buckets here are unversioned: the only version an object has is "null".
  if (versionId !== undefined && versionId !== '' && versionId !== 'null') {
    return { Key: shown, Code: 'NoSuchVersion', Message: 'The specified version does not exist.' };
  }
  if (!allowed(key)) return { Key: shown, Code: 'AccessDenied', Message: 'Access Denied' };
  return undefined;
}
