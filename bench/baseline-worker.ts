/**
 * The benchmark's baseline: the least a Worker can do to serve an R2 object. No parsing, no
 * signature, no registry, no policy: the path is `/<binding>/<R2 key>`. `npm run bench` divides the
 * gateway's numbers by this Worker's, measured in the same run against the same local R2 store.
 *
 * PUT exists so upload throughput and workerd memory can be attributed: what grows here as well
 * grows in the local R2 simulator, not in the gateway. Uploads go to their own bucket (UPLOADS):
 * the gateway's workerd has the STORAGE bucket's SQLite file open too, and two processes must
 * never both write one.
 */
interface BaselineEnv {
  STORAGE: R2Bucket;
  UPLOADS: R2Bucket;
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

function objectHeaders(object: R2Object): Headers {
  return new Headers({ ETag: object.httpEtag, 'Content-Length': String(object.size) });
}

export default {
  async fetch(request, env): Promise<Response> {
    const found = target(request.url, env);
    if (found === null) return new Response(`baseline worker: the path is /<${BINDINGS.join('|')}>/<R2 key>\n`, { status: 400 });
    const { bucket, key } = found;
    switch (request.method) {
      case 'GET': {
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
