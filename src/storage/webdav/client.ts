import { readBoundedBytes } from '../../core/bounded-body';
import { type AllowList, checkEndpoint } from '../endpoint-guard';
import { StorageError } from '../errors';
import { exchange, withRetries } from '../upstream-http';
import { DEFAULT_RETRIES, DEFAULT_RETRY_BASE_MS, DEFAULT_TIMEOUT_MS, type WebDavAuth } from './config';
import { translateWebDavFailure, type WebDavContext, type WebDavFailure } from './errors';

export type WebDavMethod = 'GET' | 'HEAD' | 'PUT' | 'DELETE' | 'PROPFIND' | 'PROPPATCH' | 'MKCOL' | 'MOVE';

export interface WebDavCall {
  method: WebDavMethod;
  /** Absolute URL (already built by `urlFor`/`collectionUrl`). */
  url: string;
  headers?: Record<string, string>;
  /** A client's body of known length: streamed once, so never retried. */
  stream?: { body: ReadableStream<Uint8Array>; length: number };
  /** A small body the driver built (XML). */
  text?: string;
  /** Safe to send again after a 5xx or a connection failure. */
  idempotent: boolean;
  context: WebDavContext;
  /** Statuses besides 2xx the caller handles itself (e.g. 404 on HEAD, 405 on MKCOL). */
  accept?: readonly number[];
}

/** Result documents (PROPFIND pages) are bounded: a collection of 100k members is ~30 MiB of XML. */
const MAX_RESULT_BODY = 64 * 1024 * 1024;

/** RFC 3986 encoding of one path segment. */
export function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Talks to one WebDAV server: SSRF guard before every request, auth header, no redirects (a 3xx is
 * a failure), a timeout per call, retries with jittered backoff for idempotent calls (the shared
 * transport, src/storage/upstream-http.ts), and every failure translated in one place (errors.ts).
 */
export class WebDavClient {
  private readonly authorization: string | undefined;

  constructor(
    private readonly options: { auth: WebDavAuth; timeoutMs?: number; retries?: number; retryBaseMs?: number },
    private readonly allowList: AllowList,
  ) {
    const { auth } = options;
    this.authorization =
      auth.kind === 'basic' ? `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${auth.username}:${auth.password}`)))}` : auth.kind === 'bearer' ? `Bearer ${auth.token}` : undefined;
  }

  /**
   * `base` + the key's path, each segment encoded. Keys whose segments are empty, "." or ".."
   * cannot be addressed on a path-based store without meaning another resource: refused.
   */
  urlFor(base: string, path: string): string {
    const segments = path.split('/');
    const last = segments.length - 1;
    segments.forEach((segment, i) => {
      if (segment === '.' || segment === '..' || (segment === '' && i !== last)) {
        throw new StorageError('invalid-key', 'Object keys with empty, "." or ".." path segments are not supported by this storage.');
      }
    });
    return base + segments.map(encodeSegment).join('/');
  }

  /** Sends a call; resolves with a 2xx (or an accepted) response, or throws a StorageError. */
  async send(call: WebDavCall): Promise<Response> {
    const retries = call.idempotent && !call.stream ? (this.options.retries ?? DEFAULT_RETRIES) : 0;
    // 507 Insufficient Storage is the server's answer about space, not a passing fault.
    const retryable = (o: Response | WebDavFailure) => !(o instanceof Response) && (o.kind === 'unreachable' || (o.kind === 'response' && o.status >= 500 && o.status !== 507));
    const outcome = await withRetries(() => this.attempt(call), retryable, retries, this.options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS);
    if (outcome instanceof Response) return outcome;
    throw translateWebDavFailure(outcome, call.context);
  }

  /** One attempt, the failure returned as facts (for the validation probe, adrs/0019). */
  async attempt(call: WebDavCall): Promise<Response | WebDavFailure> {
    const checked = checkEndpoint(call.url, this.allowList);
    if (!checked.ok) return { kind: 'endpoint-refused', reason: checked.reason };
    const headers = new Headers(call.headers);
    if (this.authorization) headers.set('authorization', this.authorization);
    if (call.text !== undefined) headers.set('content-type', 'application/xml; charset=utf-8');
    const response = await exchange({
      url: checked.url,
      method: call.method,
      headers,
      ...(call.stream ? { stream: call.stream } : {}),
      ...(call.text !== undefined ? { text: call.text } : {}),
      timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    if (!(response instanceof Response)) return response;
    if ((response.status >= 200 && response.status < 300) || call.accept?.includes(response.status)) return response;
    // The body of a failure is never read into an answer; drain it so the connection can be reused.
    await response.body?.cancel().catch(() => {});
    if (response.status >= 300 && response.status < 400) return { kind: 'redirect', status: response.status };
    const contentRange = response.headers.get('content-range');
    return { kind: 'response', status: response.status, ...(contentRange ? { contentRange } : {}) };
  }

  /** Reads a success body (PROPFIND's multistatus) as text, bounded. */
  async readText(response: Response, context: WebDavContext): Promise<string> {
    const bytes = await readBoundedBytes(response.body, MAX_RESULT_BODY);
    if (!bytes) throw translateWebDavFailure({ kind: 'malformed-response' }, context);
    return new TextDecoder().decode(bytes);
  }
}
