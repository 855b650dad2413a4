import type { ProbeOutcome } from './driver-types';
import type { EndpointRefusal } from './endpoint-guard';

/** What a network driver's validation probe can meet: the members every driver's failure union shares. */
export type ProbedFailure =
  | { kind: 'response'; status: number; code?: string }
  | { kind: 'redirect'; status: number }
  | { kind: 'timeout' }
  | { kind: 'unreachable' }
  | { kind: 'endpoint-refused'; reason: EndpointRefusal }
  | { kind: 'malformed-response' };

/** How one driver's probe words its reasons and reads its upstream's answers. */
export interface ProbeWording {
  /** What the other side is called in a reason: `upstream` or `server`. */
  peer: string;
  /** What a readable answer would have been: `S3`, `Azure Blob storage`, `WebDAV`. */
  protocol: string;
  /** What the operator should check after a redirect (`the account URL`, …). */
  afterRedirect: string;
  timeoutMs: number;
  /** Error codes (besides 401/403) that blame the credentials. */
  authCodes?: ReadonlySet<string>;
  /** Error codes and statuses that blame the bucket, container or collection. */
  bucketCodes?: ReadonlySet<string>;
  bucketStatuses: readonly number[];
}

/**
 * The probe's refusal for a failed call: which field of the configuration to fix, and why. The
 * reason carries the status and error code, never the upstream's message, request id or host.
 */
export function describeProbeFailure(call: string, failure: ProbedFailure, wording: ProbeWording): Extract<ProbeOutcome, { ok: false }> {
  const { peer } = wording;
  const endpoint = (reason: string) => ({ ok: false as const, field: 'endpoint' as const, reason: `${call}: ${reason}` });
  switch (failure.kind) {
    case 'timeout':
      return endpoint(`the ${peer} did not answer within ${wording.timeoutMs / 1000}s`);
    case 'unreachable':
      return endpoint(`the ${peer} is unreachable (connection refused, reset, DNS or TLS failure)`);
    case 'redirect':
      return endpoint(`the ${peer} redirected (${failure.status}); redirects are never followed — check ${wording.afterRedirect}`);
    case 'endpoint-refused':
      return endpoint(`refused by the SSRF guard (${failure.reason})`);
    case 'malformed-response':
      return endpoint(`the ${peer}'s answer is not ${wording.protocol}`);
    case 'response': {
      const reason = `${call}: the ${peer} answered ${failure.status}${failure.code ? ` ${failure.code}` : ''}`;
      const code = failure.code;
      if ((code && wording.authCodes?.has(code)) || failure.status === 401 || failure.status === 403) return { ok: false, field: 'auth', reason };
      if ((code && wording.bucketCodes?.has(code)) || wording.bucketStatuses.includes(failure.status)) return { ok: false, field: 'bucket', reason };
      return { ok: false, field: 'endpoint', reason };
    }
  }
}
