import type { ChecksumAlgorithm } from '../core/checksum-names';
import type { ObjectMetadata } from '../storage/backend';
import type { Env } from '../env';

/**
 * The multipart ledger (D1 tables multipart_uploads / multipart_parts): every upload the gateway
 * started and every part it stored, with the part's S3 ETag (MD5) and size. It answers ListParts
 * and ListMultipartUploads (an R2 binding has neither), lets CompleteMultipartUpload check parts
 * the S3 way before the backend sees them, and maps S3 part ETags to the backend's own part tags.
 */
export interface UploadRecord {
  bucket: string;
  uploadId: string;
  key: string;
  metadata: ObjectMetadata;
  initiator: string;
  initiatedAt: string;
  /** The checksum asked for at CreateMultipartUpload (x-amz-checksum-algorithm / -type), if any. */
  checksum?: UploadChecksum;
}

/** S3's two ways to checksum a multipart object: of the part checksums, or of the whole content (CRCs only). */
export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

export interface UploadChecksum {
  algorithm: ChecksumAlgorithm;
  type: ChecksumType;
}

export interface PartRecord {
  partNumber: number;
  /** Hex MD5 of the part, unquoted: the ETag S3 reports. */
  etag: string;
  /** What the backend calls the part at completion, when that differs from `etag`. */
  backendEtag: string | null;
  size: number;
  checksums: Partial<Record<ChecksumAlgorithm, string>> | null;
  uploadedAt: string;
}

interface UploadRow {
  bucket: string;
  upload_id: string;
  key: string;
  metadata: string;
  initiator: string | null;
  initiated_at: string;
  checksum_algorithm?: string | null;
  checksum_type?: string | null;
}

interface PartRow {
  part_number: number;
  etag: string;
  backend_etag: string | null;
  size: number;
  checksums: string | null;
  uploaded_at: string;
}

const UPLOAD_COLUMNS = 'bucket, upload_id, key, metadata, initiator, initiated_at';
const PART_COLUMNS = 'part_number, etag, backend_etag, size, checksums, uploaded_at';

function uploadFromRow(row: UploadRow): UploadRecord {
  return {
    bucket: row.bucket,
    uploadId: row.upload_id,
    key: row.key,
    metadata: JSON.parse(row.metadata) as ObjectMetadata,
    initiator: row.initiator ?? 'anonymous',
    initiatedAt: row.initiated_at,
    ...(row.checksum_algorithm ? { checksum: { algorithm: row.checksum_algorithm as ChecksumAlgorithm, type: row.checksum_type as ChecksumType } } : {}),
  };
}

function partFromRow(row: PartRow): PartRecord {
  return {
    partNumber: row.part_number,
    etag: row.etag,
    backendEtag: row.backend_etag,
    size: row.size,
    checksums: row.checksums ? (JSON.parse(row.checksums) as PartRecord['checksums']) : null,
    uploadedAt: row.uploaded_at,
  };
}

export async function recordUpload(env: Env, upload: UploadRecord): Promise<void> {
  const statements = [
    env.DB.prepare(`INSERT INTO multipart_uploads (${UPLOAD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`).bind(
      upload.bucket,
      upload.uploadId,
      upload.key,
      JSON.stringify(upload.metadata),
      upload.initiator,
      upload.initiatedAt,
    ),
  ];
  if (upload.checksum) {
    statements.push(
      env.DB.prepare('INSERT INTO multipart_upload_checksums (bucket, upload_id, algorithm, type) VALUES (?, ?, ?, ?)').bind(
        upload.bucket,
        upload.uploadId,
        upload.checksum.algorithm,
        upload.checksum.type,
      ),
    );
  }
  await env.DB.batch(statements);
}

export async function findUpload(env: Env, bucket: string, uploadId: string): Promise<UploadRecord | null> {
  const row = await env.DB.prepare(
    `SELECT u.bucket, u.upload_id, u.key, u.metadata, u.initiator, u.initiated_at, c.algorithm AS checksum_algorithm, c.type AS checksum_type
       FROM multipart_uploads u LEFT JOIN multipart_upload_checksums c ON c.bucket = u.bucket AND c.upload_id = u.upload_id
      WHERE u.bucket = ? AND u.upload_id = ?`,
  )
    .bind(bucket, uploadId)
    .first<UploadRow>();
  return row ? uploadFromRow(row) : null;
}

