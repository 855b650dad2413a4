import type { ChecksumAlgorithm } from '../core/checksum-names';
import type { Env } from '../env';

/**
 * Checksums of single-part objects that could not go into the object's own metadata (D1 table
 * object_checksums): a trailing checksum is verified only after the body, when R2 has already
 * fixed the metadata. Rows are keyed by the object's ETag, the MD5 of its content, so a row left
 * behind by an overwritten object still describes exactly the bytes with that ETag.
 */
export type Checksums = Partial<Record<ChecksumAlgorithm, string>>;

export async function recordObjectChecksums(env: Env, bucket: string, key: string, etag: string, checksums: Checksums): Promise<void> {
  await env.DB.prepare('INSERT OR REPLACE INTO object_checksums (bucket, key, etag, checksums) VALUES (?, ?, ?, ?)')
    .bind(bucket, key, etag, JSON.stringify(checksums))
    .run();
}

export async function findObjectChecksums(env: Env, bucket: string, key: string, etag: string): Promise<Checksums | null> {
  const row = await env.DB.prepare('SELECT checksums FROM object_checksums WHERE bucket = ? AND key = ? AND etag = ?').bind(bucket, key, etag).first<{ checksums: string }>();
  return row ? (JSON.parse(row.checksums) as Checksums) : null;
}
