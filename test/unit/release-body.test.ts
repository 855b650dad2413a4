import { describe, expect, it } from 'vitest';
import { pullThrough } from '../../src/auth/stage';
import { S3Error } from '../../src/core/s3-error';
import { readBoundedBytes } from '../../src/core/bounded-body';
import { DRAIN_LIMIT_BYTES, releaseBody } from '../../src/core/release-body';

/** A body of `pieces` × `pieceBytes` that records how much was pulled and whether it was cancelled. */
function recordedBody(pieces: number, pieceBytes: number) {
  const seen = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (seen.pulled === pieces) return controller.close();
        seen.pulled++;
        controller.enqueue(new Uint8Array(pieceBytes));
      },
      cancel() {
        seen.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, seen };
}

describe('releaseBody: the rest of a body the gateway stops reading', () => {
  it('is read to its end, never cancelled, and the stream is let go', async () => {
    const { stream, seen } = recordedBody(10, 64 * 1024);
    const reader = stream.getReader();
    await reader.read();
    await releaseBody(reader);
    expect(seen).toEqual({ pulled: 10, cancelled: false });
    expect(stream.locked).toBe(false);
  });

  it('stops taking in at DRAIN_LIMIT_BYTES, still without cancelling', async () => {
    const piece = 1024 * 1024;
    const { stream, seen } = recordedBody(DRAIN_LIMIT_BYTES / piece + 50, piece);
    await releaseBody(stream.getReader());
    expect(seen.pulled).toBe(DRAIN_LIMIT_BYTES / piece + 1);
    expect(seen.cancelled).toBe(false);
    expect(stream.locked).toBe(false);
  });

  it('readBoundedBytes refuses an oversized body and releases the rest instead of cancelling it', async () => {
    const { stream, seen } = recordedBody(8, 1024);
    expect(await readBoundedBytes(stream, 2048)).toBeNull();
    expect(seen).toEqual({ pulled: 8, cancelled: false });
  });

  it('a failing payload stage releases the source instead of cancelling it', async () => {
    const { stream, seen } = recordedBody(8, 1024);
    const failing = pullThrough(stream, {
      transform: () => {
        throw new S3Error('IncompleteBody', 'too long');
      },
      flush: () => {},
    });
    await expect(failing.getReader().read()).rejects.toMatchObject({ code: 'IncompleteBody' });
    expect(seen).toEqual({ pulled: 8, cancelled: false });
  });
});
