import type { ProbeOutcome } from './driver-types';
import type { EndpointRefusal } from './endpoint-guard';

/**
 * What went wrong talking to a network upstream, reduced to facts that name nothing upstream-
 * specific: every network driver's failure is this, its `response` member extended with what that
 * driver reads from an error answer.
 */
export type ProbedFailure =
  /** An error status; `code` is the upstream's error code when it gave one. */
  | { kind: 'response'; status: number; code?: string }
  /** A 3xx: never followed (it could point anywhere, including inside the network). */
  | { kind: 'redirect'; status: number }
  /** No response headers within the configured bound. */
  | { kind: 'timeout' }
  /** The connection failed (refused, reset, DNS, TLS). */
  | { kind: 'unreachable' }
  /** The configured endpoint fails the SSRF guard. */
  | { kind: 'endpoint-refused'; reason: EndpointRefusal }
  /** A success status with a body or headers the driver cannot use. */
  | { kind: 'malformed-response' };

/** A driver's failure: the shared members, and its own `response` with what it reads from error answers. */
export type DriverFailure<Answer extends object = object> =
  | Exclude<ProbedFailure, { kind: 'response' }>
  | ({ kind: 'response'; status: number } & Answer);

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
