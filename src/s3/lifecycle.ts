import { authorize } from '../auth/authorize';
import { identify } from '../auth/identify';
import { maxPresignedExpiresSeconds } from '../auth/presigned-expiry';
import type { CredentialStore, RequestBody } from '../auth/identity';
import { ANONYMOUS, type Principal } from '../auth/principal';
import { openBackend } from '../connections/open-backend';
import type { Env } from '../env';
import { countBytes } from '../hooks/byte-count';
import { principalLabel } from '../hooks/principal-label';
import type { RequestInfo } from '../hooks/request-hooks';
import type { BucketConfig } from '../registry/schemas';
import type { S3Context } from './context';
import { corsResponseHeaders, withCorsHeaders } from './cors';
import { deferredOutcome } from './deferred-outcome';
import { withEdgeCache } from './edge-cache';
import { requestUrl } from '../core/request-url';
import { S3Error } from '../core/s3-error';
import { assertKeyFits, parseS3Operation } from './operation';
import { keyLimitFor, S3_OPERATIONS } from './operations';
import { guardAgainstEdgeCompression } from './no-transform';
import { enforceS3RateLimit, SlowDownError } from './rate-limit';
import { errorResponse, s3ErrorFor, withRequestId } from './respond';

/** What the composition root (src/app.ts) hands the S3 path: it never imports sts/ itself. */
export interface S3Services {
  /** Every credential the gateway accepts (static keys, STS session credentials). */
  credentials: CredentialStore;
  /** The registry's bucket record by name (its cache tiers included). */
  findBucket(name: string): Promise<BucketConfig | null>;
  /** The salted hash the gateway keys anonymous clients by (never the address itself). */
  clientHash(ip: string | null, now: Date): Promise<string | null>;
}

/**
 * One S3 request, start to end: parse (pure) → identify → resolve → authorize (pure) → dispatch.
 * Every failure on the way is answered as S3 XML with the request id, and its code reported in `info`.
 */
export async function handleS3Request(request: Request, env: Env, executionCtx: ExecutionContext, info: RequestInfo, services: S3Services): Promise<Response> {
  const { requestId } = info;
  const now = new Date();
  let resource = requestUrl(request).pathname;
  let bucket: BucketConfig | undefined;
  let body: RequestBody | null = null;
  // A request answered without reading its body (refused, or a body the operation ignores) leaves
  // it untouched: the runtime reads it to its end, so the client gets this answer (ADR 0012).
  try {
    const op = parseS3Operation(request, env.BASE_DOMAIN);
    resource = op.resource;
    info.operation = op.action;
    info.bucket = op.bucket;
    // A CORS preflight never carries credentials: the bucket's rules alone answer it.
    let principal: Principal;
    ({ principal, body } =
      op.action === 'CorsPreflight'
        ? { principal: ANONYMOUS, body: null }
        : await identify(request, op.rawPath, services.credentials, {
            now,
            region: env.REGION ?? 'auto',
            virtualHostBucket: op.addressing === 'virtual' ? op.bucket : undefined,
            maxPresignedExpiresSeconds: maxPresignedExpiresSeconds(env.MAX_PRESIGNED_EXPIRES_SECONDS),
          }));
    info.principal = principalLabel(principal);
    if (body) body.stream = countBytes(body.stream, (n) => (info.bytesIn = (info.bytesIn ?? 0) + n)).stream;
    bucket = op.bucket !== undefined && op.action !== 'CreateBucket' ? await resolveBucket(services, op.bucket) : undefined;
    if (env.S3_RATE_LIMITER) await enforceS3RateLimit(env, principal, bucket, () => services.clientHash(request.headers.get('cf-connecting-ip'), now));

    const operation = S3_OPERATIONS[op.action];
    if (bucket && operation.authorizedBy === 'lifecycle' && !authorize(principal, operation.iamAction, bucket, op.key)) {
      throw new S3Error('AccessDenied', 'Access Denied');
    }
    const backend = bucket ? await openBackend(env, bucket.backend, bucket.name) : undefined;
    // The bucket's real key limit is known only now; a key over it is refused before the payload is read.
    if (backend && op.key !== undefined) assertKeyFits(op.key, keyLimitFor(op.action, backend.maxKeyBytes));
    const c: S3Context = {
      env,
      executionCtx,
      request,
      op,
      principal,
      bucket,
      backend,
      body,
      requestId,
      now,
      changedKeys: [],
    };
    // Workers clocks stand still during CPU work: these spans are the I/O each phase waited for.
    const dispatchedAt = Date.now();
    info.authMs = dispatchedAt - info.startedAt;
    let dispatched: Response;
    try {
      dispatched = await withEdgeCache(c, operation);
    } finally {
      info.upstreamMs = Date.now() - dispatchedAt;
    }
    // Work that goes on after a 200 was sent (a lengthy CompleteMultipartUpload): its outcome is
    // known before the body ends, so the log line (written then) carries its error code and time.
    void deferredOutcome(dispatched)?.then((failure) => {
      info.upstreamMs = Date.now() - dispatchedAt;
      if (failure) info.errorCode = failure.code;
    });
    const response = withRequestId(dispatched, requestId);
    return withCors(guardAgainstEdgeCompression(response, request), request, bucket);
  } catch (error) {
    const failure = s3ErrorFor(error, requestId);
    info.errorCode = failure.code;
    const response = errorResponse(failure, resource, requestId, request.method);
    if (failure instanceof SlowDownError) response.headers.set('retry-after', String(failure.retryAfterSeconds));
    return withCors(guardAgainstEdgeCompression(response, request), request, bucket);
  }
}

/** Answers (errors included) to a cross-origin request a bucket rule allows carry its CORS headers. */
function withCors(response: Response, request: Request, bucket: BucketConfig | undefined): Response {
  const cors = bucket && corsResponseHeaders(bucket.cors, request.headers.get('origin'), request.method);
  return cors ? withCorsHeaders(response, cors) : response;
}

async function resolveBucket(services: S3Services, name: string): Promise<BucketConfig> {
  const bucket = await services.findBucket(name);
  if (!bucket) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist.', { BucketName: name });
  if (bucket.status === 'suspended') throw new S3Error('AllAccessDisabled', 'All access to this bucket has been disabled.');
  return bucket;
}
