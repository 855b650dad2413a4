import { chunkReader, type ChunkReader } from '../core/chunk-reader';

/**
 * Counts the bytes a body actually streamed, without buffering it: a pull-driven wrapper that
 * reads its source only when its own consumer asks (so an unread body stays unread, ADR 0012) and
 * reports the total once, when the stream ends, errors or is cancelled (a client that went away).
 */
export interface CountedStream {
  stream: ReadableStream<Uint8Array>;
  /** Resolves with the bytes passed on, once the stream is over whichever way it ended. */
  ended: Promise<number>;
}

/** For a body of unknown length (a request payload, a keep-alive answer); passDeclaredLength otherwise. */
export function countBytes(source: ReadableStream<Uint8Array>, onChunk?: (bytes: number) => void): CountedStream {
  let total = 0;
  let finish!: (bytes: number) => void;
  const ended = new Promise<number>((resolve) => (finish = resolve));
  let reader: ChunkReader | undefined;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        reader ??= chunkReader(source);
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          finish(total);
          throw error;
        }
        if (chunk.done) {
          controller.close();
          finish(total);
          return;
        }
        total += chunk.value.byteLength;
        onChunk?.(chunk.value.byteLength);
        controller.enqueue(chunk.value);
      },
      cancel(reason) {
        finish(total);
        return reader ? reader.cancel(reason) : source.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, ended };
}

/**
 * A body of declared length needs no counting in JavaScript: a native pipe passes it on (workerd
 * moves the bytes without waking the isolate per piece, which for a 1 KiB GET costs more than the
 * whole of SigV4; ADR 0026) and, when the pipe completes, what went out is that length. A client
 * that leaves midway is counted as 0 bytes out: nothing says how much of the body reached it, and
 * usage must never count bytes that may not have been delivered.
 */
export function passDeclaredLength(source: ReadableStream<Uint8Array>, length: number): CountedStream {
  const { readable, writable } = new FixedLengthStream(length);
  const ended = source.pipeTo(writable).then(
    () => length,
    () => 0,
  );
  return { stream: readable, ended };
}
