import type { Env } from '../env';

/** The ways into the Worker; every request enters through exactly one (src/app.ts chooses). */
export type FrontDoor = 's3-path' | 's3-virtual' | 'sts' | 'admin' | 'well-known';

/** What is known of one request: assigned by the composition root, completed by its front door. */
export interface RequestInfo {
  /** Assigned once, before any hook runs; the front door answers with this id (S3 x-amz-request-id, STS RequestId). */
  readonly requestId: string;
  readonly frontDoor: FrontDoor;
  /** When the request arrived (ms since the epoch, as the Workers clock tells it). */
  readonly startedAt: number;
  /** The S3 or STS error code the front door answered with, when it answered with one. */
  errorCode?: string;
}

export interface HookContext {
  env: Env;
  info: RequestInfo;
}

/**
 * Code that runs around every front door (path-style and virtual-hosted S3, `/.sts`, `/admin/v1`,
 * `/.well-known/*`): the one place for cross-cutting concerns such as rate limiting and usage
 * logging. Hooks see the request's headers, never its body, and must never record secrets.
 */
export interface RequestHooks {
  /** Before the front door. A Response answers the request instead of it (e.g. a throttle); later hooks' `before` do not run. */
  before?(request: Request, ctx: HookContext): Response | undefined | Promise<Response | undefined>;
  /** After the answer went out (run under waitUntil, so it never delays the client). Must not read the response body. */
  after?(request: Request, response: Response, info: RequestInfo): void | Promise<void>;
}

/**
 * Runs `serve` between the hooks: `before` in order until one answers, `after` for every hook once
 * the response exists, each under waitUntil, each failure logged and swallowed (a hook must never
 * break an answer that is already made).
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
  for (const hook of hooks) {
    if (!hook.after) continue;
    const answered = response;
    executionCtx.waitUntil(
      Promise.resolve()
        .then(() => hook.after!(request, answered, ctx.info))
        .catch((error: unknown) => console.error(JSON.stringify({ level: 'error', event: 'request-hook', requestId: ctx.info.requestId, error: error instanceof Error ? error.message : String(error) }))),
    );
  }
  return response;
}
