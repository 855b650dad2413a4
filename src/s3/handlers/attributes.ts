import type { CompletionRecord } from '../../registry/multipart-completions';
import { bucketOf, keyOf, type S3Handler } from '../context';
import { S3Error } from '../../core/s3-error';
import { parseIntegerParam, parseMaxEntries } from '../list-params';
import { CHECKSUM_ELEMENT, checksumElements } from '../multipart-checksums';
import { storedChecksums } from '../object-checksums';
import { objectLayout, partsCountOf } from '../object-parts';
import { S3_XMLNS, xmlResponse } from '../xml';

const ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;
type Attribute = (typeof ATTRIBUTES)[number];

/** `x-amz-object-attributes`: a comma-separated, non-empty list of the names S3 defines. */
function requestedAttributes(headers: Headers): Set<Attribute> {
  const raw = headers.get('x-amz-object-attributes') ?? '';
  const names = raw.split(',').map((n) => n.trim()).filter((n) => n !== '');
  if (names.length === 0) {
    throw new S3Error('InvalidArgument', 'x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty', {
      ArgumentName: 'x-amz-object-attributes',
    });
  }
  const unknown = names.find((n) => !(ATTRIBUTES as readonly string[]).includes(n));
  if (unknown !== undefined) {
    throw new S3Error('InvalidArgument', 'Invalid attribute name specified.', { ArgumentName: 'x-amz-object-attributes', ArgumentValue: unknown });
  }
  return new Set(names as Attribute[]);
}

/** The ObjectParts page GetObjectAttributes asks for (x-amz-max-parts, x-amz-part-number-marker headers). */
function partsPage(headers: Headers, layout: CompletionRecord): Record<string, unknown> {
  const paging = new URLSearchParams();
  for (const name of ['max-parts', 'part-number-marker']) {
    const value = headers.get(`x-amz-${name}`);
    if (value !== null) paging.set(name, value);
  }
  const maxParts = parseMaxEntries(paging, 'max-parts');
  const marker = parseIntegerParam(paging, 'part-number-marker') ?? 0;
  const numbered = layout.parts.map((part, i) => ({ ...part, partNumber: i + 1 }));
  const page = numbered.filter((p) => p.partNumber > marker).slice(0, maxParts);
  const truncated = page.length > 0 && page.at(-1)!.partNumber < numbered.length;
  const algorithm = layout.checksum?.algorithm;
  return {
    PartNumberMarker: marker,
    NextPartNumberMarker: page.at(-1)?.partNumber ?? marker,
    MaxParts: maxParts,
    IsTruncated: truncated,
    Part: page.map((p) => ({
      PartNumber: p.partNumber,
      Size: p.size,
      ...(algorithm && p.checksum ? { [CHECKSUM_ELEMENT[algorithm]]: p.checksum } : {}),
    })),
  };
}

/**
 * GetObjectAttributes: what HEAD knows, as XML. Checksums are the full-object ones stored with a
 * single-part object, or a multipart object's from its completion record; parts (sizes and part
 * checksums) come from the completion record, only the count when the gateway has none.
 */
export const getObjectAttributes: S3Handler = async (c) => {
  const { backend } = bucketOf(c);
  const wanted = requestedAttributes(c.request.headers);
  const info = await backend.head(keyOf(c));
  if (!info) throw new S3Error('NoSuchKey', 'The specified key does not exist.');
  const layout = wanted.has('Checksum') || wanted.has('ObjectParts') ? await objectLayout(c, info) : null;
  const checksum = wanted.has('Checksum') ? (await storedChecksums(c, info, layout))[0] : undefined;
  const parts = partsCountOf(info.etag);
  const document: Record<string, unknown> = { '@_xmlns': S3_XMLNS };
  if (wanted.has('ETag')) document.ETag = info.etag;
  if (wanted.has('Checksum') && checksum) document.Checksum = checksumElements(checksum);
  if (wanted.has('ObjectParts') && parts !== undefined) {
    document.ObjectParts = { PartsCount: parts, ...(layout ? partsPage(c.request.headers, layout) : {}) };
  }
  if (wanted.has('StorageClass')) document.StorageClass = 'STANDARD';
  if (wanted.has('ObjectSize')) document.ObjectSize = info.size;
  return xmlResponse({ GetObjectAttributesResponse: document }, { headers: { 'last-modified': info.lastModified.toUTCString() } });
};
