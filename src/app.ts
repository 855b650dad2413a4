import { Hono } from 'hono';
import { adminRoutes } from './admin/routes';
import { requestUrl } from './core/request-url';
import type { Env } from './env';
import { withHooks, type FrontDoor, type RequestHooks, type RequestInfo } from './hooks/request-hooks';
import { requestLog } from './hooks/request-log';
import { usageRecorder } from './usage/hook';
import { getBucket } from './registry/buckets';
import { handleS3Request, type S3Services } from './s3/lifecycle';
import { bucketFromHost } from './s3/operation';
import { newRequestId } from './s3/respond';
import { handleStsRequest, isStsRootCall } from './sts/handler';
import { sessionTokenJwks } from './sts/jwks-route';
import { openidConfiguration } from './sts/openid-configuration';
import { newStsRequestId } from './sts/protocol';
import { hashClientIp } from './sts/audit';
import { credentialStore } from './sts/session-store';

/**
 * The composition root: the one module that knows every front door and what each is handed. It
 * chooses the front door, assigns the request id, builds the services (the credential store STS
 * implements, registry access) and runs the door between the request hooks.
 */

export interface AppOptions {
  /** Run around every front door, in order. Default: the per-request log line and usage record. */
  hooks?: readonly RequestHooks[];
}

interface FrontDoorEntry {
  /** Each protocol's own request-id shape: S3's 16 hex digits, STS's UUID. */
  newRequestId(): string;
  serve(request: Request, env: Env, executionCtx: ExecutionContext, info: RequestInfo): Promise<Response>;
}

/** What the S3 path is handed instead of importing sts/ or looking buckets up itself. */
function s3Services(env: Env): S3Services {
  return { credentials: credentialStore(env), findBucket: (name) => getBucket(env, name), clientHash: (ip, now) => hashClientIp(env, ip, now) };
}

const adminApp = new Hono<{ Bindings: Env }>().route('/admin/v1', adminRoutes());

const s3Door: FrontDoorEntry = {
  newRequestId,
  serve: (request, env, executionCtx, info) => handleS3Request(request, env, executionCtx, info, s3Services(env)),
};

const FRONT_DOORS: Record<FrontDoor, FrontDoorEntry> = {
  's3-path': s3Door,
  's3-virtual': s3Door,
  sts: {
    newRequestId: newStsRequestId,
    serve: (request, env, executionCtx, info) => {
      info.bytesIn = declaredLength(request);
      return handleStsRequest(request, env, executionCtx, info);
    },
  },
  admin: { newRequestId: () => crypto.randomUUID(), serve: serveAdmin },
  'well-known': {
    newRequestId: () => crypto.randomUUID(),
    serve: (request, env, _executionCtx, info) => {
      info.operation = 'well-known';
      info.principal = 'anonymous';
      return wellKnown(request, env);
    },
  },
};

/**
 * Which front door a request enters. Everything that is not STS, admin or `/.well-known` is S3, so
 * S3 keys such as `admin/v1/x` inside a bucket stay reachable: only exact prefixes are claimed, and
 * a virtual-hosted request (`<bucket>.<BASE_DOMAIN>`) is S3 whatever its path. Bucket names cannot
 * start with a dot, so `/.sts` and `/.well-known/` never shadow a bucket.
 */
export function frontDoorOf(request: Request, baseDomain: string): FrontDoor {
  const url = requestUrl(request);
  if (bucketFromHost(request.headers.get('host') ?? url.host, baseDomain) !== undefined) return 's3-virtual';
  const path = url.pathname;
  if (path === '/admin/v1' || path.startsWith('/admin/v1/')) return 'admin';
  if (path === '/.sts' || path === '/.sts/' || isStsRootCall(request)) return 'sts';
  if (path.startsWith('/.well-known/')) return 'well-known';
  return 's3-path';
}

export function createApp(options: AppOptions = {}) {
  const hooks = options.hooks ?? [requestLog(), usageRecorder()];
  return {
    async fetch(request: Request, env: Env, executionCtx: ExecutionContext): Promise<Response> {
      const frontDoor = frontDoorOf(request, env.BASE_DOMAIN ?? '');
      const door = FRONT_DOORS[frontDoor];
      const info: RequestInfo = { requestId: door.newRequestId(), frontDoor, startedAt: Date.now() };
      return withHooks(hooks, request, { env, info }, executionCtx, () => door.serve(request, env, executionCtx, info));
    },
  };
}

/** The admin API; its one credential is the ADMIN_TOKEN, so an answer other than 401/503 was the admin's. */
async function serveAdmin(request: Request, env: Env, executionCtx: ExecutionContext, info: RequestInfo): Promise<Response> {
  info.operation = 'admin';
  info.bytesIn = declaredLength(request);
  const response = await adminApp.fetch(request, env, executionCtx);
  info.principal = response.status === 401 || response.status === 503 ? 'anonymous' : 'admin';
  return response;
}

/** The body length a bounded reader (admin JSON, STS form) takes in whole: its Content-Length. */
export function declaredLength(request: Request): number {
  const value = Number(request.headers.get('content-length') ?? 0);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/** `/.well-known/*`: the gateway's JWKS (session and federation keys) and its OIDC discovery document. */
async function wellKnown(request: Request, env: Env): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (path !== '/.well-known/jwks.json' && path !== '/.well-known/openid-configuration') return new Response('Not Found\n', { status: 404 });
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('Method Not Allowed\n', { status: 405, headers: { allow: 'GET, HEAD' } });
  return path === '/.well-known/jwks.json' ? sessionTokenJwks(env) : openidConfiguration(env, request);
}
