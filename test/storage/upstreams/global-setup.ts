import type { TestProject } from 'vitest/node';
import { freePort } from '../../e2e/support/dev-gateway';
import { startFaultServer } from './fault-server';
import { startCountingProxy } from './counting-proxy';
import { startGateway } from './gateway-process';
import { startS3rver } from './s3rver-process';
import { AZURITE_CONTAINER } from './azurite-account';
import { startAzurite } from './azurite-process';
import { startWebDavUpstreams } from './webdav-upstreams';

/** Bucket the s3rver runner stores into; each test works under its own key prefix in it. */
export const S3RVER_BUCKET = 'contract';

/**
 * vitest globalSetup: the real servers the storage contract suite runs the `s3` driver against —
 * s3rver (a local S3 implementation on disk), a second bucketgate instance (scripts/dev.mjs),
 * Azurite, the WebDAV servers (Apache mod_dav, rclone serve webdav, the Nextcloud fake) and a
 * deliberately faulty upstream — on 127.0.0.1 with free ports, plus a port nothing listens on.
 * The worker reaches them because vitest.config.ts allow-lists 127.0.0.1 (ALLOWED_UPSTREAM_HOSTS).
 */
export default async function setup(project: TestProject) {
  const started = await Promise.allSettled([startS3rver(S3RVER_BUCKET), startFaultServer(), startGateway(), startAzurite([AZURITE_CONTAINER])]);
  const [s3rverStart, faultsStart, gatewayStart, azuriteStart] = started;
  if (s3rverStart.status === 'rejected' || faultsStart.status === 'rejected' || gatewayStart.status === 'rejected' || azuriteStart.status === 'rejected') {
    // Stop whatever did start before failing the run.
    await Promise.allSettled([
      s3rverStart.status === 'fulfilled' && s3rverStart.value.stop(),
      faultsStart.status === 'fulfilled' && faultsStart.value.close(),
      gatewayStart.status === 'fulfilled' && gatewayStart.value.stop(),
      azuriteStart.status === 'fulfilled' && azuriteStart.value.stop(),
    ]);
    throw started.map((s) => (s.status === 'rejected' ? s.reason : undefined)).find(Boolean);
  }
  const [s3rver, faults, gateway, azurite] = [s3rverStart.value, faultsStart.value, gatewayStart.value, azuriteStart.value];
  project.provide('azuriteAccountUrl', azurite.accountUrl);
  project.provide('s3rverUrl', s3rver.url);
  const counting = await startCountingProxy(s3rver.url);
  project.provide('countingS3rverUrl', counting.url);
  // Azurite behind one too (the account path kept): Put Block From URL reads its source over
  // Azurite's own loopback, so a server-side copy adds nothing to this count.
  const countingAzurite = await startCountingProxy(azurite.accountUrl);
  project.provide('countingAzuriteUrl', `${countingAzurite.url}${new URL(azurite.accountUrl).pathname}`);
  project.provide('faultyUpstreamUrl', faults.url);
  // A port that was free a moment ago and that nothing listens on: connections to it are refused.
  project.provide('closedUpstreamUrl', `http://127.0.0.1:${await freePort()}`);
  const { endpoint, region, bucket, accessKeyId, secretAccessKey } = gateway.info;
  project.provide('upstreamGateway', { endpoint, region, bucket, accessKeyId, secretAccessKey });
  const stopWebDav = await startWebDavUpstreams(project).catch(async (error) => {
    await Promise.allSettled([s3rver.stop(), faults.close(), gateway.stop(), azurite.stop(), counting.close(), countingAzurite.close()]);
    throw error;
  });
  return async () => {
    // Azurite first: its temp dir is removed even when a later stop fails.
    await azurite.stop();
    await stopWebDav();
    await counting.close();
    await countingAzurite.close();
    await s3rver.stop();
    await faults.close();
    await gateway.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    s3rverUrl: string;
    azuriteAccountUrl: string;
    countingS3rverUrl: string;
    countingAzuriteUrl: string;
    faultyUpstreamUrl: string;
    closedUpstreamUrl: string;
    upstreamGateway: { endpoint: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string };
  }
}
