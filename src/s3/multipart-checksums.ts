import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm, isChecksumAlgorithm } from '../core/checksum-names';
import { CHECKSUM_BYTES, createHasher, fromBase64, toBase64 } from '../auth/checksums';
import { combineCrcs, isCombinableCrc } from '../auth/crc-combine';
import type { ObjectChecksum, ObjectPart } from '../registry/multipart-completions';
import type { ChecksumType, UploadChecksum } from '../registry/multipart';
import { S3Error } from '../core/s3-error';

/**
 * S3's multipart checksums: the algorithm and type chosen at CreateMultipartUpload, each part's
 * checksum (verified over the part's bytes by the payload verifier, kept in the ledger), and the
 * object's checksum computed from those at CompleteMultipartUpload:
 * - COMPOSITE: the algorithm over the concatenated binary part checksums, printed `<base64>-<N>`;
 * - FULL_OBJECT (CRCs only): the CRC of the whole content, combined from the part CRCs and sizes.
 */

export const CHECKSUM_ELEMENT: Record<ChecksumAlgorithm, string> = {
  crc32: 'ChecksumCRC32',
  crc32c: 'ChecksumCRC32C',
  crc64nvme: 'ChecksumCRC64NVME',
  sha1: 'ChecksumSHA1',
  sha256: 'ChecksumSHA256',
};

const UNSUPPORTED_ALGORITHM =
  'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]';

