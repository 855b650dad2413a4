import { env } from 'cloudflare:test';
import { openWebDavBackend } from '../../../src/storage/drivers';
import { parseAllowList } from '../../../src/storage/endpoint-guard';
import type { WebDavDriverConfig } from '../../../src/storage/webdav/config';
import { probeWebDavUpstream } from '../../../src/storage/webdav/probe';

export interface WebDavServer {
  url: string;
  username: string;
  password: string;
  uploadsUrl?: string;
}

/**
 * A factory of WebDAV backends on one server, each under its own prefix, configured as a connection
 * would be once validated: `conditionalWrites` and `deadProperties` come from the real probe.
 */
export async function webdavTarget(server: WebDavServer, flavor: WebDavDriverConfig['flavor'] = 'generic') {
  const base: WebDavDriverConfig = {
    baseUrl: server.url,
    prefix: '',
    flavor,
    ...(server.uploadsUrl ? { uploadsUrl: server.uploadsUrl } : {}),
    auth: { kind: 'basic', username: server.username, password: server.password },
    conditionalWrites: false,
    deadProperties: false,
  };
  const probed = await probeWebDavUpstream(base, parseAllowList(env.ALLOWED_UPSTREAM_HOSTS));
  if (!probed.outcome.ok) throw new Error(`probe failed: ${probed.outcome.reason}`);
  const config: WebDavDriverConfig = { ...base, conditionalWrites: probed.conditionalWrites, deadProperties: probed.deadProperties };
  return {
    probed,
    config,
    make: (label: string) => openWebDavBackend(env, { ...config, prefix: `contract/${label}-${crypto.randomUUID().slice(0, 8)}/` }),
  };
}
