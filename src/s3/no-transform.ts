/**
 * Keeps Cloudflare's edge from re-encoding what the gateway serves. S3 serves bytes exactly as
 * stored and answers XML uncompressed; Cloudflare's edge, by default, gzip/brotli-compresses
 * 200, 403 and 404 answers of text-like types (text/plain, application/xml, ...) for clients
 * whose Accept-Encoding allows it. Some S3 clients (rclone) ask for gzip yet keep what arrives,
 * so an edge-compressed object would be stored corrupt on their side.
 *
 * Cloudflare documents `Cache-Control: no-transform` on the origin's answer as what keeps it from
 * transforming (compressing) a response and dropping its Content-Length. It is added only where
 * the edge could compress: an answer with a body, of one of those statuses, to a client that
 * accepts a compression. HEAD answers, ranges, 304s and clients that want identity get the
 * headers exactly as stored. Unlike the `Content-Encoding: identity` used before, it does not
 * misdescribe the body (S3 never sends that header, and clients keep it as the object's own).
 * See adrs/0011, amendment of 2026-11-28.
 */

import { clientAcceptEncoding } from '../core/client-accept-encoding';

/** The statuses Cloudflare compresses by default (Speed › Content compression). */
const COMPRESSED_STATUSES = new Set([200, 403, 404]);
const NO_TRANSFORM = /(^|,)\s*no-transform\s*(,|$)/i;
const COMPRESSION_CODINGS = /\b(gzip|br|zstd|deflate)\b/i;

/** Adds `no-transform` to a response's Cache-Control, keeping the directives already there. */
export function addNoTransform(headers: Headers): void {
  const current = headers.get('cache-control');
  if (current === null || current.trim() === '') headers.set('cache-control', 'no-transform');
  else if (!NO_TRANSFORM.test(current)) headers.set('cache-control', `${current}, no-transform`);
}

/** Marks `response` (headers still mutable) no-transform when the edge could otherwise compress it. */
export function guardAgainstEdgeCompression(response: Response, request: Request): Response {
  if (response.body === null || !COMPRESSED_STATUSES.has(response.status)) return response;
  if (!COMPRESSION_CODINGS.test(clientAcceptEncoding(request) ?? '')) return response;
  addNoTransform(response.headers);
  return response;
}
