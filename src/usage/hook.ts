import type { RequestHooks } from '../hooks/request-hooks';
import { UsageBuffer } from './d1-buffer';
import { usageRecordOf } from './record';

/** The isolate's buffer for the D1 path (a Worker isolate serves many requests). */
const isolateBuffer = new UsageBuffer();

/**
 * One usage record per request (adrs/0024), once its body has ended so the bytes are what
 * streamed: into Analytics Engine when USAGE is bound (what production should use: no D1 writes,
 * nothing held in memory), else summed into `buffer` and flushed to D1 by size or age.
 *
 * Analytics Engine data point: blobs = [bucket, principal, operation, frontDoor, errorCode],
 * doubles = [requests (1), bytesIn, bytesOut, errors (0|1), durationMs], index = bucket.
 */
export function usageRecorder(buffer: UsageBuffer = isolateBuffer): RequestHooks {
  return {
    async after(_request, response, { env, info }) {
      const record = usageRecordOf(info, response.status);
      if (env.USAGE) {
        env.USAGE.writeDataPoint({
          indexes: [record.bucket],
          blobs: [record.bucket, record.principal, record.operation, info.frontDoor, info.errorCode ?? ''],
          doubles: [1, record.bytesIn, record.bytesOut, record.error ? 1 : 0, info.durationMs ?? 0],
        });
        return;
      }
      const now = Date.now();
      buffer.add(record, now);
      if (buffer.due(now)) await buffer.flush(env);
    },
  };
}
