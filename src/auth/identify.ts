import { clientAcceptEncoding } from '../core/client-accept-encoding';
import { requestUrl } from '../core/request-url';
import { S3Error } from '../core/s3-error';
import type { CredentialStore, Identity } from './identity';
import { parseContentSha256, requestBody, type PayloadMode } from './payload';
import { ANONYMOUS, type Principal } from './principal';
import { parseSigV2Header, parseSigV2Query, verifySigV2 } from './sigv2';
import { EMPTY_SHA256, SIGV4_ALGORITHM, type SignedRequest } from './sigv4';
import { parseAuthorizationHeader, parsePresignedQuery, verifySigV4, type SigV4Claim } from './sigv4-verify';

export interface IdentifyOptions {
  now: Date;
  /** The deployment's region, accepted in credential scopes besides `us-east-1` and `auto`. */
  region: string;
  /** The bucket named by the Host header (virtual-hosted style): SigV2 signs it as part of the resource. */
  virtualHostBucket?: string;
  /** The longest validity of a presigned URL, SigV4 and SigV2 (MAX_PRESIGNED_EXPIRES_SECONDS); 7 days unless lowered. */
  maxPresignedExpiresSeconds?: number;
}

type Mechanism = 'anonymous' | 'sigv4-header' | 'sigv4-query' | 'sigv2-header' | 'sigv2-query';

/**
 * Authenticates a request: anonymous, SigV4 (Authorization header or presigned query) or SigV2
 * (header or query), and wraps its payload in the integrity checks it asked for. `rawPath` is the
 * path as received, still percent-encoded: what clients sign.
 */
export async function identify(request: Request, rawPath: string, store: CredentialStore, options: IdentifyOptions): Promise<Identity> {
  const url = requestUrl(request);
  const signed: SignedRequest = {
    method: request.method,
    rawPath,
    rawQuery: url.search.slice(1),
    headers: request.headers,
    host: url.host,
    acceptEncodingAsSent: () => acceptEncodingAsSent(request),
  };
  const hasBody = carriesBody(request);
  const contentSha256 = request.headers.get('x-amz-content-sha256');
  const mechanism = authMechanism(request.headers.get('authorization'), url.searchParams);

  switch (mechanism) {
    case 'anonymous': {
      const claimed = contentSha256 === null ? undefined : parseContentSha256(contentSha256);
      if (claimed?.kind === 'aws-chunked' && claimed.signed) {
        throw new S3Error('AccessDenied', 'A signed aws-chunked payload requires a signed request.');
      }
      const mode: PayloadMode = claimed ?? { kind: 'unsigned' };
      return { principal: ANONYMOUS, body: hasBody ? requestBody(request, mode) : null };
    }
    case 'sigv4-header':
    case 'sigv4-query': {
      const claim =
        mechanism === 'sigv4-header'
          ? parseAuthorizationHeader(signed, request.headers.get('authorization')!, options)
          : parsePresignedQuery(signed, url.searchParams, options);
      const withPayload = withPayloadHash(claim, hasBody);
      const mode = parseContentSha256(withPayload.payloadHash);
      if (claim.presigned && mode.kind === 'aws-chunked') {
        throw new S3Error('AuthorizationQueryParametersError', 'aws-chunked payloads cannot be used with presigned URLs.');
      }
      const { secretAccessKey, principal } = await lookup(store, claim.accessKeyId, claim.sessionToken);
      const verified = await verifySigV4(signed, withPayload, secretAccessKey);
      const payload: PayloadMode =
        mode.kind === 'aws-chunked' ? { kind: 'aws-chunked', trailer: mode.trailer, signing: mode.signed ? verified : undefined } : mode;
      return { principal, body: hasBody ? requestBody(request, payload) : null };
    }
    case 'sigv2-header':
    case 'sigv2-query': {
      const claim =
        mechanism === 'sigv2-header'
          ? parseSigV2Header(signed, request.headers.get('authorization')!, options.now)
          : parseSigV2Query(url.searchParams, options.now, options.maxPresignedExpiresSeconds);
      const { secretAccessKey, principal } = await lookup(store, claim.accessKeyId, claim.sessionToken);
      await verifySigV2(signed, claim, secretAccessKey, options.virtualHostBucket);
      // SigV2 signs no payload hash; x-amz-content-sha256, if sent anyway, is still checked.
      const claimed = contentSha256 === null ? undefined : parseContentSha256(contentSha256);
      const mode: PayloadMode = claimed?.kind === 'sha256' ? claimed : { kind: 'unsigned' };
      return { principal, body: hasBody ? requestBody(request, mode) : null };
    }
  }
}

function authMechanism(authorization: string | null, query: URLSearchParams): Mechanism {
  const v4Query = query.has('X-Amz-Algorithm') || query.has('X-Amz-Credential') || query.has('X-Amz-Signature');
  const v2Query = query.has('AWSAccessKeyId') || (query.has('Signature') && query.has('Expires'));
  const found: Mechanism[] = [];
  if (authorization !== null) {
    if (authorization.startsWith(SIGV4_ALGORITHM)) found.push('sigv4-header');
    else if (authorization.startsWith('AWS ')) found.push('sigv2-header');
    else throw new S3Error('InvalidArgument', 'Unsupported Authorization Type', { ArgumentName: 'Authorization' });
  }
  if (v4Query) found.push('sigv4-query');
  if (v2Query) found.push('sigv2-query');
  if (found.length > 1) {
    throw new S3Error('InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified', {
      ArgumentName: 'Authorization',
    });
  }
  return found[0] ?? 'anonymous';
}

/**
 * The payload line of the canonical request must be what the client signed. A header-signed
 * request without x-amz-content-sha256 is accepted only when it has no body (its hash is then
 * known: the empty string's); presigned URLs default to UNSIGNED-PAYLOAD.
 */
function withPayloadHash(claim: SigV4Claim, hasBody: boolean): SigV4Claim {
  if (claim.payloadHash !== '') return claim;
  if (hasBody) throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  return { ...claim, payloadHash: EMPTY_SHA256 };
}

async function lookup(store: CredentialStore, accessKeyId: string, sessionToken?: string): Promise<{ secretAccessKey: string; principal: Principal }> {
  const credentials = await store.lookup(accessKeyId, sessionToken);
  if (!credentials) {
    throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
  }
  return credentials;
}

/**
 * Cloudflare's edge (and workerd locally) replace Accept-Encoding with "br, gzip" before the Worker
 * runs and keep the client's value in `cf.clientAcceptEncoding`. Clients that sign the header
 * (rclone does on GetObject) signed what they sent, so that is what the canonical request must use:
 * the client's value (null when it sent none), or undefined when the runtime's header is the client's.
 */
function acceptEncodingAsSent(request: Request): string | null | undefined {
  const sent = clientAcceptEncoding(request);
  if (sent === request.headers.get('accept-encoding')) return undefined;
  return sent === '' ? null : sent;
}

/** GET/HEAD/DELETE carry a body only when they declare one; everything else always has one (possibly empty). */
function carriesBody(request: Request): boolean {
  if (!['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(request.method)) return true;
  if (request.body === null) return false;
  const length = request.headers.get('content-length');
  return request.headers.has('transfer-encoding') || (length !== null && length !== '0');
}