/** Records (or, for a re-sent part number, replaces) a stored part. */
export async function recordPart(env: Env, bucket: string, uploadId: string, part: PartRecord): Promise<void> {
  await env.DB.prepare(`INSERT OR REPLACE INTO multipart_parts (bucket, upload_id, ${PART_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
    .bind(bucket, uploadId, part.partNumber, part.etag, part.backendEtag, part.size, part.checksums ? JSON.stringify(part.checksums) : null, part.uploadedAt)
    .run();
}

/** Parts after `afterPartNumber`, ascending; `limit` + 1 are read so the caller can tell a truncated page. */
export async function listPartRecords(env: Env, bucket: string, uploadId: string, afterPartNumber: number, limit: number): Promise<PartRecord[]> {
  const { results } = await env.DB.prepare(
    `SELECT ${PART_COLUMNS} FROM multipart_parts WHERE bucket = ? AND upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?`,
  )
    .bind(bucket, uploadId, afterPartNumber, limit)
    .all<PartRow>();
  return results.map(partFromRow);
}

/** Forgets an upload and its parts (after abort; completion batches these with its own record). */
export async function deleteUpload(env: Env, bucket: string, uploadId: string): Promise<void> {
  await env.DB.batch(deleteUploadStatements(env, bucket, uploadId));
}

export function deleteUploadStatements(env: Env, bucket: string, uploadId: string): D1PreparedStatement[] {
  return [
    env.DB.prepare('DELETE FROM multipart_parts WHERE bucket = ? AND upload_id = ?').bind(bucket, uploadId),
    env.DB.prepare('DELETE FROM multipart_upload_checksums WHERE bucket = ? AND upload_id = ?').bind(bucket, uploadId),
    env.DB.prepare('DELETE FROM multipart_uploads WHERE bucket = ? AND upload_id = ?').bind(bucket, uploadId),
  ];
}

export interface UploadListQuery {
  prefix: string;
  delimiter?: string;
  keyMarker?: string;
  uploadIdMarker?: string;
  maxUploads: number;
}

export interface UploadListPage {
  uploads: UploadRecord[];
  commonPrefixes: string[];
  truncated: boolean;
  /** Where the next page starts (S3's NextKeyMarker / NextUploadIdMarker); set when truncated. */
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

const SCAN_BATCH = 1000;

/**
 * ListMultipartUploads: uploads in (key, initiation time) order, S3 style. With a delimiter, keys
 * that share the part up to the delimiter count once, as a common prefix. Continuing after a
 * common prefix (NextKeyMarker) skips every upload under it.
 */
export async function listUploadRecords(env: Env, bucket: string, q: UploadListQuery): Promise<UploadListPage> {
  const page: UploadListPage = { uploads: [], commonPrefixes: [], truncated: false };
  if (q.maxUploads <= 0) return page;
  const groupOf = (key: string): string | undefined => {
    if (!q.delimiter) return undefined;
    const at = key.indexOf(q.delimiter, q.prefix.length);
    return at === -1 ? undefined : key.slice(0, at + q.delimiter.length);
  };
  const skippedGroup = q.keyMarker !== undefined && groupOf(q.keyMarker) === q.keyMarker ? q.keyMarker : undefined;
  let cursor = await startingPoint(env, bucket, q);
  let entries = 0;
  for (;;) {
    const { results } = await env.DB.prepare(
      `SELECT ${UPLOAD_COLUMNS} FROM multipart_uploads WHERE bucket = ?1 AND substr(key, 1, length(?2)) = ?2
         AND (key > ?3 OR (key = ?3 AND (initiated_at > ?4 OR (initiated_at = ?4 AND upload_id > ?5))))
       ORDER BY key, initiated_at, upload_id LIMIT ?6`,
    )
      .bind(bucket, q.prefix, cursor.key, cursor.initiatedAt, cursor.uploadId, SCAN_BATCH)
      .all<UploadRow>();
    for (const row of results) {
      cursor = { key: row.key, initiatedAt: row.initiated_at, uploadId: row.upload_id };
      const group = groupOf(row.key);
      if (group !== undefined && (group === skippedGroup || group === page.commonPrefixes.at(-1))) continue;
      if (entries === q.maxUploads) {
        page.truncated = true;
        return page;
      }
      entries++;
      if (group !== undefined) {
        page.commonPrefixes.push(group);
        page.nextKeyMarker = group;
        page.nextUploadIdMarker = undefined;
      } else {
        page.uploads.push(uploadFromRow(row));
        page.nextKeyMarker = row.key;
        page.nextUploadIdMarker = row.upload_id;
      }
    }
    if (results.length < SCAN_BATCH) {
      page.nextKeyMarker = undefined;
      page.nextUploadIdMarker = undefined;
      return page;
    }
  }
}

interface ScanPosition {
  key: string;
  initiatedAt: string;
  uploadId: string;
}

/**
 * The position just before the first upload to list. S3: uploads for keys after key-marker, plus
 * (with upload-id-marker) the later uploads of key-marker itself.
 */
async function startingPoint(env: Env, bucket: string, q: UploadListQuery): Promise<ScanPosition> {
  if (q.keyMarker === undefined) return { key: '', initiatedAt: '', uploadId: '' };
  if (q.uploadIdMarker !== undefined) {
    const marker = await findUpload(env, bucket, q.uploadIdMarker);
    if (marker && marker.key === q.keyMarker) return { key: marker.key, initiatedAt: marker.initiatedAt, uploadId: marker.uploadId };
  }
  // Every upload of key-marker itself is skipped: initiated_at values are never above this.
  return { key: q.keyMarker, initiatedAt: '\uffff', uploadId: '' };
}
