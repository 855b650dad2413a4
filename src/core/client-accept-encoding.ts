/**
 * The Accept-Encoding the client sent. Cloudflare's edge (and workerd locally) replace the header
 * with a normalised value before the Worker runs and keep the client's own in
 * `request.cf.clientAcceptEncoding`; without it (tests), the header is the client's. Reading
 * `request.cf` builds the whole cf object anew on each access, so the value is kept per request:
 * the signature check and the response's no-transform rule both ask (adrs/0026).
 */
const seen = new WeakMap<Request, string | null>();

export function clientAcceptEncoding(request: Request): string | null {
  if (seen.has(request)) return seen.get(request)!;
  const sent = (request.cf as { clientAcceptEncoding?: unknown } | undefined)?.clientAcceptEncoding;
  const value = typeof sent === 'string' ? sent : request.headers.get('accept-encoding');
  seen.set(request, value);
  return value;
}
