import type { ObjectMetadata } from '../backend';
import { StorageError } from '../errors';
import { type BlockId, encodeBlockId } from './block-ids';
import type { AzureUpstream } from './client';
import type { AzureCallContext } from './errors';
import { bareEtag, md5HexFromBase64 } from './metadata';
import { blobProperties } from './objects';
import { serviceSas } from './service-sas';

/**
 * The source of a server-side copy (adrs/0021): where Azure reads it, with which authorization,
 * pinned to the blob the S3 layer judged. Copy Blob From URL and Put Block From URL fetch the
 * source as a client of their own, so the source URL (or a header) must authorize the read:
 * - Shared Key: a service SAS for that one blob, read-only, valid for SOURCE_SAS_LIFETIME_MS,
 *   minted here (service-sas.ts);
 * - SAS: the connection's own token, which url() already appends;
 * - Bearer: the same token in x-ms-copy-source-authorization;
 * - anonymous: nothing (a public container).
 * S3 ETags are MD5s and Azure's conditions name Azure's ETags, so the source's properties are read
 * first, its S3 ETag compared with the one judged, and the Azure ETag seen sent as
 * x-ms-source-if-match: a source replaced in between fails the copy instead of copying other bytes.
 */

/** Long enough for Azure to read a 4000 MiB block; short enough to be worthless once the copy is done. */
const SOURCE_SAS_LIFETIME_MS = 60 * 60 * 1000;
const MD5_HEX = /^[0-9a-f]{32}$/;

/** A client key of another backend on the same account with the same credentials, and the ETag it must still have. */
export interface CopySource {
  up: AzureUpstream;
  key: string;
  etag: string;
}

export interface PinnedSource {
  size: number;
  /** The MD5 of the whole source (its S3 ETag when that is one, i.e. not a multipart "-N" ETag). */
  md5?: string;
  /** The source's properties and metadata as the gateway reads them. */
  metadata: ObjectMetadata;
  /** x-ms-copy-source and the headers that authorize and pin the read. */
  headers: Record<string, string>;
}

export async function pinSource(source: CopySource): Promise<PinnedSource> {
  const stored = await blobProperties(source.up, source.key);
  if (!stored) throw new StorageError('not-found');
  if (stored.info.etag !== bareEtag(source.etag)) throw new StorageError('precondition-failed');
  const { client, prefix } = source.up;
  const blob = prefix + source.key;
  const url = client.url({ blob, context: { subject: 'object' } });
  const headers: Record<string, string> = { 'x-ms-source-if-match': stored.azureEtag };
  const auth = client.config.auth;
  if (auth.kind === 'shared-key') {
    const token = await serviceSas({ ...auth, container: client.config.container, blob, permissions: 'r', expiry: new Date(Date.now() + SOURCE_SAS_LIFETIME_MS) });
    for (const [name, value] of new URLSearchParams(token)) url.searchParams.append(name, value);
  }
  if (auth.kind === 'bearer') headers['x-ms-copy-source-authorization'] = `Bearer ${auth.token}`;
  headers['x-ms-copy-source'] = url.href;
  return { size: stored.info.size, ...(MD5_HEX.test(stored.info.etag) ? { md5: stored.info.etag } : {}), metadata: stored.info.metadata, headers };
}

/**
 * Put Block From URL: Azure reads `range` of the pinned source into block `id` of `blob`. Resolves
 * with the block's MD5, which Azure computes and returns as Content-MD5 (the part's S3 ETag).
 */
export async function putBlockFromUrl(
  up: AzureUpstream,
  key: string,
  id: BlockId,
  source: PinnedSource,
  range: { offset: number; length: number },
  context: AzureCallContext,
): Promise<string> {
  const response = await up.client.send({
    method: 'PUT',
    blob: up.prefix + key,
    query: [['comp', 'block'], ['blockid', encodeBlockId(id)]],
    headers: { ...source.headers, 'x-ms-source-range': `bytes=${range.offset}-${range.offset + range.length - 1}` },
    // Put Block From URL takes no body: Content-Length must be 0.
    text: '',
    idempotent: false,
    context,
  });
  await response.body?.cancel();
  const md5 = md5HexFromBase64(response.headers.get('content-md5'));
  return md5 ?? up.client.malformed(context);
}
