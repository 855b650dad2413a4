/**
 * Answers kept in isolate memory for a while: the registry's records (src/registry/cache.ts) and
 * the session deny-list's KV answers (src/registry/revocations.ts). Bounded, oldest forgotten
 * first. A reader takes `epoch` before its I/O and hands it back to `keep`: any `forget` in
 * between (a write in this isolate) makes that keep a no-op, so what a read that overlapped a write
 * found is never kept. Values are plain data, never in-flight promises: workerd cancels a request
 * that waits on I/O another request started.
 */
export class KeptAnswers<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  #epoch = 0;

  constructor(ttlMs: number, maxEntries: number) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  /** The kept answer (in a box, since null is an answer), or undefined when none is younger than the TTL. */
  get(key: string): { value: V } | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > Date.now()) return entry;
    this.#entries.delete(key);
    return undefined;
  }

  get epoch(): number {
    return this.#epoch;
  }

  /** Keeps `value` unless a `forget` happened since `epoch` was read. */
  keep(key: string, value: V, epoch: number): void {
    if (epoch !== this.#epoch) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt: Date.now() + this.#ttlMs });
  }

  /** After a write: the answer for `key` (every answer without one) is gone, and reads in flight are not kept. */
  forget(key?: string): void {
    this.#epoch++;
    if (key === undefined) this.#entries.clear();
    else this.#entries.delete(key);
  }
}
