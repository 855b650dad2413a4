import { describe, expect, it } from 'vitest';
import { chunkReader, MIN_CHUNK_BYTES } from '../../src/core/chunk-reader';

/** A native byte stream that arrives in 4 KiB pieces, as workerd hands over fetch and request bodies. */
function nativeBody(bytes: Uint8Array, pieceBytes = 4096): ReadableStream<Uint8Array> {
  const { readable, writable } = new IdentityTransformStream();
  void (async () => {
    const writer = writable.getWriter();
    for (let offset = 0; offset < bytes.byteLength; offset += pieceBytes) await writer.write(bytes.slice(offset, offset + pieceBytes));
    await writer.close();
  })();
  return readable as ReadableStream<Uint8Array>;
}

function patterned(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

async function readAll(reader: ReturnType<typeof chunkReader>): Promise<{ bytes: Uint8Array; sizes: number[] }> {
  const sizes: number[] = [];
  const pieces: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    sizes.push(value.byteLength);
    pieces.push(value);
  }
  const bytes = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
  let offset = 0;
  for (const piece of pieces) {
    bytes.set(piece, offset);
    offset += piece.byteLength;
  }
  return { bytes, sizes };
}

describe('chunkReader', () => {
  it('gathers a native stream of 4 KiB pieces into pieces of at least 64 KiB, bytes unchanged', async () => {
    const source = patterned(5 * MIN_CHUNK_BYTES + 12345);
    const { bytes, sizes } = await readAll(chunkReader(nativeBody(source)));
    expect(bytes).toEqual(source);
    expect(sizes.slice(0, -1).every((size) => size >= MIN_CHUNK_BYTES)).toBe(true);
    expect(sizes.length).toBeLessThanOrEqual(6);
  });

  it('hands over a native body shorter than one piece whole, then ends', async () => {
    const source = patterned(1000);
    const { bytes, sizes } = await readAll(chunkReader(nativeBody(source, 100)));
    expect(bytes).toEqual(source);
    expect(sizes).toEqual([1000]);
  });

  it('ends an empty native body at once', async () => {
    const { bytes } = await readAll(chunkReader(nativeBody(new Uint8Array(0))));
    expect(bytes.byteLength).toBe(0);
  });

  it('reads a JavaScript stream as it comes, so a trickle is not held back for a full piece', async () => {
    const pieces = [new Uint8Array([1]), new Uint8Array([2, 3])];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = pieces.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const { sizes } = await readAll(chunkReader(stream));
    expect(sizes).toEqual([1, 2]);
  });

  it('cancels its source', async () => {
    let cancelled: unknown;
    const stream = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(new Uint8Array(8)), cancel: (reason) => void (cancelled = reason) });
    const reader = chunkReader(stream);
    await reader.read();
    await reader.cancel('stop');
    expect(cancelled).toBe('stop');
  });
});
