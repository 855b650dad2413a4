/**
 * A reader that hands over a stream in pieces of at least MIN_CHUNK_BYTES (the last one may be
 * shorter) — the one way the gateway reads a body it passes on through JavaScript.
 *
 * Why: workerd delivers fetch and request bodies in 4 KiB pieces. Every piece that crosses into
 * JavaScript (a counting, hashing or re-framing stage) costs a promise round trip, and at 4 KiB that
 * caps a JS-staged transfer near 15–30 MiB/s where a native pipe moves 150–200 MiB/s (measured
 * under `wrangler dev`, ADR 0026). Reading with workerd's `readAtLeast` on a BYOB reader gathers
 * 64 KiB per round trip, which brings a JS stage back to within noise of the native pipe.
 *
 * Streams made in JavaScript (not byte streams) have no BYOB reader: they are read as they come,
 * which also keeps a trickle (e.g. keep-alive whitespace) from waiting for a full piece.
 */
export const MIN_CHUNK_BYTES = 64 * 1024;

export type ChunkRead = { done: false; value: Uint8Array } | { done: true; value?: undefined };

export interface ChunkReader {
  read(): Promise<ChunkRead>;
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
}

export function chunkReader(source: ReadableStream<Uint8Array>): ChunkReader {
  let byob: AtLeastReader;
  try {
    byob = source.getReader({ mode: 'byob' }) as unknown as AtLeastReader;
  } catch {
    const reader = source.getReader();
    return {
      read: async () => {
        const { done, value } = await reader.read();
        return done ? { done: true } : { done: false, value };
      },
      cancel: (reason) => reader.cancel(reason),
      releaseLock: () => reader.releaseLock(),
    };
  }
  // readAtLeast may end the stream and hand over its last bytes in one answer: those go out first.
  let ended = false;
  return {
    async read() {
      if (ended) return { done: true, value: undefined };
      const { done, value } = await byob.readAtLeast(MIN_CHUNK_BYTES, new Uint8Array(MIN_CHUNK_BYTES * 2));
      if (done) ended = true;
      if (value !== undefined && value.byteLength > 0) return { done: false, value };
      return { done: true, value: undefined };
    },
    cancel: (reason) => byob.cancel(reason),
    releaseLock: () => byob.releaseLock(),
  };
}

/** workerd's BYOB reader, named here so this file also type-checks where Node's stream types apply. */
interface AtLeastReader {
  readAtLeast(minBytes: number, view: Uint8Array): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
}
