import { bytesToBase64 } from './shared-key';

/**
 * The block-id scheme that lets Put Block / Put Block List carry S3 multipart uploads (adrs/0021).
 *
 * Azure keeps nothing per upload but a blob's uncommitted blocks, so everything an upload must
 * remember lives in the ids of its blocks. Every id is 64 raw bytes (Azure's limit; all ids of a
 * blob must be the same length), base64-encoded:
 *
 *   0..3   "bg1" + kind:  M metadata chunk · D data · S part seal · A aborted
 *   4..19  the upload id's 16 bytes (the S3 upload id is their base64url)
 *   20..21 part number (D, S) or chunk index (M), big-endian
 *   22..25 attempt nonce (D, S): each upload of a part gets its own blocks, so a re-upload never
 *          overwrites blocks a seal of an earlier attempt describes
 *   26..27 block index (D), block count (S), chunk count (M)
 *   28..43 the part's MD5 (S)
 *   28..63 metadata bytes (M: byte 28 is the chunk length, 29.. the chunk)
 *
 * A part is readable only once sealed: its data blocks are uploaded first, then the seal, whose id
 * names the part's MD5 and block count (known only after the data streamed).
 */

export const BLOCK_ID_BYTES = 64;
const MAGIC = [0x62, 0x67, 0x31]; // "bg1"
export const METADATA_CHUNK_BYTES = BLOCK_ID_BYTES - 29;

export type BlockId =
  | { kind: 'M'; upload: Uint8Array; index: number; count: number; chunk: Uint8Array }
  | { kind: 'D'; upload: Uint8Array; part: number; nonce: Uint8Array; index: number }
  | { kind: 'S'; upload: Uint8Array; part: number; nonce: Uint8Array; count: number; md5: Uint8Array }
  | { kind: 'A'; upload: Uint8Array };

export function encodeBlockId(id: BlockId): string {
  const raw = new Uint8Array(BLOCK_ID_BYTES);
  const view = new DataView(raw.buffer);
  raw.set(MAGIC, 0);
  raw[3] = id.kind.charCodeAt(0);
  raw.set(id.upload, 4);
  switch (id.kind) {
    case 'M':
      view.setUint16(20, id.index);
      view.setUint16(26, id.count);
      raw[28] = id.chunk.byteLength;
      raw.set(id.chunk, 29);
      break;
    case 'D':
      view.setUint16(20, id.part);
      raw.set(id.nonce, 22);
      view.setUint16(26, id.index);
      break;
    case 'S':
      view.setUint16(20, id.part);
      raw.set(id.nonce, 22);
      view.setUint16(26, id.count);
      raw.set(id.md5, 28);
      break;
    case 'A':
      break;
  }
  return bytesToBase64(raw);
}

/** The block id, or null for a block that is not one of the gateway's (written by another tool). */
export function decodeBlockId(encoded: string): BlockId | null {
  let raw: Uint8Array;
  try {
    raw = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
  if (raw.byteLength !== BLOCK_ID_BYTES || raw[0] !== MAGIC[0] || raw[1] !== MAGIC[1] || raw[2] !== MAGIC[2]) return null;
  const view = new DataView(raw.buffer);
  const upload = raw.slice(4, 20);
  switch (String.fromCharCode(raw[3]!)) {
    case 'M':
      return { kind: 'M', upload, index: view.getUint16(20), count: view.getUint16(26), chunk: raw.slice(29, 29 + Math.min(raw[28]!, METADATA_CHUNK_BYTES)) };
    case 'D':
      return { kind: 'D', upload, part: view.getUint16(20), nonce: raw.slice(22, 26), index: view.getUint16(26) };
    case 'S':
      return { kind: 'S', upload, part: view.getUint16(20), nonce: raw.slice(22, 26), count: view.getUint16(26), md5: raw.slice(28, 44) };
    case 'A':
      return { kind: 'A', upload };
    default:
      return null;
  }
}

/** The 16 bytes an S3 upload id stands for, or null for an id this driver never issued. */
export function uploadBytes(uploadId: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]{22}$/.test(uploadId)) return null;
  const raw = Uint8Array.from(atob(uploadId.replace(/-/g, '+').replace(/_/g, '/') + '=='), (c) => c.charCodeAt(0));
  return raw.byteLength === 16 ? raw : null;
}

export function newUploadId(): string {
  return bytesToBase64(crypto.getRandomValues(new Uint8Array(16))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);
}
