import { S3Error } from '../../core/s3-error';
import { type AllowList, checkEndpoint } from '../endpoint-guard';
import type { ProbeOutcome } from '../driver-types';
import { describeProbeFailure, type ProbeWording } from '../probe-failure';
import { UpstreamClient } from './client';
import type { S3DriverConfig } from './config';
import type { UpstreamFailure } from './errors';

/** Probes are interactive (an admin waits): a short bound, whatever the bucket's own timeout. */
const PROBE_TIMEOUT_MS = 10_000;
const WORDING: ProbeWording = {
  peer: 'upstream',
  protocol: 'S3',
  afterRedirect: 'the endpoint, region and addressing',
  timeoutMs: PROBE_TIMEOUT_MS,
  authCodes: new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'AccessDenied', 'AuthorizationHeaderMalformed']),
  bucketCodes: new Set(['NoSuchBucket']),
  bucketStatuses: [404],
};

/**
 * Validate-before-save (adrs/0019): for a bucket (config.bucket non-empty), ListObjectsV2 with max-keys=1 under the prefix, then a HEAD of
 * the bucket, through the driver's own client (same signing, addressing and SSRF guard as real
 * traffic). The reason carries the upstream's status and error code, never its message, request
 * id or host: those may name accounts, and the code is what the operator needs.
 */
export async function probeS3Upstream(config: S3DriverConfig, allowList: AllowList): Promise<ProbeOutcome> {
  const checked = checkEndpoint(config.endpoint, allowList);
  if (!checked.ok) return { ok: false, field: 'endpoint', reason: `refused by the SSRF guard (${checked.reason}): ${checked.detail}` };
  const bounded = { ...config, timeoutMs: Math.min(config.timeoutMs ?? PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS), retries: 0 };
  // No bucket (a connection saved without one to probe): ListBuckets on the service, path-style.
  const client = new UpstreamClient(config.bucket === '' ? { ...bounded, pathStyle: true } : bounded, allowList);
  const calls = config.bucket === '' ? [{ name: 'ListBuckets', method: 'GET' as const, query: [] }] : [
    { name: 'ListObjectsV2', method: 'GET' as const, query: [['list-type', '2'], ['max-keys', '1'], ['prefix', config.prefix]] as [string, string][] },
    { name: 'HeadBucket', method: 'HEAD' as const, query: [] },
  ];
  for (const call of calls) {
    let outcome: Response | UpstreamFailure;
    try {
      outcome = await client.probe({ method: call.method, query: call.query, idempotent: true, context: { subject: 'bucket' } });
    } catch (error) {
      if (error instanceof S3Error) return { ok: false, field: 'endpoint', reason: `${call.name}: ${error.message}` };
      throw error;
    }
    if (outcome instanceof Response) {
      await outcome.body?.cancel();
      continue;
    }
    return describeProbeFailure(call.name, outcome, WORDING);
  }
  return { ok: true };
}

