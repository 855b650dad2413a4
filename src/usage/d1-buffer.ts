import type { Env } from '../env';
import { errorText, log } from '../core/log';
import type { UsageRecord } from './record';

/** Sums of one day × bucket × principal × operation, as `usage_daily` holds them. */
interface Aggregate {
  day: string;
  bucket: string;
  principal: string;
  operation: string;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  errors: number;
}

export interface UsageBufferOptions {
  /** Flush once this many distinct aggregates are held. */
  maxRows: number;
  /** Flush once the oldest held record is this old (checked when a record arrives). */
  maxAgeMs: number;
}

export const DEFAULT_USAGE_BUFFER: UsageBufferOptions = { maxRows: 100, maxAgeMs: 10_000 };

/**
 * Usage on its way into D1 when no Analytics Engine dataset is bound (adrs/0024): records are
 * summed in isolate memory per day × bucket × principal × operation and written as one batch of
 * upserts (`requests = requests + …`) by size or age, from the request hook's waitUntil. A burst
 * of a thousand GETs on one bucket is one row write, not a thousand.
 *
 * What is held when an isolate is evicted is lost (at most `maxRows` aggregates or `maxAgeMs` of
 * traffic per isolate); a quiet isolate flushes its last records with the next request. Exact
 * metering is Analytics Engine's job; this keeps a deployment without it honest to within that.
 */
export class UsageBuffer {
  private held = new Map<string, Aggregate>();
  private oldestAt = 0;

  constructor(private readonly options: UsageBufferOptions = DEFAULT_USAGE_BUFFER) {}

  add(record: UsageRecord, now: number): void {
    const key = `${record.day}\n${record.bucket}\n${record.principal}\n${record.operation}`;
    let sum = this.held.get(key);
    if (!sum) {
      if (this.held.size === 0) this.oldestAt = now;
      sum = { day: record.day, bucket: record.bucket, principal: record.principal, operation: record.operation, requests: 0, bytesIn: 0, bytesOut: 0, errors: 0 };
      this.held.set(key, sum);
    }
    sum.requests += 1;
    sum.bytesIn += record.bytesIn;
    sum.bytesOut += record.bytesOut;
    if (record.error) sum.errors += 1;
  }

  /** Whether the next flush is due: enough rows, or the oldest has waited long enough. */
  due(now: number): boolean {
    return this.held.size >= this.options.maxRows || (this.held.size > 0 && now - this.oldestAt >= this.options.maxAgeMs);
  }

  /**
   * Writes everything held in one D1 batch. The buffer is emptied first, so records that arrive
   * meanwhile wait for the next flush instead of being written twice; a failed batch is logged
   * and dropped (usage is best-effort without Analytics Engine; it must not grow without bound).
   */
  async flush(env: Pick<Env, 'DB'>): Promise<void> {
    if (this.held.size === 0) return;
    const rows = [...this.held.values()];
    this.held = new Map();
    const upsert = env.DB.prepare(
      `INSERT INTO usage_daily (day, bucket, principal, operation, requests, bytes_in, bytes_out, errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (day, bucket, principal, operation) DO UPDATE SET requests = requests + excluded.requests,
         bytes_in = bytes_in + excluded.bytes_in, bytes_out = bytes_out + excluded.bytes_out, errors = errors + excluded.errors`,
    );
    try {
      await env.DB.batch(rows.map((r) => upsert.bind(r.day, r.bucket, r.principal, r.operation, r.requests, r.bytesIn, r.bytesOut, r.errors)));
    } catch (error) {
      log.error('usage flush failed', { rows: rows.length, requests: rows.reduce((n, r) => n + r.requests, 0), error: errorText(error) });
    }
  }
}
