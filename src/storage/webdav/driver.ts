import { z } from 'zod';
import type { Backend } from '../backend';
import type { Driver } from '../driver-types';
import { checkEndpoint, parseAllowList } from '../endpoint-guard';
import { StorageError } from '../errors';
import { WebDavBackend } from './backend';
import type { WebDavAuth } from './config';

/** What the registry stores for a WebDAV location (never the secret: that comes as `secrets`). */
export const WebDavUpstreamConfig = z.object({
  type: z.literal('webdav'),
  baseUrl: z.string().url().refine((u) => u.endsWith('/'), 'must end in "/"'),
  prefix: z.string().max(512).refine((p) => p === '' || p.endsWith('/'), 'must be empty or end in "/"').default(''),
  flavor: z.enum(['generic', 'nextcloud']).default('generic'),
  uploadsUrl: z.string().url().optional(),
  /** Set from the validation probe (probe.ts), not by hand. */
  conditionalWrites: z.boolean().default(false),
  deadProperties: z.boolean().default(false),
  timeoutMs: z.number().int().positive().optional(),
  retries: z.number().int().min(0).max(10).optional(),
  retryBaseMs: z.number().int().positive().optional(),
  listingCacheTtlMs: z.number().int().min(0).max(3_600_000).optional(),
});
export type WebDavUpstreamConfig = z.infer<typeof WebDavUpstreamConfig>;

export const webdavDriver: Driver<WebDavUpstreamConfig, WebDavAuth> = {
  type: 'webdav',
  configSchema: WebDavUpstreamConfig,
  async open(ctx, config, auth): Promise<Backend> {
    const { type: _type, ...rest } = config;
    return new WebDavBackend({ ...rest, auth }, parseAllowList(ctx.env.ALLOWED_UPSTREAM_HOSTS));
  },
  async validate(ctx, config) {
    const allow = parseAllowList(ctx.env.ALLOWED_UPSTREAM_HOSTS);
    for (const url of [config.baseUrl, ...(config.uploadsUrl ? [config.uploadsUrl] : [])]) {
      const check = checkEndpoint(url, allow);
      if (!check.ok) throw new StorageError('misconfigured', `The storage endpoint is not usable (${check.reason}).`);
    }
  },
};
