/**
 * The gateway's one rule for a request body it stops reading before the end (ADR 0012): never
 * `cancel()` it — read the rest to its end, up to DRAIN_LIMIT_BYTES, then let go of the stream.
 * A body nothing has read at all is simply left alone: the runtime reads it to its end itself.
 *
 * Measured under `wrangler dev` (wrangler 4.164, workerd 1.2026111x): cancelling a body the client
 * is still sending makes wrangler's proxy fail the request ("Network connection lost"), so the
 * client gets a 500 or a reset instead of the S3 error; letting go of it half-read does the same
 * about half the time. A body read to its end — by the runtime when untouched, by this function
 * otherwise — always gets the S3 answer, on a connection that stays open for the next request.
 * The price is that a refused upload is answered once it has arrived. Cloudflare's edge refuses
 * request bodies over 100 MB on most plans, so in production the bound is rarely reached; it
 * keeps a local or enterprise-plan run from taking in gigabytes for nothing.
 */
export const DRAIN_LIMIT_BYTES = 100 * 1024 * 1024;

/** Releases the rest of a body through the reader that was reading it (by the rule above); never throws. */
export async function releaseBody(reader: BodyReader): Promise<void> {
  try {
    for (let taken = 0; taken <= DRAIN_LIMIT_BYTES; ) {
      const { done, value } = await reader.read();
      if (done) return;
      taken += value?.byteLength ?? 0;
    }
  } catch {
    // A body that fails while being read out (the client went away, a failed check) has nothing left to release.
  } finally {
    reader.releaseLock();
  }
}

/** A default reader or a ChunkReader (chunk-reader.ts). */
interface BodyReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  releaseLock(): void;
}
