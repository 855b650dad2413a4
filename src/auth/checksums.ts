// PLACEHOLDER: replaced by the checksum module.
export type ChecksumAlgorithm = 'crc32' | 'crc32c' | 'sha1' | 'sha256' | 'crc64nvme';
