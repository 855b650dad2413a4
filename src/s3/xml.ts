import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { readBoundedBytes } from '../lib/bounded-body';
import { S3Error } from './errors';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: false,
  processEntities: true,
});

/** Serialises `{ Root: {...} }` with the XML declaration S3 sends. Arrays become repeated elements. */
export function buildXml(document: Record<string, unknown>): string {
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + builder.build(document);
}

/**
 * Headers of every XML document the gateway answers with. S3 never compresses its answers, and
 * some clients (rclone) ask for gzip yet cannot read a gzipped error; Cloudflare's edge (and
 * wrangler dev) leaves alone a response that names its encoding.
 */
export function xmlHeaders(init?: HeadersInit): Headers {
  const headers = new Headers(init);
  headers.set('content-type', 'application/xml');
  headers.set('content-encoding', 'identity');
  return headers;
}

export function xmlResponse(document: Record<string, unknown>, init: ResponseInit = {}): Response {
  const headers = xmlHeaders(init.headers);
  return new Response(buildXml(document), { ...init, headers });
}

/**
 * Reads a request body meant to hold a small XML document, refusing more than `maxBytes`
 * without reading further (S3 caps DeleteObjects at 1000 keys and Complete at 10000 parts).
 */
export async function readXmlBody(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<string> {
  if (!body) throw new S3Error('MalformedXML', 'The request body is empty.');
  const bytes = await readBoundedBytes(body, maxBytes);
  if (!bytes) throw new S3Error('MaxMessageLengthExceeded', `Your request was too big: the limit is ${maxBytes} bytes.`);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new S3Error('MalformedXML', 'The XML is not valid UTF-8.');
  }
}

/**
 * Parses a client's XML document. DTDs are refused outright: S3 documents never carry one, and
 * refusing them closes entity expansion ("billion laughs") and external entities at the door.
 * `arrayPaths` are dotted element paths that must always parse as arrays (e.g. "Delete.Object").
 * `trimValues: false` keeps leading/trailing spaces of text (object keys may have them).
 */
export function parseXml(text: string, arrayPaths: readonly string[] = [], options: { trimValues?: boolean } = {}): Record<string, unknown> {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    throw new S3Error('MalformedXML', 'Document type declarations are not allowed.');
  }
  if (XMLValidator.validate(text) !== true) {
    throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
  }
  const arrays = new Set(arrayPaths);
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    // With DTDs refused only the predefined entities and character references remain; keys such
    // as `a&b` or ones with `&#13;` (as S3 documents) must decode to their real characters.
    processEntities: true,
    htmlEntities: true,
    parseTagValue: false,
    trimValues: options.trimValues ?? true,
    isArray: (_name, jpath) => arrays.has(String(jpath)),
  });
  const parsed = parser.parse(text) as Record<string, unknown>;
  return parsed;
}
