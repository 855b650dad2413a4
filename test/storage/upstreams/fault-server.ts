import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * An upstream that misbehaves on purpose, chosen by the bucket name's first word:
 * `stall-*` never answers, `fail500-*` answers 500 with an error body full of things that must not
 * leak, `slowdown-*` 503 SlowDown, `serverbusy-*` Azure's 503 ServerBusy, `unavailable-*` a bare 503 page, `redirect-*` 307 to the metadata
 * address, `dropmid-*` reads part of a body then drops the connection, `echo-*` answers 200 and
 * records the request, `mkcol403-*` answers MKCOL 403 and everything else 404 (a WebDAV server refusing a
 * collection). `GET /__hits/<bucket>` answers how many requests that bucket got,
 * `GET /__last/<bucket>` the last one (method, url, headers, body length) as JSON.
 */
export interface FaultServer {
  url: string;
  close(): Promise<void>;
}

/** Strings a leaking gateway would pass on from the upstream's error body. */
export const LEAK_MARKERS = ['secret-upstream.example', 'REQID-LEAK-7Q', 'HOSTID-LEAK-9Z', 'internal-bucket-name'];

const leakyError = (code: string, resource: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>failure at secret-upstream.example in internal-bucket-name for ${resource}</Message>` +
  `<Resource>${resource}</Resource><RequestId>REQID-LEAK-7Q</RequestId><HostId>HOSTID-LEAK-9Z</HostId><Endpoint>secret-upstream.example</Endpoint></Error>`;

export async function startFaultServer(): Promise<FaultServer> {
  const hits = new Map<string, number>();
  const last = new Map<string, { method: string; url: string; headers: Record<string, unknown>; bodyLength: number }>();
  const held = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const [, bucket = '', ...rest] = path.split('/');
    if (bucket === '__hits') {
      res.end(String(hits.get(rest[0] ?? '') ?? 0));
      return;
    }
    if (bucket === '__last') {
      res.end(JSON.stringify(last.get(rest[0] ?? '') ?? null));
      return;
    }
    hits.set(bucket, (hits.get(bucket) ?? 0) + 1);
    const mode = bucket.split('-')[0];
    switch (mode) {
      case 'stall':
        held.add(res);
        req.resume();
        return;
      case 'fail500':
        req.resume();
        res.writeHead(500, { 'content-type': 'application/xml', 'x-amz-request-id': 'REQID-LEAK-7Q', 'x-amz-id-2': 'HOSTID-LEAK-9Z' });
        res.end(req.method === 'HEAD' ? undefined : leakyError('InternalError', path));
        return;
      case 'slowdown':
        req.resume();
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end(req.method === 'HEAD' ? undefined : leakyError('SlowDown', path));
        return;
      case 'serverbusy':
        req.resume();
        res.writeHead(503, { 'content-type': 'application/xml', 'x-ms-error-code': 'ServerBusy', 'x-ms-request-id': 'REQID-LEAK-7Q' });
        res.end(req.method === 'HEAD' ? undefined : leakyError('ServerBusy', path));
        return;
      case 'unavailable':
        req.resume();
        res.writeHead(503, { 'content-type': 'text/html' });
        res.end('<html><body>upstream secret-upstream.example is down</body></html>');
        return;
      case 'redirect':
        req.resume();
        res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' });
        res.end();
        return;
      case 'dropmid': {
        let seen = 0;
        req.on('data', (chunk: Buffer) => {
          seen += chunk.length;
          if (seen > 64 * 1024) req.socket.destroy();
        });
        req.on('end', () => req.socket.destroy());
        return;
      }
      case 'mkcol403':
        req.resume();
        res.writeHead(req.method === 'MKCOL' ? 403 : 404);
        res.end();
        return;
      case 'echo': {
        let bodyLength = 0;
        // The body's MD5 as Content-MD5, as Azure answers a Put Blob (the azure driver's ETag).
        const md5 = createHash('md5');
        req.on('data', (chunk: Buffer) => {
          bodyLength += chunk.length;
          md5.update(chunk);
        });
        req.on('end', () => {
          last.set(bucket, { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyLength });
          res.writeHead(200, { etag: '"0123456789abcdef0123456789abcdef"', 'content-md5': md5.digest('base64'), 'content-length': '0' });
          res.end();
        });
        return;
      }
      default:
        res.writeHead(404);
        res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('fault server has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
