import { type Hook, OpenAPIHono, z } from '@hono/zod-openapi';
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

/**
 * `schema` as a named component of the document (`$ref: #/components/schemas/<name>`). Called
 * through the prototype: importing @hono/zod-openapi adds `.openapi()` to zod's prototype, but zod 4
 * copies prototype additions onto each schema when it is built, so a schema built before that
 * import (the registry's, depending on module order) has no `.openapi` of its own.
 */
export function named<S extends ZodType>(schema: S, name: string): S {
  const openapi = (z.ZodType.prototype as unknown as { openapi(this: S, refId: string): S }).openapi;
  return openapi.call(schema, name);
}

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
  // register() calls .openapi() on what it is given: the copy named() makes has it.
  app.openAPIRegistry.register(name, named(schema, name));
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

/** The error shape of errors.ts, a named component of the document. */
const ErrorAnswer = named(AdminErrorBody, 'AdminError');

const ERROR_DESCRIPTIONS = {
  400: 'The request failed validation: `fields` maps each input field to its messages.',
  401: 'Missing or invalid bearer token (`WWW-Authenticate` says which).',
  404: 'No such resource.',
  409: 'Conflicts with existing state (name taken, placement overlaps, still in use, not empty); `fields` names the field at fault when one is.',
  413: 'The request body exceeds 256 KiB.',
  422: 'The upstream the input names does not work (validate-before-save); `fields` carries its reason.',
  500: 'Unexpected failure; the Worker log has the details.',
  502: 'A service the answer comes from (the Analytics Engine SQL API) failed or answered something unusable.',
  503: 'The admin API is disabled (ADMIN_TOKEN unset or short), MASTER_KEY is misconfigured, or a setting the route needs is invalid.',
} as const;
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/**
 * The error answers a route gives, besides those every admin route can give (401, 500, 503 from
 * the token check and the error mapping in errors.ts). All have the shape of AdminErrorBody.
 */
export function errorAnswers<S extends ErrorStatus>(...statuses: S[]) {
  const all = [...new Set<ErrorStatus>([...statuses, 401, 500, 503])];
  return Object.fromEntries(all.map((status) => [status, jsonAnswer(ErrorAnswer, ERROR_DESCRIPTIONS[status])])) as Record<
    S | 401 | 500 | 503,
    ReturnType<typeof jsonAnswer<typeof ErrorAnswer>>
  >;
}

/** A 204 answer without a body. */
export const NO_CONTENT = { description: 'Done; no body.' } as const;
