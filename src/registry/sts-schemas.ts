import { z } from 'zod';
import { parseUrl } from './issuer-url';
import { PolicyStatement } from './schemas';

/** Identity providers and roles: the registry records STS trusts and grants (adrs/0008). */

/** A claim named by a dotted path (`repository`, `claims.org`), or by segments when a name holds dots. */
export const ClaimPath = z.union([
  z.string().min(1).max(256).regex(/^[^.]+(\.[^.]+)*$/, 'a claim name or dotted path like "repository" or "ext.org"'),
  z.array(z.string().min(1).max(256)).min(1).max(8),
]);
export type ClaimPath = z.infer<typeof ClaimPath>;

const ConstraintValue = z.string().max(1024);

/** One condition on a token claim. An array claim satisfies it when any element does. */
export const ClaimConstraint = z.discriminatedUnion('operator', [
  z.strictObject({ claim: ClaimPath, operator: z.literal('equals'), value: ConstraintValue }),
  z.strictObject({ claim: ClaimPath, operator: z.literal('starts_with'), value: ConstraintValue.min(1) }),
  z.strictObject({ claim: ClaimPath, operator: z.literal('glob'), value: ConstraintValue.min(1) }),
  z.strictObject({ claim: ClaimPath, operator: z.literal('in'), values: z.array(ConstraintValue).min(1).max(100) }),
]);
export type ClaimConstraint = z.infer<typeof ClaimConstraint>;

/** An issuer URL: https, or http on a loopback host when the deployment allows insecure issuers. */
export const IssuerUrl = z
  .string()
  .max(256)
  .refine((s) => parseUrl(s) !== null, 'must be an absolute URL')
  .refine((s) => {
    const u = parseUrl(s);
    return u === null || (!u.search && !u.hash && !u.username && !u.password);
  }, 'must have no query, fragment or credentials');

/**
 * Who may assume the role: a token from `issuer`, for `audience`, meeting every claim
 * constraint. At least one constraint is required: an issuer such as GitHub Actions signs tokens
 * for every repository in the world.
 */
export const TrustBinding = z.strictObject({
  issuer: IssuerUrl,
  audience: z.string().min(1).max(512),
  claims: z.array(ClaimConstraint).min(1, 'at least one claim constraint (e.g. on "sub" or "repository")').max(20),
});
export type TrustBinding = z.infer<typeof TrustBinding>;

export const RoleName = z.string().regex(/^[\w+=,.@-]{1,64}$/, '1–64 characters from letters, digits and +=,.@_-');

export const SessionDuration = z.number().int().min(900, 'at least 900 seconds').max(43200, 'at most 43200 seconds');

export const Role = z.object({
  /** Stable id (`AROA…`): sessions are bound to it, so a role deleted and re-created under the same name grants nothing to old sessions. */
  id: z.string(),
  name: RoleName,
  description: z.string(),
  trust: z.array(TrustBinding),
  statements: z.array(PolicyStatement),
  maxSessionDuration: SessionDuration,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Role = z.infer<typeof Role>;

export const RoleCreateInput = z.strictObject({
  name: RoleName,
  description: z.string().max(1024).default(''),
  trust: z.array(TrustBinding).min(1).max(20),
  statements: z.array(PolicyStatement).max(50),
  maxSessionDuration: SessionDuration.default(3600),
});
export type RoleCreateInput = z.input<typeof RoleCreateInput>;

export const RolePatchInput = z.strictObject({
  description: z.string().max(1024).optional(),
  trust: z.array(TrustBinding).min(1).max(20).optional(),
  statements: z.array(PolicyStatement).max(50).optional(),
  maxSessionDuration: SessionDuration.optional(),
});
export type RolePatchInput = z.input<typeof RolePatchInput>;

export const IdentityProvider = z.object({
  id: z.string(),
  issuer: z.string(),
  audiences: z.array(z.string()),
  /** Overrides discovery's `jwks_uri`. */
  jwksUri: z.string().nullable(),
  displayName: z.string(),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type IdentityProvider = z.infer<typeof IdentityProvider>;

export const IdpCreateInput = z.strictObject({
  issuer: IssuerUrl,
  audiences: z.array(z.string().min(1).max(512)).min(1).max(20),
  jwksUri: IssuerUrl.nullable().default(null),
  displayName: z.string().min(1).max(256).optional(),
  enabled: z.boolean().default(true),
});
export type IdpCreateInput = z.input<typeof IdpCreateInput>;

export const IdpPatchInput = z.strictObject({
  audiences: z.array(z.string().min(1).max(512)).min(1).max(20).optional(),
  jwksUri: IssuerUrl.nullable().optional(),
  displayName: z.string().min(1).max(256).optional(),
  enabled: z.boolean().optional(),
});
export type IdpPatchInput = z.input<typeof IdpPatchInput>;
