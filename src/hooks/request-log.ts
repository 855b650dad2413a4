import type { Env } from '../env';
import { formatLine, log } from '../core/log';
import { EDGE_CACHE_HEADER } from '../s3/edge-cache';
import { hashClientIp } from '../sts/audit';
import type { RequestHooks, RequestInfo } from './request-hooks';

/** One structured line per request, as written to the Worker's logs (`msg: "request"`). */
export interface RequestLogLine {
  requestId: string;
  frontDoor: string;
  method: string;
  /** The S3 operation (src/s3/operations.ts), `sts.<Action>`, `admin` or `well-known`; absent when the request never parsed. */
  operation?: string;
  bucket?: string;
  /** An access key id, `<role>/<session>`, `admin` or `anonymous`: never a secret or token. */
  principal?: string;
  status: number;
  /** The S3 or STS error code of a failed request. */
  errorCode?: string;
  bytesIn: number;
  bytesOut: number;
  /** From arrival to the end of the response body. */
  durationMs: number;
  /** From arrival to the response's headers (Server-Timing `total`). */
  headersMs: number;
  authMs?: number;
  upstreamMs?: number;
  /** `hit` or `miss` when the edge cache (src/s3/edge-cache.ts) was consulted. */
  cache?: string;
  /** Salted, monthly-keyed hash of the client address (src/sts/audit.ts); never the address. */
  client?: string;
}

export function requestLogLine(request: Request, response: Response, info: RequestInfo, client: string | null): RequestLogLine {
  const line: RequestLogLine = {
    requestId: info.requestId,
    frontDoor: info.frontDoor,
    method: request.method,
    status: response.status,
    bytesIn: info.bytesIn ?? 0,
    bytesOut: info.bytesOut ?? 0,
    durationMs: info.durationMs ?? 0,
    headersMs: info.headersMs ?? 0,
  };
  if (info.operation !== undefined) line.operation = info.operation;
  if (info.bucket !== undefined) line.bucket = info.bucket;
  if (info.principal !== undefined) line.principal = info.principal;
  if (info.errorCode !== undefined) line.errorCode = info.errorCode;
  if (info.authMs !== undefined) line.authMs = info.authMs;
  if (info.upstreamMs !== undefined) line.upstreamMs = info.upstreamMs;
  const cache = response.headers.get(EDGE_CACHE_HEADER);
  if (cache !== null) line.cache = cache;
  if (client !== null) line.client = client;
  return line;
}

/**
 * The per-request log line, written once the response body has ended (so the bytes are what
 * streamed). It names only what the gateway decided and counted: never a header, query string,
 * path, key, token, signature or client address, so it cannot carry a secret or personal data.
 * The client hash is computed here, after the answer, so it costs the request nothing.
 */
export function requestLog(sink?: (line: string) => void): RequestHooks {
  return {
    async after(request, response, { env, info }) {
      const fields = { ...requestLogLine(request, response, info, await clientHash(env, request)) };
      if (sink) sink(formatLine('info', 'request', fields));
      else log.info('request', fields);
    },
  };
}

async function clientHash(env: Env, request: Request): Promise<string | null> {
  return hashClientIp(env, request.headers.get('cf-connecting-ip'), new Date());
}
