import type { RequestInfo } from '../hooks/request-hooks';

/** One request as usage counts it: where, by whom, what, and the bytes that streamed. */
export interface UsageRecord {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  /** '' when the request had no bucket (ListBuckets, STS, admin). */
  bucket: string;
  principal: string;
  operation: string;
  bytesIn: number;
  bytesOut: number;
  /** The answer's status was 400 or above. */
  error: boolean;
}

export function usageRecordOf(info: RequestInfo, status: number): UsageRecord {
  return {
    day: new Date(info.startedAt).toISOString().slice(0, 10),
    bucket: info.bucket ?? '',
    principal: info.principal ?? 'anonymous',
    operation: info.operation ?? info.frontDoor,
    bytesIn: info.bytesIn ?? 0,
    bytesOut: info.bytesOut ?? 0,
    error: status >= 400,
  };
}
