import type { CorsRule } from '../registry/schemas';

/**
 * S3's CORS evaluation, pure: the first rule whose origin, method and (for a preflight) every
 * requested header match wins. Origins and headers may hold one `*`; headers compare
 * case-insensitively, origins and methods exactly, as S3 compares them.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html
 */

/** What a preflight asks: `Origin`, `Access-Control-Request-Method`, `Access-Control-Request-Headers`. */
export interface CorsPreflight {
  origin: string;
  method: string;
  headers: string[];
}

export type PreflightOutcome =
  | { kind: 'allowed'; headers: Headers }
  | { kind: 'incomplete'; message: string }
  | { kind: 'refused'; message: string };

/** The Vary S3 sends with every CORS answer, so shared caches never mix origins. */
const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

/** Reads the preflight's questions from an OPTIONS request; without `headers` when Origin or the method is missing. */
function preflightOf(headers: Headers): CorsPreflight | { origin: string | null; method: string | null } {
  const origin = headers.get('origin');
  const method = headers.get('access-control-request-method');
  if (origin === null || method === null) return { origin, method };
  const requested = (headers.get('access-control-request-headers') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  return { origin, method, headers: requested };
}

/** Answers an OPTIONS request against a bucket's rules: the headers of a 200, or why it is refused. */
export function evaluatePreflight(rules: readonly CorsRule[], requestHeaders: Headers): PreflightOutcome {
  const asked = preflightOf(requestHeaders);
  if (!('headers' in asked)) {
    const missing = asked.origin === null ? 'Origin' : 'Access-Control-Request-Method';
    return { kind: 'incomplete', message: `Insufficient information. ${missing} request header needed.` };
  }
  if (rules.length === 0) return { kind: 'refused', message: 'CORSResponse: CORS is not enabled for this bucket.' };
  const rule = rules.find(
    (r) => matchesOrigin(r, asked.origin) && r.allowedMethods.includes(asked.method as CorsRule['allowedMethods'][number]) && asked.headers.every((h) => matchesHeader(r, h)),
  );
  if (!rule) {
    return {
      kind: 'refused',
      message: 'CORSResponse: This CORS request is not allowed. This is usually because the evaluation of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource\'s CORS spec.',
    };
  }
  const headers = allowHeaders(rule, asked.origin);
  if (asked.headers.length > 0) headers.set('access-control-allow-headers', asked.headers.join(', '));
  headers.set('vary', PREFLIGHT_VARY);
  return { kind: 'allowed', headers };
}

/**
 * The CORS headers an actual (non-preflight) response carries: when the request has an Origin and
 * a rule allows that origin and the request's method. Undefined otherwise (no header is added).
 */
export function corsResponseHeaders(rules: readonly CorsRule[], origin: string | null, method: string): Headers | undefined {
  if (origin === null || rules.length === 0) return undefined;
  const rule = rules.find((r) => matchesOrigin(r, origin) && r.allowedMethods.includes(method as CorsRule['allowedMethods'][number]));
  if (!rule) return undefined;
  const headers = allowHeaders(rule, origin);
  headers.set('vary', PREFLIGHT_VARY);
  return headers;
}

function allowHeaders(rule: CorsRule, origin: string): Headers {
  const anyOrigin = rule.allowedOrigins.includes('*');
  const headers = new Headers({
    'access-control-allow-origin': anyOrigin ? '*' : origin,
    'access-control-allow-methods': rule.allowedMethods.join(', '),
  });
  // S3 allows credentials whenever it names the origin; `*` and credentials cannot go together.
  if (!anyOrigin) headers.set('access-control-allow-credentials', 'true');
  if (rule.exposeHeaders.length > 0) headers.set('access-control-expose-headers', rule.exposeHeaders.join(', '));
  if (rule.maxAgeSeconds !== undefined) headers.set('access-control-max-age', String(rule.maxAgeSeconds));
  return headers;
}

function matchesOrigin(rule: CorsRule, origin: string): boolean {
  return rule.allowedOrigins.some((pattern) => wildcardMatch(pattern, origin));
}

function matchesHeader(rule: CorsRule, header: string): boolean {
  const name = header.toLowerCase();
  return rule.allowedHeaders.some((pattern) => wildcardMatch(pattern.toLowerCase(), name));
}

/** `pattern` with at most one `*` standing for any run of characters (S3 allows one per origin/header). */
export function wildcardMatch(pattern: string, value: string): boolean {
  const star = pattern.indexOf('*');
  if (star === -1) return pattern === value;
  const prefix = pattern.slice(0, star);
  const suffix = pattern.slice(star + 1);
  return value.length >= prefix.length + suffix.length && value.startsWith(prefix) && value.endsWith(suffix);
}

/** Adds `cors` headers to a response (merging Vary), keeping everything else. */
export function withCorsHeaders(response: Response, cors: Headers): Response {
  const r = new Response(response.body, response);
  for (const [name, value] of cors) {
    if (name === 'vary' && r.headers.has('vary')) r.headers.set('vary', `${r.headers.get('vary')}, ${value}`);
    else r.headers.set(name, value);
  }
  return r;
}
