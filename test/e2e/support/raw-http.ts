import { AwsClient } from 'aws4fetch';
import { connect, type Socket } from 'node:net';
import { gateway } from './gateway';

/**
 * HTTP/1.1 over a bare socket (node:net): the framing a real client puts on the wire, which
 * fetch would normalise away — `Transfer-Encoding: chunked` without a length, a body sent after
 * the answer has arrived, `Expect: 100-continue` with the body held back until the server says so.
 */

export interface RawRequest {
  method: string;
  /** Path and query, e.g. `/demo/key?x=1`. */
  target: string;
  headers: Record<string, string>;
  /** Written after the head (or after `100 Continue` when `expectContinue`); `chunked` frames it as HTTP chunks. */
  body?: Buffer;
  chunked?: boolean;
  /** Sends `Expect: 100-continue` and holds the body until `100 Continue` arrives (never, if the final answer comes first). */
  expectContinue?: boolean;
  timeoutMs?: number;
}

export interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
  /** Milliseconds from the end of the head to the first status line (interim or final). */
  firstLineMs: number;
  /** Milliseconds from the end of the head to the complete final answer. */
  totalMs: number;
  /** Interim statuses seen before the final one (100 for `100 Continue`). */
  interim: number[];
}

/** One request on its own connection (`Connection: close`); rejects when no complete answer arrives in time. */
export function rawRequest(request: RawRequest): Promise<RawResponse> {
  const { endpoint } = gateway();
  const { hostname, port, host } = new URL(endpoint);
  const timeoutMs = request.timeoutMs ?? 10_000;
  const headers: Record<string, string> = { host, connection: 'close', ...request.headers };
  if (request.expectContinue) headers.expect = '100-continue';
  if (request.chunked) headers['transfer-encoding'] = 'chunked';
  const head = `${request.method} ${request.target} HTTP/1.1\r\n${Object.entries(headers).map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;

  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = Buffer.alloc(0);
    let sentAt = 0;
    let firstLineMs: number | undefined;
    const interim: number[] = [];
    let bodySent = false;
    const timer = setTimeout(() => finish(new Error(`no complete answer to ${request.method} ${request.target} within ${timeoutMs} ms (got ${JSON.stringify(received.toString('latin1').slice(0, 200))})`)), timeoutMs);

    let done = false;
    const finish = (outcome: Error | RawResponse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (outcome instanceof Error) {
        socket.destroy();
        reject(outcome);
        return;
      }
      // Like a real client, finish sending what was already written (the server may still be
      // receiving a body it refused), then close; never linger past the request's own deadline.
      socket.end();
      setTimeout(() => socket.destroy(), timeoutMs).unref();
      resolve(outcome);
    };
    const sendBody = () => {
      if (bodySent || !request.body) return;
      bodySent = true;
      // The server may answer and close before reading the body: a failed write is its business, not an error here.
      writeBody(socket, request.body, request.chunked ?? false);
    };

    socket.on('error', (error) => {
      // EPIPE/ECONNRESET while a body is still being written after the answer is complete are expected.
      const parsed = parseResponse(received);
      if (parsed) finish({ ...parsed, firstLineMs: firstLineMs ?? 0, totalMs: Date.now() - sentAt, interim });
      else finish(new Error(`${request.method} ${request.target}: ${error.message} before a complete answer`));
    });
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      firstLineMs ??= Date.now() - sentAt;
      // Interim answers (100 Continue) come first, each a bare status line and headers.
      for (let status = interimStatus(received); status !== undefined; status = interimStatus(received)) {
        interim.push(status);
        received = received.subarray(received.indexOf('\r\n\r\n') + 4);
        if (status === 100) sendBody();
      }
      const parsed = parseResponse(received);
      if (parsed) finish({ ...parsed, firstLineMs, totalMs: Date.now() - sentAt, interim });
    });
    socket.on('end', () => {
      const parsed = parseResponse(received, true);
      if (parsed) finish({ ...parsed, firstLineMs: firstLineMs ?? 0, totalMs: Date.now() - sentAt, interim });
      else finish(new Error(`${request.method} ${request.target}: connection closed before a complete answer (got ${JSON.stringify(received.toString('latin1').slice(0, 200))})`));
    });
    socket.once('connect', () => {
      sentAt = Date.now();
      socket.write(head);
      if (!request.expectContinue) sendBody();
    });
  });
}

function writeBody(socket: Socket, body: Buffer, chunked: boolean): void {
  const piece = 64 * 1024;
  for (let offset = 0; offset < body.length; offset += piece) {
    const part = body.subarray(offset, offset + piece);
    if (socket.destroyed) return;
    socket.write(chunked ? Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]) : part);
  }
  if (chunked && !socket.destroyed) socket.write('0\r\n\r\n');
}

/** The status of a complete interim (1xx) head at the start of `data`, if there is one. */
function interimStatus(data: Buffer): number | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(data.subarray(0, end).toString('latin1'))?.[1]);
  return status >= 100 && status < 200 ? status : undefined;
}

/** The final answer once complete (Content-Length, chunked, or — when `closed` — up to the end of the connection). */
function parseResponse(data: Buffer, closed = false): Omit<RawResponse, 'firstLineMs' | 'totalMs' | 'interim'> | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1]);
  const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  const rest = data.subarray(end + 4);
  const length = headers.get('content-length');
  if (length !== undefined) return rest.length >= Number(length) ? { status, headers, body: rest.subarray(0, Number(length)).toString('utf8') } : undefined;
  if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) {
    const body = dechunk(rest);
    return body === undefined ? undefined : { status, headers, body: body.toString('utf8') };
  }
  return closed || status === 204 || status === 304 ? { status, headers, body: rest.toString('utf8') } : undefined;
}

function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd === -1) return undefined;
    const size = parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts);
    if (data.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}

/**
 * SigV4 headers (demo key, `UNSIGNED-PAYLOAD` unless `x-amz-content-sha256` is given) for a
 * request sent with rawRequest; the body's framing headers are not signed, as clients do.
 */
export async function signedHeaders(method: string, target: string, headers: Record<string, string> = {}): Promise<Record<string, string>> {
  const { endpoint, region, accessKeyId, secretAccessKey } = gateway();
  const aws = new AwsClient({ accessKeyId, secretAccessKey, region, service: 's3' });
  const signed = await aws.sign(`${endpoint}${target}`, {
    method,
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...headers },
  });
  const out: Record<string, string> = {};
  signed.headers.forEach((value, name) => {
    if (name !== 'host') out[name] = value;
  });
  return out;
}

/** `S3 <Code>` from an error document, or undefined. */
export function s3ErrorCode(body: string): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
}
