import { readBoundedBytes } from '../../core/bounded-body';
import { parseXml } from '../../s3/request-xml';
import { type AllowList, checkEndpoint } from '../endpoint-guard';
import { StorageError } from '../errors';
import { exchange, withRetries } from '../upstream-http';
import { AZURE_API_VERSION, type AzureDriverConfig, DEFAULT_RETRIES, DEFAULT_RETRY_BASE_MS, DEFAULT_TIMEOUT_MS } from './config';
import { type AzureCallContext, type AzureFailure, translateAzureFailure } from './errors';
import { signSharedKey } from './shared-key';

/** One request to the Blob service, in the driver's terms. */
export interface AzureCall {
  method: 'GET' | 'HEAD' | 'PUT' | 'DELETE';
  /** Blob name (prefix applied); absent for the container itself. */
  blob?: string;
  query?: ReadonlyArray<[string, string]>;
  headers?: Record<string, string>;
  /** A client's body of known length (Put Blob, Put Block): streamed once, so never retried. */
  stream?: { body: ReadableStream<Uint8Array>; length: number };
  /** A small body the driver built (a block list). */
  text?: string;
  /** Safe to send again after a 5xx or a connection failure. */
  idempotent: boolean;
  context: AzureCallContext;
}

const MAX_ERROR_BODY = 64 * 1024;
const MAX_RESULT_BODY = 16 * 1024 * 1024;

/**
 * Percent-encodes each path segment of a blob name (RFC 3986 unreserved kept, everything else
 * escaped), so spaces, `+`, `%`, `?`, `#` and non-ASCII reach Azure as the name's own characters.
 */
