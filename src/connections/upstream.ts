import { parseAllowList } from '../storage/endpoint-guard';
import type { S3DriverConfig } from '../storage/s3/config';
import type { ProbeOutcome } from '../storage/driver-types';
import { probeS3Upstream } from '../storage/s3/probe';
import type { Env } from '../env';
import type { Connection, LiveConnection } from '../registry/connection-schemas';
import { CredentialUnavailableError, type ResolvedCredentials, resolveCredentials } from './credentials';

/** An upstream location on a connection: the bucket there and the key prefix inside it. */
export interface UpstreamLocation {
  bucket: string;
  prefix: string;
}

/** The s3 driver's config for a location on a connection, credentials already resolved. */
export function s3DriverConfig(connection: Connection, credentials: ResolvedCredentials | null, location: UpstreamLocation): S3DriverConfig {
  return {
    endpoint: connection.settings.endpoint,
    region: connection.settings.region,
    bucket: location.bucket,
    prefix: location.prefix,
    pathStyle: connection.settings.addressing === 'path',
    conditionalWrites: connection.settings.conditionalWrites ?? false,
    credentials: credentials && {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    },
  };
}

/**
 * Probes a connection (its probe bucket, or the service when it has none) or a location on it.
 * Credentials that cannot be resolved fail the probe at `auth` with the provider's reason.
 */
export async function probeConnection(env: Env, live: LiveConnection, location?: UpstreamLocation): Promise<ProbeOutcome> {
  let credentials: ResolvedCredentials | null;
  try {
    credentials = await resolveCredentials(live, env);
  } catch (error) {
    if (error instanceof CredentialUnavailableError) return { ok: false, field: 'auth', reason: error.message };
    throw error;
  }
  const target = location ?? { bucket: live.connection.settings.probeBucket ?? '', prefix: '' };
  return probeS3Upstream(s3DriverConfig(live.connection, credentials, target), parseAllowList(env.ALLOWED_UPSTREAM_HOSTS));
}
