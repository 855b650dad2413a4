import { createServer, request, type Server } from 'node:http';

/**
 * A transparent HTTP proxy in front of one upstream (s3rver) that counts the body bytes passing
 * through it in each direction: what a test needs to prove that a copy ran inside the upstream
 * (a few hundred bytes of headers and XML) rather than through the gateway (the object twice).
 * Requests keep their Host header, so SigV4 signatures made for the proxy's address still verify.
 * `GET /__bytes` answers `{"sent":N,"received":M}` (to and from the upstream) and resets them.
 * `GET /__requests?under=<path>` answers the requests forwarded for paths under `<path>`, counted by
 * method (`{"PROPFIND":N,…}`), and forgets them: a test working under its own path counts only its own.
 */
export interface CountingProxy {
  url: string;
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  let sent = 0;
  let received = 0;
  const forwarded: { method: string; path: string }[] = [];
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/__requests?')) {
      const under = new URL(req.url, 'http://x').searchParams.get('under') ?? '/';
      const counts: Record<string, number> = {};
      for (let i = forwarded.length - 1; i >= 0; i--) {
        const { method, path } = forwarded[i]!;
        if (!path.startsWith(under)) continue;
        counts[method] = (counts[method] ?? 0) + 1;
        forwarded.splice(i, 1);
      }
      res.end(JSON.stringify(counts));
      return;
    }
    forwarded.push({ method: req.method ?? '', path: decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname) });
    if (req.url === '/__bytes') {
      res.end(JSON.stringify({ sent, received }));
      sent = 0;
      received = 0;
      return;
    }
    const forward = request(
      // A fresh connection per request: a pooled one s3rver is closing (its 5 s keep-alive) would
      // reset mid-request and read as the gateway's failure.
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.on('data', (chunk: Buffer) => {
          received += chunk.byteLength;
        });
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.on('data', (chunk: Buffer) => {
      sent += chunk.byteLength;
    });
    req.pipe(forward);
  });
  // workerd keeps connections to the proxy pooled across tests; outlive any pause between them, so
  // a request never lands on a connection this server is just closing.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('counting proxy has no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
