import { type Hook, OpenAPIHono } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import type { Env } from '../env';
import { fieldErrors } from '../registry/errors';
import { AdminError, AdminErrorBody } from './errors';

/**
 * The building blocks of an admin route file (adrs/0025): each file makes its app with
 * `adminApp()`, declares every route with `createRoute` beside its handler and registers it with
 * `app.openapi(route, handler)`, so the route cannot exist without its entry in openapi.json.
 */

export type AdminEnv = { Bindings: Env };

/**
 * Query and path parameters the route declares are validated before the handler runs; a failure
 * answers like every other admin validation failure (400 InvalidRequest with field errors).
 */
const answerInvalidParameters: Hook<unknown, AdminEnv, string, unknown> = (result) => {
  if (!result.success) throw new AdminError(400, 'InvalidRequest', 'request failed validation', fieldErrors(result.error));
};

export function adminApp(): OpenAPIHono<AdminEnv> {
  return new OpenAPIHono<AdminEnv>({ defaultHook: answerInvalidParameters });
}

/**
 * A JSON request body documented by reference to `schema`, registered under `name`: the very
 * schema the registry parses the body with. The body is deliberately not validated here: the
 * registry validates it (shared with S3 CreateBucket) and audits the refusal, and readJsonBody
 * (json.ts) bounds its size. A reference is not a zod schema, so OpenAPIHono adds no body validator.
 */
export function jsonBody(app: OpenAPIHono<AdminEnv>, name: string, schema: ZodType, description?: string) {
  app.openAPIRegistry.register(name, schema);
  return {
    required: true,
    ...(description ? { description } : {}),
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } },
  };
}

/** A JSON answer. */
export function jsonAnswer<S extends ZodType>(schema: S, description: string) {
  return { description, content: { 'application/json': { schema } } } as const;
}

const ERROR_DESCRIPTIONS = {
  400: 'The request failed validation: `fields` maps each input field to its messages.',
  401: 'Missing or invalid bearer token (`WWW-Authenticate` says which).',
  404: 'No such resource.',
  409: 'Conflicts with existing state (name taken, placement overlaps, still in use, not empty); `fields` names the field at fault when one is.',
  413: 'The request body exceeds 256 KiB.',
  422: 'The upstream the input names does not work (validate-before-save); `fields` carries its reason.',
  500: 'Unexpected failure; the Worker log has the details.',
  503: 'The admin API is disabled (ADMIN_TOKEN unset or short) or MASTER_KEY is misconfigured.',
} as const;
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/**
 * The error answers a route gives, besides those every admin route can give (401, 500, 503 from
 * the token check and the error mapping in errors.ts). All have the shape of AdminErrorBody.
 */
export function errorAnswers<S extends ErrorStatus>(...statuses: S[]) {
  const all = [...new Set<ErrorStatus>([...statuses, 401, 500, 503])];
  return Object.fromEntries(all.map((status) => [status, jsonAnswer(AdminErrorBody, ERROR_DESCRIPTIONS[status])])) as Record<
    S | 401 | 500 | 503,
    ReturnType<typeof jsonAnswer<typeof AdminErrorBody>>
  >;
}

/** A 204 answer without a body. */
export const NO_CONTENT = { description: 'Done; no body.' } as const;
