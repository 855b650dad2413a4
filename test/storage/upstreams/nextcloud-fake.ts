import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * A local stand-in for Nextcloud's WebDAV endpoint, written from Nextcloud's developer manual
 * ("WebDAV" basics, and "Chunked file upload", v2) and Sabre/DAV's error format — NOT Nextcloud code.
 * What it does, as documented:
 *  - files under /remote.php/dav/files/<user>/: PROPFIND (Depth 0/1, 207 multistatus; 403 for
 *    Depth: infinity as Nextcloud does), GET (Range), HEAD, PUT (201 new / 204 replaced; 409 when the
 *    parent collection is missing), DELETE (204/404), MKCOL (201; 405 when it exists; 409 without
 *    parent), MOVE (201/204), PROPPATCH of dead properties (207), getetag an opaque quoted id.
 *  - chunked upload v2 under /remote.php/dav/uploads/<user>/<id>: MKCOL with a `Destination` header
 *    (400 without), PUT chunks named 1..10000 (400 otherwise; 404 for an unknown upload), MOVE
 *    <id>/.file with the same Destination assembles the chunks in numeric order: every chunk but the
 *    last must be ≥ 5 MiB and ≤ 5 GiB (400), the sizes must sum to OC-Total-Length when sent (400:
 *    so a missing chunk fails the MOVE); DELETE <id> aborts. A file the MOVE would replace while a
 *    `lock-<name>` marker exists answers 423 Locked (tests create one to exercise it).
 *  - errors: the status code with a Sabre body
 *    `<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns"><s:exception>…</s:exception><s:message>…</s:message></d:error>`;
 *    401 without valid basic auth; 507 Insufficient Storage when a write would exceed the quota.
 * Its data layer is a temp dir; dead properties live in memory.
 */
export interface NextcloudFake {
  url: string;
  uploadsUrl: string;
  username: string;
  password: string;
  stop(): Promise<void>;
}

const MIN_CHUNK = 5 * 1024 * 1024;
const MAX_CHUNK = 5 * 1024 ** 3;

