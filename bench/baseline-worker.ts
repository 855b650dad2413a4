/**
 * The benchmark's baseline: the least a Worker can do to serve an R2 object. No parsing, no
 * signature, no registry, no policy: the path is `/<binding>/<R2 key>`. `npm run bench` divides the
 * gateway's numbers by this Worker's, measured in the same run against the same local R2 store.
 *
 * PUT exists so upload throughput and workerd memory can be attributed: what grows here as well
 * grows in the local R2 simulator, not in the gateway. Uploads go to their own bucket (UPLOADS):
 * the gateway's workerd has the STORAGE bucket's SQLite file open too, and two processes must
 * never both write one.
 *
 * PUT with `x-copy-source: /<binding>/<R2 key>` copies R2 → R2 the least costly way a Worker can,
 * with the gateway's copy sizes (COPY_LIMITS): one put of the source's body up to the multipart
 * threshold, above it one ranged get per part, each body handed straight to uploadPart.
 * `test/e2e/copy-large.test.ts` compares the gateway's workerd memory during a copy with this.
 *
 * A GET with `x-bench-platform: 1` also makes the two platform calls every gateway request makes by
 * design: one Rate Limiting binding call (LIMITER, configured like the gateway's S3_RATE_LIMITER) and
 * one JSON log line of the request log's shape, written once the answer is sent. Under wrangler dev
 * both are simulations far costlier than on the edge (a Durable Object per limit() call; every
 * console line goes through the inspector to wrangler), so the bench divides by this too, to tell
 * the gateway's own code from what the local platform charges for them.
 *
 * `POST /STS-PLATFORM` makes the platform calls of an STS exchange and nothing else: the rate-limit
 * call, the deny-list read (one KV bulk get), an answer of the exchange's size, and under waitUntil
 * the log line and the audit row (one D1 insert). The bench times it as it times the exchange.
 */
import { COPY_LIMITS } from '../src/s3/copy-engine';

interface BaselineEnv {
  STORAGE: R2Bucket;
  UPLOADS: R2Bucket;
  LIMITER: RateLimit;
  KV: KVNamespace;
  DB: D1Database;
}

const BINDINGS = ['STORAGE', 'UPLOADS'] as const;
type BindingName = (typeof BINDINGS)[number];

function target(url: string, env: BaselineEnv): { bucket: R2Bucket; key: string } | null {
  const path = new URL(url).pathname;
  const slash = path.indexOf('/', 1);
  if (slash < 0) return null;
  const binding = path.slice(1, slash);
  const key = decodeURIComponent(path.slice(slash + 1));
  if (!BINDINGS.includes(binding as BindingName) || key === '') return null;
  return { bucket: env[binding as BindingName], key };
}

/** Copies `from` to `to` (see the header comment); null when the source does not exist. */
async function copy(from: { bucket: R2Bucket; key: string }, to: { bucket: R2Bucket; key: string }): Promise<string | null> {
  const source = await from.bucket.head(from.key);
  if (source === null) return null;
  if (source.size <= COPY_LIMITS.multipartThreshold) {
    const whole = await from.bucket.get(from.key);
    if (whole === null) return null;
    return (await to.bucket.put(to.key, whole.body))!.httpEtag;
  }
  const upload = await to.bucket.createMultipartUpload(to.key);
  const parts: R2UploadedPart[] = [];
  for (let offset = 0, partNumber = 1; offset < source.size; offset += COPY_LIMITS.partSize, partNumber++) {
    const length = Math.min(COPY_LIMITS.partSize, source.size - offset);
    const slice = await from.bucket.get(from.key, { range: { offset, length } });
    if (slice === null) throw new Error(`${from.key} vanished during the copy`);
    parts.push(await upload.uploadPart(partNumber, slice.body));
  }
  return (await upload.complete(parts)).httpEtag;
}

/**
 * `GET /<binding>/?list=<prefix>`: one page (up to 1000 keys) of the binding's list, as JSON — the
 * least a Worker does to answer a listing, which the bench divides the gateway's ListObjectsV2 by.
 */
async function list(request: Request, env: BaselineEnv): Promise<Response | null> {
  const url = new URL(request.url);
  const prefix = url.searchParams.get('list');
  const binding = url.pathname.slice(1, -1);
  if (request.method !== 'GET' || prefix === null || !BINDINGS.includes(binding as BindingName)) return null;
  const page = await env[binding as BindingName].list({ prefix, limit: 1000 });
  const objects = page.objects.map((o) => ({ key: o.key, size: o.size, etag: o.httpEtag, uploaded: o.uploaded.toISOString() }));
  return Response.json({ objects, truncated: page.truncated });
}

