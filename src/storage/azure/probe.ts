import { type AllowList, checkEndpoint } from '../endpoint-guard';
import type { ProbeOutcome } from '../driver-types';
import { isStorageError } from '../errors';
import { AzureClient } from './client';
import type { AzureDriverConfig } from './config';
import { type AzureFailure, CONTAINER_CODES, CREDENTIAL_CODES } from './errors';
import { describeProbeFailure, type ProbeWording } from '../probe-failure';

/** Probes are interactive (an admin waits): a short bound, whatever the bucket's own timeout. */
const PROBE_TIMEOUT_MS = 10_000;

const WORDING: ProbeWording = {
  peer: 'upstream',
  protocol: 'Azure Blob storage',
  afterRedirect: 'the account URL',
  timeoutMs: PROBE_TIMEOUT_MS,
  authCodes: CREDENTIAL_CODES,
  bucketCodes: CONTAINER_CODES,
  bucketStatuses: [404],
};

/**
 * Validate-before-save (adrs/0019): List Blobs with maxresults=1 under the prefix, then Get
 * Container Properties, through the driver's own client (same authorization, addressing and SSRF
 * guard as real traffic). The reason carries the call, Azure's status and error code, never its
 * message, request id or host: those may name the account, and the code is what the operator needs.
 */
export async function probeAzureUpstream(config: AzureDriverConfig, allowList: AllowList): Promise<ProbeOutcome> {
  const checked = checkEndpoint(config.accountUrl, allowList);
  if (!checked.ok) return { ok: false, field: 'endpoint', reason: `refused by the SSRF guard (${checked.reason}): ${checked.detail}` };
  const client = new AzureClient({ ...config, timeoutMs: Math.min(config.timeoutMs ?? PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS), retries: 0 }, allowList);
  const calls = [
    { name: 'ListBlobs', query: [['restype', 'container'], ['comp', 'list'], ['maxresults', '1'], ['prefix', config.prefix]] as [string, string][] },
    { name: 'GetContainerProperties', query: [['restype', 'container']] as [string, string][] },
  ];
  for (const call of calls) {
    let outcome: Response | AzureFailure;
    try {
      outcome = await client.probe({ method: 'GET', query: call.query, idempotent: true, context: { subject: 'container' } });
    } catch (error) {
      // Addressing refused before sending (a container name the URL parser would move).
      if (isStorageError(error)) return { ok: false, field: 'bucket', reason: `${call.name}: the container name cannot be addressed` };
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

