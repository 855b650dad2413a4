import type { ChecksumAlgorithm } from '../core/checksum-names';
import type { Env } from '../env';
import { type ChecksumType, deleteUploadStatements } from './multipart';

/**
 * Completed multipart uploads (D1 table multipart_completions). R2 fixes an object's metadata at
 * CreateMultipartUpload, before its part sizes or its checksum exist, so what S3 knows of a
 * multipart object afterwards lives here: the part layout (GET/HEAD ?partNumber=N,
 * GetObjectAttributes ObjectParts), the object checksum, and the answer a retried
 * CompleteMultipartUpload gets. A record describes the object only while the object's ETag is
 * still the one recorded; each key keeps only its latest completion.
 */
export interface ObjectPart {
  partNumber: number;
  /** Hex MD5 of the part, unquoted. */
  etag: string;
  size: number;
  /** Base64 checksum of the part in the upload's algorithm, when the upload had one. */
  checksum?: string;
}

export interface ObjectChecksum {
  algorithm: ChecksumAlgorithm;
  type: ChecksumType;
  /** Base64; COMPOSITE values end in `-<part count>` as S3 prints them. */
  value: string;
}

export interface CompletionRecord {
  bucket: string;
  uploadId: string;
  key: string;
  etag: string;
  location: string;
  parts: ObjectPart[];
  checksum: ObjectChecksum | null;
  completedAt: string;
}

interface CompletionRow {
  bucket: string;
  upload_id: string;
  key: string;
  etag: string;
  location: string;
  parts: string;
  checksum: string | null;
  completed_at: string;
}

const COLUMNS = 'bucket, upload_id, key, etag, location, parts, checksum, completed_at';

function fromRow(row: CompletionRow): CompletionRecord {
  return {
    bucket: row.bucket,
    uploadId: row.upload_id,
    key: row.key,
    etag: row.etag,
    location: row.location,
    parts: JSON.parse(row.parts) as ObjectPart[],
    checksum: row.checksum ? (JSON.parse(row.checksum) as ObjectChecksum) : null,
    completedAt: row.completed_at,
  };
}

/**
 * Records a completion and forgets the in-progress upload in one batch (D1 runs a batch as a
 * transaction), replacing the key's earlier completion: only the latest can describe the object.
 */
export async function recordCompletion(env: Env, record: CompletionRecord): Promise<void> {
  await env.DB.batch([
    env.DB.prepare('DELETE FROM multipart_completions WHERE bucket = ? AND key = ?').bind(record.bucket, record.key),
    env.DB.prepare(`INSERT OR REPLACE INTO multipart_completions (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).bind(
      record.bucket,
      record.uploadId,
      record.key,
      record.etag,
      record.location,
      JSON.stringify(record.parts),
      record.checksum ? JSON.stringify(record.checksum) : null,
      record.completedAt,
    ),
    ...deleteUploadStatements(env, record.bucket, record.uploadId),
  ]);
}

/** The completion of an upload id, to answer a retried CompleteMultipartUpload. */
export async function findCompletion(env: Env, bucket: string, uploadId: string): Promise<CompletionRecord | null> {
  const row = await env.DB.prepare(`SELECT ${COLUMNS} FROM multipart_completions WHERE bucket = ? AND upload_id = ?`).bind(bucket, uploadId).first<CompletionRow>();
  return row ? fromRow(row) : null;
}

/** The layout of the object now stored under `key`, if a completion recorded it and the object is still that one. */
export async function findObjectLayout(env: Env, bucket: string, key: string, etag: string): Promise<CompletionRecord | null> {
  const row = await env.DB.prepare(`SELECT ${COLUMNS} FROM multipart_completions WHERE bucket = ? AND key = ? AND etag = ? ORDER BY completed_at DESC LIMIT 1`)
    .bind(bucket, key, etag)
    .first<CompletionRow>();
  return row ? fromRow(row) : null;
}