export function encodeBlobPath(name: string): string {
  return name
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/**
 * Talks to one container: addressing, the SSRF guard before every request, authorization (Shared
 * Key, SAS, Bearer or none), x-ms-version, no redirects, a timeout, retries with backoff for
 * idempotent calls, and every failure turned into a StorageError in one place (errors.ts).
 */
export class AzureClient {
  constructor(
    readonly config: AzureDriverConfig,
    private readonly allowList: AllowList,
  ) {}

  /** The URL of a call (SAS token appended), or the StorageError to answer instead. */
  url(call: Pick<AzureCall, 'blob' | 'query' | 'context'>): URL {
    const checked = checkEndpoint(this.config.accountUrl, this.allowList);
    if (!checked.ok) throw translateAzureFailure({ kind: 'endpoint-refused', reason: checked.reason }, call.context);
    const url = new URL(checked.url.href);
    const base = `${url.pathname.replace(/\/+$/, '')}/${encodeBlobPath(this.config.container)}`;
    const path = call.blob === undefined ? base : `${base}/${encodeBlobPath(call.blob)}`;
    url.pathname = path;
    // The URL parser resolves "." and ".." segments (even as %2E): such a key would address
    // another blob, possibly outside this bucket's prefix. Refuse rather than let it move.
    if (url.pathname !== path) {
      throw new StorageError('invalid-key', 'Object keys with "." or ".." path segments are not supported by this storage.');
    }
    for (const [name, value] of call.query ?? []) url.searchParams.append(name, value);
    if (this.config.auth.kind === 'sas') {
      for (const [name, value] of new URLSearchParams(this.config.auth.token)) url.searchParams.append(name, value);
    }
    return url;
  }

  /** A success answer the driver cannot use. */
  malformed(context: AzureCallContext): never {
    throw translateAzureFailure({ kind: 'malformed-response' }, context);
  }

  /** Sends a call; resolves with a 2xx response, or throws the StorageError. */
  async send(call: AzureCall): Promise<Response> {
    const url = this.url(call);
    const retries = call.idempotent && !call.stream ? (this.config.retries ?? DEFAULT_RETRIES) : 0;
    const retryable = (outcome: Response | AzureFailure) =>
      !(outcome instanceof Response) && (outcome.kind === 'unreachable' || (outcome.kind === 'response' && outcome.status >= 500));
    const outcome = await withRetries(() => this.attempt(url, call), retryable, retries, this.config.retryBaseMs ?? DEFAULT_RETRY_BASE_MS);
    if (outcome instanceof Response) return outcome;
    throw translateAzureFailure(outcome, call.context);
  }

  /** One attempt, no retry, the failure returned as facts (for the probe, adrs/0019). */
  async probe(call: AzureCall): Promise<Response | AzureFailure> {
    return this.attempt(this.url(call), call);
  }

  /** Reads a success body as XML (list results, block lists). */
  async readXml(response: Response, context: AzureCallContext, arrayPaths: readonly string[] = []): Promise<Record<string, unknown>> {
    const bytes = await readBoundedBytes(response.body, MAX_RESULT_BODY);
    try {
      if (!bytes) throw new Error('result too large');
      // Azure prefixes its XML with a byte-order mark.
      return parseXml(new TextDecoder().decode(bytes).replace(/^\uFEFF/, ''), arrayPaths, { trimValues: false });
    } catch {
      return this.malformed(context);
    }
  }

  private async attempt(url: URL, call: AzureCall): Promise<Response | AzureFailure> {
    const headers = new Headers(call.headers);
    headers.set('x-ms-version', AZURE_API_VERSION);
    headers.set('x-ms-date', new Date().toUTCString());
    // The runtime labels a string body text/plain unless told otherwise, after signing: say it first.
    if (call.text !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/octet-stream');
    const length = call.stream?.length ?? (call.text !== undefined ? new TextEncoder().encode(call.text).byteLength : 0);
    const outcome = await exchange({
      method: call.method,
      url,
      headers,
      ...(call.stream ? { stream: call.stream } : {}),
      ...(call.text !== undefined ? { text: call.text } : {}),
      timeoutMs: this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      sign: (u, method, h) => this.authorize(u, method, h, call.method === 'PUT' || call.stream || call.text !== undefined ? length : undefined),
    });
    if (!(outcome instanceof Response)) return outcome;
    return outcome.status >= 200 && outcome.status < 300 ? outcome : this.failure(outcome);
  }

  /** Adds the configured authorization. Content-Length is signed as it will be sent, but set by the runtime. */
  private async authorize(url: URL, method: string, headers: Headers, length: number | undefined): Promise<{ url: string; headers: Headers }> {
    const auth = this.config.auth;
    if (auth.kind === 'bearer') headers.set('authorization', `Bearer ${auth.token}`);
    if (auth.kind === 'shared-key') {
      const signing = new Headers(headers);
      if (length !== undefined) signing.set('content-length', String(length));
      await signSharedKey(method, url, signing, auth.accountName, auth.accountKey);
      headers.set('authorization', signing.get('authorization')!);
    }
    return { url: url.href, headers };
  }

  private async failure(response: Response): Promise<AzureFailure> {
    const { status } = response;
    if (status >= 300 && status < 400) {
      await response.body?.cancel();
      return { kind: 'redirect', status };
    }
    // HEAD answers carry no body: Azure names the error in x-ms-error-code as well.
    let code = response.headers.get('x-ms-error-code') ?? undefined;
    const bytes = await readBoundedBytes(response.body, MAX_ERROR_BODY).catch(() => null);
    if (code === undefined && bytes && bytes.byteLength > 0) {
      try {
        const error = parseXml(new TextDecoder().decode(bytes).replace(/^\uFEFF/, '')).Error as { Code?: unknown } | undefined;
        if (typeof error?.Code === 'string') code = error.Code;
      } catch {
        // Not Azure XML (a proxy's HTML page): the status alone decides.
      }
    }
    return { kind: 'response', status, ...(code ? { code } : {}) };
  }
}

/** What every operation module needs: the client and the key prefix this virtual bucket lives under. */
export interface AzureUpstream {
  client: AzureClient;
  prefix: string;
}
