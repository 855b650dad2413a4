import { chunkReader, type ChunkReader } from '../../core/chunk-reader';

/**
 * Cuts one stream into consecutive sub-streams of given lengths (a part larger than Azure's block
 * limit becomes several blocks), holding at most one chunk: nothing is buffered beyond what the
 * source hands over. Take the slices in order, each read to its end before the next.
 */
export class StreamSlicer {
  private readonly reader: ChunkReader;
  private leftover: Uint8Array | null = null;

  constructor(source: ReadableStream<Uint8Array>) {
    this.reader = chunkReader(source);
  }

  next(length: number): ReadableStream<Uint8Array> {
    let remaining = length;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (remaining === 0) {
          controller.close();
          return;
        }
        let chunk = this.leftover;
        this.leftover = null;
        if (!chunk) {
          const read = await this.reader.read();
          if (read.done) {
            controller.error(new Error('the body ended before its declared length'));
            return;
          }
          chunk = read.value;
        }
        if (chunk.byteLength > remaining) {
          this.leftover = chunk.subarray(remaining);
          chunk = chunk.subarray(0, remaining);
        }
        remaining -= chunk.byteLength;
        controller.enqueue(chunk);
        if (remaining === 0) controller.close();
      },
      cancel: (reason) => this.reader.cancel(reason),
    });
  }

  /**
   * Reads the source past its last slice, so a stage before the slicer (the part's MD5) sees the
   * end; a source longer than its slices is an error.
   */
  async finish(): Promise<void> {
    const read = this.leftover?.byteLength ? { done: false } : await this.reader.read();
    if (!read.done) throw new Error('the body is longer than its declared length');
  }
}
