import { z } from 'zod';
import type { Backend } from '../backend';
import type { Driver } from '../driver-types';
import { checkEndpoint, parseAllowList } from '../endpoint-guard';
import { StorageError } from '../errors';
import { S3Backend } from './backend';
import type { UpstreamCredentials } from './config';

/**
 * An S3-compatible upstream location. Credentials are not part of it: they are resolved by the
 * caller (a registry connection, keyless federation) and passed to `open` as secrets.
 */
export const S3UpstreamConfig = z.object({
  type: z.literal('s3'),
  endpoint: z.string().url(),
  region: z.string().min(1),
  bucket: z.string().min(1),
  prefix: z.string().max(512).default(''),
  pathStyle: z.boolean().default(true),
  /** The upstream applies If-Match / If-None-Match on PutObject atomically (AWS S3 does; s3rver does not). */
  conditionalWrites: z.boolean().default(false),
  /** The upstream takes aws-chunked uploads with a trailing checksum (see S3DriverConfig). */
  trailingChecksums: z.boolean().default(true),
  timeoutMs: z.number().int().positive().optional(),
  retries: z.number().int().min(0).max(10).optional(),
  retryBaseMs: z.number().int().positive().optional(),
});
export type S3UpstreamConfig = z.infer<typeof S3UpstreamConfig>;

export const s3Driver: Driver<S3UpstreamConfig, UpstreamCredentials | null> = {
  type: 's3',
  configSchema: S3UpstreamConfig,
  async open(ctx, config, secrets): Promise<Backend> {
    return new S3Backend({ ...config, credentials: secrets }, parseAllowList(ctx.env.ALLOWED_UPSTREAM_HOSTS));
  },
  async validate(ctx, config) {
    const check = checkEndpoint(config.endpoint, parseAllowList(ctx.env.ALLOWED_UPSTREAM_HOSTS));
    if (!check.ok) throw new StorageError('misconfigured', `The storage endpoint is not usable (${check.reason}).`);
  },
};
