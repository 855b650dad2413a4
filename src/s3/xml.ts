import { XMLBuilder } from 'fast-xml-parser';
import { textBody } from '../core/text-body';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: false,
  processEntities: true,
});

/** What every S3 XML document starts with. */
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** Serialises `{ Root: {...} }` with the XML declaration S3 sends. Arrays become repeated elements. */
export function buildXml(document: Record<string, unknown>): string {
  return XML_DECLARATION + buildXmlElement(document);
}

/** The document's root element alone, for a body that sent its declaration earlier (src/s3/handlers/complete-keep-alive.ts). */
export function buildXmlElement(document: Record<string, unknown>): string {
  return builder.build(document) as string;
}

/**
 * Headers of every XML document the gateway answers with. S3 never compresses its answers; the
 * lifecycle keeps Cloudflare's edge from doing so (src/s3/no-transform.ts).
 */
export function xmlHeaders(init?: HeadersInit): Headers {
  const headers = new Headers(init);
  headers.set('content-type', 'application/xml');
  return headers;
}

export function xmlResponse(document: Record<string, unknown>, init: ResponseInit = {}): Response {
  const headers = xmlHeaders(init.headers);
  return new Response(textBody(buildXml(document), headers), { ...init, headers });
}
