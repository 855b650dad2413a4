-- Multipart checksums and completed uploads (adrs/0015-multipart-checksums-and-parts.md).

-- The checksum an upload was created with (CreateMultipartUpload x-amz-checksum-algorithm/-type).
CREATE TABLE IF NOT EXISTS multipart_upload_checksums (
  bucket     TEXT NOT NULL,
  upload_id  TEXT NOT NULL,
  algorithm  TEXT NOT NULL,                     -- crc32 | crc32c | crc64nvme | sha1 | sha256
  type       TEXT NOT NULL CHECK (type IN ('COMPOSITE', 'FULL_OBJECT')),
  PRIMARY KEY (bucket, upload_id)
);

-- Completed uploads: the answer a retried CompleteMultipartUpload gets, and the part layout and
-- checksum of the object it made (R2 fixes an object's metadata at CreateMultipartUpload, before
-- part sizes or the object checksum are known). Valid while the object still has this ETag.
CREATE TABLE IF NOT EXISTS multipart_completions (
  bucket        TEXT NOT NULL,
  upload_id     TEXT NOT NULL,
  key           TEXT NOT NULL,
  etag          TEXT NOT NULL,                  -- the object's ETag, unquoted (<md5-of-md5s>-N)
  location      TEXT NOT NULL,                  -- the Location the completion answered
  parts         TEXT NOT NULL,                  -- JSON [{partNumber, etag, size, checksum?}] in object order
  checksum      TEXT,                           -- JSON {algorithm, type, value} of the whole object
  completed_at  TEXT NOT NULL,
  PRIMARY KEY (bucket, upload_id)
);
CREATE INDEX IF NOT EXISTS multipart_completions_by_key ON multipart_completions (bucket, key, completed_at);

-- Checksums of single-part objects verified only after R2 had fixed the object's metadata: a
-- trailing x-amz-checksum-* (aws-chunked) arrives after the body. Keyed by the object's ETag (the
-- MD5 of its content), so a row can only ever describe the very bytes it was computed over.
CREATE TABLE IF NOT EXISTS object_checksums (
  bucket     TEXT NOT NULL,
  key        TEXT NOT NULL,
  etag       TEXT NOT NULL,                     -- hex MD5 of the content, unquoted
  checksums  TEXT NOT NULL,                     -- JSON {crc32: base64, ...}
  PRIMARY KEY (bucket, key)
);
