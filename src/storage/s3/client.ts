import { AwsClient } from 'aws4fetch';
import { readBoundedBytes } from '../../core/bounded-body';
import { StorageError } from '../errors';
import { parseXml } from '../../s3/request-xml';
import { type AllowList, checkEndpoint } from '../endpoint-guard';
import { DEFAULT_RETRIES, DEFAULT_RETRY_BASE_MS, DEFAULT_TIMEOUT_MS, type S3DriverConfig } from './config';
import { type FailureContext, translateUpstreamFailure, type UpstreamFailure } from './errors';
import { exchange, withRetries } from '../upstream-http';
import type { TrailingChecksum } from '../backend';
import { awsChunkedEncode, awsChunkedLength } from './aws-chunked-encode';

/** One request to the upstream, in the driver's terms. */
export interface UpstreamCall {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** Upstream object key (prefix applied); absent for the bucket itself. */
  key?: string;
  query?: ReadonlyArray<[string, string]>;
  headers?: Record<string, string>;
  /** A client's body of known length (PutObject, UploadPart): streamed once, so never retried. */
  stream?: { body: ReadableStream<Uint8Array>; length: number };
  /**
   * The stream's checksum, known at its end: the body goes as aws-chunked with it as a trailer
   * (STREAMING-UNSIGNED-PAYLOAD-TRAILER), so the upstream stores and checks it.
   */
  trailing?: TrailingChecksum;
  /** A small body the driver built (XML): such calls may be retried. */
  text?: string;
  /** Safe to send again after a 5xx or a connection failure (GET, HEAD, list, delete, abort, copy). */
  idempotent: boolean;
  context: FailureContext;
}

/**
 * Headers that describe one hop or the Cloudflare edge, or that the client signs: never sent
 * upstream whatever a caller passes. The driver builds its headers itself; this is the backstop.
 */
const NEVER_FORWARDED = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'host', 'content-length', 'expect', 'authorization', 'x-amz-date',
  'x-amz-security-token', 'x-amz-content-sha256', 'x-real-ip', 'forwarded', 'true-client-ip',
]);

export function forwardableHeaders(headers: Record<string, string> = {}): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (NEVER_FORWARDED.has(lower) || lower.startsWith('cf-') || lower.startsWith('x-forwarded-')) continue;
    out.set(lower, value);
  }
  return out;
}

/** Error bodies are small; a larger one is not read further. */
const MAX_ERROR_BODY = 64 * 1024;
/** Result documents (list pages, completions) are bounded too. */
const MAX_RESULT_BODY = 16 * 1024 * 1024;

/** RFC 3986 encoding of each path segment: what S3 canonicalises, and what aws4fetch re-encodes identically. */
function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/**
 * Talks to one upstream bucket: addressing, SSRF check before every request, signing (aws4fetch,
 * `UNSIGNED-PAYLOAD`: bodies are never hashed or buffered), no redirects, a timeout, retries with
 * backoff for idempotent calls, and every failure turned into the client's error in one place.
 */
export class UpstreamClient {
  private readonly signer: AwsClient | null;

  constructor(
    private readonly config: S3DriverConfig,
    private readonly allowList: AllowList,
  ) {
    const c = config.credentials;
    this.signer = c
      ? new AwsClient({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, service: 's3', region: config.region, retries: 0 })
      : null;
  }

  /** The URL for a call, or the S3 error to answer instead. */
  url(call: Pick<UpstreamCall, 'key' | 'query' | 'context'>): URL {
    const checked = checkEndpoint(this.config.endpoint, this.allowList);
    if (!checked.ok) throw translateUpstreamFailure({ kind: 'endpoint-refused', reason: checked.reason }, call.context);
    const url = new URL(checked.url.href);
    const base = url.pathname.replace(/\/+$/, '');
    const bucketPath = this.config.pathStyle ? `${base}/${encodeKey(this.config.bucket)}` : base;
    if (!this.config.pathStyle) {
      url.hostname = `${this.config.bucket}.${url.hostname}`;
      // The composed host must pass the guard too (a bucket name can make a name internal).
      const composed = checkEndpoint(url.origin, this.allowList);
      if (!composed.ok) throw translateUpstreamFailure({ kind: 'endpoint-refused', reason: composed.reason }, call.context);
    }
    const path = call.key === undefined ? bucketPath || '/' : `${bucketPath}/${encodeKey(call.key)}`;
    url.pathname = path;
    // The URL parser resolves "." and ".." segments (even as %2E): such a key would address
    // another object, possibly outside this bucket's prefix. Refuse rather than let it move.
    if (url.pathname !== path) {
      throw new StorageError('invalid-key', 'Object keys with "." or ".." path segments are not supported by this storage.');
    }
    for (const [name, value] of call.query ?? []) url.searchParams.append(name, value);
    return url;
  }

  /** A success answer the driver cannot use. */
  malformed(context: FailureContext): never {
    throw translateUpstreamFailure({ kind: 'malformed-response' }, context);
  }

