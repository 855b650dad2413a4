import { z } from 'zod';
import type { Backend } from '../backend';
import type { Driver } from '../driver-types';
import { checkEndpoint, parseAllowList } from '../endpoint-guard';
import { StorageError } from '../errors';
import { AzureBackend } from './backend';
import type { AzureAuth } from './config';

/**
 * An Azure Blob container location. Credentials are not part of it: the caller (a registry
 * connection, keyless federation) resolves them and passes them to `open` as an AzureAuth.
 */
export const AzureUpstreamConfig = z.object({
  type: z.literal('azure'),
  /** https://<account>.blob.core.windows.net, a sovereign cloud's, or Azurite's http://127.0.0.1:<port>/devstoreaccount1 */
  accountUrl: z.string().url(),
  /** Azure container names: 3–63 lowercase letters, digits and single hyphens. */
  container: z.string().regex(/^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$/),
  prefix: z.string().max(512).regex(/^$|\/$/, 'a prefix is empty or ends in "/"').default(''),
  timeoutMs: z.number().int().positive().optional(),
  retries: z.number().int().min(0).max(10).optional(),
  retryBaseMs: z.number().int().positive().optional(),
});
export type AzureUpstreamConfig = z.infer<typeof AzureUpstreamConfig>;

export const azureDriver: Driver<AzureUpstreamConfig, AzureAuth> = {
  type: 'azure',
  configSchema: AzureUpstreamConfig,
  async open(ctx, config, auth): Promise<Backend> {
    const { type: _type, ...location } = config;
    return new AzureBackend({ ...location, auth }, parseAllowList(ctx.env.ALLOWED_UPSTREAM_HOSTS));
  },
  async validate(ctx, config) {
    const check = checkEndpoint(config.accountUrl, parseAllowList(ctx.env.ALLOWED_UPSTREAM_HOSTS));
    if (!check.ok) throw new StorageError('misconfigured', `The storage endpoint is not usable (${check.reason}).`);
  },
};
