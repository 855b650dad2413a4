import { KeptAnswers } from '../core/kept-answers';
import { errorText, log } from '../core/log';
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
 * - KV entries are versioned against writes: a fill carries when its D1 read began (metadata
 *   `loadedAt`), and `invalidate` leaves a write marker (`…/written/<kind>/<id>` = when the write
 *   finished) before deleting the entry. A fill that read D1 before the write but reached KV after
 *   the delete (another request or isolate racing the admin write) is older than the marker and
 *   is read as a miss — without this it served the old record for a full KV TTL (issue 7 item 10a).
 *
 * Entries are plain values, never in-flight promises: workerd cancels a request that waits on
 * I/O another request started.
 */
export const ISOLATE_TTL_MS = 5_000;
/** KV rejects an expirationTtl below 60 seconds. */
export const KV_TTL_SECONDS = 60;
/** A marker must outlive any fill that raced its write: that fill lands within seconds and lives KV_TTL_SECONDS. */
const WRITE_MARKER_TTL_SECONDS = 2 * KV_TTL_SECONDS;
const ISOLATE_MAX_ENTRIES = 1_000;
const KV_PREFIX = 'registry/v1';

export interface RecordCacheSource<Stored, Live> {
  /** Names the records in KV keys: `registry/v1/<kind>/<id>`. */
  kind: string;
  /** Validates what KV returns; anything else (an older shape) is treated as a miss. */
  stored: z.ZodType<Stored>;
  /**
   * Ids that cannot name a record are answered null before any tier is asked (KV keys are bounded;
   * attackers choose ids). Checked only when this isolate holds no fresh answer for the id: an
   * answer is kept only for an id that passed, so the hot path (a memory hit) skips the check.
   */
  acceptsId?(id: string): boolean;
  /** The authoritative read from D1. */
  load(env: Env, id: string): Promise<Stored | null>;
  /** Stored form → what callers use (e.g. opens a sealed secret). */
  hydrate(env: Env, stored: Stored): Promise<Live>;
}

/** KV metadata of a fill: when the D1 read it holds began (ms since the epoch). */
interface FillMetadata {
  loadedAt: number;
}

export class RecordCache<Stored, Live> {
  readonly #source: RecordCacheSource<Stored, Live>;
  /** Invalidation forgets an id here, so a read that overlapped the write does not keep what it read. */
  readonly #memory = new KeptAnswers<Live | null>(ISOLATE_TTL_MS, ISOLATE_MAX_ENTRIES);

  constructor(source: RecordCacheSource<Stored, Live>) {
    this.#source = source;
  }

  async get(env: Env, id: string): Promise<Live | null> {
    const kept = this.#memory.get(id);
    if (kept) return kept.value;
    if (this.#source.acceptsId && !this.#source.acceptsId(id)) return null;

    const epoch = this.#memory.epoch;
    let stored: Stored | null | undefined = await this.#readKv(env, id);
    if (stored === undefined) {
      // Stamped before the read: a write that finishes after this instant outdates what we load.
      const loadedAt = Date.now();
      stored = await this.#source.load(env, id);
      if (stored !== null && epoch === this.#memory.epoch) await this.#writeKv(env, id, stored, loadedAt);
    }
    const value = stored === null ? null : await this.#source.hydrate(env, stored);
    this.#memory.keep(id, value, epoch);
    return value;
  }

  /** Call after every write of the record: this isolate sees the write at once, KV within a minute everywhere. */
  async invalidate(env: Env, id: string): Promise<void> {
    this.#memory.forget(id);
    try {
      // Marker first: once it is in place, no fill that read D1 before this write is served.
      await env.CACHE.put(this.#markerKey(id), String(Date.now()), { expirationTtl: WRITE_MARKER_TTL_SECONDS });
    } catch (error) {
      // KV allows one write per second per key: a marker written a moment ago still covers fills older than it.
      logCacheError('mark', this.#source.kind, error);
    }
    try {
      await env.CACHE.delete(this.#kvKey(id));
    } catch (error) {
      // The write itself succeeded; a stale KV copy now lives at most KV_TTL_SECONDS.
      logCacheError('delete', this.#source.kind, error);
    }
  }

  /** Drops this isolate's copies only (what a fresh isolate sees); KV is left as it is. */
  forgetIsolateCopies(): void {
    this.#memory.forget();
  }

  #kvKey(id: string): string {
    return `${KV_PREFIX}/${this.#source.kind}/${id}`;
  }

  #markerKey(id: string): string {
    return `${KV_PREFIX}/written/${this.#source.kind}/${id}`;
  }

  /**
   * The stored record, or undefined on a miss (absent, unreadable, an outdated shape, or a fill
   * whose D1 read began before the last write's marker). Entry and marker come in one bulk read.
   */
  async #readKv(env: Env, id: string): Promise<Stored | undefined> {
    try {
      const entryKey = this.#kvKey(id);
      const markerKey = this.#markerKey(id);
      const found = await env.CACHE.getWithMetadata<unknown, FillMetadata>([entryKey, markerKey], 'json');
      const entry = found.get(entryKey);
      if (!entry || entry.value === null) return undefined;
      const writtenAt = Number(found.get(markerKey)?.value ?? NaN);
      // `<=`: Date.now() only advances with I/O, so equal stamps cannot be ordered; reload rather than guess.
      if (Number.isFinite(writtenAt) && !((entry.metadata?.loadedAt ?? 0) > writtenAt)) return undefined;
      const parsed = this.#source.stored.safeParse(entry.value);
      return parsed.success ? parsed.data : undefined;
    } catch (error) {
      logCacheError('read', this.#source.kind, error);
      return undefined;
    }
  }

  async #writeKv(env: Env, id: string, stored: Stored, loadedAt: number): Promise<void> {
    const metadata: FillMetadata = { loadedAt };
    try {
      await env.CACHE.put(this.#kvKey(id), JSON.stringify(stored), { expirationTtl: KV_TTL_SECONDS, metadata });
    } catch (error) {
      // KV allows one write per second per key; a concurrent fill elsewhere is as good as ours.
      logCacheError('write', this.#source.kind, error);
    }
  }
}

function logCacheError(op: 'read' | 'write' | 'delete' | 'mark', kind: string, error: unknown): void {
  log.warn(`registry cache ${op} failed`, { kind, error: errorText(error) });
}