/** x-amz-checksum-algorithm and x-amz-checksum-type of a CreateMultipartUpload; undefined when no checksum is asked for. */
export function uploadChecksumFromRequest(headers: Headers): UploadChecksum | undefined {
  const rawAlgorithm = headers.get('x-amz-checksum-algorithm');
  const rawType = headers.get('x-amz-checksum-type');
  if (rawAlgorithm === null) {
    if (rawType !== null) throw new S3Error('InvalidRequest', 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
    return undefined;
  }
  const algorithm = rawAlgorithm.trim().toLowerCase();
  if (!isChecksumAlgorithm(algorithm)) throw new S3Error('InvalidRequest', UNSUPPORTED_ALGORITHM);
  const type = rawType === null ? defaultType(algorithm) : rawType.trim().toUpperCase();
  if (type !== 'COMPOSITE' && type !== 'FULL_OBJECT') {
    throw new S3Error('InvalidRequest', 'Value for x-amz-checksum-type header is invalid. Valid values are COMPOSITE and FULL_OBJECT.');
  }
  // S3: FULL_OBJECT needs a combinable CRC; CRC64NVME exists only as FULL_OBJECT.
  if ((type === 'FULL_OBJECT' && !isCombinableCrc(algorithm)) || (type === 'COMPOSITE' && algorithm === 'crc64nvme')) {
    throw new S3Error('InvalidRequest', `The ${type} checksum type cannot be used with the ${algorithm} checksum algorithm.`);
  }
  return { algorithm, type };
}

function defaultType(algorithm: ChecksumAlgorithm): ChecksumType {
  return algorithm === 'crc64nvme' ? 'FULL_OBJECT' : 'COMPOSITE';
}

/** The headers S3 echoes the upload's checksum choice in (CreateMultipartUpload, GET/HEAD with checksum mode). */
export function uploadChecksumHeaders(checksum: UploadChecksum | undefined, headers: Headers = new Headers()): Headers {
  if (checksum) {
    headers.set('x-amz-checksum-algorithm', checksum.algorithm.toUpperCase());
    headers.set('x-amz-checksum-type', checksum.type);
  }
  return headers;
}

/** The checksum algorithms an UploadPart declares: a header value, a declared trailer, or the SDK's algorithm choice. */
function declaredAlgorithms(headers: Headers): ChecksumAlgorithm[] {
  const trailer = (headers.get('x-amz-trailer') ?? '').toLowerCase();
  const sdk = headers.get('x-amz-sdk-checksum-algorithm')?.trim().toLowerCase();
  return CHECKSUM_ALGORITHMS.filter((a) => headers.has(`x-amz-checksum-${a}`) || trailer.includes(`x-amz-checksum-${a}`) || sdk === a);
}

/**
 * An upload created with a checksum needs that checksum with every part: without it the object
 * checksum cannot be computed at completion. Checked from the headers, before any byte is stored.
 */
export function assertPartDeclaresChecksum(checksum: UploadChecksum | undefined, headers: Headers): void {
  if (!checksum) return;
  const declared = declaredAlgorithms(headers);
  if (declared.includes(checksum.algorithm)) return;
  throw new S3Error(
    'InvalidRequest',
    declared.length === 0
      ? `The upload was created using a ${checksum.algorithm} checksum. The part upload request must include a checksum of the same type.`
      : `Checksum Type mismatch occurred, expected checksum Type: ${checksum.algorithm}, actual checksum Type: ${declared[0]}`,
  );
}

/** The object checksum at completion, from the parts in object order. */
export async function objectChecksum(checksum: UploadChecksum, parts: ObjectPart[]): Promise<ObjectChecksum> {
  const raw = parts.map((p) => fromBase64(p.checksum ?? '', CHECKSUM_BYTES[checksum.algorithm]));
  if (raw.some((r) => r === undefined)) {
    // A part recorded without the upload's checksum (cannot happen through UploadPart, which refuses it).
    throw new S3Error('InvalidPart', `Every part of this upload needs a ${checksum.algorithm} checksum.`);
  }
  const digests = raw as Uint8Array[];
  if (checksum.type === 'FULL_OBJECT' && isCombinableCrc(checksum.algorithm)) {
    const combined = combineCrcs(checksum.algorithm, digests.map((crc, i) => ({ crc, length: parts[i]!.size })));
    return { ...checksum, value: toBase64(combined) };
  }
  const hasher = createHasher(checksum.algorithm);
  for (const digest of digests) await hasher.update(digest);
  return { ...checksum, value: `${toBase64(await hasher.digest())}-${parts.length}` };
}

/** The checksum elements of a `<Part>` in a CompleteMultipartUpload body, by algorithm. */
export function sentPartChecksums(fields: Record<string, unknown>, text: (v: unknown) => string | undefined): Partial<Record<ChecksumAlgorithm, string>> {
  const sent: Partial<Record<ChecksumAlgorithm, string>> = {};
  for (const [algorithm, element] of Object.entries(CHECKSUM_ELEMENT) as [ChecksumAlgorithm, string][]) {
    const value = text(fields[element]);
    if (value !== undefined) sent[algorithm] = value.trim();
  }
  return sent;
}

/** The checksum elements S3 adds to a result document (CompleteMultipartUploadResult, GetObjectAttributes Checksum). */
export function checksumElements(checksum: ObjectChecksum | null): Record<string, string> {
  return checksum ? { [CHECKSUM_ELEMENT[checksum.algorithm]]: checksum.value, ChecksumType: checksum.type } : {};
}

/**
 * The object checksum a client sends with CompleteMultipartUpload (x-amz-checksum-<algorithm>,
 * as SDKs do for FULL_OBJECT uploads) must be the one computed from the parts: BadDigest if not.
 * A COMPOSITE value may be sent with or without its `-N` suffix.
 */
export function assertSentObjectChecksum(headers: Headers, checksum: ObjectChecksum | null): void {
  // An upload created without a checksum has no part checksums to compute one from: nothing to check against.
  if (!checksum) return;
  const sentType = headers.get('x-amz-checksum-type');
  if (sentType !== null && sentType.trim().toUpperCase() !== checksum.type) {
    throw new S3Error('InvalidRequest', `The upload was created using the ${checksum.type} checksum mode. The complete request must use the same checksum mode.`);
  }
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const sent = headers.get(`x-amz-checksum-${algorithm}`)?.trim();
    if (sent === undefined) continue;
    if (checksum.algorithm !== algorithm) {
      throw new S3Error('InvalidRequest', `The upload was not created with a ${algorithm} checksum; x-amz-checksum-${algorithm} cannot be checked.`);
    }
    if (sent !== checksum.value && sent !== checksum.value.replace(/-\d+$/, '')) {
      throw new S3Error('BadDigest', `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
    }
  }
}
