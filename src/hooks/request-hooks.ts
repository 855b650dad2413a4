import type { Env } from '../env';
import { errorText, log } from '../core/log';
import { countBytes, passDeclaredLength } from './byte-count';

/** The ways into the Worker; every request enters through exactly one (src/app.ts chooses). */
export type FrontDoor = 's3-path' | 's3-virtual' | 'sts' | 'admin' | 'well-known';

/**
 * What is known of one request: assigned by the composition root, completed by its front door as
 * it learns (who called, which bucket and operation, where the time went) and by `withHooks` (the
 * bytes that went out). Never a secret: hooks log and record it as it is.
 */
export interface RequestInfo {
  /** Assigned once, before any hook runs; the front door answers with this id (S3 x-amz-request-id, STS RequestId). */
  readonly requestId: string;
  readonly frontDoor: FrontDoor;
  /** When the request arrived (ms since the epoch, as the Workers clock tells it). */
  readonly startedAt: number;
  /** The S3 or STS error code the front door answered with, when it answered with one. */
  errorCode?: string;
  /** Who called: an access key id, `<role>/<session>` of STS credentials, `admin`, or `anonymous`. */
  principal?: string;
  bucket?: string;
  /** The S3 operation (src/s3/operations.ts), `sts.<Action>`, or the admin/well-known route kind. */
  operation?: string;
  /** Payload bytes read from the client, counted as they streamed (S3), or the body's declared length (STS, admin). */
  bytesIn?: number;
  /** Body bytes sent to the client, counted as they streamed; set when the body ended. */
  bytesOut?: number;
  /** Identifying the caller and resolving the bucket (registry, signature), ms. */
  authMs?: number;
  /** Waiting for storage (the operation's dispatch, which is I/O: Workers clocks stand still during CPU), ms. */
  upstreamMs?: number;
  /** From arrival to the response's headers, ms (Server-Timing `total`). */
  headersMs?: number;
  /** From arrival to the end of the response body, ms; set when the body ended. */
  durationMs?: number;
}

export interface HookContext {
  env: Env;
  info: RequestInfo;
}

/**
 * Code that runs around every front door (path-style and virtual-hosted S3, `/.sts`, `/admin/v1`,
 * `/.well-known/*`): the one place for cross-cutting concerns such as logging and usage. Hooks see
 * the request's headers, never its body, and must never record secrets.
 */
export interface RequestHooks {
  /** Before the front door. A Response answers the request instead of it (e.g. a throttle); later hooks' `before` do not run. */
  before?(request: Request, ctx: HookContext): Response | undefined | Promise<Response | undefined>;
  /**
   * Once the response body has been sent (or abandoned), under waitUntil, so it never delays the
   * client; `info.bytesOut` and `info.durationMs` are known by then. Must not read the response body.
   */
  after?(request: Request, response: Response, ctx: HookContext): void | Promise<void>;
}

/**
 * Runs `serve` between the hooks: `before` in order until one answers; then the answer gets its
 * `Server-Timing` header and a byte-counting body, and every `after` runs under waitUntil once
 * that body has ended, each failure logged and swallowed (a hook must never break an answer).
 */
export async function withHooks(
  hooks: readonly RequestHooks[],
  request: Request,
  ctx: HookContext,
  executionCtx: ExecutionContext,
  serve: () => Promise<Response>,
): Promise<Response> {
  let response: Response | undefined;
  for (const hook of hooks) {
    response = await hook.before?.(request, ctx);
    if (response) break;
  }
  response ??= await serve();
  const { info } = ctx;
  info.headersMs = Date.now() - info.startedAt;
  let ended: Promise<number>;
  let answered: Response;
  if (response.body === null) {
    answered = new Response(null, response);
    ended = Promise.resolve(0);
  } else {
    const declared = declaredLength(response.headers);
    const counted = declared === undefined ? countBytes(response.body) : passDeclaredLength(response.body, declared);
    answered = new Response(counted.stream, response);
    ended = counted.ended;
  }
  answered.headers.set('server-timing', serverTiming(info));
  const done = ended.then((bytes) => {
    info.bytesOut = bytes;
    info.durationMs = Date.now() - info.startedAt;
  });
  for (const hook of hooks) {
    if (!hook.after) continue;
    executionCtx.waitUntil(
      done
        .then(() => hook.after!(request, answered, ctx))
        .catch((error: unknown) => log.error('request hook failed', { requestId: info.requestId, error: errorText(error) })),
    );
  }
  return answered;
}

/** `total` (to the headers), `auth` and `upstream` as far as the front door measured them: devtools show it per request. */
function serverTiming(info: RequestInfo): string {
  let value = `total;dur=${info.headersMs ?? 0}`;
  if (info.authMs !== undefined) value += `, auth;dur=${info.authMs}`;
  if (info.upstreamMs !== undefined) value += `, upstream;dur=${info.upstreamMs}`;
  return value;
}

function declaredLength(headers: Headers): number | undefined {
  const declared = headers.get('content-length');
  return declared !== null && /^\d{1,15}$/.test(declared) ? Number(declared) : undefined;
}
