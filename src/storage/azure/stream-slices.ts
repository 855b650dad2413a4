/**
 * Cuts one stream into consecutive sub-streams of given lengths (a part larger than Azure's block
 * limit becomes several blocks), holding at most one chunk: nothing is buffered beyond what the
 * source hands over. Take the slices in order, each read to its end before the next.
 */
export class StreamSlicer {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private leftover: Uint8Array | null = null;

  constructor(source: ReadableStream<Uint8Array>) {
    this.reader = source.getReader();
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
}
