import type { z } from 'zod';
import type { Env } from '../env';

/**
 * Read-through cache for registry records: isolate memory → KV → D1 (see adrs/0002).
 *
 * - Isolate memory holds the live form (which may include a decrypted secret) for a few seconds,
 *   negative results included, so a burst of requests for one bucket or key, good or bad, costs
 *   one lookup per isolate.
 * - KV holds the stored form (secrets still sealed) for KV's minimum TTL. Misses are not written
 *   to KV: anyone can ask for names that do not exist, and KV writes are slow and rate limited.
 * - Writes call `invalidate`, which drops this isolate's copy at once and deletes the KV entry;
 *   other isolates may serve their copy until it expires (ISOLATE_TTL_MS), and KV deletes take
 *   up to a minute to reach every location.
 *
 * Entries are plain values, never in-flight promises: workerd cancels a request that waits on
 * I/O another request started.
 */
export const ISOLATE_TTL_MS = 5_000;
/** KV rejects an expirationTtl below 60 seconds. */
export const KV_TTL_SECONDS = 60;
const ISOLATE_MAX_ENTRIES = 1_000;
const KV_PREFIX = 'registry/v1';

export interface RecordCacheSource<Stored, Live> {
  /** Names the records in KV keys: `registry/v1/<kind>/<id>`. */
  kind: string;
  /** Validates what KV returns; anything else (an older shape) is treated as a miss. */
  stored: z.ZodType<Stored>;
  /** The authoritative read from D1. */
  load(env: Env, id: string): Promise<Stored | null>;
  /** Stored form → what callers use (e.g. opens a sealed secret). */
  hydrate(env: Env, stored: Stored): Promise<Live>;
}

interface IsolateEntry<Live> {
  value: Live | null;
  expiresAt: number;
}

export class RecordCache<Stored, Live> {
  readonly #source: RecordCacheSource<Stored, Live>;
  readonly #memory = new Map<string, IsolateEntry<Live>>();
  /** Bumped by every invalidation, so a read that overlapped a write does not cache what it read. */
  #epoch = 0;

  constructor(source: RecordCacheSource<Stored, Live>) {
    this.#source = source;
  }

  async get(env: Env, id: string): Promise<Live | null> {
    const hit = this.#memory.get(id);
    if (hit && hit.expiresAt > Date.now()) return hit.value;
    if (hit) this.#memory.delete(id);

    const epoch = this.#epoch;
    let stored: Stored | null | undefined = await this.#readKv(env, id);
    if (stored === undefined) {
      stored = await this.#source.load(env, id);
      if (stored !== null && epoch === this.#epoch) await this.#writeKv(env, id, stored);
    }
    const value = stored === null ? null : await this.#source.hydrate(env, stored);
    if (epoch === this.#epoch) this.#remember(id, value);
    return value;
  }

  /** Call after every write of the record: this isolate sees the write at once, KV within a minute everywhere. */
  async invalidate(env: Env, id: string): Promise<void> {
    this.#epoch++;
    this.#memory.delete(id);
    try {
      await env.CACHE.delete(this.#kvKey(id));
    } catch (error) {
      // The write itself succeeded; a stale KV copy now lives at most KV_TTL_SECONDS.
      logCacheError('delete', this.#source.kind, error);
    }
  }

  /** Drops this isolate's copies only (what a fresh isolate sees); KV is left as it is. */
  forgetIsolateCopies(): void {
    this.#memory.clear();
  }

  #kvKey(id: string): string {
    return `${KV_PREFIX}/${this.#source.kind}/${id}`;
  }

  /** The stored record, or undefined on a miss (absent, unreadable, or an outdated shape). */
  async #readKv(env: Env, id: string): Promise<Stored | undefined> {
    try {
      const raw = await env.CACHE.get(this.#kvKey(id), 'json');
      if (raw === null) return undefined;
      const parsed = this.#source.stored.safeParse(raw);
      return parsed.success ? parsed.data : undefined;
    } catch (error) {
      logCacheError('read', this.#source.kind, error);
      return undefined;
    }
  }

  async #writeKv(env: Env, id: string, stored: Stored): Promise<void> {
    try {
      await env.CACHE.put(this.#kvKey(id), JSON.stringify(stored), { expirationTtl: KV_TTL_SECONDS });
    } catch (error) {
      // KV allows one write per second per key; a concurrent fill elsewhere is as good as ours.
      logCacheError('write', this.#source.kind, error);
    }
  }

  #remember(id: string, value: Live | null): void {
    this.#memory.delete(id);
    if (this.#memory.size >= ISOLATE_MAX_ENTRIES) {
      const oldest = this.#memory.keys().next();
      if (!oldest.done) this.#memory.delete(oldest.value);
    }
    this.#memory.set(id, { value, expiresAt: Date.now() + ISOLATE_TTL_MS });
  }
}

function logCacheError(op: 'read' | 'write' | 'delete', kind: string, error: unknown): void {
  console.warn(JSON.stringify({ level: 'warn', msg: `registry cache ${op} failed`, kind, error: error instanceof Error ? error.message : String(error) }));
}
