/**
 * The benchmark's baseline: the least a Worker can do to serve an R2 object. No parsing, no
 * signature, no registry, no policy: the path is the R2 key. `npm run bench` divides the gateway's
 * numbers by this Worker's, measured in the same run against the same persisted R2 bucket.
 *
 * PUT exists so upload throughput and workerd memory can be attributed: if the gateway's peak
 * memory grows with object size and this Worker's does not, the growth is in the gateway.
 */
interface BaselineEnv {
  STORAGE: R2Bucket;
}

function r2KeyOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

function objectHeaders(object: R2Object): Headers {
  return new Headers({ ETag: object.httpEtag, 'Content-Length': String(object.size) });
}

export default {
  async fetch(request, env): Promise<Response> {
    const key = r2KeyOf(request.url);
    if (key === '') return new Response('baseline worker: the path is the R2 key\n', { status: 400 });
    switch (request.method) {
      case 'GET': {
        const object = await env.STORAGE.get(key);
        if (object === null) return new Response(null, { status: 404 });
        return new Response(object.body, { headers: objectHeaders(object) });
      }
      case 'HEAD': {
        const object = await env.STORAGE.head(key);
        if (object === null) return new Response(null, { status: 404 });
        return new Response(null, { headers: objectHeaders(object) });
      }
      case 'PUT': {
        // R2 needs a known length; a request with Content-Length gives its body one.
        if (request.body === null) return new Response('PUT needs a body\n', { status: 411 });
        const object = await env.STORAGE.put(key, request.body);
        // put() answers null only when an onlyIf condition fails, and none is given here.
        if (object === null) return new Response(null, { status: 412 });
        return new Response(null, { headers: { ETag: object.httpEtag } });
      }
      case 'DELETE':
        await env.STORAGE.delete(key);
        return new Response(null, { status: 204 });
      default:
        return new Response(null, { status: 405, headers: { Allow: 'GET, HEAD, PUT, DELETE' } });
    }
  },
} satisfies ExportedHandler<BaselineEnv>;
