import { z } from 'zod';
import type { PolicyStatement as CorePolicyStatement } from '../core/policy-types';
import { R2BackendConfig } from '../storage/r2/driver';
import { CONNECTION_LOCATIONS } from '../connections/kinds';

/** S3 bucket naming rules (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html). */
export const BucketName = z
  .string()
  .min(3, 'must be 3–63 characters')
  .max(63, 'must be 3–63 characters')
  .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, 'lowercase letters, digits, dots and hyphens; starts and ends with a letter or digit')
  .refine((n) => !n.includes('..'), 'must not contain two adjacent dots')
  .refine((n) => !/^\d+\.\d+\.\d+\.\d+$/.test(n), 'must not look like an IP address')
  .refine((n) => !n.startsWith('xn--') && !n.endsWith('-s3alias'), 'reserved prefix or suffix');

/** `s3:<Operation>` (IAM action names) or `s3:*`; `*` wildcards allowed inside. */
export const PolicyAction = z.string().regex(/^(\*|s3:[A-Za-z*]+)$/, 'an action like "s3:GetObject" or "s3:*"');

/** `*`, `bucket`, `bucket/prefix*` or `bucket/key`; `*` matches any run of characters. */
export const PolicyResource = z.string().min(1).max(1024);

export const PolicyStatement = z.object({
  effect: z.enum(['allow', 'deny']),
  actions: z.array(PolicyAction).min(1),
  resources: z.array(PolicyResource).min(1),
});
export type PolicyStatement = z.infer<typeof PolicyStatement>;
// The schema validates exactly the shape every layer reads (src/core/policy-types.ts).
const _statementShapesAgree: [CorePolicyStatement, PolicyStatement] extends [PolicyStatement, CorePolicyStatement] ? true : never = true;
void _statementShapesAgree;

export const CorsRule = z.object({
  allowedOrigins: z.array(z.string().min(1)).min(1),
  allowedMethods: z.array(z.enum(['GET', 'HEAD', 'PUT', 'POST', 'DELETE'])).min(1),
  allowedHeaders: z.array(z.string()).default([]),
  exposeHeaders: z.array(z.string()).default([]),
  maxAgeSeconds: z.number().int().min(0).max(86400).optional(),
});
export type CorsRule = z.infer<typeof CorsRule>;

/**
 * Where a virtual bucket's objects live; secrets are never inline. An R2 binding is placed
 * directly (its driver's config); any other store through a storage connection, one variant per
 * connection kind (`type` = the kind: s3 {bucket}, azure {container}, webdav {} — each with a
 * prefix; adrs/0023), whose credentials are resolved when the bucket is opened
 * (src/connections/open-backend.ts).
 */
export const BackendConfig = z.discriminatedUnion('type', [R2BackendConfig, ...CONNECTION_LOCATIONS]);
export type BackendConfig = z.infer<typeof BackendConfig>;

export const BucketStatus = z.enum(['active', 'suspended']);

/** S3's largest single PUT and part: a bucket's limit can only lower it (adrs/0024). */
export const S3_MAX_UPLOAD_BYTES = 5 * 1024 ** 3;

/** Per-bucket overrides of the deployment's limits (src/s3/limits.ts, src/s3/rate-limit.ts); an omitted one falls back to the deployment's. */
export const BucketLimits = z.strictObject({
  /** Largest PutObject / UploadPart body in bytes; larger ones are refused EntityTooLarge before they are read. */
  maxObjectSize: z.number().int().min(1).max(S3_MAX_UPLOAD_BYTES, 'at most 5 GiB (5368709120), S3\'s single-upload limit').optional(),
  /** S3 requests per minute per caller (access key, session, or anonymous client) on this bucket. */
  requestsPerMinute: z.number().int().min(1).max(1_000_000).optional(),
});
export type BucketLimits = z.infer<typeof BucketLimits>;

export const BucketConfig = z.object({
  name: BucketName,
  backend: BackendConfig,
  status: BucketStatus,
  publicRead: z.boolean(),
  publicList: z.boolean(),
  cors: z.array(CorsRule),
  labels: z.record(z.string(), z.string()),
  cacheTtl: z.number().int().min(0),
  // Records cached before limits existed parse with none.
  limits: BucketLimits.default({}),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type BucketConfig = z.infer<typeof BucketConfig>;

/** A static access key as the verifier needs it: the decrypted secret never leaves the isolate. */
export interface AccessKeyRecord {
  accessKeyId: string;
  displayName: string;
  statements: PolicyStatement[];
  enabled: boolean;
  expiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}