function sabreError(res: ServerResponse, status: number, exception: string, message: string): void {
  const body = `<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns"><s:exception>Sabre\\DAV\\Exception\\${exception}</s:exception><s:message>${message}</s:message></d:error>`;
  res.writeHead(status, { 'content-type': 'application/xml; charset=utf-8' });
  res.end(body);
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function startNextcloudFake(options: { quotaBytes?: number } = {}): Promise<NextcloudFake> {
  const dir = await mkdtemp(join(tmpdir(), 'bucketgate-nextcloud-'));
  const files = join(dir, 'files');
  const uploads = join(dir, 'uploads');
  await mkdir(files);
  await mkdir(uploads);
  const username = 'gateway';
  const password = randomBytes(12).toString('hex');
  const etags = new Map<string, string>();
  const deadProps = new Map<string, string>();
  const destinations = new Map<string, string>();
  const quota = options.quotaBytes ?? Number.MAX_SAFE_INTEGER;
  let used = 0;
  const filesPrefix = `/remote.php/dav/files/${username}`;
  const uploadsPrefix = `/remote.php/dav/uploads/${username}`;
  const newEtag = (path: string) => {
    const tag = `"${randomBytes(8).toString('hex')}"`;
    etags.set(path, tag);
    return tag;
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        req.resume();
        return sabreError(res, 401, 'NotAuthenticated', 'No public access to this resource., Username or password was incorrect');
      }
      const rawPath = new URL(req.url ?? '/', 'http://x').pathname;
      const path = decodeURIComponent(rawPath);
      if (path.startsWith(`${uploadsPrefix}/`)) return await uploadsRequest(req, res, path.slice(uploadsPrefix.length + 1));
      if (path === filesPrefix || path.startsWith(`${filesPrefix}/`)) return await filesRequest(req, res, path.slice(filesPrefix.length).replace(/^\//, ''));
      req.resume();
      sabreError(res, 404, 'NotFound', 'File not found');
    } catch (error) {
      if (!res.headersSent) sabreError(res, 500, 'ServiceUnavailable', 'Internal error');
      else res.destroy(error as Error);
    }
  });

  async function info(path: string) {
    return stat(path).catch(() => null);
  }

  async function receive(req: IncomingMessage, target: string): Promise<number> {
    const temp = `${target}.part-${randomBytes(4).toString('hex')}`;
    try {
      await pipeline(req, createWriteStream(temp));
      const size = (await stat(temp)).size;
      await rename(temp, target);
      return size;
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
  }

  async function propEntry(href: string, full: string, rel: string): Promise<string> {
    const s = await stat(full);
    const props = s.isDirectory()
      ? `<d:resourcetype><d:collection/></d:resourcetype><d:getlastmodified>${s.mtime.toUTCString()}</d:getlastmodified><d:getetag>${etags.get(rel) ?? newEtag(rel)}</d:getetag>`
      : `<d:resourcetype/><d:getcontentlength>${s.size}</d:getcontentlength><d:getlastmodified>${s.mtime.toUTCString()}</d:getlastmodified><d:getetag>${etags.get(rel) ?? newEtag(rel)}</d:getetag><d:getcontenttype>application/octet-stream</d:getcontenttype>`;
    const dead = [...deadProps.entries()].filter(([k]) => k.startsWith(`${rel}\n`)).map(([, v]) => v).join('');
    return `<d:response><d:href>${escape(href)}</d:href><d:propstat><d:prop>${props}${dead}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
  }

  const hrefOf = (rel: string, isDir: boolean) => `${filesPrefix}/${rel.split('/').filter(Boolean).map(encodeURIComponent).join('/')}${isDir && rel ? '/' : ''}`;

  async function filesRequest(req: IncomingMessage, res: ServerResponse, rel: string) {
    const clean = rel.replace(/\/$/, '');
    const full = join(files, clean);
    const s = await info(full);
    switch (req.method) {
      case 'PROPFIND': {
        req.resume();
        const depth = req.headers.depth ?? 'infinity';
        if (depth === 'infinity') return sabreError(res, 403, 'Forbidden', 'Depth: infinity is not allowed');
        if (!s) return sabreError(res, 404, 'NotFound', 'File not found');
        const parts = [await propEntry(hrefOf(clean, s.isDirectory()), full, clean)];
        if (depth === '1' && s.isDirectory()) {
          for (const name of await readdir(full)) {
            const child = clean ? `${clean}/${name}` : name;
            parts.push(await propEntry(hrefOf(child, (await stat(join(full, name))).isDirectory()), join(full, name), child));
          }
        }
        res.writeHead(207, { 'content-type': 'application/xml; charset=utf-8' });
        return res.end(`<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:oc="http://owncloud.org/ns">${parts.join('')}</d:multistatus>`);
      }
      case 'GET':
      case 'HEAD': {
        req.resume();
        if (!s || s.isDirectory()) return sabreError(res, 404, 'NotFound', 'File not found');
        const headers: Record<string, string> = { etag: etags.get(clean) ?? newEtag(clean), 'last-modified': s.mtime.toUTCString(), 'accept-ranges': 'bytes' };
        const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
        let [start, end] = [0, s.size - 1];
        if (range) {
          if (range[1] === '') [start, end] = [Math.max(s.size - Number(range[2]), 0), s.size - 1];
          else [start, end] = [Number(range[1]), range[2] === '' ? s.size - 1 : Math.min(Number(range[2]), s.size - 1)];
          if (start >= s.size) {
            res.writeHead(416, { 'content-range': `bytes */${s.size}` });
            return res.end();
          }
          res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${s.size}`, 'content-length': String(end - start + 1) });
        } else {
          res.writeHead(200, { ...headers, 'content-length': String(s.size) });
        }
        if (req.method === 'HEAD' || s.size === 0) return res.end();
        return pipeline(createReadStream(full, { start, end }), res).catch(() => {});
      }
      case 'PUT': {
        if (s?.isDirectory()) return req.resume(), sabreError(res, 409, 'Conflict', 'A directory exists here');
        if (!(await info(dirname(full)))?.isDirectory()) return req.resume(), sabreError(res, 409, 'Conflict', 'Files can only be created as children of collections');
        if (req.headers['if-none-match'] === '*' && s) return req.resume(), sabreError(res, 412, 'PreconditionFailed', 'An If-None-Match header was specified, but the ETag matched');
        const length = Number(req.headers['content-length'] ?? 0);
        if (used + length > quota) return req.resume(), sabreError(res, 507, 'InsufficientStorage', 'Insufficient space');
        used += await receive(req, full);
        res.writeHead(s ? 204 : 201, { etag: newEtag(clean), 'oc-etag': etags.get(clean)! });
        return res.end();
      }
      case 'MKCOL': {
        req.resume();
        if (s) return sabreError(res, 405, 'MethodNotAllowed', 'The resource you tried to create already exists');
        if (!(await info(dirname(full)))?.isDirectory()) return sabreError(res, 409, 'Conflict', 'Parent node does not exist');
        await mkdir(full);
        res.writeHead(201);
        return res.end();
      }
      case 'DELETE': {
        req.resume();
        if (!s) return sabreError(res, 404, 'NotFound', 'File not found');
        await rm(full, { recursive: true, force: true });
        for (const k of [...deadProps.keys()]) if (k.startsWith(`${clean}\n`) || k.startsWith(`${clean}/`)) deadProps.delete(k);
        res.writeHead(204);
        return res.end();
      }
      case 'MOVE': {
        req.resume();
        if (!s) return sabreError(res, 404, 'NotFound', 'File not found');
        const target = decodeURIComponent(new URL(String(req.headers.destination ?? ''), 'http://x').pathname).slice(filesPrefix.length + 1);
        const existed = await info(join(files, target));
        await rename(full, join(files, target));
        etags.set(target, etags.get(clean) ?? newEtag(target));
        res.writeHead(existed ? 204 : 201);
        return res.end();
      }
      case 'PROPPATCH': {
        let xml = '';
        for await (const chunk of req) xml += chunk;
        if (!s) return sabreError(res, 404, 'NotFound', 'File not found');
        const ifTag = /\["?(W\/)?("[^"\]]*")"?\]/.exec(String(req.headers.if ?? ''));
        if (req.headers.if && ifTag && ifTag[2] !== etags.get(clean)) return sabreError(res, 412, 'PreconditionFailed', 'An If-Match header was specified and the resource did not match');
        // Every non-DAV: element in the update is a dead property to set (the fake handles <d:set> only).
        for (const m of xml.matchAll(/<(?!d:)(\w+):([\w-]+)[^>]*>([\s\S]*?)<\/\1:\2>/g)) {
          const ns = /xmlns:(\w+)="([^"]*)"/g;
          const namespaces = Object.fromEntries([...xml.matchAll(ns)].map((n) => [n[1], n[2]]));
          deadProps.set(`${clean}\n${namespaces[m[1]!]}:${m[2]}`, `<x:${m[2]} xmlns:x="${namespaces[m[1]!]}">${m[3]}</x:${m[2]}>`);
        }
        res.writeHead(207, { 'content-type': 'application/xml; charset=utf-8' });
        return res.end(`<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response><d:href>${escape(hrefOf(clean, false))}</d:href><d:propstat><d:prop/><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>`);
      }
      default:
        req.resume();
        return sabreError(res, 501, 'NotImplemented', 'Method not implemented');
    }
  }

  async function uploadsRequest(req: IncomingMessage, res: ServerResponse, rel: string) {
    const [id = '', chunk, ...rest] = rel.split('/').filter(Boolean);
    const uploadDir = join(uploads, id);
    const exists = (await info(uploadDir))?.isDirectory();
    if (rest.length > 0 || !/^[\w-]+$/.test(id)) return req.resume(), sabreError(res, 400, 'BadRequest', 'Invalid upload path');
    if (req.method === 'MKCOL' && chunk === undefined) {
      req.resume();
      if (exists) return sabreError(res, 405, 'MethodNotAllowed', 'The resource you tried to create already exists');
      if (!req.headers.destination) return sabreError(res, 400, 'BadRequest', 'The Destination header is required for chunked upload v2');
      await mkdir(uploadDir);
      destinations.set(id, String(req.headers.destination));
      res.writeHead(201);
      return res.end();
    }
    if (!exists) return req.resume(), sabreError(res, 404, 'NotFound', 'Upload not found');
    if (req.method === 'DELETE' && chunk === undefined) {
      req.resume();
      await rm(uploadDir, { recursive: true, force: true });
      destinations.delete(id);
      res.writeHead(204);
      return res.end();
    }
    if (req.method === 'PUT' && chunk !== undefined) {
      const n = Number(chunk);
      if (!/^\d+$/.test(chunk) || n < 1 || n > 10000) return req.resume(), sabreError(res, 400, 'BadRequest', 'Chunk name must be a number between 1 and 10000');
      if (req.headers.destination && req.headers.destination !== destinations.get(id)) return req.resume(), sabreError(res, 400, 'BadRequest', 'Destination does not match the upload');
      if (Number(req.headers['content-length'] ?? 0) > MAX_CHUNK) return req.resume(), sabreError(res, 400, 'BadRequest', 'Chunk too large');
      const existed = await info(join(uploadDir, String(n)));
      await receive(req, join(uploadDir, String(n)));
      res.writeHead(existed ? 204 : 201);
      return res.end();
    }
    if (req.method === 'DELETE' && chunk !== undefined) {
      req.resume();
      if (!(await info(join(uploadDir, chunk)))) return sabreError(res, 404, 'NotFound', 'Chunk not found');
      await unlink(join(uploadDir, chunk));
      res.writeHead(204);
      return res.end();
    }
    if (req.method === 'MOVE' && chunk === '.file') {
      req.resume();
      const destination = String(req.headers.destination ?? '');
      if (destination !== destinations.get(id)) return sabreError(res, 400, 'BadRequest', 'Destination does not match the upload');
      const names = (await readdir(uploadDir)).filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b));
      const sizes = await Promise.all(names.map(async (n) => (await stat(join(uploadDir, n))).size));
      if (sizes.slice(0, -1).some((size) => size < MIN_CHUNK)) return sabreError(res, 400, 'BadRequest', 'Chunks must be at least 5 MiB except the last');
      const total = sizes.reduce((a, b) => a + b, 0);
      const declared = req.headers['oc-total-length'];
      if (declared !== undefined && Number(declared) !== total) return sabreError(res, 400, 'BadRequest', `Chunks on server do not sum up to ${declared} but to ${total} bytes`);
      const target = decodeURIComponent(new URL(destination, 'http://x').pathname).slice(filesPrefix.length + 1);
      const full = join(files, target);
      if (await info(join(dirname(full), `lock-${target.split('/').pop()}`))) return sabreError(res, 423, 'Locked', 'File is locked');
      if (!(await info(dirname(full)))?.isDirectory()) return sabreError(res, 409, 'Conflict', 'Parent node does not exist');
      if (used + total > quota) return sabreError(res, 507, 'InsufficientStorage', 'Insufficient space');
      const existed = await info(full);
      const temp = `${full}.assembling-${randomBytes(4).toString('hex')}`;
      const out = createWriteStream(temp);
      for (const n of names) await pipeline(createReadStream(join(uploadDir, n)), out, { end: false });
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
      await rename(temp, full);
      used += total;
      await rm(uploadDir, { recursive: true, force: true });
      destinations.delete(id);
      const tag = newEtag(target);
      res.writeHead(existed ? 204 : 201, { etag: tag, 'oc-etag': tag });
      return res.end();
    }
    req.resume();
    return sabreError(res, 405, 'MethodNotAllowed', 'Method not allowed on the upload collection');
  }

  // Longer than any pause between a test's requests: workerd reuses pooled connections, and one the
  // server closes at that very moment fails a streamed PUT that cannot be sent again.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('nextcloud fake has no port');
  const origin = `http://127.0.0.1:${address.port}`;
  return {
    url: `${origin}${filesPrefix}/`,
    uploadsUrl: `${origin}${uploadsPrefix}/`,
    username,
    password,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => rm(dir, { recursive: true, force: true }).then(() => resolve()));
      }),
  };
}