/** The gateway's per-request platform calls, as cheaply as a Worker can make them (see the header comment). */
async function platformCalls(limiter: RateLimit, request: Request, ctx: ExecutionContext): Promise<void> {
  const started = Date.now();
  await limiter.limit({ key: 'bench-client' });
  ctx.waitUntil(
    Promise.resolve().then(() =>
      console.log(
        JSON.stringify({
          level: 'info', msg: 'request', requestId: crypto.randomUUID(), frontDoor: 'baseline', method: request.method, status: 200,
          bytesIn: 0, bytesOut: 1024, durationMs: Date.now() - started, headersMs: 0, operation: 'GetObject', bucket: 'STORAGE', principal: 'baseline',
        }),
      ),
    ),
  );
}

const EXCHANGE_ANSWER = `<AssumeRoleWithWebIdentityResponse>${'x'.repeat(1500)}</AssumeRoleWithWebIdentityResponse>`;

/** An STS exchange's platform calls (see the header comment). */
async function stsPlatformCalls(env: BaselineEnv, ctx: ExecutionContext): Promise<Response> {
  await env.LIMITER.limit({ key: 'sts/bench-client' });
  await env.KV.get(['revoked/subject/bench', 'revoked/session/bench'], 'json');
  ctx.waitUntil(
    (async () => {
      console.log(JSON.stringify({ level: 'info', msg: 'request', requestId: crypto.randomUUID(), frontDoor: 'sts', method: 'POST', status: 200, operation: 'sts.AssumeRoleWithWebIdentity' }));
      await env.DB.prepare('CREATE TABLE IF NOT EXISTS audit (at TEXT, action TEXT, detail TEXT)').run();
      await env.DB.prepare('INSERT INTO audit (at, action, detail) VALUES (?, ?, ?)').bind(new Date().toISOString(), 'sts.AssumeRoleWithWebIdentity', '{"role":"bench"}').run();
    })(),
  );
  return new Response(EXCHANGE_ANSWER, { headers: { 'content-type': 'text/xml' } });
}

function objectHeaders(object: R2Object): Headers {
  return new Headers({ ETag: object.httpEtag, 'Content-Length': String(object.size) });
}

export default {
  async fetch(request, env, ctx): Promise<Response> {
    if (request.method === 'POST' && new URL(request.url).pathname === '/STS-PLATFORM') return stsPlatformCalls(env, ctx);
    const listed = await list(request, env);
    if (listed) return listed;
    const found = target(request.url, env);
    if (found === null) return new Response(`baseline worker: the path is /<${BINDINGS.join('|')}>/<R2 key>\n`, { status: 400 });
    const { bucket, key } = found;
    switch (request.method) {
      case 'GET': {
        if (request.headers.get('x-bench-platform') === '1') await platformCalls(env.LIMITER, request, ctx);
        const object = await bucket.get(key);
        if (object === null) return new Response(null, { status: 404 });
        return new Response(object.body, { headers: objectHeaders(object) });
      }
      case 'HEAD': {
        const object = await bucket.head(key);
        if (object === null) return new Response(null, { status: 404 });
        return new Response(null, { headers: objectHeaders(object) });
      }
      case 'PUT': {
        const copySource = request.headers.get('x-copy-source');
        if (copySource !== null) {
          const from = target(new URL(copySource, request.url).href, env);
          if (from === null) return new Response('x-copy-source must be /<binding>/<R2 key>\n', { status: 400 });
          const etag = await copy(from, found);
          return etag === null ? new Response(null, { status: 404 }) : new Response(null, { headers: { ETag: etag } });
        }
        // R2 needs a known length; a request with Content-Length gives its body one.
        if (request.body === null) return new Response('PUT needs a body\n', { status: 411 });
        const object = await bucket.put(key, request.body);
        // put() answers null only when an onlyIf condition fails, and none is given here.
        if (object === null) return new Response(null, { status: 412 });
        return new Response(null, { headers: { ETag: object.httpEtag } });
      }
      case 'DELETE':
        await bucket.delete(key);
        return new Response(null, { status: 204 });
      default:
        return new Response(null, { status: 405, headers: { Allow: 'GET, HEAD, PUT, DELETE' } });
    }
  },
} satisfies ExportedHandler<BaselineEnv>;
