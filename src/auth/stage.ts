import { releaseBody } from '../core/release-body';
import { chunkReader } from '../core/chunk-reader';

/**
 * One step of the payload pipeline: sees every piece in order, may emit pieces, and has the last
 * word at the end (where whole-payload checks fail). Throwing an S3Error errors the stream.
 */
export interface Stage {
  transform(chunk: Uint8Array, emit: (chunk: Uint8Array) => void): void | Promise<void>;
  flush(emit: (chunk: Uint8Array) => void): void | Promise<void>;
}

/**
 * Runs `stage` over `source` on demand. Unlike pipeThrough, nothing is read from `source` until
 * the consumer asks: a handler that answers without reading the body (a refused ACL, an early
 * error) leaves the request stream untouched instead of a pump failing in the background when
 * the client goes away. Cancelling the result cancels `source`; a failing stage releases it.
 */
export function pullThrough(source: ReadableStream<Uint8Array>, stage: Stage): ReadableStream<Uint8Array> {
  const reader = chunkReader(source);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let emitted = false;
        const emit = (chunk: Uint8Array) => {
          emitted = true;
          controller.enqueue(chunk);
        };
        let sourceDone = false;
        try {
          // A pull that enqueues nothing is not called again, so read until something comes out.
          while (!emitted) {
            const { value, done } = await reader.read();
            if (done) {
              sourceDone = true;
              await stage.flush(emit);
              controller.close();
              return;
            }
            await stage.transform(value, emit);
          }
        } catch (error) {
          // Stop reading for the consumer on a failed check; the rest of the upload is released, not
          // cancelled, so the client still gets the S3 error (release-body.ts).
          if (!sourceDone) await releaseBody(reader);
          throw error;
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/** The same stage as a TransformStream, for callers that pipe. */
export function stageTransformStream(stage: Stage): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform: (chunk, controller) => stage.transform(chunk, (c) => controller.enqueue(c)),
    flush: (controller) => stage.flush((c) => controller.enqueue(c)),
  });
}