  /** `x-amz-copy-source` for an upstream key in an upstream bucket (this one's when omitted). */
  copySource(key: string, bucket = this.config.bucket): string {
    return `/${encodeKey(bucket)}/${encodeKey(key)}`;
  }

  /** Sends a call; resolves with a 2xx response, or throws the client's S3 error. */
  async send(call: UpstreamCall): Promise<Response> {
    const url = this.url(call);
    const retries = call.idempotent && !call.stream ? (this.config.retries ?? DEFAULT_RETRIES) : 0;
    const retryable = (outcome: Response | UpstreamFailure) =>
      !(outcome instanceof Response) && (outcome.kind === 'unreachable' || (outcome.kind === 'response' && outcome.status >= 500));
    const outcome = await withRetries(() => this.attempt(url, call), retryable, retries, this.config.retryBaseMs ?? DEFAULT_RETRY_BASE_MS);
    if (outcome instanceof Response) return outcome;
    throw translateUpstreamFailure(outcome, call.context);
  }

  /**
   * One attempt, no retry, the failure returned as facts instead of thrown as the client's error:
   * for validating a connection, whose admin needs the upstream's own code (adrs/0019).
   */
  async probe(call: UpstreamCall): Promise<Response | UpstreamFailure> {
    return this.attempt(this.url(call), call);
  }

  /** Reads a success body as XML, handling the 200-with-<Error> answers S3 gives for Complete and Copy. */
  async readXml(response: Response, context: FailureContext, arrayPaths: readonly string[] = []): Promise<Record<string, unknown>> {
    const bytes = await readBoundedBytes(response.body, MAX_RESULT_BODY);
    let document: Record<string, unknown>;
    try {
      if (!bytes) throw new Error('result too large');
      document = parseXml(new TextDecoder().decode(bytes), arrayPaths, { trimValues: false });
    } catch {
      return this.malformed(context);
    }
    const error = document.Error as { Code?: string } | undefined;
    if (error) throw translateUpstreamFailure({ kind: 'response', status: 500, code: error.Code }, context);
    return document;
  }

  private async attempt(url: URL, call: UpstreamCall): Promise<Response | UpstreamFailure> {
    const headers = forwardableHeaders(call.headers);
    let stream = call.stream;
    let contentSha256 = 'UNSIGNED-PAYLOAD';
    if (stream && call.trailing) {
      const { algorithm } = call.trailing;
      // The stored Content-Encoding stays what it was: S3 removes aws-chunked from the list.
      headers.set('content-encoding', ['aws-chunked', headers.get('content-encoding')].filter(Boolean).join(','));
      headers.set('x-amz-decoded-content-length', String(stream.length));
      headers.set('x-amz-trailer', `x-amz-checksum-${algorithm}`);
      contentSha256 = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
      stream = { body: awsChunkedEncode(stream.body, stream.length, call.trailing), length: awsChunkedLength(stream.length, algorithm) };
    }
    const outcome = await exchange({
      method: call.method,
      url,
      headers,
      ...(stream ? { stream } : {}),
      ...(call.text !== undefined ? { text: call.text } : {}),
      timeoutMs: this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      sign: (u, method, h) => this.sign(u, method, h, contentSha256),
    });
    if (!(outcome instanceof Response)) return outcome;
    return outcome.status >= 200 && outcome.status < 300 ? outcome : this.failure(outcome);
  }

  private async sign(url: URL, method: string, headers: Headers, contentSha256: string): Promise<{ url: string; headers: Headers }> {
    // Signed without the body (UNSIGNED-PAYLOAD, or its aws-chunked-with-trailer form): the
    // signature never depends on it. An anonymous aws-chunked upload still has to say so.
    if (contentSha256 !== 'UNSIGNED-PAYLOAD') headers.set('x-amz-content-sha256', contentSha256);
    if (!this.signer) return { url: url.href, headers };
    headers.set('x-amz-content-sha256', contentSha256);
    const signed = await this.signer.sign(url.href, { method, headers });
    return { url: signed.url, headers: signed.headers };
  }

  private async failure(response: Response): Promise<UpstreamFailure> {
    const { status } = response;
    if (status >= 300 && status < 400) {
      await response.body?.cancel();
      return { kind: 'redirect', status };
    }
    const bytes = await readBoundedBytes(response.body, MAX_ERROR_BODY).catch(() => null);
    let code: string | undefined;
    let actualObjectSize = /^bytes \*\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1];
    if (bytes && bytes.byteLength > 0) {
      try {
        const error = parseXml(new TextDecoder().decode(bytes)).Error as { Code?: unknown; ActualObjectSize?: unknown } | undefined;
        if (typeof error?.Code === 'string') code = error.Code;
        if (typeof error?.ActualObjectSize === 'string') actualObjectSize ??= error.ActualObjectSize;
      } catch {
        // Not S3 XML (a proxy's HTML page): the status alone decides.
      }
    }
    return { kind: 'response', status, ...(code ? { code } : {}), ...(actualObjectSize ? { actualObjectSize } : {}) };
  }
}

/** What every operation module needs: the client and the key prefix this virtual bucket lives under. */
export interface Upstream {
  client: UpstreamClient;
  prefix: string;
}
