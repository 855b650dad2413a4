/**
 * The request's URL, parsed once per request: the front-door choice, the S3 operation parser, the
 * signature verifier and the lifecycle all read it, and each `new URL` re-parses the whole string
 * on the hot path (adrs/0026). Readers must not mutate the URL they get (copy it first).
 */
const parsed = new WeakMap<Request, URL>();

export function requestUrl(request: Request): URL {
  let url = parsed.get(request);
  if (url === undefined) {
    url = new URL(request.url);
    parsed.set(request, url);
  }
  return url;
}
