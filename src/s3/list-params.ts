import { S3Error } from '../core/s3-error';

/** S3 returns at most this many entries per listing page, whatever the client asks for. */
export const MAX_LIST_ENTRIES = 1000;

/**
 * `max-keys` / `max-uploads` / `max-parts`: absent → `fallback`; above the cap → the cap (S3 clamps);
 * negative or not an integer → InvalidArgument.
 */
export function parseMaxEntries(query: URLSearchParams, name: string, fallback = MAX_LIST_ENTRIES, cap = MAX_LIST_ENTRIES): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new S3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, { ArgumentName: name, ArgumentValue: raw });
  }
  return Math.min(Number(raw.trim()), cap);
}

/** A non-negative integer query parameter (`part-number-marker`), absent → undefined. */
export function parseIntegerParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d{1,9}$/.test(raw)) {
    throw new S3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, { ArgumentName: name, ArgumentValue: raw });
  }
  return Number(raw);
}

/** Encodes a name for the XML answer: as-is, or percent-encoded when the client asked `encoding-type=url`. */
export type NameEncoder = (name: string) => string;

export function nameEncoder(query: URLSearchParams): { encode: NameEncoder; encodingType?: 'url' } {
  const requested = query.get('encoding-type');
  if (requested === null || requested === '') return { encode: (name) => name };
  if (requested.toLowerCase() !== 'url') {
    throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: requested });
  }
  return { encode: s3UrlEncode, encodingType: 'url' };
}

const UNRESERVED = /[A-Za-z0-9\-._~/]/;

/**
 * `encoding-type=url`: every UTF-8 byte outside RFC 3986's unreserved set (plus `/`, which S3 keeps
 * readable) as `%XX`. Space becomes `%20`, not `+`: it decodes the same under botocore's
 * `unquote_plus`, Go's `QueryUnescape` and a plain `decodeURIComponent`.
 */
export function s3UrlEncode(name: string): string {
  let out = '';
  for (const ch of name) {
    if (UNRESERVED.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of new TextEncoder().encode(ch)) out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

const TOKEN_PREFIX = 'bg1:';

/** V2 continuation tokens wrap the backend's cursor so that a client cannot pass a raw one by accident. */
export function encodeContinuationToken(cursor: string): string {
  const bytes = new TextEncoder().encode(TOKEN_PREFIX + cursor);
  return btoa(String.fromCharCode(...bytes));
}

export function decodeContinuationToken(token: string): string {
  const invalid = () => new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
  let text: string;
  try {
    const binary = atob(token);
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    throw invalid();
  }
  if (!text.startsWith(TOKEN_PREFIX) || text.length === TOKEN_PREFIX.length) throw invalid();
  return text.slice(TOKEN_PREFIX.length);
}

/** Orders names the way S3 and R2 list them: by UTF-8 bytes, i.e. by code point (not UTF-16 unit). */
export function compareNames(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done || cb.done) return ca.done && cb.done ? 0 : ca.done ? -1 : 1;
    const d = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}
